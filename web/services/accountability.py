"""The discipline commission's accountability list (问责名单) and the admin's thresholds behind it.

For a period, every department whose ratings were poor by the thresholds (``store.accountability``),
with its counts, the rule it crossed, the cases rated 不满意 and its 约谈 records of the period, each
row with a "记录约谈" link prefilled with the department, the cases and the period. Read by the
discipline commission, the supervision office, district leaders and admins; district-wide, as the
rankings board is.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.accountability import (
    AccountabilityThresholds,
    Breach,
    Rule,
    Thresholds,
    department_tallies,
    load_thresholds,
    save_thresholds,
)
from store.directory import org_names
from store.interviews import interviews, pending_talks
from store.periods import Period
from web.i18n.accountability_text import ACCOUNTABILITY_TEXT as A
from web.services.interviews import InterviewView, interview_view, new_interview_href
from workflows.types import Actor, Role

log = logging.getLogger("liudan.web.accountability")
READERS = (Role.DISCIPLINE, Role.SUPERVISION, Role.LEADER, Role.ADMIN)
THRESHOLD_FIELDS = ("min_ratings", "satisfaction_below", "dissatisfied_at_least")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    definition: str  # shown on hover


COLUMNS = tuple(
    Column(A["col_" + key], A["def_" + key])
    for key in ("rated", "satisfied", "average", "dissatisfied", "rate", "breach", "cases", "interviews")
)


@dataclass
class DepartmentRow:
    org_id: str
    name: str
    rated: int
    satisfied: int
    average: int
    dissatisfied: int
    rate: str
    breaches: list[str]
    cases: list[str]  # rated 不满意 in the period
    interviews: list[InterviewView]
    record_href: str  # 记录约谈, prefilled


@dataclass
class AccountabilityList:
    period: Period
    rules: list[str]  # the thresholds in words, the first the minimum
    stored: AccountabilityThresholds | None
    rows: list[DepartmentRow]
    csv_href: str
    pending: int  # 待约谈 the viewer follows


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def breach_text(breach: Breach) -> str:
    if breach.rule == Rule.SATISFACTION:
        return A["breach_satisfaction"].format(actual=percent(breach.actual), limit=f"{breach.limit:g}")
    return A["breach_dissatisfied"].format(actual=f"{breach.actual:g}", limit=f"{breach.limit:g}")


def rules_text(thresholds: Thresholds) -> list[str]:
    off = A["rule_off"]
    return [
        A["rule_min"].format(n=thresholds.min_ratings) + A["rule_or"],
        A["rule_satisfaction"].format(x=f"{thresholds.satisfaction_below:g}")
        + (off if thresholds.satisfaction_below == 0 else ""),
        A["rule_dissatisfied"].format(n=thresholds.dissatisfied_at_least)
        + (off if thresholds.dissatisfied_at_least == 0 else ""),
    ]


def accountability_list(engine: Engine, actor: Actor, period: Period) -> AccountabilityList:
    thresholds, stored = load_thresholds(engine)
    names = org_names(engine)
    with Session(engine) as session:
        tallies = department_tallies(session, period)
        records = interviews(session, period=period)
        pending = len(pending_talks(session, actor))
    by_org: dict[str, list[InterviewView]] = {}
    for record in records:
        by_org.setdefault(record.interview.org_id, []).append(interview_view(record, names))
    rows = []
    for tally in tallies.values():
        breaches = thresholds.breaches(tally)
        if not breaches:
            continue
        texts = [breach_text(b) for b in breaches]
        reason = f"{period.label}群众评单较差：" + "；".join(texts)
        rows.append(
            DepartmentRow(
                org_id=tally.department_id,
                name=names.get(tally.department_id, tally.department_id),
                rated=tally.rated,
                satisfied=tally.satisfied,
                average=tally.average,
                dissatisfied=tally.dissatisfied,
                rate=percent(tally.satisfaction_percent),
                breaches=texts,
                cases=tally.dissatisfied_cases,
                interviews=by_org.get(tally.department_id, []),
                record_href=new_interview_href(
                    tally.department_id, tally.dissatisfied_cases, period.key, reason
                ),
            )
        )
    worst_first = sorted(rows, key=lambda r: (r.satisfied / r.rated, -r.dissatisfied, r.name))
    return AccountabilityList(
        period=period,
        rules=rules_text(thresholds),
        stored=stored,
        rows=worst_first,
        csv_href="/accountability/export.csv?" + urlencode({"period": period.key}),
        pending=pending,
    )


def _cell(value: object) -> str:
    """A spreadsheet never runs what an officer typed as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def list_csv(listing: AccountabilityList) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([A["col_org"], *(c.name for c in COLUMNS)])
    for r in listing.rows:
        talks = "；".join(f"{i.held_at} {i.person} {i.held_by}" for i in r.interviews)
        cells = [r.name, r.rated, r.satisfied, r.average, r.dissatisfied, r.rate, "；".join(r.breaches)]
        writer.writerow([_cell(c) for c in (*cells, " ".join(r.cases), talks)])
    return out.getvalue().encode("utf-8-sig")


def csv_filename(period: Period) -> str:
    return f"accountability-{period.key}.csv"


# --- thresholds (admin) ---------------------------------------------------------------------------


class ThresholdsRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ThresholdsView:
    rules: list[str]
    stored: AccountabilityThresholds | None  # who set them and when; None: the defaults
    values: dict[str, str]  # the form's fields as stored


def current_thresholds(engine: Engine) -> ThresholdsView:
    thresholds, stored = load_thresholds(engine)
    values = {name: f"{getattr(thresholds, name):g}" for name in THRESHOLD_FIELDS}
    return ThresholdsView(rules_text(thresholds), stored, values)


def parse_thresholds(values: dict[str, str]) -> Thresholds:
    """The form's three numbers as thresholds; ``ThresholdsRejected`` with the reason otherwise."""
    numbers: dict[str, float | int] = {}
    for name in THRESHOLD_FIELDS:
        text = values.get(name, "").strip()
        try:
            number = float(text) if name == "satisfaction_below" else int(text)
        except ValueError:
            raise ThresholdsRejected(A["t_not_number"].format(field=A["t_" + name])) from None
        numbers[name] = number
    try:
        return Thresholds(**numbers)  # type: ignore[arg-type]
    except ValueError as error:
        raise ThresholdsRejected(str(error)) from error


def update_thresholds(engine: Engine, admin: Actor, values: dict[str, str]) -> Thresholds:
    thresholds = parse_thresholds(values)
    save_thresholds(engine, thresholds, updated_by=admin.user_id)
    log.info("accountability thresholds set by %s: %s", admin.user_id, thresholds)
    return thresholds
