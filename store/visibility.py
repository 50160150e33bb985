"""Who may see what, decided once for the store's queries, the pages, the API, ledgers and dashboards.

- **A case**: admins, the supervision office (督查室) and the discipline commission (纪工委) see
  every case: the commission decides the cases referred to it (supervision level 2), and it holds
  departments to account for their ratings (问责, `store.accountability`), so it reads the cases behind
  them; a district leader those of the streets
  linked to them (联点); a street officer the street's; a community officer or grid worker the
  community's; a department every case it was ever dispatched, even one it returned, since its
  figures count them.
- **A resident's contact details in full**: only those who must call or visit the resident: the
  case's own community (officers and grid workers) and street, and the departments it is assigned
  to now. Everyone else reads them masked (`store.contact`); every full view is logged.
- **Figures** (dashboards, reports, ledgers): the same reach as cases, except that the discipline
  commission reads every org's figures (issue 6). A ledger lists the cases of a scope one may see;
  an export carries a row's contact in full only where its exporter may see that case's contact.
- **Rankings** (the district's notice board): leaders, the supervision office, the discipline
  commission and admins.
- **Registering a request**: grid workers and community officers for their community, street
  officers for their street; admins, residents (the portal) and the system anywhere.

Each rule is a table from role to a `Reach`. `reaches` answers it for one case from the case's org
fields (`CaseOrgs`, from a snapshot or a read-model row); `reach_filter` is the same reach as a SQL
condition for lists. The two stand side by side so that they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy import ColumnElement, and_, exists, false, literal, or_, true
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import Case, CaseDepartment, Org, OrgKind
from store.scopes import SCOPE_ORG_KIND, Scope, ScopeForbidden, ScopeKind
from workflows.types import CaseSnapshot, Role, Stage

REFERRED_LEVEL = 2  # the supervision level at which a case goes to the discipline commission


class Reach(StrEnum):
    DISTRICT = "district"  # every case
    LINKED_STREETS = "linked_streets"  # a leader's streets (联点)
    OWN_STREET = "own_street"
    OWN_COMMUNITY = "own_community"
    DISPATCHED = "dispatched"  # ever dispatched to the department, returned or not
    ASSIGNED = "assigned"  # assigned to the department now
    OWN_UNIT = (
        "own_unit"  # a unit head (单位负责人): its street's cases, or those dispatched to its department
    )


CASES: dict[Role, Reach] = {
    Role.ADMIN: Reach.DISTRICT,
    Role.SUPERVISION: Reach.DISTRICT,
    Role.DISCIPLINE: Reach.DISTRICT,
    Role.LEADER: Reach.LINKED_STREETS,
    Role.STREET: Reach.OWN_STREET,
    Role.COMMUNITY: Reach.OWN_COMMUNITY,
    Role.GRID_WORKER: Reach.OWN_COMMUNITY,
    Role.DEPARTMENT: Reach.DISPATCHED,
    Role.UNIT_HEAD: Reach.OWN_UNIT,
}
CONTACT: dict[Role, Reach] = {
    Role.COMMUNITY: Reach.OWN_COMMUNITY,
    Role.GRID_WORKER: Reach.OWN_COMMUNITY,
    Role.STREET: Reach.OWN_STREET,
    Role.DEPARTMENT: Reach.ASSIGNED,
}
FIGURES: dict[Role, Reach] = dict(CASES)
RANKINGS = (Role.LEADER, Role.SUPERVISION, Role.DISCIPLINE, Role.ADMIN)
REGISTRATION: dict[Role, Reach] = {
    Role.GRID_WORKER: Reach.OWN_COMMUNITY,
    Role.COMMUNITY: Reach.OWN_COMMUNITY,
    Role.STREET: Reach.OWN_STREET,
    Role.ADMIN: Reach.DISTRICT,
    Role.RESIDENT: Reach.DISTRICT,
    Role.SYSTEM: Reach.DISTRICT,
}
# No department holds a case before its dispatch, nor when it is back with the street because every
# department returned it (the read model then still names the last ones, for lists).
_UNASSIGNED_STAGES = (Stage.REPORT.value, Stage.SIGN.value, Stage.DISPATCH.value)


class Who(Protocol):
    """Whoever asks: an `Actor`, or a `store.scopes.Viewer`."""

    @property
    def role(self) -> Role: ...

    @property
    def org_id(self) -> str: ...

    @property
    def street_ids(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class CaseOrgs:
    """What visibility reads of a case: where it comes from, how far it was referred, and the
    departments assigned to it now and ever dispatched to it."""

    community_org_id: str
    street_org_id: str
    supervision_level: int = 0
    assigned: tuple[str, ...] = ()
    dispatched: tuple[str, ...] = ()

    @classmethod
    def of_snapshot(cls, snap: CaseSnapshot) -> CaseOrgs:
        """From the live case. A department that returned it is no longer assigned, but acted on it
        (the projection keeps its `case_departments` row for the same reason)."""
        reg = snap.registration
        assigned = tuple(a.department_id for a in snap.assignments)
        acted = (e.actor_org_id for e in snap.timeline if e.actor_role == Role.DEPARTMENT)
        dispatched = tuple(dict.fromkeys((*assigned, *acted)))
        return cls(reg.community_org_id, reg.street_org_id, snap.supervision_level, assigned, dispatched)

    @classmethod
    def of_row(cls, case: Case, dispatched: Iterable[str] = ()) -> CaseOrgs:
        """From the read model; `dispatched` from `case_departments`. One case reads wrong: one the
        street closed itself after every department returned it still names the last department."""
        assigned = () if case.stage in _UNASSIGNED_STAGES else tuple(case.department_ids.split())
        return cls(
            case.community_org_id, case.street_org_id, case.supervision_level, assigned, tuple(dispatched)
        )


def _streets(who: Who, reach: Reach) -> tuple[str, ...]:
    return tuple(who.street_ids) if reach == Reach.LINKED_STREETS else (who.org_id,)


def reaches(who: Who, reach: Reach | None, case: CaseOrgs) -> bool:
    """Whether `reach`, held by `who`, takes in this case."""
    if reach == Reach.DISTRICT:
        return True
    if reach in (Reach.LINKED_STREETS, Reach.OWN_STREET):
        return case.street_org_id in _streets(who, reach)
    if reach == Reach.OWN_COMMUNITY:
        return case.community_org_id == who.org_id
    if reach == Reach.DISPATCHED:
        return who.org_id in case.dispatched
    if reach == Reach.ASSIGNED:
        return who.org_id in case.assigned
    if reach == Reach.OWN_UNIT:
        return case.street_org_id == who.org_id or who.org_id in case.dispatched
    return False


def reach_filter(who: Who, reach: Reach | None) -> ColumnElement[bool]:
    """`reaches` as a condition on the cases table."""
    if reach == Reach.DISTRICT:
        return true()
    if reach == Reach.LINKED_STREETS:
        return col(Case.street_org_id).in_(who.street_ids) if who.street_ids else false()
    if reach == Reach.OWN_STREET:
        return col(Case.street_org_id) == who.org_id
    if reach == Reach.OWN_COMMUNITY:
        return col(Case.community_org_id) == who.org_id
    if reach == Reach.DISPATCHED:
        return exists().where(
            col(CaseDepartment.case_code) == col(Case.code),
            col(CaseDepartment.department_id) == who.org_id,
        )
    if reach == Reach.ASSIGNED:
        listed = (literal(" ") + col(Case.department_ids) + literal(" ")).contains(
            f" {who.org_id} ", autoescape=True
        )
        return and_(col(Case.stage).not_in(_UNASSIGNED_STAGES), listed)
    if reach == Reach.OWN_UNIT:
        return or_(reach_filter(who, Reach.OWN_STREET), reach_filter(who, Reach.DISPATCHED))
    return false()


# --- cases ------------------------------------------------------------------------------------


def may_see_case(who: Who, case: CaseOrgs) -> bool:
    return reaches(who, CASES.get(who.role), case)


def visible_cases(who: Who) -> ColumnElement[bool]:
    """The cases `who` may open, as a condition for lists and searches."""
    return reach_filter(who, CASES.get(who.role))


def visible_case(engine: Engine, who: Who, code: str) -> Case | None:
    """The case, if `who` may open it; None for a case that does not exist or that they may not see."""
    with Session(engine) as session:
        case = session.get(Case, code)
        if case is None:
            return None
        dispatched = session.exec(
            select(CaseDepartment.department_id).where(CaseDepartment.case_code == code)
        ).all()
    return case if may_see_case(who, CaseOrgs.of_row(case, dispatched)) else None


# --- contact details --------------------------------------------------------------------------


def may_see_contact(who: Who, case: CaseOrgs) -> bool:
    """Whether `who` must contact this case's resident, and so sees their phone and address in full."""
    return reaches(who, CONTACT.get(who.role), case)


