"""约谈 records: the form that records one, the list with its filters, the cases waiting for one
(待约谈), and the links the leader board shows where a 约谈 was ordered.

A 约谈 is recorded by those who hold or follow them: district leaders, the supervision office and the
discipline commission. Input a user can get wrong comes back as ``InterviewRejected`` with every
problem in words, and nothing is saved.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.accountability import Interview
from store.directory import org_names
from store.interviews import (
    InterviewRecord,
    PendingTalk,
    cases_in_reach,
    interviews,
    pending_talks,
    record_interview,
    talk_status,
)
from store.models import Org, OrgKind, User
from store.periods import Period
from web.i18n import label
from web.i18n.accountability_text import ACCOUNTABILITY_TEXT as A
from web.timeutil import as_aware, local
from workflows.types import Actor, Role

log = logging.getLogger("liudan.web.interviews")
RECORDERS = (Role.DISCIPLINE, Role.SUPERVISION, Role.LEADER)
HOLDERS = RECORDERS  # who hold a 约谈: district leaders, the supervision office, the discipline commission
INTERVIEWED = (OrgKind.DEPARTMENT, OrgKind.STREET)
MAX_CASES = 20
FIELDS = (
    "org_id",
    "person_name",
    "person_post",
    "held_by",
    "held_at",
    "reason",
    "outcome",
    "cases",
    "period",
)
REQUIRED = {
    "org_id": "i_org",
    "person_name": "i_person_name",
    "person_post": "i_person_post",
    "held_by": "i_held_by",
    "held_at": "i_held_at",
    "reason": "i_reason",
    "outcome": "i_outcome",
}
LIMITS = {"person_name": 50, "person_post": 50, "reason": 2000, "outcome": 2000, "cases": 1000, "period": 32}
_LIMIT_NAMES = {**REQUIRED, "cases": "i_cases", "period": "i_period"}
_CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


class InterviewRejected(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class InterviewView:
    id: int
    org_id: str
    org_name: str
    person: str  # 姓名（职务）
    held_by: str
    held_at: str
    reason: str
    outcome: str
    cases: list[str]
    period_label: str
    recorded: str


def interview_view(record: InterviewRecord, names: dict[str, str]) -> InterviewView:
    i = record.interview
    assert i.id is not None
    try:
        period_label = Period.parse(i.period_key).label if i.period_key else ""
    except ValueError:
        period_label = i.period_key
    return InterviewView(
        id=i.id,
        org_id=i.org_id,
        org_name=names.get(i.org_id, i.org_id),
        person=f"{i.person_name}（{i.person_post}）",
        held_by=f"{i.held_by_name} · {label('role', i.held_by_role)}",
        held_at=local(i.held_at),
        reason=i.reason,
        outcome=i.outcome,
        cases=record.case_codes,
        period_label=period_label,
        recorded=A["i_recorded"].format(by=i.recorded_by, at=local(i.recorded_at)),
    )


# --- the form -------------------------------------------------------------------------------------


@dataclass
class InterviewForm:
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    org_groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    holders: list[tuple[str, str]] = field(default_factory=list)  # (user id, name · role)


def _interviewed_orgs(session: Session) -> list[Org]:
    query = select(Org).where(col(Org.kind).in_(INTERVIEWED), col(Org.active)).order_by(col(Org.id))
    return list(session.exec(query).all())


def _org_groups(orgs: list[Org]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (A["group_departments"], [(o.id, o.name) for o in orgs if o.kind == OrgKind.DEPARTMENT]),
        (A["group_streets"], [(o.id, o.name) for o in orgs if o.kind == OrgKind.STREET]),
    ]


def _holders(session: Session) -> list[User]:
    roles = [r.value for r in HOLDERS]
    query = (
        select(User).where(col(User.role).in_(roles), col(User.active)).order_by(col(User.role), col(User.id))
    )
    return list(session.exec(query).all())


def interview_form(
    engine: Engine, actor: Actor, values: dict[str, str], errors: list[str] | None = None
) -> InterviewForm:
    """The form with ``values`` as typed (or prefilled); the holder defaults to the one filling it in."""
    with Session(engine) as session:
        orgs = _interviewed_orgs(session)
        holders = _holders(session)
    shown = {name: values.get(name, "") for name in FIELDS}
    if not shown["held_by"] and any(u.id == actor.user_id for u in holders):
        shown["held_by"] = actor.user_id
    return InterviewForm(
        values=shown,
        errors=errors or [],
        org_groups=_org_groups(orgs),
        holders=[(u.id, f"{u.display_name} · {label('role', u.role)}") for u in holders],
    )


def _case_codes(text: str) -> list[str]:
    return list(dict.fromkeys(c.upper() for c in _CODE_SEPARATORS.split(text.strip()) if c))


def record(engine: Engine, actor: Actor, values: dict[str, str], now: datetime) -> int:
    """Checks the form and saves the 约谈; ``InterviewRejected`` (nothing saved) with every problem."""
    v = {name: values.get(name, "").strip() for name in FIELDS}
    errors = [A["err_required"].format(field=A[key]) for name, key in REQUIRED.items() if not v[name]]
    errors += [
        A["err_too_long"].format(field=A[_LIMIT_NAMES[name]], n=n)
        for name, n in LIMITS.items()
        if len(v[name]) > n
    ]
    held_at = None
    if v["held_at"]:
        try:
            held_at = as_aware(datetime.fromisoformat(v["held_at"])).astimezone(UTC)
        except ValueError:
            errors.append(A["err_held_at"])
    if held_at is not None and held_at > now:
        errors.append(A["err_future"])
    period_key = ""
    if v["period"]:
        try:
            period_key = Period.parse(v["period"]).key
        except ValueError as error:
            errors.append(A["err_period"].format(error=error))
    codes = _case_codes(v["cases"])
    with Session(engine) as session:
        org = session.get(Org, v["org_id"]) if v["org_id"] else None
        if v["org_id"] and (org is None or org.kind not in INTERVIEWED or not org.active):
            errors.append(A["err_org"])
        holder = session.get(User, v["held_by"]) if v["held_by"] else None
        if v["held_by"] and (holder is None or holder.role not in HOLDERS or not holder.active):
            errors.append(A["err_held_by"])
        if len(codes) > MAX_CASES:
            errors.append(A["err_too_many_cases"].format(n=MAX_CASES))
        else:
            known = cases_in_reach(session, actor, codes)
            unknown = [c for c in codes if c not in known]
            if unknown:
                errors.append(A["err_cases"].format(codes="、".join(unknown)))
        if errors:
            raise InterviewRejected(errors)
        assert holder is not None and held_at is not None
        interview = Interview(
            org_id=v["org_id"],
            person_name=v["person_name"],
            person_post=v["person_post"],
            held_by_id=holder.id,
            held_by_name=holder.display_name,
            held_by_role=holder.role,
            held_at=held_at,
            reason=v["reason"],
            outcome=v["outcome"],
            period_key=period_key,
            recorded_by=actor.user_id,
            recorded_at=now,
        )
        interview_id = record_interview(session, interview, codes)
        session.commit()
    log.info("约谈 %s of %s recorded by %s (cases %s)", interview_id, v["org_id"], actor.user_id, codes)
    return interview_id


# --- the list -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingView:
    code: str
    title: str
    street: str
    departments: str
    ordered: str
    note: str
    record_href: str


@dataclass
class InterviewList:
    records: list[InterviewView]
    pending: list[PendingView]
    org_groups: list[tuple[str, list[tuple[str, str]]]]
    filters: dict[str, str]
    period_error: str


def new_interview_href(org_id: str, cases: list[str], period_key: str = "", reason: str = "") -> str:
    """The form to record a 约谈, prefilled."""
    values = {"org": org_id, "cases": " ".join(cases), "period": period_key, "reason": reason}
    return "/accountability/interviews/new?" + urlencode({k: v for k, v in values.items() if v})


def _pending_view(p: PendingTalk, names: dict[str, str]) -> PendingView:
    ordered = A["pending_ordered"].format(by=p.ordered_by, at=local(p.ordered_at)) if p.ordered_at else ""
    return PendingView(
        code=p.code,
        title=p.title,
        street=names.get(p.street_org_id, p.street_org_id),
        departments="、".join(names.get(d, d) for d in p.department_ids),
        ordered=ordered,
        note=p.note,
        record_href=new_interview_href(p.suggested_org, [p.code]),
    )


def interview_list(
    engine: Engine, actor: Actor, org_id: str, period_key: str, case_code: str
) -> InterviewList:
    """The records filtered by org, period (held in it, or stated to concern it) and case, and 待约谈."""
    period, period_error = None, ""
    if period_key:
        try:
            period = Period.parse(period_key)
        except ValueError as error:
            period_error = str(error)
    names = org_names(engine)
    with Session(engine) as session:
        records = (
            [] if period_error else interviews(session, org_id=org_id, period=period, case_code=case_code)
        )
        pending = pending_talks(session, actor)
        orgs = _interviewed_orgs(session)
    return InterviewList(
        records=[interview_view(r, names) for r in records],
        pending=[_pending_view(p, names) for p in pending],
        org_groups=_org_groups(orgs),
        filters={"org": org_id, "period": period_key, "case": case_code},
        period_error=period_error,
    )


@dataclass(frozen=True)
class TalkLink:
    """What the leader board shows beside a case whose 约谈 was ordered."""

    text: str
    href: str
    level: str  # the tag's look: "warn" while 待约谈, "info" once recorded


def talk_links(engine: Engine, codes: list[str]) -> dict[str, TalkLink]:
    """For the cases among ``codes`` whose 约谈 was ordered: their records, or the form to record one."""
    with Session(engine) as session:
        status = talk_status(session, codes)
    out = {}
    for code, s in status.items():
        if s.recorded:
            href = "/accountability/interviews?" + urlencode({"case": code})
            out[code] = TalkLink(A["talk_recorded"].format(n=s.recorded), href, "info")
        else:
            out[code] = TalkLink(A["talk_pending"], new_interview_href(s.org_id, [code]), "warn")
    return out
