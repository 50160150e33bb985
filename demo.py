"""Demo cases for the demo district: about sixty realistic requests spread over every stage.

Each case is registered through the same service the portal uses and moved on by the same
decisions officers send, so the demo is a living system, not rows painted into tables. A few
cases are registered as letters received days ago (overdue at the community) and a few run under
the `drill` policy (clocks in seconds), so overdue and supervised work shows up within a minute.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from temporalio.client import Client

from demo_petitions import seed_demo_petitions
from settings import Settings
from store.models import Case
from web.services.cases import RegistrationInput, decide, register_case
from workflows.types import (
    AcceptDecision,
    Action,
    Actor,
    Category,
    Channel,
    Difficulty,
    DispatchDecision,
    Escalation,
    ExtensionRequest,
    LocalResolution,
    RatingChannel,
    RatingDecision,
    RatingValue,
    ReportUp,
    ResultSubmission,
    ReviewDecision,
    Role,
    SignDecision,
    SupervisionDecision,
    TakeCharge,
    TriageDecision,
    UnreasonableClosure,
    Urgency,
    Withdrawal,
)

log = logging.getLogger("liudan.demo")

STREET_OF = {
    "cm-qinghe": "st-dongcheng",
    "cm-yingbin": "st-dongcheng",
    "cm-jinxiu": "st-dongcheng",
    "cm-hubin": "st-xihu",
    "cm-wenhua": "st-xihu",
    "cm-shanxia": "st-nanshan",
    "cm-lijia": "st-nanshan",
    "cm-taoyuan": "st-nanshan",
}
LEADER_OF = {"st-dongcheng": "leader-wang", "st-xihu": "leader-li", "st-nanshan": "leader-zhao"}


@dataclass(frozen=True)
class Request:
    title: str
    description: str
    location: str
    category: Category
    departments: tuple[str, ...]  # the lead unit first


REQUESTS = [
    Request(
        "小区门口路灯不亮",
        "南门外三盏路灯坏了两周，晚上老人出行不安全。",
        "南门外人行道",
        Category.INFRASTRUCTURE,
        ("dp-zhujian",),
    ),
    Request(
        "楼道堆放杂物存在消防隐患",
        "3栋一楼楼道长期堆放纸箱和电动车，堵塞消防通道。",
        "3栋一单元",
        Category.LIVELIHOOD,
        ("dp-gongan", "dp-zhujian"),
    ),
    Request(
        "餐馆油烟扰民",
        "临街烧烤店油烟直排，居民无法开窗。",
        "人民路88号",
        Category.ENVIRONMENT,
        ("dp-huanjing", "dp-chengguan"),
    ),
    Request(
        "道路坑洼积水",
        "公交站前路面塌陷，下雨积水半尺深。",
        "建设路公交站",
        Category.INFRASTRUCTURE,
        ("dp-jiaotong",),
    ),
    Request(
        "邻里漏水纠纷",
        "楼上卫生间漏水到我家天花板，协商多次未果。",
        "清河小区5栋",
        Category.DISPUTE,
        ("dp-zhujian",),
    ),
    Request(
        "拖欠农民工工资",
        "在工地干了三个月，包工头拖欠工资两万元。",
        "城南安置房工地",
        Category.PETITION,
        ("dp-renshe",),
    ),
    Request(
        "低保申请进度咨询",
        "母亲独居，申请低保两个月没有消息。",
        "社区服务中心",
        Category.LIVELIHOOD,
        ("dp-minzheng",),
    ),
    Request(
        "河道垃圾漂浮", "小河沟里漂满塑料瓶，夏天有异味。", "村口小河", Category.ENVIRONMENT, ("dp-huanjing",)
    ),
    Request(
        "菜市场缺斤短两",
        "在菜市场买的猪肉回家称少了二两。",
        "农贸市场",
        Category.LIVELIHOOD,
        ("dp-shichang",),
    ),
    Request(
        "夜间施工噪音",
        "工地晚上十一点后还在打桩，影响休息。",
        "锦绣路在建楼盘",
        Category.ENVIRONMENT,
        ("dp-huanjing", "dp-chengguan"),
    ),
    Request(
        "占道经营堵塞交通",
        "早市摊贩占满机动车道，上班高峰堵车。",
        "文化路早市",
        Category.INFRASTRUCTURE,
        ("dp-chengguan",),
    ),
    Request(
        "宅基地边界争议",
        "与邻居因宅基地界址发生争执，希望村里调解。",
        "李家村二组",
        Category.DISPUTE,
        ("dp-zhujian",),
    ),
    Request(
        "养老院服务质量投诉",
        "父亲所在养老院护工不足，卫生差。",
        "桃源颐养中心",
        Category.PETITION,
        ("dp-minzheng",),
    ),
    Request(
        "广场舞音响过大",
        "每晚广场舞音响声音太大，孩子无法学习。",
        "湖滨广场",
        Category.DISPUTE,
        ("dp-gongan",),
    ),
    Request(
        "自来水发黄",
        "最近一周自来水发黄有沉淀。",
        "迎宾小区",
        Category.LIVELIHOOD,
        ("dp-zhujian", "dp-shichang"),
    ),
    Request(
        "公交站台缺少遮雨棚",
        "站台没有遮雨棚，雨天候车很不方便。",
        "山下村公交站",
        Category.INFRASTRUCTURE,
        ("dp-jiaotong",),
    ),
]
NAMES = [
    "张秀兰",
    "王建华",
    "李桂芳",
    "刘志明",
    "陈玉梅",
    "杨国庆",
    "赵丽娟",
    "黄德福",
    "周晓燕",
    "吴长林",
    "徐春花",
    "孙海涛",
]


def _actor(user: str, role: Role, org: str, streets: tuple[str, ...] = ()) -> Actor:
    return Actor(user_id=user, role=role, org_id=org, display_name=user, street_ids=list(streets))


def community(org: str) -> Actor:
    return _actor(f"community-{org.removeprefix('cm-')}", Role.COMMUNITY, org)


def street(org: str) -> Actor:
    return _actor(f"street-{org.removeprefix('st-')}", Role.STREET, org)


def department(org: str) -> Actor:
    return _actor(f"dept-{org.removeprefix('dp-')}", Role.DEPARTMENT, org)


def leader(street_id: str) -> Actor:
    return _actor(LEADER_OF[street_id], Role.LEADER, "ld-office", (street_id,))


RESIDENT = _actor("resident", Role.RESIDENT, "")

# How far each demo case goes: (scenario, how many).
PLAN: list[tuple[str, int]] = [
    ("new", 5),
    ("late_letter", 2),
    ("triaged", 3),
    ("reported", 5),
    ("signed", 5),
    ("dispatched", 6),
    ("handling", 8),
    ("extension", 1),
    ("escalated", 2),
    ("supervised", 2),
    ("in_charge", 1),
    ("result_in", 5),
    ("satisfied", 7),
    ("average", 2),
    ("local", 2),
    ("unreasonable", 1),
    ("withdrawn", 1),
    ("dissatisfied", 2),
    ("reopened", 1),
    ("drill_overdue", 3),
]


@dataclass
class DemoCase:
    code: str
    community: str
    street: str
    request: Request


async def seed_demo_cases(settings: Settings, client: Client, engine: Engine) -> int:
    """Registers the demo cases unless the district already has cases (LIUDAN_DEMO_FORCE=1 adds anyway)."""
    with Session(engine) as session:
        existing = session.exec(select(func.count()).select_from(Case)).one()
    if existing and not os.environ.get("LIUDAN_DEMO_FORCE"):
        log.info("demo cases skipped: the district already has %d cases", existing)
        await seed_demo_petitions(settings, client, engine)  # a district from before petitions had none
        return 0
    rng = random.Random(2026)
    jobs = []
    for scenario, count in PLAN:
        for _ in range(count):
            phone = f"13{rng.randint(100000000, 999999999)}"
            channel = Channel.LETTER if scenario == "late_letter" else rng.choice(list(Channel))
            jobs.append(
                (
                    scenario,
                    rng.choice(list(STREET_OF)),
                    rng.choice(REQUESTS),
                    rng.choice(NAMES),
                    phone,
                    channel,
                )
            )
    started = datetime.now(UTC)
    limit = asyncio.Semaphore(8)

    async def one(job: tuple[str, str, Request, str, str, Channel]) -> None:
        async with limit:
            await _run_scenario(settings, client, engine, *job)

    await asyncio.gather(*(one(j) for j in jobs))
    log.info("demo: %d cases in %.1fs", len(jobs), (datetime.now(UTC) - started).total_seconds())
    await seed_demo_petitions(settings, client, engine)
    return len(jobs)


async def _run_scenario(
    settings: Settings,
    client: Client,
    engine: Engine,
    scenario: str,
    org: str,
    req: Request,
    name: str,
    phone: str,
    channel: Channel,
) -> None:
    received = datetime.now(UTC) - timedelta(days=4) if scenario == "late_letter" else None
    form = RegistrationInput(
        channel=channel,
        reporter_name=name,
        reporter_phone=phone,
        reporter_address=f"{req.location}附近",
        title=req.title,
        description=req.description,
        location=req.location,
        community_org_id=org,
        category=req.category,
        policy_id="drill" if scenario == "drill_overdue" else "liudan",
        received_at=received,
    )
    grid = _actor(f"grid-{org.removeprefix('cm-')}", Role.GRID_WORKER, org)
    registered = await register_case(engine, client, settings, form, grid)
    case = DemoCase(registered.code, org, STREET_OF[org], req)
    steps = _steps(case, scenario)
    for action, payload in steps:
        await decide(client, case.code, action, payload)


def _steps(c: DemoCase, scenario: str) -> list[tuple[Action, object]]:
    cm, st = community(c.community), street(c.street)
    depts = list(c.request.departments)
    lead = department(depts[0])
    urgency = Urgency.URGENT if c.request.category == Category.PETITION else Urgency.DEFERRABLE
    order = [
        "new", "triaged", "reported", "signed", "dispatched", "handling", "result_in", "satisfied",
    ]  # fmt: skip
    depth = {
        "late_letter": 0,
        "extension": 5,
        "escalated": 5,
        "supervised": 5,
        "in_charge": 5,
        "average": 7,
        "dissatisfied": 7,
        "reopened": 7,
        "drill_overdue": 4,
    }.get(scenario, order.index(scenario) if scenario in order else 1)
    steps: list[tuple[Action, object]] = []
    if scenario in ("unreasonable",):
        return [
            (Action.TRIAGE, TriageDecision(cm, Urgency.UNREASONABLE, c.request.category, "诉求超出政策范围")),
            (
                Action.CLOSE_UNREASONABLE,
                UnreasonableClosure(cm, "经核实，该诉求不属于政府职责范围，已向群众解释相关政策。"),
            ),
        ]
    if scenario == "local":
        return [
            (Action.TRIAGE, TriageDecision(cm, Urgency.DEFERRABLE, c.request.category)),
            (
                Action.RESOLVE_LOCALLY,
                LocalResolution(cm, "社区组织物业当天处理完毕，已回访群众。", "社区主任"),
            ),
            (Action.RATE, RatingDecision(RESIDENT, RatingValue.SATISFIED, "社区处理很及时", solved=True)),
        ]
    if scenario == "withdrawn":
        return [(Action.WITHDRAW, Withdrawal(RESIDENT, "问题已自行解决"))]
    if depth >= 1:
        steps.append((Action.TRIAGE, TriageDecision(cm, urgency, c.request.category, "情况属实")))
    if depth >= 2:
        steps.append((Action.REPORT_UP, ReportUp(cm, "社区无法解决，报街道")))
    if depth >= 3:
        steps.append((Action.SIGN, SignDecision(st)))
    if depth >= 4:
        steps.append(
            (
                Action.DISPATCH,
                DispatchDecision(
                    st, depts, Difficulty.ORDINARY, lead_department_id=depts[0], note="请按时办结"
                ),
            )
        )
    if depth >= 5:
        steps += [
            (Action.ACCEPT, AcceptDecision(department(d), "已电话联系群众，将尽快现场核查。")) for d in depts
        ]
    if scenario == "extension":
        steps.append((Action.REQUEST_EXTENSION, ExtensionRequest(lead, 5, "需协调产权单位，申请延期")))
    if scenario in ("escalated", "supervised"):
        steps.append((Action.ESCALATE, Escalation(lead, "涉及多个产权单位，需领导协调")))
    if scenario == "supervised":
        due = datetime.now(UTC) + timedelta(days=5)
        steps.append(
            (
                Action.SUPERVISE,
                SupervisionDecision(leader(c.street), "现场督办，限期整改", due, talk_ordered=True),
            )
        )
    if scenario == "in_charge":
        steps.append((Action.TAKE_CHARGE, TakeCharge(leader(c.street), "疑难案件，领导包案")))
    if depth >= 6:
        steps += [
            (Action.SUBMIT_RESULT, ResultSubmission(department(d), "已现场处理完毕。")) for d in depts[1:]
        ]
        steps.append((Action.SUBMIT_RESULT, ResultSubmission(lead, "问题已解决，已向群众反馈处理结果。")))
    if depth >= 7:
        value = {
            "average": RatingValue.AVERAGE,
            "dissatisfied": RatingValue.DISSATISFIED,
            "reopened": RatingValue.DISSATISFIED,
        }.get(scenario, RatingValue.SATISFIED)
        comment = "问题没有根本解决" if value == RatingValue.DISSATISFIED else "处理及时，态度很好"
        if scenario == "average":
            steps.append(
                (
                    Action.RATE,
                    RatingDecision(cm, value, "回访时群众表示基本满意", RatingChannel.PHONE, solved=True),
                )
            )
        else:
            steps.append((Action.RATE, RatingDecision(RESIDENT, value, comment, solved=True)))
    if scenario == "reopened":
        due = datetime.now(UTC) + timedelta(days=7)
        steps.append((Action.REOPEN, ReviewDecision(leader(c.street), "群众不满意，责令重新办理", due)))
    return steps
