"""What the case page shows from the workflow's snapshot (the request, departments, ratings,
timeline and the forms): nothing here decides, it only names. The status and its clocks come from
the read model (`web.services.case_status`), so a poll never asks Temporal.

The actions offered are exactly `workflows.rules.allowed_actions(snapshot, actor)`; the options
each form needs (departments to dispatch to, the lead unit to name...) come with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from settings import Settings
from store.audit import PersonalDataView
from store.contact import mask_address, mask_phone
from store.models import Org
from store.visibility import CaseOrgs, may_see_contact
from web.i18n import TEXT, event_label, label
from web.services.case_files import FileLink, result_links
from web.timeutil import local
from workflows.rules import allowed_actions
from workflows.transitions import running_deadline
from workflows.types import (
    Action,
    Actor,
    CaseSnapshot,
    Category,
    DeadlineKind,
    Difficulty,
    RatingChannel,
    RatingRecord,
    RatingValue,
    Role,
    SlaPolicy,
    Stage,
    Urgency,
)


@dataclass
class TimelineView:
    at: datetime
    title: str
    who: str
    note: str
    public: bool
    kind: str = "event"  # event, or contact (a full view of the resident's contact details)
    note_public: bool = True  # False: an internal note on an event the resident sees


@dataclass
class AssignmentView:
    name: str
    lead: bool
    accepted_at: datetime | None
    response: str
    reported_at: datetime | None
    result: str
    return_reason: str = ""  # a 退单 request waiting for the street
    files: list[FileLink] = field(default_factory=list)  # photos and documents with its result


@dataclass
class ActionForm:
    action: Action
    title: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaseView:
    code: str
    snap: CaseSnapshot
    reporter_name: str
    phone_masked: str
    address_masked: str
    may_contact: bool
    attachments: list[str]
    assignments: list[AssignmentView]
    timeline: list[TimelineView]
    actions: list[ActionForm]
    temporal_url: str
    waiting: str = ""  # a department that accepted, waiting for the others (等待…接单)


def temporal_url(settings: Settings, code: str) -> str:
    base = settings.temporal_ui_url.rstrip("/")
    return f"{base}/namespaces/{settings.temporal_namespace}/workflows/case-{code}"


def difficulty_text(difficulty: Difficulty, policy: SlaPolicy) -> str:
    """一般（3 个工作日）under 六单工作法, 一般（20 秒）in a drill: the limit the case's own policy sets."""
    span = {
        Difficulty.ORDINARY: policy.completion_ordinary,
        Difficulty.HARD: policy.completion_hard,
        Difficulty.VERY_HARD: policy.completion_very_hard,
    }[difficulty]
    name = label("difficulty", difficulty)
    if span is None:
        return TEXT["difficulty_leader_set"].format(name=name)
    return TEXT["difficulty_limit"].format(name=name, n=span.amount, unit=label("span_unit", span.unit))


def _who(role: Role | str, name: str, org: str, orgs: dict[str, str]) -> str:
    parts = [orgs.get(org, org) if org else "", name or label("role", role)]
    return " · ".join(p for p in parts if p)


def event_title(action: str, public: bool) -> str:
    """A timeline entry's name. A result the resident is not told of is a co-department's report to
    the lead unit (报送协办情况), not the case's result (报告办理结果): the workflow records both under
    one action, which the figures count, and only the lead unit's answers the resident."""
    if action == Action.SUBMIT_RESULT.value and not public:
        return TEXT["f_co_report_title"]
    return event_label(action)


def entry_titles(entries: list[tuple[str, bool]], ratings: list[RatingRecord]) -> list[str]:
    """Timeline entries' names, from their (action, public); a rating names its value (评价：满意),
    the n-th rating entry being the n-th rating recorded."""
    given = iter(ratings)
    titles = []
    for action, public in entries:
        title = event_title(action, public)
        if action == Action.RATE.value and (rating := next(given, None)) is not None:
            title = TEXT["rated_entry"].format(action=title, value=label("rating_value", rating.value))
        titles.append(title)
    return titles


def timeline(snap: CaseSnapshot, views: list[PersonalDataView], orgs: dict[str, str]) -> list[TimelineView]:
    titles = entry_titles([(e.action, e.public) for e in snap.timeline], snap.ratings)
    entries = [
        TimelineView(
            at=e.at,
            title=title,
            who=_who(e.actor_role, e.actor_name, e.actor_org_id, orgs),
            note=e.note,
            public=e.public,
            note_public=e.note_public,
        )
        for e, title in zip(snap.timeline, titles, strict=True)
    ]
    entries += [
        TimelineView(
            at=v.at,
            title=event_label("contact_viewed"),
            who=_who(v.role, v.user_name, v.org_id, orgs),
            note=TEXT["contact_viewed_note"].format(via=v.via),
            public=False,
            kind="contact",
        )
        for v in views
    ]
    return sorted(entries, key=lambda e: e.at)


