"""Admin work on the directory: orgs, users, leader ↔ street links (联点), passwords, API tokens."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.directory import org_names_in
from store.models import LeaderStreet, Org, OrgKind, User
from web.i18n import TEXT
from web.security import hash_password
from web.services.auth import end_user_sessions, issue_api_token, lift_lockout
from workflows.types import Actor, Role

log = logging.getLogger("liudan.web.admin")

# The kinds of org each role may belong to.
ROLE_ORG_KIND: dict[Role, tuple[str, ...]] = {
    Role.GRID_WORKER: (OrgKind.COMMUNITY,),
    Role.COMMUNITY: (OrgKind.COMMUNITY,),
    Role.STREET: (OrgKind.STREET,),
    Role.DEPARTMENT: (OrgKind.DEPARTMENT,),
    Role.LEADER: (OrgKind.LEADER_OFFICE,),
    Role.SUPERVISION: (OrgKind.SUPERVISION,),
    Role.DISCIPLINE: (OrgKind.DISCIPLINE,),
    Role.ADMIN: (OrgKind.DISTRICT,),
    # The petition path (信访): a desk (the bureau, or a 12345 centre registered as a desk), the heads
    # of handling units, and the bodies above them that decide 复查 and 复核.
    Role.PETITION_CLERK: (OrgKind.PETITION_BUREAU,),
    Role.PETITION_HEAD: (OrgKind.PETITION_BUREAU,),
    Role.PETITION_DEPUTY: (OrgKind.PETITION_BUREAU,),
    Role.UNIT_HEAD: (OrgKind.DEPARTMENT, OrgKind.STREET, OrgKind.DISCIPLINE),
    Role.REVIEWER: (OrgKind.DISTRICT, OrgKind.CITY),
}
OFFICER_ROLES = tuple(ROLE_ORG_KIND)
# Which kind of org may be the parent of which (a community sits under its street).
PARENT_KIND = {OrgKind.COMMUNITY: OrgKind.STREET}
MIN_PASSWORD = 10


class AdminRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NewUser(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,31}$")
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    org_id: str = Field(min_length=1, max_length=64)
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=200, pattern=r"^$|^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
    password: str = Field(min_length=MIN_PASSWORD, max_length=200)


class NewOrg(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,47}$")
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(pattern="^(" + "|".join(k for k in OrgKind.ALL if k != OrgKind.DISTRICT) + ")$")
    parent_id: str = Field(default="", max_length=64)


@dataclass
class UserRow:
    user: User
    org_name: str
    streets: list[str] = field(default_factory=list)
    locked: bool = False


def list_users(engine: Engine, text: str = "", role: str = "") -> list[UserRow]:
    now = datetime.now(UTC)
    with Session(engine) as session:
        query = select(User)
        if role:
            query = query.where(User.role == role)
        if text.strip():
            pattern = f"%{text.strip()}%"
            query = query.where(col(User.username).like(pattern) | col(User.display_name).like(pattern))
        users = session.exec(query.order_by(col(User.role), col(User.username))).all()
        orgs = org_names_in(session)
        links = session.exec(select(LeaderStreet)).all()
    streets: dict[str, list[str]] = {}
    for link in links:
        streets.setdefault(link.leader_id, []).append(orgs.get(link.street_id, link.street_id))
    return [
        UserRow(
            u,
            orgs.get(u.org_id, u.org_id),
            streets.get(u.id, []),
            bool(u.locked_until and u.locked_until > now),
        )
        for u in users
    ]


def get_user(engine: Engine, user_id: str) -> UserRow:
    rows = [r for r in list_users(engine) if r.user.id == user_id]
    if not rows:
        raise LookupError(user_id)
    return rows[0]


def leader_street_ids(engine: Engine, user_id: str) -> list[str]:
    with Session(engine) as session:
        return list(
            session.exec(select(LeaderStreet.street_id).where(LeaderStreet.leader_id == user_id)).all()
        )


def create_user(engine: Engine, form: NewUser) -> User:
    with Session(engine, expire_on_commit=False) as session:
        if session.exec(select(User).where(User.username == form.username)).first() is not None:
            raise AdminRefused(TEXT["admin_username_taken"])
        org = session.get(Org, form.org_id)
        if org is None or not org.active:
            raise AdminRefused(TEXT["admin_unknown_org"])
        if org.kind not in ROLE_ORG_KIND.get(form.role, ()):
            raise AdminRefused(TEXT["admin_role_org_mismatch"])
        user = User(
            id=form.username,
            username=form.username,
            display_name=form.display_name,
            role=form.role.value,
            org_id=org.id,
            phone=form.phone,
            email=form.email,
            password_hash=hash_password(form.password),
            created_at=datetime.now(UTC),
        )
        session.add(user)
        session.commit()
    log.info("user %s created (%s)", user.id, user.role)
    return user


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    return user


def set_user_active(engine: Engine, admin: Actor, user_id: str, active: bool) -> None:
    """Deactivating ends the user's sessions and revokes their API token at once."""
    if user_id == admin.user_id and not active:
        raise AdminRefused(TEXT["admin_not_yourself"])
    with Session(engine) as session:
        user = _user(session, user_id)
        user.active = active
        if not active:
            user.api_token_hash = None
            end_user_sessions(session, user_id)
        session.add(user)
        session.commit()


