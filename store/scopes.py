"""What a dashboard is about (the district, a street, a community or a department) and who may see it.

Access (issue 6): the supervision office, the discipline commission and admins see everything; a
district leader sees the streets linked to them (联点) and their communities; a street officer sees
the street and its communities; a community officer or grid worker sees the community; a department
sees only its own figures. Rankings are the district's notice board: leaders, the supervision
office, the discipline commission and admins see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from store.models import Org, OrgKind


class ScopeKind(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    DEPARTMENT = "department"


_ORG_KIND = {
    ScopeKind.DISTRICT: OrgKind.DISTRICT,
    ScopeKind.STREET: OrgKind.STREET,
    ScopeKind.COMMUNITY: OrgKind.COMMUNITY,
    ScopeKind.DEPARTMENT: OrgKind.DEPARTMENT,
}
_SEE_ALL = {"supervision", "discipline", "admin"}
_SEE_RANKINGS = _SEE_ALL | {"leader"}


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

    role: str  # a Role value
    org_id: str
    street_ids: tuple[str, ...] = ()  # a leader's linked streets (联点街道)


def scope_for_org(session: Session, org_id: str) -> Scope:
    """The scope of an org; ``ValueError`` for an unknown org or one without figures (督查室...)."""
    org = session.get(Org, org_id)
    kinds = {v: k for k, v in _ORG_KIND.items()}
    if org is None or org.kind not in kinds:
        raise ValueError(f"no figures are kept for org {org_id!r}")
    return Scope(kinds[org.kind], org.id)


def district_scope(session: Session) -> Scope:
    org = session.exec(select(Org).where(Org.kind == OrgKind.DISTRICT)).first()
    if org is None:
        raise LookupError("the directory has no district org")
    return Scope.district(org.id)


def visible_scopes(session: Session, viewer: Viewer) -> list[Scope]:
    """Every scope the viewer may open, the widest first (its default dashboard)."""
    orgs = session.exec(select(Org).where(col(Org.active).is_(True)).order_by(Org.id)).all()
    by_kind: dict[str, list[Org]] = {}
    for org in orgs:
        by_kind.setdefault(org.kind, []).append(org)
    communities = by_kind.get(OrgKind.COMMUNITY, [])
    if viewer.role in _SEE_ALL:
        order = (ScopeKind.DISTRICT, ScopeKind.STREET, ScopeKind.COMMUNITY, ScopeKind.DEPARTMENT)
        return [Scope(k, o.id) for k in order for o in by_kind.get(_ORG_KIND[k], [])]
    if viewer.role in ("leader", "street"):
        streets = viewer.street_ids if viewer.role == "leader" else (viewer.org_id,)
        known = {o.id for o in by_kind.get(OrgKind.STREET, [])}
        return [Scope.street(s) for s in streets if s in known] + [
            Scope.community(c.id) for s in streets for c in communities if c.parent_id == s
        ]
    if viewer.role in ("community", "grid_worker"):
        return [Scope.community(c.id) for c in communities if c.id == viewer.org_id]
    if viewer.role == "department":
        return [Scope.department(d.id) for d in by_kind.get(OrgKind.DEPARTMENT, []) if d.id == viewer.org_id]
    return []


def may_see(session: Session, viewer: Viewer, scope: Scope) -> bool:
    return scope in visible_scopes(session, viewer)


def require_scope(session: Session, viewer: Viewer, scope: Scope) -> None:
    """Raises ``ScopeForbidden`` unless the viewer may see the scope's figures."""
    if not may_see(session, viewer, scope):
        raise ScopeForbidden(scope)


def may_see_rankings(viewer: Viewer) -> bool:
    return viewer.role in _SEE_RANKINGS