def waiting_for(snap: CaseSnapshot, actor: Actor, orgs: dict[str, str]) -> str:
    """A department that accepted, waiting for the others to accept (接单): whom, and by when."""
    if actor.role != Role.DEPARTMENT or snap.stage != Stage.ACCEPT:
        return ""
    mine = next((a for a in snap.assignments if a.department_id == actor.org_id), None)
    others = [a.department_id for a in snap.assignments if a.accepted_at is None]
    if mine is None or mine.accepted_at is None or not others:
        return ""
    clock = running_deadline(snap, (DeadlineKind.RESPONSE,))
    due = local(clock.due_at) if clock else ""
    return TEXT["waiting_for_accept"].format(orgs="、".join(orgs.get(o, o) for o in others), due=due)


# The day's work of each role: the first of these on offer is the form the page opens; the rest
# (就地办结, 退单, 申请延期, 申请领导协调...) stay folded until asked for.
MAIN_ACTIONS = (
    Action.TRIAGE, Action.REPORT_UP, Action.SIGN, Action.DISPATCH, Action.DECIDE_RETURN, Action.ACCEPT,
    Action.SUBMIT_RESULT, Action.DECIDE_LIMIT, Action.DECIDE_EXTENSION, Action.SUPERVISE, Action.RATE,
    Action.REOPEN,
)  # fmt: skip


def result_title(action: Action, *, final: bool) -> str:
    """A department's result is named for what it is: the lead unit's 办结并答复群众 (to the resident),
    a co-department's 报送协办情况 (to the lead unit)."""
    if action != Action.SUBMIT_RESULT:
        return label("action", action)
    return TEXT["f_final_result_title" if final else "f_co_report_title"]


def _likely_first(action: Action, snap: CaseSnapshot) -> tuple[int, int]:
    if action == Action.TRIAGE and snap.urgency is not None:
        return (1, 0)  # classified already: the next step (上报街道) is open, re-triage folded
    if action in MAIN_ACTIONS:
        return (0, MAIN_ACTIONS.index(action))
    return (1, 1)


def action_forms(snap: CaseSnapshot, actor: Actor, departments: list[Org]) -> list[ActionForm]:
    forms: list[ActionForm] = []
    names = {d.id: d.name for d in departments}
    assigned = [(a.department_id, names.get(a.department_id, a.department_id)) for a in snap.assignments]
    waiting = bool(waiting_for(snap, actor, names))
    mine = next((a for a in snap.assignments if a.department_id == actor.org_id), None)
    for action in sorted(allowed_actions(snap, actor), key=lambda a: _likely_first(a, snap)):
        if waiting and action == Action.ESCALATE:
            continue  # waiting for a co-department's 接单 is not a matter for the leader yet
        options: dict[str, Any] = {}
        title = label("action", action)
        if action == Action.TRIAGE:
            options = {
                "urgencies": list(Urgency),
                "categories": list(Category),
                "category": snap.category,
                "urgency": snap.urgency,
                "saved": snap.urgency is not None,
            }
        elif action == Action.DISPATCH:
            options = {
                "departments": [(d.id, d.name) for d in departments],
                "difficulties": [(d, difficulty_text(d, snap.policy)) for d in Difficulty],
            }
        elif action == Action.SUBMIT_RESULT:
            lead = mine is None or mine.lead
            options, title = {"lead": lead}, result_title(action, final=lead)
        elif action == Action.SUPERVISE:
            options = {"assigned": assigned if len(assigned) > 1 else []}
        elif action == Action.RATE:
            options = {"values": list(RatingValue), "channels": [RatingChannel.PHONE, RatingChannel.VISIT]}
        elif action == Action.CALLBACK_FAILED:
            options = {
                "channels": [RatingChannel.PHONE, RatingChannel.VISIT],
                "failures": snap.callback_failures,
                "attempts": snap.policy.callback_attempts,
            }
        elif action == Action.REQUEST_EXTENSION:
            options = {
                "max": snap.policy.max_extension,
                "unit": label("span_unit", snap.policy.extension_unit),
            }
        forms.append(ActionForm(action, title, options))
    return forms


def build_case_view(
    snap: CaseSnapshot,
    actor: Actor,
    *,
    settings: Settings,
    orgs: dict[str, str],
    departments: list[Org],
    views: list[PersonalDataView],
) -> CaseView:
    reg = snap.registration
    return CaseView(
        code=snap.code,
        snap=snap,
        reporter_name=reg.reporter.name,
        phone_masked=mask_phone(reg.reporter.phone),
        address_masked=mask_address(reg.reporter.address),
        may_contact=may_see_contact(actor, CaseOrgs.of_snapshot(snap)),
        attachments=list(reg.attachments),
        assignments=[
            AssignmentView(
                orgs.get(a.department_id, a.department_id),
                a.lead,
                a.accepted_at,
                a.response,
                a.reported_at,
                a.result,
                a.return_reason if a.return_requested_at else "",
                result_links(a.attachments),
            )
            for a in sorted(snap.assignments, key=lambda a: not a.lead)
        ],
        timeline=timeline(snap, views, orgs),
        actions=action_forms(snap, actor, departments),
        waiting=waiting_for(snap, actor, orgs),
        temporal_url=temporal_url(settings, snap.code),
    )
