"""The director's mailbox (局长信箱) services: a letter from the portal starts its workflow; the deputy,
the director and the assigned unit send their decisions; the writer follows and rates the answer on
their private link; and the mailbox's figures (letters, answered on time, satisfaction)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.service import RPCError

from settings import Settings
from store.contact import PHONE_PATTERN
from store.letters import Letter
from store.models import Org, OrgKind
from web.i18n import TEXT
from web.security import new_token, sha256
from web.services.cases import (
    READ_TIMEOUT,
    CaseUnavailable,
    first_projection,
    send_decision,
    start_with_fresh_code,
)
from workdays import SHANGHAI
from workflows.mailbox.ids import letter_workflow_id
from workflows.mailbox.policy import MAILBOX
from workflows.mailbox.rules import LETTER_DECISIONS, UNIT_ROLES
from workflows.mailbox.types import LetterAction, LetterRegistration, LetterResult, LetterSnapshot
from workflows.mailbox.workflow import MailboxWorkflow
from workflows.rules import FORBIDDEN_CHARACTERS
from workflows.types import Actor, Role

log = logging.getLogger("liudan.web.mailbox")
LETTER_PREFIX = "XX"  # 信箱
UPDATES: dict[LetterAction, Any] = {a: getattr(MailboxWorkflow, a.value) for a in LETTER_DECISIONS}
DESK = (Role.PETITION_DEPUTY, Role.PETITION_HEAD)
READERS = (*DESK, *UNIT_ROLES, Role.ADMIN)


class LetterInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=PHONE_PATTERN)
    subject: str = Field(min_length=1, max_length=100)
    content: str = Field(min_length=1, max_length=4000)

    @field_validator("name", "subject", "content")
    @classmethod
    def _text(cls, value: str) -> str:
        if FORBIDDEN_CHARACTERS.search(value):
            raise ValueError(TEXT["control_characters"])
        return value


@dataclass(frozen=True)
class Sent:
    code: str
    tracking_token: str


def mailbox_org(engine: Engine) -> str:
    """The district's petition bureau, whose director's mailbox this is."""
    with Session(engine) as session:
        org = session.exec(
            select(Org).where(Org.kind == OrgKind.PETITION_BUREAU, col(Org.active)).order_by(col(Org.id))
        ).first()
    if org is None:
        raise CaseUnavailable("mailbox")
    return org.id


async def send_letter(
    engine: Engine, client: Client, settings: Settings, form: LetterInput, actor: Actor
) -> Sent:
    org_id = await asyncio.to_thread(mailbox_org, engine)
    token = new_token(32)
    registration = await start_with_fresh_code(
        engine,
        client,
        what="letter",
        prefix=LETTER_PREFIX,
        year=datetime.now(SHANGHAI).year,
        registration=lambda code: LetterRegistration(
            code=code,
            mailbox_org_id=org_id,
            name=form.name,
            phone=form.phone,
            subject=form.subject,
            content=form.content,
            policy=MAILBOX,
            registered_by=actor,
            tracking_token_hash=sha256(token),
        ),
        run=MailboxWorkflow.run,
        workflow_id_of=letter_workflow_id,
        task_queue=settings.task_queue,
    )
    code = registration.code
    await first_projection(engine, Letter, code, 10.0)
    log.info("letter %s to the director's mailbox", code)
    return Sent(code, token)


async def decide_letter(client: Client, code: str, action: LetterAction, payload: Any) -> LetterResult:
    handle = client.get_workflow_handle_for(MailboxWorkflow.run, letter_workflow_id(code))
    result: LetterResult = await send_decision(handle, UPDATES[action], payload, code)
    return result


async def get_letter(client: Client, code: str) -> LetterSnapshot:
    handle = client.get_workflow_handle_for(MailboxWorkflow.run, letter_workflow_id(code))
    try:
        return await handle.query(MailboxWorkflow.snapshot, rpc_timeout=READ_TIMEOUT)
    except RPCError as error:
        raise CaseUnavailable(code) from error


def _visible(actor: Actor) -> Any:
    if actor.role == Role.ADMIN:
        return col(Letter.code).is_not(None)
    if actor.role in DESK:
        return Letter.mailbox_org_id == actor.org_id
    return Letter.assigned_org_id == actor.org_id


def letters(engine: Engine, actor: Actor) -> list[Letter]:
    with Session(engine) as session:
        return list(
            session.exec(select(Letter).where(_visible(actor)).order_by(col(Letter.received_at).desc())).all()
        )


def letter(engine: Engine, actor: Actor, code: str) -> Letter | None:
    with Session(engine) as session:
        return session.exec(select(Letter).where(Letter.code == code, _visible(actor))).first()


def letter_by_token(engine: Engine, token_hash: str) -> Letter | None:
    with Session(engine) as session:
        return session.exec(select(Letter).where(Letter.tracking_token_hash == token_hash)).first()


@dataclass(frozen=True)
class MailboxFigures:
    """Letters received in a period; of the letters answered in it, those on time; of those rated in it,
    满意 and 基本满意 (满意率 counts only 满意; 基本满意 is shown beside it, never weighted in)."""

    received: int
    answered: int
    on_time: int
    rated: int
    satisfied: int
    basic: int


def mailbox_figures(engine: Engine, start: datetime, end: datetime) -> MailboxFigures:
    def count(*where: Any) -> int:
        with Session(engine) as session:
            return int(session.exec(select(func.count()).select_from(Letter).where(*where)).one())

    answered = (col(Letter.answered_at) >= start, col(Letter.answered_at) < end)
    rated = (col(Letter.closed_at) >= start, col(Letter.closed_at) < end, col(Letter.rating).is_not(None))
    return MailboxFigures(
        received=count(col(Letter.received_at) >= start, col(Letter.received_at) < end),
        answered=count(*answered),
        on_time=count(*answered, col(Letter.answered_on_time).is_(True)),
        rated=count(*rated),
        satisfied=count(*rated, Letter.rating == "satisfied"),
        basic=count(*rated, Letter.rating == "basic"),
    )
