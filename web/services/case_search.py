"""The case search: every case an officer may see (admins: the whole district), with filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from store.directory import org_names
from store.models import Org, OrgKind
from store.queries import CaseFilters, Page, list_cases, orgs_of_kind
from web.services.rows import CaseRow, case_row
from web.sla import WorkingDays
from workflows.types import Actor


@dataclass
class CaseSearch:
    rows: list[CaseRow]
    page: Page
    streets: list[Org]  # for the street filter


def search_cases(
    engine: Engine, actor: Actor, workdays: WorkingDays, filters: CaseFilters, page: int
) -> CaseSearch:
    found = list_cases(engine, actor, filters, page)
    orgs = org_names(engine)
    now = datetime.now(UTC)
    return CaseSearch(
        rows=[case_row(c, None, orgs, workdays, now) for c in found.rows],
        page=found,
        streets=orgs_of_kind(engine, OrgKind.STREET, active_only=False),
    )
