"""What a dashboard is about: the district, a street, a community or a department.

Who may see which scope's figures is `store.visibility` (visible_scopes, require_scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, select

from store.models import Org, OrgKind
from workflows.types import Role


class ScopeKind(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    DEPARTMENT = "department"


# The org kind each scope is about; ScopeKind lists them widest first.
SCOPE_ORG_KIND = {
    ScopeKind.DISTRICT: OrgKind.DISTRICT,
    ScopeKind.STREET: OrgKind.STREET,
    ScopeKind.COMMUNITY: OrgKind.COMMUNITY,
    ScopeKind.DEPARTMENT: OrgKind.DEPARTMENT,
}


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    org_id: str  # the district, street, community or department org

    @staticmethod
    def district(org_id: str) -> Scope:
        return Scope(ScopeKind.DISTRICT, org_id)

    @staticmethod
    def street(org_id: str) -> Scope:
        return Scope(ScopeKind.STREET, org_id)

    @staticmethod
    def community(org_id: str) -> Scope:
        return Scope(ScopeKind.COMMUNITY, org_id)

    @staticmethod
    def department(org_id: str) -> Scope:
        return Scope(ScopeKind.DEPARTMENT, org_id)


class ScopeForbidden(Exception):
    """The viewer may not see this scope's figures; the message is for the user."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope)
        self.scope = scope

    def __str__(self) -> str:
        return "无权查看该单位的统计数据 (you may not see this org's figures)"


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as far as figures are concerned; the web fills it from the session."""

    role: Role
    org_id: str
    street_ids: tuple[str, ...] = ()  # a leader's linked streets (联点街道)

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))  # a stored role value is read as its Role


def scope_for_org(session: Session, org_id: str) -> Scope:
    """The scope of an org; ``ValueError`` for an unknown org or one without figures (督查室...)."""
    org = session.get(Org, org_id)
    kinds = {v: k for k, v in SCOPE_ORG_KIND.items()}
    if org is None or org.kind not in kinds:
        raise ValueError(f"no figures are kept for org {org_id!r}")
    return Scope(kinds[org.kind], org.id)


def district_scope(session: Session) -> Scope:
    org = session.exec(select(Org).where(Org.kind == OrgKind.DISTRICT)).first()
    if org is None:
        raise LookupError("the directory has no district org")
    return Scope.district(org.id)
