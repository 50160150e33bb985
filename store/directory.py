"""The directory (orgs, users, leader ↔ street links) and the demo district seeded on first run.

The demo district is modelled on the source material: one district, three streets/townships with
their communities and villages, eight functional departments, three district leaders each linked
to a street (联点), the supervision office and the discipline commission.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.models import LeaderDepartment, LeaderStreet, Org, OrgKind, User

DEMO_PASSWORD = "liudan2026"  # printed by `make run`; every demo user shares it


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    org_id: str
    streets: tuple[str, ...] = ()  # a leader's linked streets
    departments: tuple[str, ...] = ()  # a leader's portfolio (分管部门)


CITY = ("city", "市人民政府")
DISTRICT = ("hj", "和静区")
STREETS = {
    "st-dongcheng": (
        "东城街道",
        {"cm-qinghe": "清河社区", "cm-yingbin": "迎宾社区", "cm-jinxiu": "锦绣社区"},
    ),
    "st-xihu": ("西湖街道", {"cm-hubin": "湖滨社区", "cm-wenhua": "文化社区"}),
    "st-nanshan": ("南山镇", {"cm-shanxia": "山下村", "cm-lijia": "李家村", "cm-taoyuan": "桃源村"}),
}
DEPARTMENTS = {
    "dp-zhujian": "区住建局",
    "dp-chengguan": "区城管局",
    "dp-shichang": "区市场监管局",
    "dp-renshe": "区人社局",
    "dp-minzheng": "区民政局",
    "dp-huanjing": "区生态环境分局",
    "dp-jiaotong": "区交通运输局",
    "dp-gongan": "区公安分局",
}
OTHER_ORGS = {
    "ld-office": ("区领导", OrgKind.LEADER_OFFICE),
    "sv-ducha": ("区委区政府督查室", OrgKind.SUPERVISION),
    "dc-jigongwei": ("区纪工委", OrgKind.DISCIPLINE),
    "xf-bureau": ("区信访局", OrgKind.PETITION_BUREAU),
}
# The petition path's accounts (信访): the bureau's desk and head, each department's own head (who
# approves its extensions), and the officers of the bodies that decide 复查 (the district government,
# the level above its departments and streets) and 复核 (the city government, above the district).
PETITION_USERS = (
    ("xf-clerk", "区信访局登记受理员", "petition_clerk", "xf-bureau"),
    ("xf-head", "区信访局局长", "petition_head", "xf-bureau"),
    ("xf-deputy", "区信访局副局长", "petition_deputy", "xf-bureau"),
    ("reviewer-district", "区人民政府复查专员", "reviewer", "hj"),
    ("reviewer-city", "市人民政府复核专员", "reviewer", "city"),
)
LEADERS = {
    "leader-wang": ("王建国（副区长）", "st-dongcheng"),
    "leader-li": ("李秀英（区委常委）", "st-xihu"),
    "leader-zhao": ("赵志强（副区长）", "st-nanshan"),
}


# 分管: each demo leader's departments (a 特别难 matter's limit is set by its lead unit's 分管区领导).
PORTFOLIOS = {
    "leader-wang": ("dp-zhujian", "dp-chengguan", "dp-jiaotong"),
    "leader-li": ("dp-shichang", "dp-renshe", "dp-minzheng"),
    "leader-zhao": ("dp-huanjing", "dp-gongan"),
}


def demo_orgs() -> list[Org]:
    orgs = [
        Org(id=CITY[0], name=CITY[1], kind=OrgKind.CITY),
        Org(id=DISTRICT[0], name=DISTRICT[1], kind=OrgKind.DISTRICT, parent_id=CITY[0]),
    ]
    for street_id, (name, communities) in STREETS.items():
        orgs.append(Org(id=street_id, name=name, kind=OrgKind.STREET, parent_id=DISTRICT[0]))
        orgs += [
            Org(id=c, name=n, kind=OrgKind.COMMUNITY, parent_id=street_id) for c, n in communities.items()
        ]
    orgs += [
        Org(id=d, name=n, kind=OrgKind.DEPARTMENT, parent_id=DISTRICT[0]) for d, n in DEPARTMENTS.items()
    ]
    orgs += [Org(id=o, name=n, kind=k, parent_id=DISTRICT[0]) for o, (n, k) in OTHER_ORGS.items()]
    return orgs


def demo_users() -> list[DemoUser]:
    users: list[DemoUser] = []
    for street_id, (street_name, communities) in STREETS.items():
        short = street_id.removeprefix("st-")
        users.append(DemoUser(f"street-{short}", f"{street_name}受理员", "street", street_id))
        # 街道主要负责人: supervises the street's own missed sign or dispatch.
        users.append(DemoUser(f"head-{short}", f"{street_name}主要负责人", "unit_head", street_id))
        for c, name in communities.items():
            c_short = c.removeprefix("cm-")
            users.append(DemoUser(f"community-{c_short}", f"{name}书记", "community", c))
            users.append(DemoUser(f"grid-{c_short}", f"{name}网格员", "grid_worker", c))
    for d, name in DEPARTMENTS.items():
        users.append(DemoUser(f"dept-{d.removeprefix('dp-')}", f"{name}承办员", "department", d))
        users.append(DemoUser(f"head-{d.removeprefix('dp-')}", f"{name}负责人", "unit_head", d))
    users += [DemoUser(*u) for u in PETITION_USERS]
    for username, (name, street) in LEADERS.items():
        users.append(DemoUser(username, name, "leader", "ld-office", (street,), PORTFOLIOS[username]))
    users.append(DemoUser("supervision", "督查室专员", "supervision", "sv-ducha"))
    users.append(DemoUser("discipline", "纪工委监督员", "discipline", "dc-jigongwei"))
    users.append(DemoUser("admin", "系统管理员", "admin", DISTRICT[0]))
    return users


def seed_demo_directory(engine: Engine, hash_password: Callable[[str], str]) -> int:
    """Creates the demo district's orgs and users where missing; returns how many users it added.

    Idempotent: an existing org or user (even one an admin changed) is left as it is.
    """
    added = 0
    with Session(engine) as session:
        existing_orgs = set(session.exec(select(Org.id)).all())
        for org in demo_orgs():  # parents come first in the list
            if org.id not in existing_orgs:
                session.add(org)
                session.flush()
        existing_users = set(session.exec(select(User.username)).all())
        password_hash = None
        for u in demo_users():
            if u.username in existing_users:
                continue
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            session.add(
                User(
                    id=u.username,
                    username=u.username,
                    display_name=u.display_name,
                    role=u.role,
                    org_id=u.org_id,
                    password_hash=password_hash,
                    created_at=datetime.now(UTC),
                )
            )
            session.flush()
            session.add_all(LeaderStreet(leader_id=u.username, street_id=s) for s in u.streets)
            added += 1
        _seed_portfolios(session)
        session.commit()
    return added


def _seed_portfolios(session: Session) -> None:
    """The demo leaders' 分管 departments, for a directory seeded before they existed too (only where a
    leader has none: an admin's own links are kept)."""
    linked = set(session.exec(select(LeaderDepartment.leader_id)).all())
    for leader, departments in PORTFOLIOS.items():
        if leader not in linked and session.get(User, leader) is not None:
            session.add_all(LeaderDepartment(leader_id=leader, department_id=d) for d in departments)


def org_names(engine: Engine) -> dict[str, str]:
    """Every org's name by its id (inactive ones too: old cases still name them)."""
    with Session(engine) as session:
        return org_names_in(session)


def org_names_in(session: Session) -> dict[str, str]:
    return {o.id: o.name for o in session.exec(select(Org)).all()}


def leader_streets(session: Session, user_id: str) -> list[str]:
    return list(session.exec(select(LeaderStreet.street_id).where(LeaderStreet.leader_id == user_id)).all())


def leader_departments(session: Session, user_id: str) -> list[str]:
    query = select(LeaderDepartment.department_id).where(LeaderDepartment.leader_id == user_id)
    return list(session.exec(query).all())
