"""Bulk decisions from the inbox: a street signs for (签收) several reports at once, a department
accepts (接单) several dispatches with one same-day response.

Each case goes through `web.services.case_page.decide_as`, the very call a single decision on the case
page makes, so the workflow's own rules judge each one; one refusal never stops the others, and the
result says per case what went through and what was refused, in the workflow's words.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.engine import Engine
from temporalio.client import Client

from web.i18n import TEXT, label
from web.services.case_page import CaseNotFound, decide_as
from web.services.cases import CaseUnavailable, DecisionRefused
from workflows.rules import MAX_TEXT
from workflows.types import AcceptDecision, Action, Actor, Role, SignDecision

log = logging.getLogger("liudan.web.bulk")

MAX_CASES = 50  # one page of the inbox and then some
PARALLEL = 4  # Updates in flight at once: the worker keeps serving everyone else meanwhile


@dataclass(frozen=True)
class BulkOffer:
    """What a role may do in bulk, and the stage a case must be at for its box to show."""

    action: Action
    stage: str
    text_field: str  # the one text every case gets: "note" (签收说明) or "response" (当日首次响应)
    text_required: bool


OFFERS: dict[Role, BulkOffer] = {
    Role.STREET: BulkOffer(Action.SIGN, "sign", "note", False),
    Role.DEPARTMENT: BulkOffer(Action.ACCEPT, "accept", "response", True),
}


def offer_for(role: Role) -> BulkOffer | None:
    return OFFERS.get(role)


class BulkRequest(BaseModel):
    """The bulk form: the action, the ticked case codes, and the shared text."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    action: Action
    codes: list[str] = Field(default_factory=list)
    text: str = Field(default="", max_length=MAX_TEXT)

    @field_validator("codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        codes = list(dict.fromkeys(c.strip() for c in value if c.strip()))  # once each, in order
        if not codes:
            raise ValueError(TEXT["bulk_none_chosen"])
        if len(codes) > MAX_CASES:
            raise ValueError(TEXT["bulk_too_many"].format(n=MAX_CASES))
        if any(len(c) > 32 for c in codes):
            raise ValueError(TEXT["bulk_not_found"])
        return codes


class BulkInvalid(Exception):
    """The request as a whole cannot be sent (wrong role, missing response); nothing was sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CaseOutcome:
    code: str
    ok: bool
    message: str


@dataclass(frozen=True)
class BulkResult:
    action: Action
    action_label: str
    outcomes: list[CaseOutcome]

    @property
    def succeeded(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def refused(self) -> int:
        return len(self.outcomes) - self.succeeded

    @property
    def summary(self) -> str:
        return TEXT["bulk_summary"].format(action=self.action_label, ok=self.succeeded, failed=self.refused)


def _payload(offer: BulkOffer, actor: Actor, text: str) -> Any:
    if offer.action == Action.SIGN:
        return SignDecision(actor=actor, note=text)
    return AcceptDecision(actor=actor, response=text)


async def bulk_decide(engine: Engine, client: Client, actor: Actor, request: BulkRequest) -> BulkResult:
    """Sends `request.action` to every ticked case; `BulkInvalid` before anything is sent when the
    officer's role has no such bulk action or the shared response is missing."""
    offer = offer_for(actor.role)
    if offer is None or offer.action != request.action:
        raise BulkInvalid(TEXT["bulk_not_offered"])
    if offer.text_required and not request.text:
        raise BulkInvalid(TEXT["bulk_needs_response"])
    name = label("action", offer.action)
    gate = asyncio.Semaphore(PARALLEL)

    async def one(code: str) -> CaseOutcome:
        async with gate:
            try:
                await decide_as(
                    engine, client, actor, code, offer.action, _payload(offer, actor, request.text)
                )
            except CaseNotFound:
                return CaseOutcome(code, False, TEXT["bulk_not_found"])
            except DecisionRefused as refused:
                return CaseOutcome(code, False, TEXT["bulk_refused"].format(reason=refused.message))
            except CaseUnavailable:
                return CaseOutcome(code, False, TEXT["bulk_unavailable"])
        return CaseOutcome(code, True, TEXT["bulk_done"].format(action=name))

    outcomes = await asyncio.gather(*(one(code) for code in request.codes))
    result = BulkResult(offer.action, name, list(outcomes))
    log.info(
        "bulk %s by %s: %d done, %d refused",
        offer.action.value,
        actor.user_id,
        result.succeeded,
        result.refused,
    )
    return result
