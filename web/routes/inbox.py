"""The inbox: every officer's home page, and claiming an item (认领)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from store.models import Org, OrgKind
from store.petition_access import UNIT_ROLES
from store.petition_queries import petition_tasks
from web.deps import CsrfProtected, CurrentUser, EngineDep, Fragment, HtmxDep, WorkdaysDep
from web.htmx import trigger
from web.schemas.queries import InboxQuery
from web.services.bulk import offer_for
from web.services.inbox import ClaimRefused, claim, inbox_view
from web.services.saved_filters import links as saved_filter_links
from web.templating import TemplatesDep
from workflows.types import Category, Role, Stage, Urgency

router = APIRouter(tags=["inbox"], dependencies=[CsrfProtected])
PETITION_ONLY = (Role.PETITION_CLERK, Role.PETITION_HEAD, Role.REVIEWER, Role.UNIT_HEAD)


def _petition_only(engine: EngineDep, me: CurrentUser) -> bool:
    """A unit head (单位负责人) works from the petition inbox, except a street's head, who also
    supervises the street's missed sign or dispatch (六单) from this one."""
    if me.actor.role != Role.UNIT_HEAD:
        return me.actor.role in PETITION_ONLY
    with Session(engine) as session:
        org = session.get(Org, me.actor.org_id)
    return org is None or org.kind != OrgKind.STREET


@router.get("/")
def home(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    workdays: WorkdaysDep,
    templates: TemplatesDep,
    fragment: Fragment,
    q: Annotated[InboxQuery, Query()],
) -> Response:
    if me.actor.role == Role.ADMIN:  # admins have no inbox of their own: the whole district's cases
        return RedirectResponse("/cases", status_code=303)
    if _petition_only(engine, me):  # the petition path's officers work from the petition inbox
        return RedirectResponse("/petitions", status_code=303)
    view = inbox_view(engine, me.actor, workdays, q.filters(), q.page)
    # Units that handle petitions too see what waits for them there (信访), without leaving home.
    petitions = (
        len(petition_tasks(engine, me.actor.role.value, me.actor.org_id, "todo", datetime.now(UTC)))
        if me.actor.role.value in UNIT_ROLES
        else 0
    )
    context = {
        "petitions_waiting": petitions,
        "view": view,
        "q": q,
        "page_href": q.page_href(),
        "active": "inbox",
        "stages": list(Stage),
        "categories": list(Category),
        "urgencies": list(Urgency),
        # 批量签收 / 批量接单 for the roles that have one (web.services.bulk), and the saved filters
        "bulk": offer_for(me.actor.role),
        "saved": saved_filter_links(engine, me.user.id, q),
        "sf_error": "",
    }
    return templates.render(request, "inbox.html", context, fragment=fragment)


def _claim_response(engine: EngineDep, me: CurrentUser, code: str, claimed: bool, htmx: bool) -> Response:
    try:
        claim(engine, me.actor, code, claimed)
    except ClaimRefused as refused:
        if htmx:
            return Response(status_code=409, headers={**trigger(toast=refused.message), "HX-Reswap": "none"})
        return Response(refused.message, status_code=409, media_type="text/plain; charset=utf-8")
    if htmx:
        return Response(status_code=204, headers=trigger(inbox_changed=None))
    return RedirectResponse("/", status_code=303)


@router.post("/inbox/{code}/claim")
def claim_item(code: str, me: CurrentUser, engine: EngineDep, htmx: HtmxDep) -> Response:
    return _claim_response(engine, me, code, True, htmx)


@router.post("/inbox/{code}/release")
def release_item(code: str, me: CurrentUser, engine: EngineDep, htmx: HtmxDep) -> Response:
    return _claim_response(engine, me, code, False, htmx)
