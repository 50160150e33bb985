"""JSON API: the caller's inbox, with the same tabs and filters as the web inbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from web.api.schemas import InboxOut, inbox_item_out
from web.deps import ApiUser, EngineDep, WorkdaysDep
from web.schemas.queries import InboxQuery
from web.services.inbox import inbox_view

router = APIRouter(prefix="/inbox", tags=["inbox"])


@router.get("", response_model=InboxOut)
def inbox(
    me: ApiUser, engine: EngineDep, workdays: WorkdaysDep, q: Annotated[InboxQuery, Query()]
) -> InboxOut:
    """待办：本单位此刻需要办理的事项，按时限排序；tab 取 todo / soon / overdue / supervised / done。"""
    view = inbox_view(engine, me.actor, workdays, q.filters(), q.page)
    return InboxOut(
        tab=q.tab,
        counts=view.counts,
        page=view.page.page,
        pages=view.page.pages,
        total=view.page.total,
        items=[inbox_item_out(r) for r in view.rows],
    )