def reset_password(engine: Engine, user_id: str) -> str:
    """A new one-time password (shown to the admin once), which also lifts a lock-out."""
    password = secrets.token_urlsafe(9)
    with Session(engine) as session:
        user = _user(session, user_id)
        user.password_hash = hash_password(password)
        lift_lockout(session, user)
        end_user_sessions(session, user_id)
        session.add(user)
        session.commit()
    return password


def unlock(engine: Engine, user_id: str) -> None:
    with Session(engine) as session:
        user = _user(session, user_id)
        lift_lockout(session, user)
        session.add(user)
        session.commit()


def set_leader_streets(engine: Engine, user_id: str, street_ids: list[str]) -> None:
    with Session(engine) as session:
        user = _user(session, user_id)
        if user.role != Role.LEADER:
            raise AdminRefused(TEXT["admin_not_leader"])
        streets = {o.id for o in session.exec(select(Org).where(Org.kind == OrgKind.STREET)).all()}
        if not set(street_ids) <= streets:
            raise AdminRefused(TEXT["admin_unknown_org"])
        session.execute(delete(LeaderStreet).where(col(LeaderStreet.leader_id) == user_id))
        session.add_all(LeaderStreet(leader_id=user_id, street_id=s) for s in sorted(set(street_ids)))
        session.commit()


def issue_token(engine: Engine, user_id: str) -> str:
    with Session(engine) as session:
        if not _user(session, user_id).active:
            raise AdminRefused(TEXT["admin_user_inactive"])
    return issue_api_token(engine, user_id)


def revoke_token(engine: Engine, user_id: str) -> None:
    with Session(engine) as session:
        user = _user(session, user_id)
        user.api_token_hash = None
        session.add(user)
        session.commit()


def list_orgs(engine: Engine) -> list[Org]:
    with Session(engine) as session:
        return list(session.exec(select(Org).order_by(col(Org.kind), col(Org.parent_id), col(Org.id))).all())


def create_org(engine: Engine, form: NewOrg) -> Org:
    with Session(engine, expire_on_commit=False) as session:
        if session.get(Org, form.id) is not None:
            raise AdminRefused(TEXT["admin_org_taken"])
        parent_kind = PARENT_KIND.get(form.kind, OrgKind.DISTRICT)
        parent = session.get(Org, form.parent_id) if form.parent_id else None
        if parent is None and parent_kind == OrgKind.DISTRICT:
            parent = session.exec(select(Org).where(Org.kind == OrgKind.DISTRICT)).first()
        if parent is None or parent.kind != parent_kind:
            raise AdminRefused(TEXT["admin_bad_parent"])
        org = Org(id=form.id, name=form.name, kind=form.kind, parent_id=parent.id)
        session.add(org)
        session.commit()
    return org


def set_org_active(engine: Engine, org_id: str, active: bool) -> None:
    with Session(engine) as session:
        org = session.get(Org, org_id)
        if org is None:
            raise LookupError(org_id)
        if org.kind == OrgKind.DISTRICT:
            raise AdminRefused(TEXT["admin_not_district"])
        org.active = active
        session.add(org)
        session.commit()
