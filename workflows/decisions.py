"""Every decision a case accepts, declared once: its payload, who may take it at which stage, what it
does, and what it is called.

From this table follow the workflow's named Updates and their validators (`workflows.case`), the rules
the web uses to offer exactly the allowed actions (`workflows.rules`), the web and API form models
(`web.schemas.decisions`, built from the payload dataclass's fields) and the action labels. Adding a
decision is one entry here, its payload dataclass in `workflows.types`, its transition in
`workflows.transitions`, and its form in `web/templates/cases/_forms.html`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows import transitions as t
from workflows import who
from workflows.transitions import Effects
from workflows.types import (
    AcceptDecision,
    Action,
    CallbackFailure,
    CaseSnapshot,
    DispatchDecision,
    Escalation,
    ExtensionDecision,
    ExtensionRequest,
    LimitDecision,
    LimitRequest,
    LocalResolution,
    RatingDecision,
    RecomputeDeadlines,
    Reminder,
    ReportUp,
    ResultSubmission,
    ReturnDecision,
    ReturnReview,
    ReviewDecision,
    SignDecision,
    Stage,
    SupervisionDecision,
    TakeCharge,
    TriageDecision,
    UnreasonableClosure,
    Withdrawal,
)
from workflows.who import OPEN_STAGES, Rule

Transition = Callable[[CaseSnapshot, Any, datetime], Effects]


@dataclass(frozen=True)
class Decision:
    action: Action
    payload: type[Any]  # the dataclass the Update carries; its fields (but `actor`) are the form's
    rule: Rule
    # What it does to the case; None for a decision the workflow handles itself (recompute_deadlines).
    transition: Transition | None
    label: str  # zh-CN, as officers and the timeline read it


_HANDLING = (Stage.SIGN, Stage.DISPATCH, Stage.ACCEPT, Stage.HANDLE)
_ANYTIME = (*OPEN_STAGES, Stage.RATE, Stage.REVIEW)

DECISIONS: dict[Action, Decision] = {
    d.action: d
    for d in (
        Decision(Action.TRIAGE, TriageDecision, Rule((Stage.REPORT,), who.community), t.triage, "分类研判"),
        Decision(
            Action.RESOLVE_LOCALLY,
            LocalResolution,
            Rule((Stage.REPORT, Stage.DISPATCH), who.local_resolver),
            t.resolve_locally,
            "就地办结",
        ),
        Decision(Action.REPORT_UP, ReportUp, Rule((Stage.REPORT,), who.community), t.report_up, "上报街道"),
        Decision(
            Action.CLOSE_UNREASONABLE,
            UnreasonableClosure,
            Rule((Stage.REPORT,), who.community),
            t.close_unreasonable,
            "政策解释办结",
        ),
        Decision(Action.SIGN, SignDecision, Rule((Stage.SIGN,), who.street), t.sign, "签收"),
        Decision(Action.DISPATCH, DispatchDecision, Rule((Stage.DISPATCH,), who.street), t.dispatch, "派单"),
        Decision(Action.ACCEPT, AcceptDecision, Rule((Stage.ACCEPT,), who.assigned), t.accept, "接单"),
        Decision(
            Action.RETURN_CASE, ReturnDecision, Rule((Stage.ACCEPT,), who.assigned), t.return_case, "退单"
        ),
        Decision(
            Action.DECIDE_RETURN, ReturnReview, Rule((Stage.ACCEPT,), who.street), t.decide_return, "审核退单"
        ),
        Decision(
            Action.REQUEST_LIMIT,
            LimitRequest,
            Rule((Stage.ACCEPT, Stage.HANDLE), who.assigned),
            t.request_limit,
            "提请确定办结时限",
        ),
        Decision(
            Action.DECIDE_LIMIT,
            LimitDecision,
            Rule((Stage.ACCEPT, Stage.HANDLE), who.portfolio_leader),
            t.decide_limit,
            "确定办结时限",
        ),
        Decision(
            Action.REQUEST_EXTENSION,
            ExtensionRequest,
            Rule((Stage.HANDLE,), who.assigned),
            t.request_extension,
            "申请延期",
        ),
        Decision(
            Action.DECIDE_EXTENSION,
            ExtensionDecision,
            Rule((Stage.HANDLE,), who.street_or_leader),
            t.decide_extension,
            "审批延期",
        ),
        Decision(
            Action.SUBMIT_RESULT,
            ResultSubmission,
            Rule((Stage.HANDLE,), who.assigned),
            t.submit_result,
            "报告办理结果",
        ),
        Decision(
            Action.SUPERVISE, SupervisionDecision, Rule(OPEN_STAGES, who.supervisor), t.supervise, "督办"
        ),
        Decision(
            Action.ESCALATE, Escalation, Rule(_HANDLING, who.street_or_department), t.escalate, "申请领导协调"
        ),
        Decision(Action.TAKE_CHARGE, TakeCharge, Rule(_ANYTIME, who.leader), t.take_charge, "领导包案"),
        Decision(Action.RATE, RatingDecision, Rule((Stage.RATE,), who.rater), t.rate, "评价"),
        Decision(
            Action.CALLBACK_FAILED,
            CallbackFailure,
            Rule((Stage.RATE,), who.callback_officer),
            t.callback_failed,
            "回访未联系上",
        ),
        Decision(Action.REOPEN, ReviewDecision, Rule((Stage.REVIEW,), who.leader), t.reopen, "重办"),
        Decision(
            Action.CLOSE_AFTER_REVIEW,
            ReviewDecision,
            Rule((Stage.REVIEW,), who.leader),
            t.close_after_review,
            "复查办结",
        ),
        Decision(
            Action.WITHDRAW,
            Withdrawal,
            Rule((Stage.REPORT, Stage.SIGN, Stage.DISPATCH, Stage.ACCEPT), who.resident),
            t.withdraw,
            "撤回诉求",
        ),
        Decision(
            Action.RECOMPUTE_DEADLINES, RecomputeDeadlines, Rule(_ANYTIME, who.admin), None, "重算临时时限"
        ),
        # 催办: the street presses a department it dispatched to (跟单).
        Decision(Action.REMIND, Reminder, Rule((Stage.ACCEPT, Stage.HANDLE), who.street), t.remind, "催办"),
    )
}
