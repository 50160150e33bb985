"""The case ledger (台账) as a county 信访 office files it: rows from the read model, exported to
Excel (.xlsx) and CSV.

Residents' names and phone numbers are masked (张**, 138****1234) unless the caller says the viewer
may see them (`store.visibility.may_see_contact`, case by case); the web logs every full view. Times are shown in
Asia/Shanghai; in the workbook they are real Excel dates. Text that a spreadsheet would run as a
formula (=, +, -, @ first) is written as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from store.contact import mask_name, mask_phone
from store.directory import org_names_in
from store.labels import stored_label, supervision_label
from store.metric_facts import case_scope_filter
from store.models import Case
from store.periods import Period
from store.scopes import Scope
from workdays import SHANGHAI

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class LedgerFilters:
    period: Period | None = None  # by receipt time
    scope: Scope | None = None  # None: the whole district
    stage: str | None = None
    category: str | None = None
    channel: str | None = None
    overdue_only: bool = False
    supervised_only: bool = False
    text: str = ""  # part of the code or the title
    limit: int | None = None


@dataclass(frozen=True)
class LedgerRow:
    code: str
    received_at: datetime
    channel: str
    reporter: str
    phone: str
    category: str
    urgency: str
    community: str
    street: str
    departments: str
    lead: str
    reported_at: datetime | None
    signed_at: datetime | None
    dispatched_at: datetime | None
    completed_at: datetime | None
    due_at: datetime | None
    stage: str
    overdue: str
    supervision: str
    result: str
    outcome: str
    solved: str
    rating: str


# (field, header, column width in characters)
LEDGER_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("code", "编号", 16),
    ("received_at", "登记时间", 17),
    ("channel", "渠道", 11),
    ("reporter", "诉求人", 9),
    ("phone", "联系电话", 14),
    ("category", "类别", 9),
    ("urgency", "紧急程度", 9),
    ("community", "社区", 10),
    ("street", "街道", 10),
    ("departments", "承办部门", 22),
    ("lead", "牵头单位", 14),
    ("reported_at", "报单时间", 17),
    ("signed_at", "签收时间", 17),
    ("dispatched_at", "派单时间", 17),
    ("completed_at", "办结时间", 17),
    ("due_at", "当前时限", 17),
    ("stage", "当前环节", 9),
    ("overdue", "是否超期", 8),
    ("supervision", "督办", 11),
    ("result", "办理结果", 40),
    ("outcome", "结案方式", 12),
    ("solved", "是否解决", 8),
    ("rating", "评价", 8),
)


def ledger_rows(engine: Engine, filters: LedgerFilters, viewer_may_see_phone: bool) -> list[LedgerRow]:
    """The filtered cases as ledger rows, residents' names and phones in full on every row or none."""
    cases, names = ledger_cases(engine, filters)
    return [ledger_row(c, names, viewer_may_see_phone) for c in cases]


def ledger_cases(engine: Engine, filters: LedgerFilters) -> tuple[list[Case], dict[str, str]]:
    """The filtered cases, oldest first, and every org's name."""
    query = select(Case).order_by(Case.received_at, Case.code)  # type: ignore[arg-type]
    if filters.scope is not None:
        query = query.where(case_scope_filter(filters.scope))
    if filters.period is not None:
        query = query.where(
            Case.received_at >= filters.period.starts_at, Case.received_at < filters.period.ends_at
        )
    if filters.stage:
        query = query.where(Case.stage == filters.stage)
    if filters.category:
        query = query.where(Case.category == filters.category)
    if filters.channel:
        query = query.where(Case.channel == filters.channel)
    if filters.overdue_only:
        query = query.where(col(Case.overdue).is_(True))
    if filters.supervised_only:
        query = query.where(col(Case.supervised).is_(True))
    if filters.text.strip():
        like = f"%{filters.text.strip()}%"
        query = query.where(or_(Case.code.like(like), Case.title.like(like)))  # type: ignore[attr-defined]
    if filters.limit is not None:
        query = query.limit(filters.limit)
    with Session(engine) as session:
        names = org_names_in(session)
        cases = list(session.exec(query).all())
    return cases, names


def ledger_row(c: Case, names: dict[str, str], full: bool) -> LedgerRow:
    """One case with org names and Chinese labels resolved; the resident's name and phone in full
    only when `full`."""
    rating = stored_label("rating", c.rating if c.outcome != "not_rated" else "not_rated")
    return LedgerRow(
        code=c.code,
        received_at=c.received_at,
        channel=stored_label("channel", c.channel),
        reporter=c.reporter_name if full else mask_name(c.reporter_name),
        phone=c.reporter_phone if full else mask_phone(c.reporter_phone),
        category=stored_label("category", c.category),
        urgency=stored_label("urgency", c.urgency),
        community=names.get(c.community_org_id, c.community_org_id),
        street=names.get(c.street_org_id, c.street_org_id),
        departments="、".join(names.get(d, d) for d in c.department_ids.split()),
        lead=names.get(c.lead_department_id, c.lead_department_id) if c.lead_department_id else "",
        reported_at=c.reported_at,
        signed_at=c.signed_at,
        dispatched_at=c.dispatched_at,
        completed_at=c.completed_at,
        due_at=c.due_at,
        stage=stored_label("stage", c.stage),
        overdue="是" if c.overdue else ("曾超期" if c.ever_overdue else "否"),
        supervision=supervision_label(c.supervision_level, c.supervised),
        result=c.result or stored_label("outcome", c.outcome),
        outcome=stored_label("outcome", c.outcome),
        solved="" if c.solved is None else stored_label("solved", "true" if c.solved else "false"),
        rating=rating,
    )


def _local(moment: datetime | None) -> datetime | None:
    """Naive Asia/Shanghai wall time: Excel dates have no zone, and readers expect local time."""
    return moment.astimezone(SHANGHAI).replace(tzinfo=None) if moment is not None else None


def export_xlsx(rows: list[LedgerRow], *, sheet_title: str = "台账") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws.append([header for _, header, _ in LEDGER_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in rows:
        values = [getattr(row, name) for name, _, _ in LEDGER_COLUMNS]
        ws.append([_local(v) if isinstance(v, datetime) else (v or None) for v in values])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, datetime):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, str) and cell.value:
                cell.data_type = "s"  # never a formula, whatever the resident typed
    for i, (_, _, width) in enumerate(LEDGER_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(rows: list[LedgerRow]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly; CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _, header, _ in LEDGER_COLUMNS])
    for row in rows:
        writer.writerow([_csv_text(getattr(row, name)) for name, _, _ in LEDGER_COLUMNS])
    return out.getvalue().encode("utf-8-sig")
