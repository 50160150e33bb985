"""The resident portal: submit a request without an account, follow it through a private link,
rate the result or withdraw the request. A resident is identified only by the link's token."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from settings import Settings
from store.case_records import CaseDeadline
from store.contact import PHONE_PATTERN
from store.directory import org_names
from store.models import Case
from store.queries import case_by_token_hash, public_events
from web.i18n import TEXT, label
from web.security import sha256
from web.services.case_files import CaseFile, FileLink, case_file, public_result_files
from web.services.case_view import entry_titles
from web.services.cases import (
    CaseUnavailable,
    OptionalCategory,
    Registered,
    RegistrationInput,
    decide,
    get_snapshot,
)
from web.services.registration import RESIDENT, register_with_photos
from workflows.rules import allowed_actions
from workflows.types import (
    Action,
    Channel,
    DeadlineKind,
    DeadlineState,
    RatingChannel,
    RatingDecision,
    RatingValue,
    Role,
    Stage,
    Withdrawal,
    resident_note,
)

# The six orders as a resident follows them (点单 → 报单 → 跟单/派单 → 接单/办理 → 评单): each step and the
# workflow stages it covers. 督单 is the officers' business and never a step of its own here.
STEPS: tuple[tuple[str, tuple[Stage, ...]], ...] = (
    ("submit", ()),
    ("report", (Stage.REPORT,)),
    ("dispatch", (Stage.SIGN, Stage.DISPATCH)),
    ("handle", (Stage.ACCEPT, Stage.HANDLE)),
    ("rate", (Stage.RATE, Stage.REVIEW)),
)
RUNNING_CLOCK = (DeadlineState.RUNNING.value, DeadlineState.WARNING.value, DeadlineState.OVERDUE.value)


class PortalSubmission(BaseModel):
    """What a resident fills in on the portal."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    reporter_name: str = Field(min_length=1, max_length=50)
    reporter_phone: str = Field(pattern=PHONE_PATTERN)
    reporter_address: str = Field(default="", max_length=200)
    community_org_id: str = Field(min_length=1, max_length=64)
    category: OptionalCategory = None
    location: str = Field(default="", max_length=200)
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=4000)


class PortalRating(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    solved: bool  # 是否解决: asked first, as a 12345 callback asks it
    value: RatingValue
    comment: str = Field(default="", max_length=1000)


async def submit(
    engine: Engine, client: Client, settings: Settings, form: PortalSubmission, files: list[UploadFile]
) -> Registered:
    """Registers the resident's request (channel: web portal) with its photos."""
    registration = RegistrationInput(**form.model_dump(), channel=Channel.WEB_PORTAL)
    return await register_with_photos(engine, client, settings, registration, files, RESIDENT)


@dataclass
class PublicEvent:
    at: datetime
    title: str
    who: str
    note: str


@dataclass(frozen=True)
class Step:
    key: str  # web.i18n label group "track_step"
    state: str  # done | current | todo


@dataclass(frozen=True)
class Expected:
    """预计办结: when the departments' completion clock now running ends."""

    due_at: datetime
    provisional: bool  # the span reaches a year whose official schedule is not published yet


@dataclass
class TrackView:
    case: Case
    status: str
    outcome: str
    events: list[PublicEvent]
    actions: list[Action] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    expected: Expected | None = None
    photos: list[str] = field(default_factory=list)  # attachment keys, served under the link
    result_files: list[FileLink] = field(default_factory=list)  # the public ones departments attached


def steps_for(stage: Stage) -> list[Step]:
    """The stepper: steps before the current one done, the current one marked; a closed case is done
    all through (however it closed: the outcome says how)."""
    if stage == Stage.CLOSED:
        return [Step(key, "done") for key, _ in STEPS]
    current = next((i for i, (_, stages) in enumerate(STEPS) if stage in stages), 0)
    return [
        Step(key, "done" if i < current else "current" if i == current else "todo")
        for i, (key, _) in enumerate(STEPS)
    ]


def expected_completion(engine: Engine, code: str) -> Expected | None:
    """The due time the case recorded for its running completion clock (部门办结时限), as the workflow
    computed it; None before a department has the case or once the clock has stopped."""
    with Session(engine) as session:
        clock = session.exec(
            select(CaseDeadline)
            .where(
                CaseDeadline.case_code == code,
                CaseDeadline.kind == DeadlineKind.COMPLETION.value,
                col(CaseDeadline.state).in_(RUNNING_CLOCK),
            )
            .order_by(col(CaseDeadline.started_at).desc())
        ).first()
    return Expected(clock.due_at, clock.provisional) if clock else None


def find(engine: Engine, token: str) -> Case | None:
    return case_by_token_hash(engine, sha256(token)) if token else None


async def track(engine: Engine, client: Client, case: Case) -> TrackView:
    """The status and public timeline (no internal notes, no officer names) and what the resident may do."""

    def load() -> tuple:
        return public_events(engine, case.code), org_names(engine), expected_completion(engine, case.code)

    events, orgs, expected = await asyncio.to_thread(load)
    try:
        snap = await get_snapshot(client, case.code)
        actions = [a for a in allowed_actions(snap, RESIDENT) if a in (Action.RATE, Action.WITHDRAW)]
        ratings = snap.ratings
        photos, files = list(snap.registration.attachments), public_result_files(snap)
    except CaseUnavailable:
        actions, ratings, photos, files = [], [], [], []
    titles = entry_titles([(e.action, e.public) for e in events], ratings)
    public = [
        PublicEvent(
            at=e.at,
            title=title,
            who=TEXT["track_you"] if e.actor_role == Role.RESIDENT else orgs.get(e.actor_org_id, ""),
            note=resident_note(e),
        )
        for e, title in zip(events, titles, strict=True)
    ]
    return TrackView(
        case=case,
        status=label("public_stage", case.stage),
        outcome=label("outcome", case.outcome),
        events=public,
        actions=actions,
        steps=steps_for(Stage(case.stage)),
        expected=expected if case.stage != Stage.CLOSED else None,
        photos=photos,
        result_files=files,
    )


async def file_for(client: Client, settings: Settings, case: Case, key: str) -> CaseFile | None:
    """One of the case's files the resident may have: their own photos, the public result files."""
    return case_file(settings, await get_snapshot(client, case.code), key, resident=True)


async def rate(client: Client, case: Case, rating: PortalRating) -> None:
    payload = RatingDecision(RESIDENT, rating.value, rating.comment, RatingChannel.PORTAL, rating.solved)
    await decide(client, case.code, Action.RATE, payload)


async def withdraw(client: Client, case: Case, reason: str) -> None:
    await decide(client, case.code, Action.WITHDRAW, Withdrawal(RESIDENT, reason[:1000]))
