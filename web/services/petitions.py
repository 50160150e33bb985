"""Petition services (信访): register a petition at the bureau's desk (登记) and send decisions to its
workflow. Called by the HTML routes and the JSON API alike.

The process and its clocks follow from the channel and the matter type (`workflows.petition.policy`);
nobody picks them. A petitioner is recognised across petitions by a keyed hash of their id number
(never the number itself, which is checked (GB 11643-1999), masked, and goes no further than this
module). The desk sees the petitioner's earlier petitions and marks the one this petition repeats
(重复信访, on the same matter); a petition marked as none is a first-time one (初信初访).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.service import RPCError

from settings import Settings
from store.contact import PHONE_PATTERN
from store.id_numbers import id_number_problem, mask_id_number, normalise_id_number
from store.models import Org, OrgKind
from store.petition_access import DESK_ROLES
from store.petitions import Petition
from web.i18n import TEXT
from web.i18n.petitioner_text import XF_PERSON_TEXT
from web.security import new_token, sha256
from web.services.cases import (
    READ_TIMEOUT,
    CaseUnavailable,
    DecisionRefused,
    RegistrationRefused,
    first_projection,
    send_decision,
    start_with_fresh_code,
)
from web.timeutil import as_aware
from workdays import SHANGHAI
from workflows.petition.decisions import PETITION_DECISIONS
from workflows.petition.ids import petition_workflow_id
from workflows.petition.policy import petition_policy
from workflows.petition.types import (
    MatterType,
    PetitionAction,
    PetitionChannel,
    Petitioner,
    PetitionOutcome,
    PetitionRegistration,
    PetitionResult,
    PetitionSnapshot,
)
from workflows.petition.workflow import PetitionWorkflow
from workflows.rules import FORBIDDEN_CHARACTERS
from workflows.types import Actor, RecomputeDeadlines

log = logging.getLogger("liudan.web.petitions")

FIRST_PROJECTION_WAIT = 10.0  # seconds
GROUP_SIZE = 5  # 集体访: petitions brought by 5 people or more
MAX_REPRESENTATIVES = 5
UPDATES: dict[PetitionAction, Any] = {a: getattr(PetitionWorkflow, a.value) for a in PETITION_DECISIONS}


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class PetitionInput(BaseModel):
    """A petition as the desk registers it: the letter, the visit, the call."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    channel: PetitionChannel
    matter_type: MatterType
    petitioner_name: str = Field(min_length=1, max_length=50)
    petitioner_phone: str = Field(pattern=PHONE_PATTERN)
    petitioner_id_number: str = ""  # checked (GB 11643-1999) with the other fields below
    petitioner_address: str = Field(default="", max_length=200)
    title: str = Field(min_length=1, max_length=100)
    content: str = Field(min_length=1, max_length=4000)
    received_at: Annotated[datetime | None, BeforeValidator(_blank_to_none)] = None
    people_count: int = Field(default=1, ge=1, le=999)
    representatives: list[str] = Field(default_factory=list)  # 集体访: at most 5 names
    same_matter_as: str = Field(default="", max_length=32)  # 重复信访: the earlier petition it repeats
    accused_org_id: str = Field(default="", max_length=64)
    about_officials: bool = False
    handed_down_by: str = Field(default="", max_length=100)
    handed_down_due: Annotated[datetime | None, BeforeValidator(_blank_to_none)] = None

    @field_validator("petitioner_name", "petitioner_address", "title", "content", "handed_down_by")
    @classmethod
    def _no_control_characters(cls, value: str) -> str:
        if FORBIDDEN_CHARACTERS.search(value):
            raise ValueError(TEXT["control_characters"])
        return value

    @field_validator("petitioner_id_number")
    @classmethod
    def _id_number(cls, value: str) -> str:
        return normalise_id_number(value)

    @field_validator("representatives", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        names = [value] if isinstance(value, str) else value
        return (
            [n.strip() for n in names if isinstance(n, str) and n.strip()]
            if isinstance(names, list)
            else names
        )

    @field_validator("received_at", "handed_down_due")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return as_aware(value) if value is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> PetitionInput:
        if self.received_at is not None and self.received_at > datetime.now(UTC):
            raise ValueError(TEXT["received_in_future"])
        if self.channel == PetitionChannel.HANDED_DOWN and not (self.handed_down_by and self.handed_down_due):
            raise ValueError(TEXT["xf_handed_down_needs"])
        if self.channel != PetitionChannel.HANDED_DOWN and (self.handed_down_by or self.handed_down_due):
            raise ValueError(TEXT["xf_not_handed_down"])
        if self.matter_type != MatterType.ACCUSATION and (self.accused_org_id or self.about_officials):
            raise ValueError(TEXT["xf_accused_only_accusation"])
        if self.petitioner_id_number:
            today = datetime.now(SHANGHAI).date()
            problem = id_number_problem(self.petitioner_id_number, today)
            if problem is not None:
                raise ValueError(XF_PERSON_TEXT[problem])
        self._check_representatives()
        return self

    def _check_representatives(self) -> None:
        """《信访工作条例》第十八条: 多人采用走访形式提出同一信访事项的，应当推选代表，代表人数不超过5人.
        The desk records a group from 5 people on (集体访) with at least one representative."""
        if len(self.representatives) > MAX_REPRESENTATIVES:
            raise ValueError(XF_PERSON_TEXT["too_many_representatives"])
        if any(len(n) > 50 or FORBIDDEN_CHARACTERS.search(n) for n in self.representatives):
            raise ValueError(XF_PERSON_TEXT["representative_too_long"])
        if self.people_count >= GROUP_SIZE and not self.representatives:
            raise ValueError(XF_PERSON_TEXT["needs_representative"])


@dataclass(frozen=True)
class PetitionRegistered:
    code: str
    tracking_token: str  # shown once, for the petitioner; only its sha256 is kept
    repeat_of: str  # the earlier petition of the same petitioner on the same matter ("" if none)
    first_time: bool = True  # 初信初访


@dataclass(frozen=True)
class EarlierPetition:
    code: str
    title: str
    outcome: str | None
    closed_at: datetime | None
    stage: str = ""
    received_at: datetime | None = None


def petitioner_key(settings: Settings, form: PetitionInput) -> str:
    return key_of(settings, form.petitioner_id_number, form.petitioner_name, form.petitioner_phone)


def key_of(settings: Settings, id_number: str, name: str, phone: str) -> str:
    """The same petitioner across petitions: their id number (or, without one, name and phone), under
    a key the database never holds, so the read model cannot be searched for an id number."""
    basis = id_number or f"{name}|{phone}"
    return hmac.new(settings.secret_key.encode(), basis.encode(), hashlib.sha256).hexdigest()


def earlier_petitions(engine: Engine, key: str) -> list[EarlierPetition]:
    with Session(engine) as session:
        rows = session.exec(
            select(Petition).where(Petition.petitioner_key == key).order_by(col(Petition.received_at).desc())
        ).all()
        return [
            EarlierPetition(r.code, r.title, r.outcome, r.closed_at, r.stage, r.received_at) for r in rows
        ]


def _desk_org(engine: Engine, actor: Actor) -> Org:
    if actor.role.value not in DESK_ROLES:
        raise RegistrationRefused(TEXT["xf_may_not_register"])
    with Session(engine) as session:
        org = session.get(Org, actor.org_id)
    if org is None or org.kind != OrgKind.PETITION_BUREAU or not org.active:
        raise RegistrationRefused(TEXT["xf_may_not_register"])
    return org


async def register_petition(
    engine: Engine, client: Client, settings: Settings, form: PetitionInput, actor: Actor
) -> PetitionRegistered:
    """登记: allocates the code, recognises a repeat, picks the clocks, starts the petition's workflow,
    and returns once its first projection is written (the desk's next page finds it)."""
    bureau = await asyncio.to_thread(_desk_org, engine, actor)
    key = petitioner_key(settings, form)
    earlier = await asyncio.to_thread(earlier_petitions, engine, key)
    repeated = None
    if form.same_matter_as:
        repeated = next((e for e in earlier if e.code == form.same_matter_as), None)
        if repeated is None:
            raise RegistrationRefused(XF_PERSON_TEXT["same_matter_not_theirs"])
    first_time = repeated is None
    policy = petition_policy(
        form.channel,
        form.matter_type,
        first_time=first_time,
        three_day_practice=settings.petition_three_day,
        drill=settings.drill_mode,
    )
    received = form.received_at or datetime.now(UTC)
    token = new_token(32)

    def registration_with(code: str) -> PetitionRegistration:
        return PetitionRegistration(
            code=code,
            channel=form.channel,
            matter_type=form.matter_type,
            petitioner=Petitioner(
                name=form.petitioner_name,
                phone=form.petitioner_phone,
                address=form.petitioner_address,
                id_masked=mask_id_number(form.petitioner_id_number),
            ),
            title=form.title,
            content=form.content,
            bureau_org_id=bureau.id,
            registered_by=actor,
            policy=policy,
            received_at=form.received_at,
            first_time=first_time,
            people_count=form.people_count,
            accused_org_id=form.accused_org_id,
            about_officials=form.about_officials,
            handed_down_by=form.handed_down_by,
            handed_down_due=form.handed_down_due,
            repeat_of=repeated.code if repeated else "",
            petitioner_key=key,
            tracking_token_hash=sha256(token),
            repeat_of_concluded=bool(repeated and repeated.outcome == PetitionOutcome.CONCLUDED),
            representatives=form.representatives,
        )

    registration = await start_with_fresh_code(
        engine,
        client,
        what="petition",
        prefix=settings.petition_prefix,
        year=received.astimezone(SHANGHAI).year,
        registration=registration_with,
        run=PetitionWorkflow.run,
        workflow_id_of=petition_workflow_id,
        task_queue=settings.task_queue,
    )
    code = registration.code
    if not await first_projection(engine, Petition, code, FIRST_PROJECTION_WAIT):
        log.warning("petition %s started but is not in the read model yet", code)
    log.info("petition %s registered by %s", code, actor.user_id)
    return PetitionRegistered(
        code=code, tracking_token=token, repeat_of=registration.repeat_of, first_time=first_time
    )


async def get_petition(client: Client, code: str) -> PetitionSnapshot:
    handle = client.get_workflow_handle_for(PetitionWorkflow.run, petition_workflow_id(code))
    try:
        return await handle.query(PetitionWorkflow.snapshot, rpc_timeout=READ_TIMEOUT)
    except RPCError as error:
        raise CaseUnavailable(code) from error


async def decide_petition(client: Client, code: str, action: PetitionAction, payload: Any) -> PetitionResult:
    """Sends one decision as the Update of the same name: what it did, or `DecisionRefused`."""
    if action not in UPDATES:
        raise DecisionRefused(TEXT["xf_unknown_action"])
    handle = client.get_workflow_handle_for(PetitionWorkflow.run, petition_workflow_id(code))
    result: PetitionResult = await send_decision(handle, UPDATES[action], payload, code)
    log.info("petition %s: %s by %s", code, action.value, payload.actor.user_id)
    return result


async def recompute_petition(client: Client, code: str, d: RecomputeDeadlines) -> PetitionResult:
    """An admin loaded a new year's calendar: the petition's provisional clocks get official dates."""
    handle = client.get_workflow_handle_for(PetitionWorkflow.run, petition_workflow_id(code))
    result: PetitionResult = await send_decision(handle, PetitionWorkflow.recompute_deadlines, d, code)
    return result
