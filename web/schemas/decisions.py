"""The decision forms: one model per Action, shared by the HTML forms and the JSON API.

Each model checks only the shape of the input (types, lengths, known values) and builds the
workflow's payload dataclass; whether the decision is allowed (role, org, stage, required text,
future deadlines) is the workflow's rule, in `workflows.rules`, and comes back as its refusal.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

from web.i18n import TEXT
from web.timeutil import as_aware, end_of_day
from workflows.rules import MAX_DEPARTMENTS, MAX_TEXT
from workflows.types import (
    AcceptDecision,
    Action,
    Actor,
    Category,
    Difficulty,
    DispatchDecision,
    Escalation,
    ExtensionDecision,
    ExtensionRequest,
    LocalResolution,
    RatingChannel,
    RatingDecision,
    RatingValue,
    RecomputeDeadlines,
    ReportUp,
    ResultSubmission,
    ReturnDecision,
    ReviewDecision,
    SignDecision,
    SupervisionDecision,
    TakeCharge,
    TriageDecision,
    UnreasonableClosure,
    Urgency,
    Withdrawal,
)


def _deadline(value: Any) -> Any:
    """A deadline given as a date ends at 23:59:59 Beijing time; a naive time is Beijing time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, str):
            text = value.strip()
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(TEXT["problem_datetime"]) from None
    if isinstance(value, datetime):
        return as_aware(value)
    if isinstance(value, date):
        return end_of_day(value)
    return value


Text = Annotated[str, Field(default="", max_length=MAX_TEXT)]
Deadline = Annotated[datetime | None, BeforeValidator(_deadline), Field(default=None)]
OrgId = Annotated[str, Field(default="", max_length=64)]


class _Decision(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class TriageIn(_Decision):
    action: Literal[Action.TRIAGE]
    urgency: Urgency
    category: Category
    note: Text = ""

    def payload(self, actor: Actor) -> TriageDecision:
        return TriageDecision(actor, self.urgency, self.category, self.note)


class ResolveLocallyIn(_Decision):
    action: Literal[Action.RESOLVE_LOCALLY]
    result: Text = ""
    responsible_person: Annotated[str, Field(default="", max_length=50)] = ""

    def payload(self, actor: Actor) -> LocalResolution:
        return LocalResolution(actor, self.result, self.responsible_person)


class ReportUpIn(_Decision):
    action: Literal[Action.REPORT_UP]
    note: Text = ""

    def payload(self, actor: Actor) -> ReportUp:
        return ReportUp(actor, self.note)


class CloseUnreasonableIn(_Decision):
    action: Literal[Action.CLOSE_UNREASONABLE]
    explanation: Text = ""

    def payload(self, actor: Actor) -> UnreasonableClosure:
        return UnreasonableClosure(actor, self.explanation)


class SignIn(_Decision):
    action: Literal[Action.SIGN]
    note: Text = ""

    def payload(self, actor: Actor) -> SignDecision:
        return SignDecision(actor, self.note)


class DispatchIn(_Decision):
    action: Literal[Action.DISPATCH]
    department_ids: Annotated[list[str], Field(max_length=MAX_DEPARTMENTS * 2)] = []
    difficulty: Difficulty
    lead_department_id: OrgId = ""
    due_at: Deadline = None
    note: Text = ""

    def payload(self, actor: Actor) -> DispatchDecision:
        return DispatchDecision(
            actor, list(self.department_ids), self.difficulty, self.lead_department_id, self.due_at, self.note
        )


class AcceptIn(_Decision):
    action: Literal[Action.ACCEPT]
    response: Text = ""

    def payload(self, actor: Actor) -> AcceptDecision:
        return AcceptDecision(actor, self.response)


class ReturnCaseIn(_Decision):
    action: Literal[Action.RETURN_CASE]
    reason: Text = ""

    def payload(self, actor: Actor) -> ReturnDecision:
        return ReturnDecision(actor, self.reason)


class RequestExtensionIn(_Decision):
    action: Literal[Action.REQUEST_EXTENSION]
    days: int = Field(ge=1, le=366)
    reason: Text = ""

    def payload(self, actor: Actor) -> ExtensionRequest:
        return ExtensionRequest(actor, self.days, self.reason)


class DecideExtensionIn(_Decision):
    action: Literal[Action.DECIDE_EXTENSION]
    approve: bool
    note: Text = ""

    def payload(self, actor: Actor) -> ExtensionDecision:
        return ExtensionDecision(actor, self.approve, self.note)


class SubmitResultIn(_Decision):
    action: Literal[Action.SUBMIT_RESULT]
    result: Text = ""

    def payload(self, actor: Actor) -> ResultSubmission:
        return ResultSubmission(actor, self.result)


class SuperviseIn(_Decision):
    action: Literal[Action.SUPERVISE]
    note: Text = ""
    new_due_at: Annotated[datetime, BeforeValidator(_deadline)]
    lead_department_id: OrgId = ""
    talk_ordered: bool = False

    def payload(self, actor: Actor) -> SupervisionDecision:
        return SupervisionDecision(
            actor, self.note, self.new_due_at, self.lead_department_id, self.talk_ordered
        )


class EscalateIn(_Decision):
    action: Literal[Action.ESCALATE]
    reason: Text = ""

    def payload(self, actor: Actor) -> Escalation:
        return Escalation(actor, self.reason)


class TakeChargeIn(_Decision):
    action: Literal[Action.TAKE_CHARGE]
    note: Text = ""

    def payload(self, actor: Actor) -> TakeCharge:
        return TakeCharge(actor, self.note)


class RateIn(_Decision):
    """An officer records the resident's rating from a call or a visit."""

    action: Literal[Action.RATE]
    value: RatingValue
    comment: Text = ""
    channel: RatingChannel = RatingChannel.PHONE

    def payload(self, actor: Actor) -> RatingDecision:
        return RatingDecision(actor, self.value, self.comment, self.channel)


class ReopenIn(_Decision):
    action: Literal[Action.REOPEN]
    note: Text = ""
    new_due_at: Deadline = None

    def payload(self, actor: Actor) -> ReviewDecision:
        return ReviewDecision(actor, self.note, self.new_due_at)


class CloseAfterReviewIn(_Decision):
    action: Literal[Action.CLOSE_AFTER_REVIEW]
    note: Text = ""

    def payload(self, actor: Actor) -> ReviewDecision:
        return ReviewDecision(actor, self.note)


class WithdrawIn(_Decision):
    action: Literal[Action.WITHDRAW]
    reason: Text = ""

    def payload(self, actor: Actor) -> Withdrawal:
        return Withdrawal(actor, self.reason)


class RecomputeDeadlinesIn(_Decision):
    action: Literal[Action.RECOMPUTE_DEADLINES]

    def payload(self, actor: Actor) -> RecomputeDeadlines:
        return RecomputeDeadlines(actor)


DecisionIn = Annotated[
    TriageIn
    | ResolveLocallyIn
    | ReportUpIn
    | CloseUnreasonableIn
    | SignIn
    | DispatchIn
    | AcceptIn
    | ReturnCaseIn
    | RequestExtensionIn
    | DecideExtensionIn
    | SubmitResultIn
    | SuperviseIn
    | EscalateIn
    | TakeChargeIn
    | RateIn
    | ReopenIn
    | CloseAfterReviewIn
    | WithdrawIn
    | RecomputeDeadlinesIn,
    Field(discriminator="action"),
]

DECISION = TypeAdapter(DecisionIn)
# Form fields that carry several values (a multi-select).
LIST_FIELDS = ("department_ids",)
