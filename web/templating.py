"""Jinja2 rendering: whole pages, or one block of a page for an htmx request.

A page's fragments are blocks of the page template (`{% block case_status %}` renders the element
`#case-status`), so a page and its partial updates cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from store.petition_access import ALL_ROLES as PETITION_ROLES
from store.petition_access import DESK_ROLES, FIGURES_ROLES
from store.scopes import Viewer
from store.visibility import FIGURES, may_see_rankings
from web.deps import csrf_for
from web.i18n import TEXT, UI_LABELS, event_label, label
from web.i18n.notify_text import NOTIFY_TEXT
from web.services.backlogs import LEDGER_ROLES as BACKLOG_ROLES
from web.services.cases import OFFICER_REGISTRARS, SUPERVISORS
from web.services.mailbox import READERS as MAILBOX_READERS
from web.timeutil import local, local_date
from workflows.types import Role

TEMPLATES = Path(__file__).parent / "templates"
CANNED_KEEPERS = (Role.COMMUNITY, Role.STREET, Role.DEPARTMENT, Role.ADMIN)


@dataclass(frozen=True)
class NavItem:
    href: str
    text: str
    key: str


def nav_for(role: Role | None) -> list[NavItem]:
    if role is None:
        return []
    items = [NavItem("/", TEXT["nav_inbox"], "inbox")]
    if role in SUPERVISORS:
        items.append(NavItem("/leader", TEXT["nav_leader"], "leader"))
    if role == Role.LEADER:
        items.append(NavItem("/leader/day", TEXT["rc_day_title"], "leader_day"))
    if role.value in PETITION_ROLES:
        items.append(NavItem("/petitions", TEXT["nav_petitions"], "petitions"))
    if role.value in DESK_ROLES:
        items.append(NavItem("/petitions/new", TEXT["nav_petition_register"], "petition_register"))
    if role.value in FIGURES_ROLES:
        items.append(NavItem("/petitions/figures", TEXT["nav_petition_figures"], "petition_figures"))
    if role in MAILBOX_READERS:
        items.append(NavItem("/mailbox", TEXT["nav_mailbox"], "mailbox"))
    if role.value in BACKLOG_ROLES:
        items.append(NavItem("/backlogs", TEXT["nav_backlogs"], "backlogs"))
    items.append(NavItem("/cases", TEXT["nav_cases"], "cases"))
    if role in OFFICER_REGISTRARS:
        items.append(NavItem("/cases/new", TEXT["nav_register"], "register"))
    figures = role in FIGURES  # a role with no scope of figures would only meet a 403 there
    if figures:
        items.append(NavItem("/dashboard", TEXT["nav_dashboard"], "dashboard"))
    if may_see_rankings(Viewer(role, "")):  # the district's notice board
        items.append(NavItem("/dashboard/rankings", TEXT["nav_rankings"], "rankings"))
    if figures:
        items.append(NavItem("/ledger", TEXT["nav_ledger"], "ledger"))
    if role == Role.STREET:  # 跟单: every case the street dispatched, until it is rated
        items.append(NavItem("/follow", TEXT["nav_follow"], "follow"))
    if role in CANNED_KEEPERS:  # the orgs whose officers write responses and results
        items.append(NavItem("/canned-replies", TEXT["nav_canned"], "canned"))
    if role == Role.ADMIN:
        items += [
            NavItem("/admin/users", TEXT["nav_users"], "users"),
            NavItem("/admin/orgs", TEXT["nav_orgs"], "orgs"),
            NavItem("/admin/calendar", TEXT["nav_calendar"], "calendar"),
            NavItem("/admin/weights", TEXT["nav_weights"], "weights"),
            NavItem("/admin/attention", TEXT["nav_attention"], "attention"),
            NavItem("/admin/rebuild", TEXT["nav_rebuild"], "rebuild"),
            NavItem("/admin/reception", TEXT["nav_reception"], "reception"),
            NavItem("/admin/api-keys", TEXT["nav_api_keys"], "api_keys"),
        ]
    return items


class Templates:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self.env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(("html",)),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(t=TEXT, L=UI_LABELS, label=label, event_label=event_label, nt=NOTIFY_TEXT)
        self.env.filters.update(local=local, local_date=local_date)

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        fragment: str | None = None,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        """Renders `name`, or only its block for the htmx target `fragment` when it has one."""
        template = self.env.get_template(name)
        signed_in = getattr(request.state, "signed_in", None)
        values = {
            "request": request,
            "csrf_token": csrf_for(request),
            "me": signed_in,
            "nav": nav_for(signed_in.actor.role if signed_in else None),
            "active": "",
            "flash": "",
            **(context or {}),
        }
        block = (fragment or "").replace("-", "_")
        if block and block in template.blocks:
            body = "".join(template.blocks[block](template.new_context(values)))
        else:
            body = template.render(values)
        return HTMLResponse(body, status_code=status_code, headers=headers)


def _templates(request: Request) -> Templates:
    return request.app.state.templates


TemplatesDep = Annotated[Templates, Depends(_templates)]
