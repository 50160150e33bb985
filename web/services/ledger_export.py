"""The ledger (台账) page and its exports: the filtered cases of one scope and period, as a preview
table and as .xlsx / .csv files (``store.ledger``).

Residents' names and phones: the page always masks them (a list); an export carries them in full
only for the roles that must call the resident (community, grid worker, street, department, whose
scopes hold only their own cases), and every such export is logged per case in the personal-data
log, as opening a case's contact is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import quote

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.audit import PersonalDataView
from store.labels import LABELS
from store.ledger import LEDGER_COLUMNS, LedgerRow, export_csv, export_xlsx, ledger_rows
from web.schemas.dashboard import LedgerQuery
from web.services.dashboard_params import Selection, may_see_full_contact
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
    full_contact: bool  # the exports carry full phones (and are logged)
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
    return [Choice(str(k), v) for k, v in LABELS[group].items()]


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
        full_contact=may_see_full_contact(actor),
        stages=_choices("stage"),
        categories=_choices("category"),
        channels=_choices("channel"),
    )


def ledger_file(
    engine: Engine, actor: Actor, selection: Selection, query: LedgerQuery, fmt: str, addr: str
) -> LedgerFile:
    """The whole filtered ledger as ``xlsx`` or ``csv``; full contacts logged per case."""
    full = may_see_full_contact(actor)
    rows = ledger_rows(engine, query.filters(selection.period, selection.scope), full)
    if full and rows:
        _log_full_contact(engine, actor, rows, addr)
    content = export_xlsx(rows) if fmt == "xlsx" else export_csv(rows)
    key = selection.period.key
    log.info(
        "ledger %s of %s %s exported by %s: %s rows (%s contact)",
        fmt,
        selection.scope.org_id,
        key,
        actor.user_id,
        len(rows),
        "full" if full else "masked",
    )
    return LedgerFile(
        content=content,
        media_type=MEDIA_TYPES[fmt],
        filename=f"台账_{selection.scope_name}_{key}.{fmt}",
        ascii_filename=f"ledger_{selection.scope.org_id}_{key}.{fmt}",
        rows=len(rows),
    )


def _log_full_contact(engine: Engine, actor: Actor, rows: list[LedgerRow], addr: str) -> None:
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add_all(
            PersonalDataView(
                case_code=r.code,
                user_id=actor.user_id,
                user_name=actor.display_name,
                role=actor.role.value,
                org_id=actor.org_id,
                at=now,
                client_addr=addr,
                via=EXPORT_VIA,
            )
            for r in rows
        )
        session.commit()
