"""Import of offline-collected requests (民情走访台账) from .xlsx or CSV: parse, validate, dedupe.

Every row becomes either a ready ``ImportRow`` (everything needed to register a case) or a
rejection naming the column and the problem in Chinese. Nothing here starts a workflow: the import
job (``activities.jobs``, registering through ``web.services.ledger_rows``) registers the ready rows.
Importing the same file twice registers nothing twice: each row has a fingerprint (phone, title,
date, community), and ``ledger_imports`` records the fingerprints claimed or registered. Race-free
order for the caller, per ready row: claim the fingerprint (``mark_imported``, or
``store.ledger_import_rows.claim_row``; False: someone else has it, skip) → start the workflow → on
failure release the claim (``forget_import``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from openpyxl.utils.datetime import from_excel
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.contact import clean_phone, phone_key
from store.labels import CATEGORY
from store.ledger_files import LedgerFileError, cell_text, normalize_text, read_table
from store.ledger_template import EXAMPLE_MARK, IMPORT_COLUMNS, ImportColumn
from store.models import Org, OrgKind
from store.report_tables import LedgerImport
from workdays import SHANGHAI
from workflows.types import Category, Channel

RECEIVED_AT = time(9, 0)  # an offline request is dated, not timed: 09:00 Asia/Shanghai that day


@dataclass(frozen=True)
class ImportRow:
    row_number: int  # as the spreadsheet numbers it (the header is row 1)
    fingerprint: str
    reporter_name: str
    reporter_phone: str
    reporter_address: str
    title: str
    description: str
    location: str
    community_org_id: str
    community_name: str
    street_org_id: str
    category: Category | None
    received_at: datetime
    channel: Channel = Channel.VISIT  # 民情走访
    collector: str = ""  # 走访人: who collected it on the visit (as the ledger names them)


@dataclass(frozen=True)
class RejectedRow:
    row_number: int
    reasons: list[str]  # 「联系电话」格式不正确…, one per problem
    values: dict[str, str]  # the row as read, by header


@dataclass(frozen=True)
class DuplicateRow:
    row: ImportRow
    case_code: str = ""  # registered earlier as this case
    same_as_row: int | None = None  # or a repeat of an earlier row of the same file


@dataclass
class ImportReport:
    filename: str
    ready: list[ImportRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.ready) + len(self.rejected) + len(self.duplicates)


def fingerprint(phone: str, title: str, day: date, community_org_id: str) -> str:
    parts = (phone_key(phone), normalize_text(title).casefold(), day.isoformat(), community_org_id)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def parse_ledger(
    filename: str, data: bytes, orgs: Iterable[Org], *, today: date | None = None
) -> ImportReport:
    """Validates every row of an .xlsx or .csv ledger against the directory's communities.

    ``today`` (default: today in Asia/Shanghai) bounds the receipt date. Raises ``LedgerFileError``
    when the file cannot be read at all; a bad row is a rejection, never an exception.
    """
    today = today or datetime.now(SHANGHAI).date()
    headers, rows = read_table(filename, data)
    columns = _map_headers(headers)
    communities = _Communities(orgs)
    report = ImportReport(filename)
    seen: dict[str, int] = {}
    for number, cells in rows:
        values = {h: cell_text(cells[i]) if i < len(cells) else "" for i, h in enumerate(headers) if h}
        raw = {c.key: cells[i] if i < len(cells) else None for c, i in columns.items()}
        if not any(cell_text(v) for v in raw.values()):
            continue  # a blank line
        if cell_text(raw["reporter_name"]).startswith(EXAMPLE_MARK):
            continue  # the template's example row
        row, reasons = _validate(number, raw, communities, today)
        if row is None:
            report.rejected.append(RejectedRow(number, reasons, values))
        elif row.fingerprint in seen:
            report.duplicates.append(DuplicateRow(row, same_as_row=seen[row.fingerprint]))
        else:
            seen[row.fingerprint] = number
            report.ready.append(row)
    return report


def check_ledger(filename: str, data: bytes) -> None:
    """Raises ``LedgerFileError`` when the file cannot be read or lacks a required column (what an
    upload is refused for at once; each row is validated when it is imported)."""
    headers, _ = read_table(filename, data)
    _map_headers(headers)


def communities(engine: Engine) -> list[Org]:
    with Session(engine) as session:
        return list(session.exec(select(Org).where(Org.kind == OrgKind.COMMUNITY)).all())


def read_ledger(engine: Engine, filename: str, data: bytes, *, today: date | None = None) -> ImportReport:
    """``parse_ledger`` against the stored directory, with rows imported before moved to duplicates."""
    return without_imported(engine, parse_ledger(filename, data, communities(engine), today=today))


def without_imported(engine: Engine, report: ImportReport) -> ImportReport:
    """The report with its ready rows that were imported before moved to the duplicates."""
    done = already_imported(engine, [r.fingerprint for r in report.ready])
    report.duplicates += [
        DuplicateRow(r, case_code=done[r.fingerprint]) for r in report.ready if r.fingerprint in done
    ]
    report.ready = [r for r in report.ready if r.fingerprint not in done]
    report.duplicates.sort(key=lambda d: d.row.row_number)
    return report


def already_imported(engine: Engine, fingerprints: Iterable[str]) -> dict[str, str]:
    """fingerprint → case code, for the fingerprints registered before."""
    wanted = list(dict.fromkeys(fingerprints))
    found: dict[str, str] = {}
    with Session(engine) as session:
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            query = select(LedgerImport).where(col(LedgerImport.fingerprint).in_(chunk))
            found.update({r.fingerprint: r.case_code for r in session.exec(query).all()})
    return found


def mark_imported(
    engine: Engine, fingerprint: str, case_code: str, *, filename: str = "", imported_by: str = ""
) -> bool:
    """Records that the row is registered as ``case_code``; False if it already was (by anyone)."""
    with Session(engine) as session:
        session.add(
            LedgerImport(
                fingerprint=fingerprint,
                case_code=case_code,
                imported_at=datetime.now(UTC),
                filename=filename[:200],
                imported_by=imported_by,
            )
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def forget_import(engine: Engine, fingerprint: str) -> None:
    """Undoes ``mark_imported`` when registering the case failed, so the row can be imported again."""
    with Session(engine) as session:
        row = session.get(LedgerImport, fingerprint)
        if row is not None:
            session.delete(row)
            session.commit()


def _map_headers(headers: list[str]) -> dict[ImportColumn, int]:
    found: dict[ImportColumn, int] = {}
    for column in IMPORT_COLUMNS:
        names = (column.header, *column.aliases)
        index = next((i for i, h in enumerate(headers) if h in names), None)
        if index is not None:
            found[column] = index
    missing = [c.header for c in IMPORT_COLUMNS if c.required and c not in found]
    if missing:
        raise LedgerFileError(f"缺少必填列：{'、'.join(missing)}（第一行须为列名，可下载模板）")
    return found


class _Communities:
    def __init__(self, orgs: Iterable[Org]) -> None:
        self.by_id: dict[str, Org] = {}
        self.by_name: dict[str, list[Org]] = {}
        for o in orgs:
            if o.kind == OrgKind.COMMUNITY and o.active:
                self.by_id[o.id] = o
                self.by_name.setdefault(normalize_text(o.name), []).append(o)

    def find(self, value: str) -> tuple[Org | None, str]:
        if value in self.by_id:
            return self.by_id[value], ""
        matches = self.by_name.get(normalize_text(value), [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"「社区」名称「{value}」不唯一，请填写社区编号"
        return None, f"「社区」系统中没有「{value}」，请填写系统中的社区（村）名称"


_CATEGORIES = {v: Category(k) for k, v in CATEGORY.items()} | {c.value: c for c in Category}


def _validate(
    number: int, raw: dict[str, Any], communities: _Communities, today: date
) -> tuple[ImportRow | None, list[str]]:
    reasons: list[str] = []
    text = {c.key: cell_text(raw.get(c.key)) for c in IMPORT_COLUMNS}
    for c in IMPORT_COLUMNS:
        if c.required and not text[c.key]:
            reasons.append(f"「{c.header}」不能为空")
        elif len(text[c.key]) > c.max_length:
            reasons.append(f"「{c.header}」不能超过 {c.max_length} 字")
    phone = clean_phone(text["reporter_phone"])
    if text["reporter_phone"] and phone is None:
        reasons.append(
            f"「联系电话」格式不正确：{text['reporter_phone']}（应为 11 位手机号或带区号的固定电话）"
        )
    community, problem = communities.find(text["community"]) if text["community"] else (None, "")
    if problem:
        reasons.append(problem)
    day = _date(raw.get("received_date")) if text["received_date"] else None
    if text["received_date"] and day is None:
        reasons.append(f"「受理日期」无法识别：{text['received_date']}（应为 2026-03-05 这样的日期）")
    elif day is not None and day > today:
        reasons.append(f"「受理日期」{day.isoformat()} 晚于今天，请核对")
    category = _CATEGORIES.get(normalize_text(text["category"])) if text["category"] else None
    if text["category"] and category is None:
        choices = "、".join(CATEGORY.values())
        reasons.append(f"「类别」不在可选范围：{text['category']}（可选：{choices}，或不填）")
    if reasons or phone is None or community is None or day is None:
        return None, reasons
    title = normalize_text(text["title"])
    row = ImportRow(
        row_number=number,
        fingerprint=fingerprint(phone, title, day, community.id),
        reporter_name=normalize_text(text["reporter_name"]),
        reporter_phone=phone,
        reporter_address=text["reporter_address"],
        title=title,
        description=text["description"],
        location=text["location"],
        community_org_id=community.id,
        community_name=community.name,
        street_org_id=community.parent_id or "",
        category=category,
        received_at=datetime.combine(day, RECEIVED_AT, tzinfo=SHANGHAI),
        collector=normalize_text(text["collector"]),
    )
    return row, []


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:
        return from_excel(value).date()  # an Excel day number left unformatted
    text = unicodedata.normalize("NFKC", cell_text(value))
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
