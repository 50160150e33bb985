"""The bell (unread count, refreshed every minute), the notifications page, and a case's delivery log.

For every signed-in officer; each sees only their own notices, and a case's log only when they may
see the case.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from web.deps import CsrfProtected, CurrentUser, EngineDep, Fragment
from web.services.case_page import visible
from web.services.notifications import (
    BadContact,
    bell_items,
    delivery_log,
    mark_read,
    my_contact,
    save_my_contact,
    unread,
)
from web.templating import TemplatesDep

router = APIRouter(tags=["notifications"], dependencies=[CsrfProtected])


def _context(engine: EngineDep, user_id: str, **extra: object) -> dict[str, object]:
    phone, email = my_contact(engine, user_id)
    return {
        "items": bell_items(engine, user_id),
        "unread": unread(engine, user_id),
        "active": "",
        "contact": {"phone": phone, "email": email},
        "contact_error": "",
        "contact_saved": False,
        **extra,
    }


@router.get("/notifications")
def notifications_page(
    request: Request, me: CurrentUser, engine: EngineDep, templates: TemplatesDep, fragment: Fragment
) -> Response:
    return templates.render(
        request, "notifications/page.html", _context(engine, me.user.id), fragment=fragment
    )


@router.post("/notifications/contact")
def save_contact(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    fragment: Fragment,
    phone: Annotated[str, Form(max_length=32)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The officer's own mobile and email for notices; a bad one is refused (422) and nothing saved."""
    try:
        save_my_contact(engine, me.user.id, phone, email)
    except BadContact as bad:
        context = _context(
            engine, me.user.id, contact={"phone": phone, "email": email}, contact_error=str(bad)
        )
        return templates.render(
            request, "notifications/page.html", context, fragment=fragment, status_code=422
        )
    context = _context(engine, me.user.id, contact_saved=True)
    return templates.render(request, "notifications/page.html", context, fragment=fragment)


@router.get("/notifications/bell")
def bell(request: Request, me: CurrentUser, engine: EngineDep, templates: TemplatesDep) -> Response:
    context = {"unread": unread(engine, me.user.id)}
    return templates.render(request, "notifications/_bell.html", context)


@router.post("/notifications/read")
def read(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    fragment: Fragment,
    notification_id: Annotated[int | None, Form(alias="id")] = None,
) -> Response:
    """One notice (`id`) or all of them marked read; the list (htmx) or the page again."""
    mark_read(engine, me.user.id, notification_id)
    if fragment is None:
        return RedirectResponse("/notifications", status_code=303)
    return templates.render(
        request, "notifications/page.html", _context(engine, me.user.id), fragment=fragment
    )


@router.get("/cases/{code}/notices")
async def case_notices(
    request: Request, code: str, me: CurrentUser, engine: EngineDep, templates: TemplatesDep
) -> Response:
    await visible(engine, me.actor, code)  # CaseNotFound: 404, as for the case page
    lines = await asyncio.to_thread(delivery_log, engine, code)
    return templates.render(request, "notifications/case_log.html", {"lines": lines, "code": code})
