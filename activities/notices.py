"""What a transition announces, and to whom: the notices each projection queues with its write.

Called only on a projection's ordinary write (`write`), never on a rebuild or a reconciler's repair
(`replace`): those rewrite what happened long ago and must not text anyone about it. Each notice's key
names its occasion (the timeline entry, the task and its deadline), so a projection retried or replayed
queues nothing twice (`store.notifications.enqueue`).

Who hears what:
- the resident: registration (受理告知, with a tracking link), a department's acceptance, the result
  with the invitation to rate, a closure without a result; by SMS, and by email when they gave one.
  A landline gets no SMS; an opt-out is checked when the SMS is sent.
- officers: every new task of their org and role, 即将超期, 超期, 督办 / 催办, in the app; by email when
  their account has one; 即将超期, 超期 and 督办 also by SMS to their phone.
- petitioners: 登记, 受理 / 不予受理, the opinions (处理意见书, 复查, 复核); appointment holders: the
  booking and the reminder the day before.
SMS (to anyone) is held in quiet hours and sent in the morning (`NoticePolicy.hold_until`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, select
from sqlmodel import Session

from store.contact import clean_phone, phone_key
from store.models import LeaderStreet, Org, User
from store.notice_templates import NoticeEvent
from store.notifications import RESIDENT, Channel, Notice
from store.notify_contacts import ResidentNoticePrefs
from workdays import SHANGHAI
from workflows.appointment.types import AppointmentSnapshot
from workflows.decisions import DECISIONS
from workflows.petition.types import PetitionAction, PetitionSnapshot
from workflows.tasks import SUPERVISE_TASK, OpenTask
from workflows.types import Action, CaseSnapshot, DeadlineState, Role, Stage, TimelineEntry, resident_note

OPEN_CLOCKS = (DeadlineState.RUNNING, DeadlineState.WARNING)
SUPERVISORS = (Role.LEADER, Role.SUPERVISION, Role.DISCIPLINE)
# Officers are texted only for what cannot wait for them to open the app: a clock about to run out
# (预警), run out, or a leader's 督办 / 催办.
OFFICER_SMS = (NoticeEvent.WARNING, NoticeEvent.OVERDUE, NoticeEvent.SUPERVISED)


@dataclass(frozen=True)
class NoticePolicy:
    """Quiet hours (Beijing time): no SMS from `quiet_from` until `quiet_until` the next morning."""

    quiet_from: time = time(21, 0)
    quiet_until: time = time(8, 0)

    def hold_until(self, at: datetime) -> datetime | None:
        """When an SMS due at `at` may go: None for now, else the end of the quiet hours."""
        local = at.astimezone(SHANGHAI)
        clock = local.timetz().replace(tzinfo=None)
        if self.quiet_from <= self.quiet_until:  # a window inside one day
            quiet = self.quiet_from <= clock < self.quiet_until
        else:
            quiet = clock >= self.quiet_from or clock < self.quiet_until
        if not quiet:
            return None
        day = local.date() if clock < self.quiet_until else local.date() + timedelta(days=1)
        return datetime.combine(day, self.quiet_until, tzinfo=SHANGHAI)

    @staticmethod
    def parse(spec: str) -> NoticePolicy:
        """ "21:00-08:00" (settings NOTIFY_QUIET_HOURS); an empty string: no quiet hours."""
        if not spec.strip():
            return NoticePolicy(time(0, 0), time(0, 0))
        start, _, end = spec.partition("-")
        return NoticePolicy(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))


@dataclass
class _Notices:
    """Collects one transition's notices: `process`, `code`, its time and the policy."""

    session: Session
    process: str
    code: str
    at: datetime
    policy: NoticePolicy
    found: list[Notice]

    @classmethod
    def of(cls, session: Session, process: str, snap: Any, policy: NoticePolicy) -> _Notices:
        """For a transition of this case, petition or appointment, at the time it was made."""
        at = snap.updated_at or snap.registration.received_at or datetime.now(SHANGHAI)
        return cls(session, process, snap.code, at, policy, [])

    def add(self, event: NoticeEvent, recipient: str, channel: Channel, occasion: str, **params: Any) -> None:
        hold = self.policy.hold_until(self.at) if channel == Channel.SMS else None
        self.found.append(
            Notice(self.code, self.process, event.value, recipient, channel, occasion, params, hold)
        )

    def resident(self, event: NoticeEvent, phone: str, occasion: str, **params: Any) -> None:
        if clean_phone(phone) and len(phone_key(phone)) == 11:  # a mobile number: a landline cannot take SMS
            self.add(event, RESIDENT, Channel.SMS, occasion, **params)
        prefs = self.session.get(ResidentNoticePrefs, phone_key(phone)) if phone_key(phone) else None
        if prefs is not None and prefs.email:
            self.add(event, RESIDENT, Channel.EMAIL, occasion, **params)

    def officers(self, event: NoticeEvent, users: Iterable[Officer], occasion: str, **params: Any) -> None:
        for u in users:
            self.add(event, u.id, Channel.INAPP, occasion, **params)
            if u.email:
                self.add(event, u.id, Channel.EMAIL, occasion, **params)
            if event in OFFICER_SMS and u.phone:
                self.add(event, u.id, Channel.SMS, occasion, **params)


