"""Residents' personal data: masked everywhere, shown in full only to those who must call or visit
the resident, and every full view logged (the log appears in the case's timeline)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.audit import PersonalDataView
from workflows.types import Actor, CaseSnapshot, Role

MASK = "****"


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits stay, so an officer can tell numbers apart."""
    if len(phone) <= 7:
        return MASK
    return f"{phone[:3]}{MASK}{phone[-4:]}"


def mask_address(address: str) -> str:
    """清河小区**** : the first third stays (the compound), the rest (building, unit, door) goes."""
    if not address:
        return ""
    keep = min(len(address) // 3, 8)
    return f"{address[:keep]}{MASK}"


def may_see_contact(actor: Actor, snap: CaseSnapshot) -> bool:
    """Those who must contact the resident: their community (officers and grid workers), their street,
    and the departments the case is assigned to now."""
    reg = snap.registration
    if actor.role in (Role.COMMUNITY, Role.GRID_WORKER):
        return actor.org_id == reg.community_org_id
    if actor.role == Role.STREET:
        return actor.org_id == reg.street_org_id
    if actor.role == Role.DEPARTMENT:
        return any(a.department_id == actor.org_id for a in snap.assignments)
    return False


def log_contact_view(
    engine: Engine, actor: Actor, code: str, addr: str, via: str = "web"
) -> PersonalDataView:
    row = PersonalDataView(
        case_code=code,
        user_id=actor.user_id,
        user_name=actor.display_name,
        role=actor.role.value,
        org_id=actor.org_id,
        at=datetime.now(UTC),
        client_addr=addr,
        via=via,
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(row)
        session.commit()
    return row


def contact_views(engine: Engine, code: str) -> list[PersonalDataView]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(PersonalDataView)
                .where(PersonalDataView.case_code == code)
                .order_by(col(PersonalDataView.at))
            ).all()
        )
