"""Factories that write read-model rows directly (cases, department assignments, ratings, events),
for tests of figures and ledgers that need hand-made histories rather than running workflows.

Times are given as ``"2026-03-02 09:00"`` in Asia/Shanghai (or as aware datetimes).
"""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from store.case_records import CaseDeadline
from store.contact import phone_key
from store.models import Case, CaseDepartment, CaseEvent, Rating
from workdays import SHANGHAI

When = str | datetime | None
_codes = itertools.count(1)


def sh(moment: When) -> datetime | None:
    """A moment in Asia/Shanghai from ``"YYYY-MM-DD HH:MM"``; aware datetimes and None pass through."""
    if moment is None or isinstance(moment, datetime):
        return moment
    return datetime.fromisoformat(moment).replace(tzinfo=SHANGHAI)


def add_case(
    engine: Engine,
    *,
    code: str | None = None,
    received: When = "2026-03-02 09:00",
    street: str = "st-dongcheng",
    community: str = "cm-qinghe",
    phone: str = "13800000001",
    name: str = "张秀兰",
    title: str = "小区门口路灯不亮",
    channel: str = "web_portal",
    stage: str = "report",
    reported: When = None,
    signed: When = None,
    dispatched: When = None,
    completed: When = None,
    closed: When = None,
    due: When = None,
    **fields: object,
) -> str:
    """Inserts a case; any other ``Case`` column can be given by name (outcome, overdue, rating...)."""
    code = code or f"HJ-2026-{next(_codes):06d}"
    case = Case(
        code=code,
        workflow_id=f"case-{code}",
        title=title,
        channel=channel,
        policy_id=str(fields.pop("policy_id", "liudan")),
        stage=stage,
        community_org_id=community,
        street_org_id=street,
        reporter_name=name,
        reporter_phone=phone,
        phone_key=phone_key(phone),
        received_at=sh(received),
        reported_at=sh(reported),
        signed_at=sh(signed),
        dispatched_at=sh(dispatched),
        completed_at=sh(completed),
        closed_at=sh(closed),
        due_at=sh(due),
        **fields,
    )
    with Session(engine) as session:
        session.add(case)
        session.commit()
    return code


def add_assignment(
    engine: Engine,
    code: str,
    department_id: str,
    *,
    lead: bool = True,
    dispatched: When = None,
    accepted: When = None,
    reported: When = None,
    response: str = "",
) -> None:
    """A department's part in a case (case_departments); also fills the case's department columns."""
    with Session(engine) as session:
        session.add(
            CaseDepartment(
                case_code=code,
                department_id=department_id,
                lead=lead,
                dispatched_at=sh(dispatched),
                accepted_at=sh(accepted),
                reported_at=sh(reported),
                response=response,
            )
        )
        case = session.get(Case, code)
        assert case is not None, code
        case.department_ids = " ".join([*case.department_ids.split(), department_id])
        if lead:
            case.lead_department_id = department_id
        session.add(case)
        session.commit()


def add_rating(
    engine: Engine,
    code: str,
    value: str,
    at: When,
    *,
    lead: str | None = None,
    channel: str = "portal",
    comment: str = "",
    solved: bool | None = None,
) -> None:
    """The case's next rating round; the street comes from the case, the lead unit is given."""
    with Session(engine) as session:
        case = session.get(Case, code)
        assert case is not None, code
        rounds = session.exec(select(func.count()).where(Rating.case_code == code)).one()
        session.add(
            Rating(
                case_code=code,
                round=rounds + 1,
                value=value,
                comment=comment,
                channel=channel,
                by_role="resident",
                at=sh(at),
                street_org_id=case.street_org_id,
                lead_department_id=lead,
                solved=solved,
            )
        )
        session.commit()


def add_event(
    engine: Engine, code: str, action: str, at: When, *, org_id: str = "", role: str = "", note: str = ""
) -> None:
    """The case's next timeline entry (return_case, reopen, supervise...)."""
    with Session(engine) as session:
        seq = session.exec(select(func.count()).where(CaseEvent.case_code == code)).one() + 1
        session.add(
            CaseEvent(
                case_code=code,
                seq=seq,
                at=sh(at),
                action=action,
                actor_user_id=f"user-{org_id or 'system'}",
                actor_role=role or "system",
                actor_org_id=org_id,
                note=note,
            )
        )
        session.commit()


def add_deadline(
    engine: Engine,
    code: str,
    kind: str,
    started: When,
    due: When,
    *,
    state: str = "met",
    closed: When = None,
    org_id: str = "",
) -> None:
    """A clock as the case recorded it (case_deadlines): met, overdue (it ran out), running..."""
    with Session(engine) as session:
        n = session.exec(select(func.count()).where(CaseDeadline.case_code == code)).one() + 1
        session.add(
            CaseDeadline(
                case_code=code,
                deadline_id=f"{kind}-{n}",
                kind=kind,
                org_id=org_id,
                started_at=sh(started),
                warn_at=sh(started),
                due_at=sh(due),
                state=state,
                closed_at=sh(closed),
            )
        )
        session.commit()
