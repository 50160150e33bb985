"""The ledger (台账) page and its exports: the filtered cases of one scope and period, as a preview
table and as .xlsx / .csv files (``store.ledger``).

Residents' names and phones: the page always masks them (a list); an export carries them in full
on the rows whose resident the exporter must contact (``store.visibility.may_see_contact``: the
case's own community and street, the departments assigned to it now), and every such row is logged
in the personal-data log, as opening a case's contact is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import quote

from sqlalchemy.engine import Engine

from store.labels import STORED_LABELS
from store.ledger import LEDGER_COLUMNS, export_csv, export_xlsx, ledger_cases, ledger_row, ledger_rows
from store.visibility import CaseOrgs, may_see_any_contact, may_see_contact
from web.schemas.dashboard import LedgerQuery
from web.services.dashboard_params import Selection
from web.services.personal import log_contact_views
from web.timeutil import local
from workflows.types import Actor

log = logging.getLogger("liudan.web.ledger")
PREVIEW_ROWS = 100
EXPORT_VIA = "export"  # PersonalDataView.via: the contact was seen in a ledger export
# The preview shows these columns (the file has all of them).
PREVIEW_COLUMNS = (
    "code",
    "received_at",
    "channel",
    "reporter",
    "phone",
    "category",
    "community",
    "departments",
    "stage",
    "overdue",
    "supervision",
    "rating",
)
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Choice:
    value: str
    name: str


@dataclass(frozen=True)
class LedgerPage:
    header: list[str]
    rows: list[list[str]]
    more: bool  # more rows than the preview shows
    xlsx_href: str
    csv_href: str
    full_contact: bool  # the exports may carry full phones (each such row logged)
    stages: list[Choice]
    categories: list[Choice]
    channels: list[Choice]


@dataclass(frozen=True)
class LedgerFile:
    content: bytes
    media_type: str
    filename: str  # UTF-8, for filename*
    ascii_filename: str  # the fallback for old clients
    rows: int

    @property
    def disposition(self) -> str:
        return f"attachment; filename=\"{self.ascii_filename}\"; filename*=UTF-8''{quote(self.filename)}"


def _cell(value: object) -> str:
    if isinstance(value, datetime):
        return local(value)
    return "" if value is None else str(value)


def _choices(group: str) -> list[Choice]:
    return [Choice(str(k), v) for k, v in STORED_LABELS[group].items()]


def ledger_page(engine: Engine, actor: Actor, selection: Selection, query: LedgerQuery) -> LedgerPage:
    filters = query.filters(selection.period, selection.scope)
    preview = ledger_rows(engine, replace(filters, limit=PREVIEW_ROWS + 1), False)
    names = {name: header for name, header, _ in LEDGER_COLUMNS}
    return LedgerPage(
        header=[names[c] for c in PREVIEW_COLUMNS],
        rows=[[_cell(getattr(r, c)) for c in PREVIEW_COLUMNS] for r in preview[:PREVIEW_ROWS]],
        more=len(preview) > PREVIEW_ROWS,
        xlsx_href=query.link("/ledger/export.xlsx", selection.period, selection.scope.org_id),
        csv_href=query.link("/ledger/export.csv", selection.period, selection.scope.org_id),
        full_contact=may_see_any_contact(actor),
        stages=_choices("stage"),
        categories=_choices("category"),
        channels=_choices("channel"),
    )


def ledger_file(
    engine: Engine, actor: Actor, selection: Selection, query: LedgerQuery, fmt: str, addr: str
) -> LedgerFile:
    """The whole filtered ledger as ``xlsx`` or ``csv``; each row with full contact is logged."""
    cases, names = ledger_cases(engine, query.filters(selection.period, selection.scope))
    full = [c.code for c in cases if may_see_contact(actor, CaseOrgs.of_row(c))]
    in_full = set(full)
    rows = [ledger_row(c, names, c.code in in_full) for c in cases]
    if full:
        log_contact_views(engine, actor, full, addr, EXPORT_VIA)
    content = export_xlsx(rows) if fmt == "xlsx" else export_csv(rows)
    key = selection.period.key
    log.info(
        "ledger %s of %s %s exported by %s: %s rows (%s with full contact)",
        fmt,
        selection.scope.org_id,
        key,
        actor.user_id,
        len(rows),
        len(full),
    )
    return LedgerFile(
        content=content,
        media_type=MEDIA_TYPES[fmt],
        filename=f"台账_{selection.scope_name}_{key}.{fmt}",
        ascii_filename=f"ledger_{selection.scope.org_id}_{key}.{fmt}",
        rows=len(rows),
    )