def may_see_any_contact(who: Who) -> bool:
    """Whether `who` is of a role that contacts residents (a ledger export may then carry full rows)."""
    return who.role in CONTACT


# --- figures ----------------------------------------------------------------------------------


def visible_scopes(session: Session, who: Who) -> list[Scope]:
    """Every scope whose figures `who` may open, the widest first (their default dashboard)."""
    reach = FIGURES.get(who.role)
    orgs = session.exec(select(Org).where(col(Org.active).is_(True)).order_by(Org.id)).all()
    by_kind: dict[str, list[Org]] = {}
    for org in orgs:
        by_kind.setdefault(org.kind, []).append(org)
    communities = by_kind.get(OrgKind.COMMUNITY, [])
    if reach == Reach.DISTRICT:
        return [Scope(k, o.id) for k in ScopeKind for o in by_kind.get(SCOPE_ORG_KIND[k], [])]
    if reach in (Reach.LINKED_STREETS, Reach.OWN_STREET):
        streets = _streets(who, reach)
        known = {o.id for o in by_kind.get(OrgKind.STREET, [])}
        return [Scope.street(s) for s in streets if s in known] + [
            Scope.community(c.id) for s in streets for c in communities if c.parent_id == s
        ]
    if reach == Reach.OWN_COMMUNITY:
        return [Scope.community(c.id) for c in communities if c.id == who.org_id]
    if reach == Reach.DISPATCHED:
        return [Scope.department(d.id) for d in by_kind.get(OrgKind.DEPARTMENT, []) if d.id == who.org_id]
    return []


def may_see_scope(session: Session, who: Who, scope: Scope) -> bool:
    return scope in visible_scopes(session, who)


def require_scope(session: Session, who: Who, scope: Scope) -> None:
    """Raises ``ScopeForbidden`` unless `who` may see the scope's figures."""
    if not may_see_scope(session, who, scope):
        raise ScopeForbidden(scope)


def may_see_rankings(who: Who) -> bool:
    return who.role in RANKINGS


# --- registration -----------------------------------------------------------------------------


def may_register_in(who: Who, community_org_id: str, street_org_id: str) -> bool:
    """Whether `who` may register a request for a resident of this community (of this street)."""
    return reaches(who, REGISTRATION.get(who.role), CaseOrgs(community_org_id, street_org_id))
