"""Read queries the web needs over the read model: case lists and lookups (who may see which case is
`store.visibility`).

Every list and search is answered from these tables, never by asking Temporal about many cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import Case, CaseEvent, Org, OrgKind
from store.notify_contacts import linked_subject
from store.visibility import visible_cases
from workflows.types import Actor, Stage

PAGE_SIZE = 20


def case_by_token_hash(engine: Engine, token_hash: str) -> Case | None:
    if not token_hash:
        return None
    with Session(engine) as session:
        found = session.exec(select(Case).where(Case.tracking_token_hash == token_hash)).first()
        if found is None and (code := linked_subject(session, token_hash)) is not None:
            found = session.get(Case, code)  # a link an SMS carried
        return found


def public_events(engine: Engine, code: str) -> list[CaseEvent]:
    with Session(engine) as session:
        rows = session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_code == code, col(CaseEvent.public))
            .order_by(col(CaseEvent.seq))
        ).all()
    return list(rows)


@dataclass
class CaseFilters:
    """The filters of a case list (all cases an officer may see, or an admin's whole district)."""

    stage: str = ""
    category: str = ""
    urgency: str = ""
    street: str = ""
    overdue: bool = False
    provisional: bool = False
    open_only: bool = False
    text: str = ""


def text_match(text: str) -> ColumnElement[bool]:
    """Code, title or reporter name contains `text` (case-insensitive)."""
    pattern = f"%{text.strip().lower()}%"
    return or_(
        func.lower(Case.code).like(pattern),
        func.lower(Case.title).like(pattern),
        func.lower(Case.reporter_name).like(pattern),
    )


def _case_conditions(f: CaseFilters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.stage:
        conds.append(col(Case.stage) == f.stage)
    if f.category:
        conds.append(col(Case.category) == f.category)
    if f.urgency:
        conds.append(col(Case.urgency) == f.urgency)
    if f.street:
        conds.append(col(Case.street_org_id) == f.street)
    if f.overdue:
        conds.append(col(Case.overdue))
    if f.provisional:
        conds.append(col(Case.provisional))
    if f.open_only:
        conds.append(col(Case.stage) != Stage.CLOSED.value)
    if f.text.strip():
        conds.append(text_match(f.text))
    return conds


@dataclass
class Page:
    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def list_cases(engine: Engine, actor: Actor, f: CaseFilters, page: int = 1) -> Page:
    """Cases this officer may see, newest first."""
    where = and_(visible_cases(actor), *_case_conditions(f))
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(Case).where(where)).one()
        rows = session.exec(
            select(Case)
            .where(where)
            .order_by(col(Case.received_at).desc(), col(Case.code).desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
    return Page(list(rows), int(total), page)


def open_provisional_codes(engine: Engine) -> list[str]:
    """Open cases whose running deadline is provisional (the year's calendar was not published)."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(Case.code).where(col(Case.provisional), col(Case.stage) != Stage.CLOSED.value)
            ).all()
        )


def community_with_street(engine: Engine, community_id: str) -> tuple[Org, Org] | None:
    """An active community and the street it belongs to."""
    with Session(engine) as session:
        community = session.get(Org, community_id)
        if community is None or not community.active or community.kind != OrgKind.COMMUNITY:
            return None
        street = session.get(Org, community.parent_id) if community.parent_id else None
        if street is None or street.kind != OrgKind.STREET:
            return None
        return community, street


def orgs_of_kind(
    engine: Engine, kind: str, *, parent_id: str | None = None, active_only: bool = True
) -> list[Org]:
    with Session(engine) as session:
        query = select(Org).where(Org.kind == kind)
        if parent_id is not None:
            query = query.where(Org.parent_id == parent_id)
        if active_only:
            query = query.where(col(Org.active))
        return list(session.exec(query.order_by(col(Org.id))).all())
