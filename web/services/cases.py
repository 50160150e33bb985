"""Case services: register a case (点单) and send officers' decisions to its workflow.

Called by the HTML routes, the JSON API and the demo-data seeder alike. The workflow decides; this
module only translates: a form into a `CaseRegistration`, an `Action` into the Update of the same
name, and the workflow's refusal into `DecisionRefused` with its readable Chinese message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from settings import Settings
from store.codes import advance_counter, next_case_code
from store.contact import PHONE_PATTERN
from store.directory import leader_departments, leader_streets
from store.models import Case, User
from store.queries import community_with_street
from store.visibility import REGISTRATION, Reach, may_register_in
from web.i18n import TEXT
from web.security import new_token, sha256
from web.timeutil import as_aware
from workdays import SHANGHAI
from workflows.case import CaseWorkflow
from workflows.decisions import DECISIONS
from workflows.ids import WORKFLOW_PREFIX, case_number, code_of, workflow_id
from workflows.policies import DEFAULT_POLICY_ID, POLICIES, offered_policies
from workflows.rules import FORBIDDEN_CHARACTERS
from workflows.types import (
    Action,
    Actor,
    CaseRegistration,
    CaseSnapshot,
    Category,
    Channel,
    DecisionResult,
    Reporter,
    Role,
)

log = logging.getLogger("liudan.web.cases")
Registration = TypeVar("Registration")

MAX_ATTACHMENTS = 3
FIRST_TASK_WAIT = 10.0  # seconds
CODE_ATTEMPTS = 5
# Every call to Temporal is bounded, so an outage reaches the officer as a clear 503 within seconds.
# A decision waits for its workflow task, which waits at most 8 s for the read model (see
# workflows.case.PROJECTION_BUDGET), so decisions get longer than reads.
READ_TIMEOUT = timedelta(seconds=5)
DECISION_TIMEOUT = timedelta(seconds=15)
# The whole decision, however many calls it takes: the SDK waits for an Update's outcome without
# any deadline once the Update is admitted, so without this bound a decision that no worker takes
# (a stuck case, no worker running) would hold the officer's request open for ever.
DECISION_WAIT = timedelta(seconds=30)
# Officers who register requests for residents (a phone call, a visit, a letter) and admins; the
# portal (a resident) and the system register too. Where each may register: store.visibility.
OFFICER_REGISTRARS = (Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.ADMIN)
# Who works from the leader view (督单).
SUPERVISORS = (Role.LEADER, Role.SUPERVISION, Role.DISCIPLINE)

# Every declared decision is the Update of the same name (workflows.decisions).
UPDATES: dict[Action, Any] = {action: getattr(CaseWorkflow, action.value) for action in DECISIONS}


class DecisionRefused(Exception):
    """The workflow (or the case's absence) refused a decision; nothing changed. `message` is zh-CN."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RegistrationRefused(DecisionRefused):
    pass


class CaseUnavailable(Exception):
    """Temporal could not be reached or answered; the page says so rather than failing with a 500."""


class RegistrationOutcomeUnknown(CaseUnavailable):
    """A start may or may not have reached Temporal (its answer was lost, and Temporal cannot be asked
    now). Whoever filed it keeps what it sent (an intake key stays claimed, photos stay stored), so a
    retry can never file the request a second time."""


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# A form's "不清楚，由工作人员判断" option posts an empty value: no category yet, the community decides.
OptionalCategory = Annotated[Category | None, BeforeValidator(_blank_to_none)]


class RegistrationInput(BaseModel):
    """A request as an officer, the portal or an integration enters it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    channel: Channel = Channel.WEB_PORTAL
    reporter_name: str = Field(min_length=1, max_length=50)
    reporter_phone: str = Field(pattern=PHONE_PATTERN)
    reporter_address: str = Field(default="", max_length=200)
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=4000)
    location: str = Field(default="", max_length=200)
    community_org_id: str = Field(min_length=1, max_length=64)
    category: OptionalCategory = None
    attachments: list[str] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    # When an offline request (a visit, a letter) was actually received; naive times are Beijing time.
    received_at: Annotated[datetime | None, BeforeValidator(_blank_to_none)] = None
    policy_id: str = DEFAULT_POLICY_ID

    @field_validator("reporter_name", "reporter_address", "title", "description", "location")
    @classmethod
    def _no_control_characters(cls, value: str) -> str:
        # The same rule the workflow applies to every decision's text (workflows.rules).
        if FORBIDDEN_CHARACTERS.search(value):
            raise ValueError(TEXT["control_characters"])
        return value

    @field_validator("received_at")
    @classmethod
    def _received_in_past(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = as_aware(value)
        if value > datetime.now(UTC):
            raise ValueError(TEXT["received_in_future"])
        return value

    @field_validator("policy_id")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        if value not in POLICIES:
            raise ValueError(TEXT["unknown_policy"])
        return value


@dataclass(frozen=True)
class Resumable:
    """A registration its caller records, so a retry after a crash finishes it instead of filing the
    request again: the tracking token chosen (and kept) before the first attempt, the code an earlier
    attempt allocated if any, and `on_code`, which keeps each code allocated before its case starts."""

    tracking_token: str
    on_code: Callable[[str], Awaitable[None]]
    code: str = ""


@dataclass(frozen=True)
class Registered:
    code: str
    tracking_token: str  # shown to the resident once; only its sha256 is kept


def actor_for(user: User, session: Session) -> Actor:
    """The workflow's view of a signed-in user; leaders carry the streets linked to them (联点)."""
    role = Role(user.role)
    leader = role == Role.LEADER
    return Actor(
        user_id=user.id,
        role=role,
        org_id=user.org_id,
        display_name=user.display_name,
        street_ids=leader_streets(session, user.id) if leader else [],
        department_ids=leader_departments(session, user.id) if leader else [],
    )


__all__ = ["workflow_id"]  # re-exported for the web: one place builds workflow ids (workflows.ids)


async def register_case(
    engine: Engine,
    client: Client,
    settings: Settings,
    form: RegistrationInput,
    registered_by: Actor,
    *,
    resume: Resumable | None = None,
    collected_by: str | None = None,
) -> Registered:
    """点单: allocates the case code and starts the case's workflow; returns the code and tracking token.

    Returns once the workflow's first task has run, so the case is already in the read model (the
    officer's next page and the resident's tracking link find it). `resume`: a registration a caller
    keeps a record of (the ledger import job), finished exactly once however often it is retried.
    `collected_by`: an imported ledger row's collector (走访人, "" when the ledger names none); such a
    case keeps its visit's date but its clocks count from now.
    """
    reach = REGISTRATION.get(registered_by.role)
    if reach is None:
        raise RegistrationRefused(TEXT["may_not_register"])
    if form.policy_id not in {p.id for p in offered_policies(settings.drills_allowed)}:
        raise RegistrationRefused(TEXT["policy_not_offered"])
    found = await asyncio.to_thread(community_with_street, engine, form.community_org_id)
    if found is None:
        raise RegistrationRefused(TEXT["unknown_community"])
    community, street = found
    if not may_register_in(registered_by, community.id, street.id):
        raise RegistrationRefused(TEXT["other_community" if reach == Reach.OWN_COMMUNITY else "other_street"])
    received = form.received_at or datetime.now(UTC)
    year = received.astimezone(SHANGHAI).year
    token = resume.tracking_token if resume else new_token(32)
    for attempt in range(CODE_ATTEMPTS):
        if attempt == 0 and resume and resume.code:
            code = resume.code  # allocated to this very registration by an earlier attempt
        else:
            code = await asyncio.to_thread(next_case_code, engine, settings.district_prefix, year)
            if resume:
                await resume.on_code(code)
        registration = CaseRegistration(
            code=code,
            channel=form.channel,
            reporter=Reporter(
                name=form.reporter_name,
                phone=form.reporter_phone,
                address=form.reporter_address,
                community=community.name,
            ),
            title=form.title,
            description=form.description,
            location=form.location,
            community_org_id=community.id,
            street_org_id=street.id,
            registered_by=registered_by,
            policy_id=form.policy_id,
            category=form.category,
            attachments=list(form.attachments),
            tracking_token_hash=sha256(token),
            received_at=form.received_at,
            policy=POLICIES[form.policy_id],
            clocks_from_registration=collected_by is not None,
            collected_by=collected_by or "",
        )
        try:
            await client.start_workflow(
                CaseWorkflow.run,
                registration,
                id=workflow_id(code),
                task_queue=settings.task_queue,
                # What the Temporal UI shows to anyone, unencrypted: never the resident's own words.
                static_summary=code,
                # A code is never reused, even once its case has closed.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                rpc_timeout=READ_TIMEOUT,
            )
            break
        except WorkflowAlreadyStartedError:
            if resume and code == resume.code and await _started_with(client, code, sha256(token)):
                break  # an earlier attempt of this registration started it
            # The code's workflow exists although the counter never gave it out: the read model was
            # restored from an older backup or lost. Move the counter past what Temporal has seen.
            log.error("case code %s is already taken in Temporal; recovering the sequence", code)
            await recover_sequence(engine, client, settings.district_prefix, year)
        except RPCError as error:
            started = await _started_after_all(client, code)
            if started:
                break  # the answer was lost, not the start: the code is ours (the counter gave it once)
            log.error("could not start case %s: %s", code, error)
            if started is None:
                raise RegistrationOutcomeUnknown(code) from error
            raise CaseUnavailable(code) from error
    else:
        raise CaseUnavailable(code)
    try:
        shown = await first_projection(engine, Case, code, FIRST_TASK_WAIT)
    except SQLAlchemyError:  # registered all the same: never let a read-model hiccup refile it
        log.warning("case %s started; the read model could not be read to confirm it", code)
        shown = True
    if not shown:
        # Registered all the same; the read model catches up as soon as a worker runs the case.
        log.warning("case %s started but is not in the read model yet", code)
    log.info("case %s registered by %s (%s)", code, registered_by.user_id, registered_by.role.value)
    return Registered(code=code, tracking_token=token)


async def _started_with(client: Client, code: str, token_hash: str) -> bool:
    """Whether the case `code` was started with this tracking token, i.e. by this registration."""
    handle = client.get_workflow_handle(workflow_id(code))
    async for event in handle.fetch_history_events(rpc_timeout=READ_TIMEOUT):
        started = event.workflow_execution_started_event_attributes
        [registration] = await client.data_converter.decode(started.input.payloads, [CaseRegistration])
        return bool(registration.tracking_token_hash == token_hash)
    return False


async def _started_after_all(client: Client, code: str) -> bool | None:
    """Whether a start whose answer failed (a timeout) reached Temporal all the same, so that a retry
    of the registration never files the request twice; None when Temporal cannot say either."""
    try:
        await client.get_workflow_handle(workflow_id(code)).describe(rpc_timeout=READ_TIMEOUT)
    except RPCError as error:
        return False if error.status == RPCStatusCode.NOT_FOUND else None
    return True


async def start_with_fresh_code(
    engine: Engine,
    client: Client,
    *,
    what: str,
    prefix: str,
    year: int,
    registration: Callable[[str], Registration],
    run: Any,
    workflow_id_of: Callable[[str], str],
    task_queue: str,
) -> Registration:
    """Starts a process (a petition, a letter) under the next code its counter gives, and returns the
    registration it started with. A code Temporal already holds (the read model restored from an older
    backup, or rebuilt) is skipped: the counter gives the next. (A case recovers its counter instead,
    and resumes an interrupted registration under its own code: `register_case`.)"""
    code = ""
    for _ in range(CODE_ATTEMPTS):
        code = await asyncio.to_thread(next_case_code, engine, prefix, year)
        started = registration(code)
        try:
            await client.start_workflow(
                run,
                started,
                id=workflow_id_of(code),
                task_queue=task_queue,
                static_summary=code,  # shown unencrypted in the Temporal UI: never the person's own words
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,  # a code is never reused
                rpc_timeout=READ_TIMEOUT,
            )
            return started
        except WorkflowAlreadyStartedError:
            log.error("%s code %s is already taken in Temporal; trying the next", what, code)
        except RPCError as error:
            raise CaseUnavailable(code) from error
    raise CaseUnavailable(code)


async def first_projection(engine: Engine, model: Any, code: str, within: float) -> bool:
    """Waits until a case's (or petition's: `model` is its table) first projection is written, so the
    code and tracking link the caller hands out work at once. (A query would not do: it can be
    answered before the first workflow task, which writes the projection, has finished.)"""

    def stored() -> bool:
        with Session(engine) as session:
            return session.get(model, code) is not None

    deadline = asyncio.get_running_loop().time() + within
    while not await asyncio.to_thread(stored):
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def recover_sequence(engine: Engine, client: Client, prefix: str, year: int) -> int:
    """Moves the code counter for `prefix`/`year` past every code Temporal knows (open or closed
    cases); returns the highest number found. Run when a start collides, at worker start and by
    `server.py rebuild-read-model`."""
    query = f"WorkflowType = 'CaseWorkflow' AND WorkflowId STARTS_WITH '{WORKFLOW_PREFIX}{prefix}-{year}-'"
    highest = 0
    try:
        async for execution in client.list_workflows(query, page_size=1000, rpc_timeout=READ_TIMEOUT):
            found = case_number(code_of(execution.id) or "")
            if found is not None:
                highest = max(highest, found[2])
    except RPCError as error:
        raise CaseUnavailable(f"{prefix}-{year}") from error
    if highest:
        await asyncio.to_thread(advance_counter, engine, prefix, year, highest)
    return highest


async def get_snapshot(client: Client, code: str) -> CaseSnapshot:
    handle = client.get_workflow_handle_for(CaseWorkflow.run, workflow_id(code))
    try:
        return await handle.query(CaseWorkflow.snapshot, rpc_timeout=READ_TIMEOUT)
    except RPCError as error:
        raise CaseUnavailable(code) from error


async def decide(client: Client, code: str, action: Action, payload: Any) -> DecisionResult:
    """Sends one decision as the Update of the same name; what it did (version, stage, holders), or
    `DecisionRefused`. Ask `get_snapshot` for the whole case."""
    handle = client.get_workflow_handle_for(CaseWorkflow.run, workflow_id(code))
    result: DecisionResult = await send_decision(handle, UPDATES[action], payload, code)
    if not result.projected:
        log.warning("case %s: %s recorded, read model behind (it catches up by itself)", code, action.value)
    log.info("case %s: %s by %s", code, action.value, payload.actor.user_id)
    return result


async def send_decision(handle: WorkflowHandle[Any, Any], update: Any, payload: Any, code: str) -> Any:
    """One decision as an Update of any process's workflow: its result, `DecisionRefused` with the
    workflow's own sentence, or `CaseUnavailable` when Temporal cannot answer now."""
    try:
        async with asyncio.timeout(DECISION_WAIT.total_seconds()):
            return await handle.execute_update(update, payload, rpc_timeout=DECISION_TIMEOUT)
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        if isinstance(cause, ApplicationError):
            raise DecisionRefused(cause.message) from failed
        raise DecisionRefused(TEXT["decision_failed"]) from failed
    except RPCError as error:
        if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise DecisionRefused(TEXT["case_closed_or_missing"]) from error
        raise CaseUnavailable(code) from error
    except (WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError) as timed_out:
        # The decision may still be applied; sent again, it is refused as already taken.
        log.warning("case %s: no answer to a decision within %s", code, DECISION_WAIT)
        raise CaseUnavailable(code) from timed_out
