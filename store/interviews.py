"""约谈 records (``store.accountability.Interview``): recording one, listing them, and the cases whose
约谈 a leader ordered while supervising (督单) that no record covers yet (待约谈).

Who sees which 待约谈: the source has the discipline commission and the supervision office follow up
what district leaders supervised ("对区领导督办的事项，区纪工委监工委联合区工委督查室适时进行督查督办"), so
they (and admins) see the whole district's; a leader the cases of the streets linked to them (联点).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from store.accountability import Interview, InterviewCase
from store.models import Case, CaseEvent
from store.periods import Period
from store.visibility import Reach, Who, reach_filter
from workflows.types import Action, Role

TALK_CASES: dict[Role, Reach] = {
    Role.ADMIN: Reach.DISTRICT,
    Role.SUPERVISION: Reach.DISTRICT,
    Role.DISCIPLINE: Reach.DISTRICT,
    Role.LEADER: Reach.LINKED_STREETS,
}


def talk_cases(who: Who) -> ColumnElement[bool]:
    """The cases whose 约谈 ``who`` follows, and may name in a record, as a condition on ``cases``."""
    return reach_filter(who, TALK_CASES.get(who.role))


@dataclass
class InterviewRecord:
    interview: Interview
    case_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PendingTalk:
    """A case whose 约谈 was ordered while supervising and that no record names yet."""

    code: str
    title: str
    street_org_id: str
    department_ids: tuple[str, ...]
    lead_department_id: str | None
    ordered_at: datetime | None  # the latest supervision (督办) of the case
    ordered_by: str
    note: str

    @property
    def suggested_org(self) -> str:
        return talk_org(self.lead_department_id, self.department_ids, self.street_org_id)


def talk_org(lead_department_id: str | None, department_ids: Iterable[str], street_org_id: str) -> str:
    """Whom an ordered 约谈 is with, to prefill: the lead unit, else a department the case went to,
    else (a case still with the street or its community) the street."""
    return lead_department_id or next(iter(department_ids), "") or street_org_id


def record_interview(session: Session, interview: Interview, case_codes: Iterable[str]) -> int:
    """Adds the record and the cases it names (already checked); the caller commits."""
    session.add(interview)
    session.flush()
    assert interview.id is not None
    session.add_all(InterviewCase(interview_id=interview.id, case_code=c) for c in dict.fromkeys(case_codes))
    return interview.id


def interviews(
    session: Session, *, org_id: str = "", period: Period | None = None, case_code: str = ""
) -> list[InterviewRecord]:
    """The records, newest first: of one org, of a period (held in it, or stated to concern it), of a case."""
    query = select(Interview)
    if org_id:
        query = query.where(Interview.org_id == org_id)
    if period is not None:
        held = (col(Interview.held_at) >= period.starts_at) & (col(Interview.held_at) < period.ends_at)
        query = query.where(or_(held, col(Interview.period_key) == period.key))
    if case_code:
        named = select(InterviewCase.interview_id).where(InterviewCase.case_code == case_code)
        query = query.where(col(Interview.id).in_(named))
    rows = session.exec(query.order_by(col(Interview.held_at).desc(), col(Interview.id).desc())).all()
    records = {r.id: InterviewRecord(r) for r in rows}
    if records:
        links = select(InterviewCase).where(col(InterviewCase.interview_id).in_(list(records)))
        for link in session.exec(links.order_by(col(InterviewCase.case_code))).all():
            records[link.interview_id].case_codes.append(link.case_code)
    return list(records.values())


def pending_talks(session: Session, who: Who) -> list[PendingTalk]:
    """待约谈: the cases ``who`` follows whose 约谈 was ordered and that no record names, oldest first."""
    covered = select(InterviewCase.case_code)
    cases = session.exec(
        select(Case)
        .where(col(Case.talk_ordered), col(Case.code).not_in(covered), talk_cases(who))
        .order_by(col(Case.received_at), col(Case.code))
    ).all()
    supervisions: dict[str, CaseEvent] = {}
    if cases:
        events = select(CaseEvent).where(
            CaseEvent.action == Action.SUPERVISE.value, col(CaseEvent.case_code).in_([c.code for c in cases])
        )
        for supervision in session.exec(events.order_by(col(CaseEvent.seq))).all():
            supervisions[supervision.case_code] = supervision  # the latest wins
    out = []
    for case in cases:
        event = supervisions.get(case.code)
        out.append(
            PendingTalk(
                code=case.code,
                title=case.title,
                street_org_id=case.street_org_id,
                department_ids=tuple(case.department_ids.split()),
                lead_department_id=case.lead_department_id,
                ordered_at=event.at if event else None,
                ordered_by=event.actor_name if event else "",
                note=event.note if event else "",
            )
        )
    return out


@dataclass(frozen=True)
class TalkStatus:
    recorded: int  # records naming the case (0: 待约谈)
    org_id: str  # whom the talk is with, to prefill a record


def talk_status(session: Session, codes: Iterable[str]) -> dict[str, TalkStatus]:
    """Of these cases, those whose 约谈 was ordered, with how many records name each."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return {}
    ordered = session.exec(select(Case).where(col(Case.code).in_(wanted), col(Case.talk_ordered))).all()
    counts = dict.fromkeys((c.code for c in ordered), 0)
    if counts:
        links = select(InterviewCase.case_code).where(col(InterviewCase.case_code).in_(list(counts)))
        for code in session.exec(links).all():
            counts[code] += 1
    return {
        c.code: TalkStatus(
            counts[c.code], talk_org(c.lead_department_id, c.department_ids.split(), c.street_org_id)
        )
        for c in ordered
    }


def cases_in_reach(session: Session, who: Who, codes: Iterable[str]) -> set[str]:
    """Of these codes, the cases that exist and whose 约谈 ``who`` follows."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return set()
    return set(session.exec(select(Case.code).where(col(Case.code).in_(wanted), talk_cases(who))).all())
