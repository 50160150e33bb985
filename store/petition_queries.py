"""Read queries of the petitions' read model: an officer's petition inbox, the list of petitions they
may see, and one petition with its events, documents and clocks. Visibility is `store.petition_access`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.notify_contacts import linked_subject
from store.petition_access import DESK_ROLES, UNIT_ROLES, visible
from store.petitions import Petition, PetitionDeadline, PetitionDocumentRow, PetitionEvent, PetitionTask
from workflows.petition.types import PetitionStage

PAGE_SIZE = 30
REVIEW_STAGES = (
    PetitionStage.REVIEW_WINDOW.value,
    PetitionStage.REVIEW.value,
    PetitionStage.RECHECK_WINDOW.value,
    PetitionStage.RECHECK.value,
)


@dataclass(frozen=True)
class TaskRow:
    code: str
    title: str
    matter_type: str
    stage: str
    task: str
    due_at: datetime | None
    warn_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class PetitionDetail:
    petition: Petition
    events: list[PetitionEvent]
    documents: list[PetitionDocumentRow]
    deadlines: list[PetitionDeadline]


def _task_roles(role: str) -> tuple[str, ...]:
    # A unit's officers share its inbox (a department, a street, the discipline body); the unit's head
    # sees its extensions to approve as well.
    if role in DESK_ROLES:
        return DESK_ROLES
    return (role, "department") if role in UNIT_ROLES else (role,)


def petition_tasks(engine: Engine, role: str, org_id: str, tab: str, now: datetime) -> list[TaskRow]:
    """The items of an org's petition inbox for this role: `todo` (all), `expiring` (past their warning
    point or overdue), `review` (复查 and 复核, waiting on the petitioner or a higher body)."""
    with Session(engine) as session:
        query = (
            select(PetitionTask)
            .join(Petition, col(Petition.code) == PetitionTask.petition_code)
            .where(
                PetitionTask.org_id == org_id,
                col(PetitionTask.role).in_(_task_roles(role)),
                visible(role, org_id),
            )
        )
        if tab == "expiring":
            query = query.where(or_(col(PetitionTask.overdue), col(PetitionTask.warn_at) <= now))
        elif tab == "review":
            query = query.where(col(PetitionTask.stage).in_(REVIEW_STAGES))
        rows = session.exec(
            query.order_by(col(PetitionTask.due_at).is_(None), col(PetitionTask.due_at))
        ).all()
        return [
            TaskRow(t.petition_code, t.title, t.matter_type, t.stage, t.task, t.due_at, t.warn_at, t.overdue)
            for t in rows
        ]


def task_counts(engine: Engine, role: str, org_id: str, now: datetime) -> dict[str, int]:
    return {
        tab: len(petition_tasks(engine, role, org_id, tab, now)) for tab in ("todo", "expiring", "review")
    }


def petition_list(
    engine: Engine, role: str, org_id: str, *, text: str = "", stage: str = "", page: int = 1
) -> tuple[list[Petition], int]:
    """The petitions this viewer may see, newest first, and how many there are."""
    with Session(engine) as session:
        query = select(Petition).where(visible(role, org_id))
        if stage:
            query = query.where(Petition.stage == stage)
        if text:
            like = f"%{text}%"
            query = query.where(or_(col(Petition.code).like(like), col(Petition.title).like(like)))
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(col(Petition.received_at).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        ).all()
        return list(rows), int(total)


def petition_detail(engine: Engine, code: str) -> PetitionDetail | None:
    with Session(engine) as session:
        p = session.get(Petition, code)
        if p is None:
            return None
        return PetitionDetail(
            petition=p,
            events=list(
                session.exec(
                    select(PetitionEvent)
                    .where(PetitionEvent.petition_code == code)
                    .order_by(col(PetitionEvent.seq))
                )
            ),
            documents=list(
                session.exec(
                    select(PetitionDocumentRow)
                    .where(PetitionDocumentRow.petition_code == code)
                    .order_by(col(PetitionDocumentRow.issued_at))
                )
            ),
            deadlines=list(
                session.exec(
                    select(PetitionDeadline)
                    .where(PetitionDeadline.petition_code == code)
                    .order_by(col(PetitionDeadline.started_at))
                )
            ),
        )


def by_tracking_token(engine: Engine, token_hash: str) -> Petition | None:
    with Session(engine) as session:
        found = session.exec(select(Petition).where(Petition.tracking_token_hash == token_hash)).first()
        if found is None and (code := linked_subject(session, token_hash)) is not None:
            found = session.get(Petition, code)  # a link an SMS carried
        return found


def open_provisional_petitions(engine: Engine) -> list[str]:
    """Petitions with a running clock that is provisional (its year's calendar was not published)."""
    with Session(engine) as session:
        query = select(PetitionDeadline.petition_code).where(
            col(PetitionDeadline.provisional), col(PetitionDeadline.closed_at).is_(None)
        )
        return sorted(set(session.exec(query).all()))
