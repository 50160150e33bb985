"""The inbox, the home page of every officer: their org's work now, by tab, with claims (认领)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from store.directory import org_names
from store.inbox import (
    TABS,
    InboxFilters,
    current_claim,
    has_item,
    inbox_page,
    item_scope,
    set_claim,
    tab_counts,
)
from store.queries import Page
from web.i18n import TEXT
from web.services.rows import CaseRow, case_row
from web.sla import WorkingDays
from workflows.types import Actor


class ClaimRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class InboxView:
    filters: InboxFilters
    counts: dict[str, int]
    rows: list[CaseRow]
    page: Page
    claims: bool  # whether this role's inbox has items one can claim


def inbox_view(
    engine: Engine, actor: Actor, workdays: WorkingDays, filters: InboxFilters, page: int
) -> InboxView:
    now = datetime.now(UTC)
    found = inbox_page(engine, actor, filters, page, now)
    orgs = org_names(engine)
    rows = [
        case_row(
            r.case,
            r.item,
            orgs,
            workdays,
            now,
            claimed_by=r.claimed_by,
            claimed_by_name=r.claimed_by_name,
            me=actor.user_id,
        )
        for r in found.rows
    ]
    return InboxView(
        filters=filters,
        counts=tab_counts(engine, actor, filters, now),
        rows=rows,
        page=found,
        claims=item_scope(actor) is not None,
    )


def claim(engine: Engine, actor: Actor, code: str, claimed: bool) -> None:
    """认领 / 释放: an officer takes a case in their org's inbox to themselves, or gives it back."""
    if not has_item(engine, actor, code):
        raise ClaimRefused(TEXT["claim_not_in_inbox"])
    holder = current_claim(engine, actor, code)
    if holder is not None and holder[0] != actor.user_id:
        raise ClaimRefused(TEXT["claim_taken"].format(name=holder[1]))
    if not claimed and holder is None:
        return
    set_claim(engine, actor, code, claimed)


__all__ = ["TABS", "ClaimRefused", "InboxFilters", "InboxView", "claim", "inbox_view"]