def case_notices(
    session: Session,
    snap: CaseSnapshot,
    events: list[TimelineEntry],
    before: set[tuple[str, str, str]],
    tasks: list[OpenTask],
    policy: NoticePolicy,
) -> list[Notice]:
    """The notices of one case transition. `before`: the (org, role, task) the inbox held before it;
    `tasks`: what it holds now."""
    reg = snap.registration
    out = _Notices.of(session, "case", snap, policy)
    base = {"code": snap.code, "title": reg.title[:30]}
    working = [t for t in tasks if t.role not in SUPERVISORS]
    for e in events:
        occasion = f"e{e.seq}"
        if e.action == "registered":
            out.resident(NoticeEvent.RECEIVED, reg.reporter.phone, occasion, **base)
        elif e.action == Action.ACCEPT:
            note = resident_note(e)[:40]
            out.resident(
                NoticeEvent.ACCEPTED,
                reg.reporter.phone,
                occasion,
                org=_org_name(session, e.actor_org_id),
                note=note,
                **base,
            )
        elif e.action in (Action.SUBMIT_RESULT, Action.RESOLVE_LOCALLY) and snap.stage == Stage.RATE:
            out.resident(NoticeEvent.RESULT, reg.reporter.phone, occasion, **base)
        elif e.action == Action.CLOSE_UNREASONABLE:
            out.resident(NoticeEvent.CLOSED, reg.reporter.phone, occasion, note=resident_note(e)[:40], **base)
        elif e.action == "warning":
            out.officers(
                NoticeEvent.WARNING,
                _holders(session, working),
                occasion,
                note=e.note,
                due=_due(working),
                **base,
            )
        elif e.action == "overdue":
            out.officers(NoticeEvent.OVERDUE, _holders(session, working), occasion, note=e.note, **base)
        elif e.action in (Action.SUPERVISE, Action.REMIND):
            note = (
                f"{DECISIONS[Action(e.action)].label}：{e.note[:40]}"
                if e.note
                else DECISIONS[Action(e.action)].label
            )
            # Every department on the case hears it, accepted or not (an accepted co-department has no
            # task while the others accept), and whoever else holds the case now.
            pressed = [
                OpenTask(a.department_id, Role.DEPARTMENT, "", None, None, False, False)
                for a in snap.assignments
            ]
            out.officers(
                NoticeEvent.SUPERVISED, _holders(session, [*working, *pressed]), occasion, note=note, **base
            )
    for t in tasks:
        if (t.org_id, t.role.value, t.task) in before:
            continue
        occasion = f"{t.task}:{t.org_id}:{t.role.value}:v{snap.version}"
        out.officers(
            NoticeEvent.NEW_TASK,
            _users_for(session, t.org_id, t.role),
            occasion,
            task=_task_name(t.task),
            due=_due([t]),
            **base,
        )
    return out.found


