"""Demo petitions (信访) for the demo district: a handful at every step of the statutory path, each
registered at the bureau's desk and moved on by the same decisions officers send (`make run`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from temporalio.client import Client

from settings import Settings
from store.petitions import Petition
from store.reception import ReceptionLevel, ReceptionSchedule, Recurrence
from web.services.petitions import PetitionInput, decide_petition, get_petition, register_petition
from workflows.petition.types import (
    DeliveryMethod,
    DeliveryRecord,
    OpinionOutcome,
    PetitionAccept,
    PetitionAction,
    PetitionAnswer,
    PetitionTransfer,
    TransferMode,
)
from workflows.types import Actor, Role

log = logging.getLogger("liudan.demo")

CLERK = Actor("xf-clerk", Role.PETITION_CLERK, "xf-bureau", "区信访局登记受理员")


def _unit(org: str) -> Actor:
    return Actor(f"dept-{org.removeprefix('dp-')}", Role.DEPARTMENT, org, "承办员")


@dataclass(frozen=True)
class DemoPetition:
    form: dict[str, Any]
    steps: list[Callable[[], tuple[PetitionAction, Any]]] = field(default_factory=list)


def _transfer(
    org: str, mode: TransferMode = TransferMode.TRANSFER
) -> Callable[[], tuple[PetitionAction, Any]]:
    return lambda: (
        PetitionAction.TRANSFER,
        PetitionTransfer(CLERK, org_id=org, mode=mode, note="请依法处理并书面答复"),
    )


def _accept(org: str) -> Callable[[], tuple[PetitionAction, Any]]:
    return lambda: (PetitionAction.ACCEPT, PetitionAccept(_unit(org), notice="承办人将在7日内与您联系"))


def _answer(org: str) -> Callable[[], tuple[PetitionAction, Any]]:
    return lambda: (
        PetitionAction.ANSWER,
        PetitionAnswer(
            _unit(org),
            OpinionOutcome.PARTLY,
            facts="经现场核查，反映的问题部分属实。",
            reasons="依据《城市居民最低生活保障条例》第七条。",
            decision="对符合条件的部分予以补发，其余请求不予支持。",
        ),
    )


def _delivered() -> tuple[PetitionAction, Any]:
    return PetitionAction.DELIVER, DeliveryRecord(
        CLERK, DeliveryMethod.IN_PERSON, received_at=datetime.now(UTC)
    )


def _person(name: str, phone: str, id_number: str) -> dict[str, str]:
    return {"petitioner_name": name, "petitioner_phone": phone, "petitioner_id_number": id_number}


PETITIONS = [
    DemoPetition(
        {
            **_person("周建华", "13807310001", "430121196203150012"),
            "channel": "letter",
            "matter_type": "claim",
            "title": "低保资格被取消，请求复核",
            "content": "本人2026年8月被取消低保资格，家庭情况并无变化，请求重新核查。",
        },
    ),
    DemoPetition(
        {
            **_person("吴秀梅", "13807310002", "430121197005220029"),
            "channel": "visit",
            "matter_type": "claim",
            "title": "小区电梯长期停运",
            "content": "清河小区7栋电梯停运三个月，物业以维修资金不足为由拖延。",
        },
        [_transfer("dp-zhujian")],
    ),
    DemoPetition(
        {
            **_person("郑国强", "13807310003", "430121195811030036"),
            "channel": "online",
            "matter_type": "claim",
            "title": "养老保险缴费年限认定有误",
            "content": "1992年至1996年在原县农机厂的工龄未被计入缴费年限。",
        },
        [_transfer("dp-renshe"), _accept("dp-renshe")],
    ),
    DemoPetition(
        {
            **_person("孙丽", "13807310004", "430121198104120044"),
            "channel": "mailbox",
            "matter_type": "claim",
            "title": "临时救助金未发放",
            "content": "2026年9月申请临时救助，街道已审核，至今未发放。",
        },
        [_transfer("dp-minzheng"), _accept("dp-minzheng"), _answer("dp-minzheng"), _delivered],
    ),
    DemoPetition(
        {
            **_person("钱明", "13807310005", "430121199009090056"),
            "channel": "letter",
            "matter_type": "accusation",
            "accused_org_id": "dp-chengguan",
            "about_officials": True,
            "title": "检举城管执法人员违规收费",
            "content": "南山镇集市执法人员向摊贩收取所谓管理费，不开票据。",
        },
        [_transfer("dc-jigongwei")],
    ),
    DemoPetition(
        {
            **_person("陈桂兰", "13807310006", "430121196611110060"),
            "channel": "handed_down",
            "matter_type": "suggestion",
            "handed_down_by": "市信访局",
            "title": "建议增设公交线路",
            "content": "李家村至区人民医院无直达公交，建议增设线路。",
        },
        [_transfer("dp-jiaotong", TransferMode.ASSIGN)],
    ),
]


def seed_reception_schedules(engine: Engine) -> None:
    """The source documents' reception days: the bureau director on the 5th of each month, a leader on
    duty every Monday (with a lawyer), and a three-level video appointment every Wednesday."""
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(ReceptionSchedule)).one():
            return
        session.add_all(
            [
                ReceptionSchedule(title="局长接待日", leader_id="leader-wang", level=ReceptionLevel.COUNTY,
                                  place="区信访局一楼接待大厅", recurrence=Recurrence.MONTHLY, day_of_month=5,
                                  start=time(9), end=time(11, 30), capacity=3),
                ReceptionSchedule(title="领导周一接访", leader_id="leader-li", level=ReceptionLevel.COUNTY,
                                  place="区群众来访接待中心", recurrence=Recurrence.WEEKLY, weekday=0,
                                  start=time(9), end=time(12), capacity=2, lawyer_on_duty=True),
                ReceptionSchedule(title="三级视频约访", leader_id="leader-zhao", level=ReceptionLevel.STATION,
                                  place="南山镇视频接访室", video=True, recurrence=Recurrence.WEEKLY, weekday=2,
                                  start=time(14, 30), end=time(17), capacity=2),
            ]
        )  # fmt: skip
        session.commit()


async def seed_demo_petitions(settings: Settings, client: Client, engine: Engine) -> int:
    """Registers the demo petitions (and the reception schedules) unless the district already has them."""
    await asyncio.to_thread(seed_reception_schedules, engine)
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(Petition)).one():
            return 0
    for demo in PETITIONS:
        values = dict(demo.form)
        if values["channel"] == "handed_down":
            values["handed_down_due"] = datetime.now(UTC) + timedelta(days=20)
        registered = await register_petition(
            engine, client, settings, PetitionInput.model_validate(values), CLERK
        )
        for step in demo.steps:
            action, payload = step()
            if action == PetitionAction.DELIVER:  # received when it was issued, handed over in person
                payload.received_at = (await get_petition(client, registered.code)).documents[-1].issued_at
            await decide_petition(client, registered.code, action, payload)
    log.info("demo: %d petitions", len(PETITIONS))
    return len(PETITIONS)