def petition_notices(
    session: Session, snap: PetitionSnapshot, events: list[TimelineEntry], policy: NoticePolicy
) -> list[Notice]:
    reg = snap.registration
    out = _Notices.of(session, "petition", snap, policy)
    phone = reg.petitioner.phone
    events_to_notice = {
        "registered": NoticeEvent.PETITION_RECEIVED,
        PetitionAction.ACCEPT.value: NoticeEvent.PETITION_ACCEPTED,
        PetitionAction.DECLINE.value: NoticeEvent.PETITION_DECLINED,
        PetitionAction.ANSWER.value: NoticeEvent.PETITION_ANSWERED,
        PetitionAction.DECIDE_REVIEW.value: NoticeEvent.REVIEW_DECIDED,
        PetitionAction.DECIDE_RECHECK.value: NoticeEvent.RECHECK_DECIDED,
    }
    due = min((d.due_at for d in snap.deadlines if d.state in OPEN_CLOCKS), default=None)
    for e in events:
        event = events_to_notice.get(e.action)
        if event is not None:
            note = resident_note(e)[:40]
            out.resident(
                event, phone, f"e{e.seq}", code=snap.code, note=note, due=_local(due, "%Y年%m月%d日")
            )
    return out.found


def appointment_notices(
    session: Session, snap: AppointmentSnapshot, events: list[TimelineEntry], policy: NoticePolicy
) -> list[Notice]:
    reg = snap.registration
    out = _Notices.of(session, "appointment", snap, policy)
    when = _local(reg.slot_at, "%m月%d日 %H:%M")
    for e in events:
        if e.action == "booked":
            out.resident(NoticeEvent.APPOINTMENT_BOOKED, reg.phone, f"e{e.seq}", code=snap.code, when=when)
        elif e.action == "reminded":
            out.resident(NoticeEvent.APPOINTMENT_REMINDER, reg.phone, f"e{e.seq}", code=snap.code, when=when)
    return out.found


class Officer(NamedTuple):
    """An officer as a notice needs them: whom it names, and where its email and SMS copies go."""

    id: str
    email: str
    phone: str


_USERS: Table = User.__table__  # type: ignore[attr-defined]
_OFFICERS = select(_USERS.c.id, _USERS.c.email, _USERS.c.phone).where(
    _USERS.c.active, _USERS.c.role == bindparam("role")
)
_LINKS: Table = LeaderStreet.__table__  # type: ignore[attr-defined]
# Statements built once (each engine keeps their compiled SQL): they run on every projection that
# opens a task.
_OFFICERS_BY_ROLE = {
    Role.LEADER: _OFFICERS.join_from(_USERS, _LINKS, _LINKS.c.leader_id == _USERS.c.id)
    .where(_LINKS.c.street_id == bindparam("org"))
    .order_by(_USERS.c.id),
    Role.SUPERVISION: _OFFICERS.order_by(_USERS.c.id),
    Role.DISCIPLINE: _OFFICERS.order_by(_USERS.c.id),
}
_OFFICERS_OF_ORG = _OFFICERS.where(_USERS.c.org_id == bindparam("org")).order_by(_USERS.c.id)


def _users_for(session: Session, org_id: str, role: Role) -> list[Officer]:
    """Who works an inbox item: the org's active users in that role; a leader's items (filed under
    the case's street) go to the leaders linked to that street; the supervision office's and the
    discipline commission's to every such user."""
    query = _OFFICERS_BY_ROLE.get(role, _OFFICERS_OF_ORG)
    rows = session.connection().execute(query, {"role": role.value, "org": org_id})
    return [Officer(*row) for row in rows]


def _holders(session: Session, tasks: list[OpenTask]) -> list[Officer]:
    seen: dict[str, Officer] = {}
    for t in tasks:
        for u in _users_for(session, t.org_id, t.role):
            seen.setdefault(u.id, u)
    return list(seen.values())


def _org_name(session: Session, org_id: str) -> str:
    org = session.get(Org, org_id) if org_id else None
    return org.name if org is not None else "承办单位"


def _task_name(task: str) -> str:
    if task == SUPERVISE_TASK:
        return "督办"
    try:
        return DECISIONS[Action(task)].label
    except (ValueError, KeyError):
        return task


def _due(tasks: list[OpenTask]) -> str:
    return _local(min((t.due_at for t in tasks if t.due_at), default=None), "%m月%d日%H:%M")


def _local(value: datetime | None, fmt: str) -> str:
    return value.astimezone(SHANGHAI).strftime(fmt) if value is not None else ""
