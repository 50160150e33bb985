"""What a case writes to each table of the read model, for `activities.projection`.

Statements are SQLAlchemy Core, built once (each engine keeps their compiled SQL), and run on the
projection's connection, inside its transaction and its lock: a case is projected on every transition,
and the ORM's unit of work cost more than everything else in it. Each of the case's tables is read
once and only the rows that differ are written (`_CaseRows`); the case row (its version moved), the
inbox and the new timeline entries are written outright, since every decision changes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from store.case_records import CaseAttention, CaseDeadline
from store.contact import phone_key
from store.models import Case, CaseDepartment, CaseEvent, InboxItem, Rating
from workflows.ids import workflow_id
from workflows.tasks import OpenTask
from workflows.transitions import ESCALATING, running_deadline
from workflows.types import CaseSnapshot, DeadlineKind, Outcome, RatingValue, Role, TimelineEntry

InboxKey = tuple[str, str, str]  # (org, role, task)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


CASES, EVENTS, INBOX = _table(Case), _table(CaseEvent), _table(InboxItem)
_INSERT_CASE = insert(CASES)
_UPDATE_CASE = update(CASES).where(CASES.c.code == bindparam("key_code"))
_INSERT_EVENTS = insert(EVENTS)
_DROP_EVENTS = delete(EVENTS).where(
    EVENTS.c.case_code == bindparam("code"), EVENTS.c.seq.in_(bindparam("seqs", expanding=True))
)
_DROP_EVENTS_AND_PAST = delete(EVENTS).where(
    EVENTS.c.case_code == bindparam("code"),
    or_(EVENTS.c.seq.in_(bindparam("seqs", expanding=True)), EVENTS.c.seq > bindparam("count")),
)
_DROP_ALL_EVENTS = delete(EVENTS).where(EVENTS.c.case_code == bindparam("code"))
# The inbox before the write, for the notices of new tasks, comes back from its own delete.
_DROP_INBOX = (
    delete(INBOX)
    .where(INBOX.c.case_code == bindparam("code"))
    .returning(INBOX.c.org_id, INBOX.c.role, INBOX.c.task)
)
_INSERT_INBOX = insert(INBOX)
_DROP_ATTENTION = delete(_table(CaseAttention)).where(_table(CaseAttention).c.case_code == bindparam("code"))


class _CaseRows:
    """One of a case's tables keyed by one more column (a rating's round, a department, a deadline):
    read once, then only the rows that differ are deleted, updated or inserted."""

    def __init__(self, model: Any, key: str) -> None:
        table = _table(model)
        self.key = key
        self._select = select(table).where(table.c.case_code == bindparam("code"))
        self._delete = delete(table).where(
            table.c.case_code == bindparam("code"), table.c[key].in_(bindparam("keys", expanding=True))
        )
        self._update = update(table).where(
            table.c.case_code == bindparam("key_case"), table.c[key] == bindparam("key_row")
        )
        self._insert = insert(table)

    def stored(self, conn: Connection, code: str) -> dict[Any, dict[str, Any]]:
        return {
            row[self.key]: row for row in map(dict, conn.execute(self._select, {"code": code}).mappings())
        }

    def sync(
        self,
        conn: Connection,
        code: str,
        stored: dict[Any, dict[str, Any]],
        wanted: dict[Any, dict[str, Any]],
        *,
        drop: Iterable[Any] = (),
    ) -> None:
        """`wanted`: each row's columns but the case and the key; `drop`: stored keys to delete."""
        gone = [k for k in drop if k in stored]
        if gone:
            conn.execute(self._delete, {"code": code, "keys": gone})
        changed = [
            {"key_case": code, "key_row": k, **row}
            for k, row in wanted.items()
            if k in stored and any(stored[k][col] != value for col, value in row.items())
        ]
        if changed:
            conn.execute(self._update, changed)
        new = [{"case_code": code, self.key: k, **row} for k, row in wanted.items() if k not in stored]
        if new:
            conn.execute(self._insert, new)


RATINGS = _CaseRows(Rating, "round")
DEPARTMENTS = _CaseRows(CaseDepartment, "department_id")
DEADLINES = _CaseRows(CaseDeadline, "deadline_id")


def write_case(
    conn: Connection,
    exists: bool,
    snap: CaseSnapshot,
    events: list[TimelineEntry],
    event_count: int,
    tasks: list[OpenTask],
    *,
    full: bool,
) -> set[InboxKey]:
    """Writes the case and its rows; returns the (org, role, task) the inbox held before."""
    values = _case_values(snap)
    if exists:
        conn.execute(_UPDATE_CASE, {"key_code": snap.code, **values})
    else:
        received = _received(snap)
        conn.execute(
            _INSERT_CASE,
            {"code": snap.code, "workflow_id": workflow_id(snap.code), "received_at": received, **values},
        )
    _write_departments(conn, snap, full=full)
    _write_events(conn, snap.code, events, event_count, full=full)
    before = _write_inbox(conn, snap, tasks)
    _write_ratings(conn, snap)
    _write_deadlines(conn, snap)
    conn.execute(_DROP_ATTENTION, {"code": snap.code})
    return before


def _received(snap: CaseSnapshot) -> datetime:
    # The workflow fills received_at at start; the fallback only guards a malformed history.
    return snap.registration.received_at or snap.updated_at or datetime.now(UTC)


def _case_values(s: CaseSnapshot) -> dict[str, Any]:
    reg = s.registration
    clock = running_deadline(s, (*ESCALATING, DeadlineKind.RATING, DeadlineKind.REVIEW))
    lead = next((a.department_id for a in s.assignments if a.lead), None)
    # While the case is back at the street after a return, it still names the departments of its
    # last dispatch (computed from the snapshot, so a rebuild writes the same).
    last = _last_dispatch(s)
    return {
        "version": s.version,
        "title": reg.title,
        "description": reg.description,
        "channel": reg.channel.value,
        "policy_id": s.policy.id,
        "category": s.category.value if s.category else None,
        "urgency": s.urgency.value if s.urgency else None,
        "difficulty": s.difficulty.value if s.difficulty else None,
        "stage": s.stage.value,
        "outcome": recorded_outcome(s),
        "holder_org_ids": " ".join(s.holder_org_ids),
        "holder_role": s.holder_role.value if s.holder_role else None,
        "community_org_id": reg.community_org_id,
        "street_org_id": reg.street_org_id,
        "department_ids": " ".join(a.department_id for a in last),
        "lead_department_id": lead or next((a.department_id for a in last if a.lead), None),
        "reporter_name": reg.reporter.name,
        "reporter_phone": reg.reporter.phone,
        "phone_key": phone_key(reg.reporter.phone),
        "reporter_address": reg.reporter.address,
        "location": reg.location,
        "registered_by": reg.registered_by.user_id,
        "tracking_token_hash": reg.tracking_token_hash or None,
        "due_at": clock.due_at if clock else None,
        "warn_at": clock.warn_at if clock else None,
        "deadline_label": clock.label if clock else "",
        "provisional": bool(clock and clock.provisional),
        "overdue": s.overdue,
        "ever_overdue": s.ever_overdue,
        "supervision_level": s.supervision_level,
        "supervised": s.supervised,
        "talk_ordered": s.talk_ordered,
        "escalated": s.escalated,
        "leader_in_charge": s.leader_in_charge,
        "returns": s.returns,
        "extensions_granted": s.extensions_granted,
        "reopened": s.reopened,
        "rating": s.ratings[-1].value.value if s.ratings else None,
        "callback_failures": getattr(s, "callback_failures", 0),
        "solved": s.ratings[-1].solved if s.ratings else None,
        "result": s.result,
        "reported_at": s.reported_at,
        "signed_at": s.signed_at,
        "dispatched_at": s.dispatched_at,
        "completed_at": s.completed_at,
        "closed_at": s.closed_at,
        "updated_at": s.updated_at,
    }


def recorded_outcome(s: CaseSnapshot) -> str | None:
    """The outcome as the read model labels it. A case the leader closed after a dissatisfied rating
    recorded RESOLVED before `PATCH_DISSATISFIED_CLOSE`; its last rating says what it was (不满意结案)."""
    if s.outcome == Outcome.RESOLVED and s.ratings and s.ratings[-1].value == RatingValue.DISSATISFIED:
        return Outcome.CLOSED_DISSATISFIED.value
    return s.outcome.value if s.outcome else None


def _last_dispatch(s: CaseSnapshot) -> list[Any]:
    if s.assignments:
        return list(s.assignments)
    latest = max((a.dispatched_at for a in s.departed if a.dispatched_at), default=None)
    return [a for a in s.departed if a.dispatched_at == latest] if latest else []


def _write_departments(conn: Connection, s: CaseSnapshot, *, full: bool) -> None:
    # A department keeps its row after a return or reopen: its figures count what it was given.
    # Parts that ended with a return first, so a department given the case again is written as now.
    stored = DEPARTMENTS.stored(conn, s.code)
    wanted: dict[str, dict[str, Any]] = {}
    for a, current in [*((a, False) for a in s.departed), *((a, True) for a in s.assignments)]:
        earlier = wanted.get(a.department_id) or stored.get(a.department_id)
        kept = earlier["dispatched_at"] if earlier else None
        wanted[a.department_id] = {
            "lead": a.lead,
            "dispatched_at": s.dispatched_at if current else (a.dispatched_at or kept),
            "accepted_at": a.accepted_at,
            "reported_at": a.reported_at,
            "response": a.response,
        }
    # On a full write, a department neither assigned now nor ever before was named only by an attempt
    # Temporal never recorded.
    DEPARTMENTS.sync(
        conn, s.code, stored, wanted, drop=[d for d in stored if d not in wanted] if full else ()
    )


def _write_events(
    conn: Connection, code: str, events: list[TimelineEntry], event_count: int, *, full: bool
) -> None:
    # Each entry replaces what an earlier attempt stored under its seq; past the timeline's length
    # is what an attempt Temporal never recorded wrote.
    by_seq = {e.seq: e for e in events}
    if full:
        conn.execute(_DROP_ALL_EVENTS, {"code": code})
    elif event_count:
        conn.execute(_DROP_EVENTS_AND_PAST, {"code": code, "seqs": list(by_seq), "count": event_count})
    elif by_seq:
        conn.execute(_DROP_EVENTS, {"code": code, "seqs": list(by_seq)})
    if by_seq:
        conn.execute(_INSERT_EVENTS, [_event_row(code, e) for e in by_seq.values()])


def _event_row(code: str, e: TimelineEntry) -> dict[str, Any]:
    return {
        "case_code": code,
        "seq": e.seq,
        "at": e.at,
        "action": e.action,
        "note": e.note,
        "public": e.public,
        "note_public": e.note_public,
        "actor_user_id": e.actor_user_id,
        "actor_role": e.actor_role.value,
        "actor_org_id": e.actor_org_id,
        "actor_name": e.actor_name,
    }


def _write_inbox(conn: Connection, s: CaseSnapshot, tasks: list[OpenTask]) -> set[InboxKey]:
    before = {(org, role, task) for org, role, task in conn.execute(_DROP_INBOX, {"code": s.code})}
    if tasks:
        shared = {
            "case_code": s.code,
            "title": s.registration.title,
            "category": s.category.value if s.category else None,
            "urgency": s.urgency.value if s.urgency else None,
            "stage": s.stage.value,
            "supervised": s.supervised,
            "escalated": s.escalated,
            "created_at": s.updated_at,
        }
        conn.execute(
            _INSERT_INBOX,
            [
                {
                    **shared,
                    "org_id": t.org_id,
                    "role": t.role.value,
                    "task": t.task,
                    "due_at": t.due_at,
                    "warn_at": t.warn_at,
                    "provisional": t.provisional,
                    "overdue": t.overdue,
                }
                for t in tasks
            ],
        )
    return before


def _write_ratings(conn: Connection, s: CaseSnapshot) -> None:
    lead = next((a.department_id for a in s.assignments if a.lead), None)
    stored = RATINGS.stored(conn, s.code)
    wanted = {
        r.round: {
            "value": r.value.value,
            "comment": r.comment,
            "channel": r.channel.value,
            "by_role": r.by_role.value,
            "at": r.at,
            "by_user_id": r.by_user_id if r.by_role != Role.RESIDENT else "",
            "solved": r.solved,
            "street_org_id": s.registration.street_org_id,
            "lead_department_id": lead,
        }
        for r in s.ratings
    }
    # A stored round the snapshot does not have is a rating Temporal never recorded.
    RATINGS.sync(conn, s.code, stored, wanted, drop=[k for k in stored if k not in wanted])


def _write_deadlines(conn: Connection, s: CaseSnapshot) -> None:
    stored = DEADLINES.stored(conn, s.code)
    wanted = {
        d.id: {
            "kind": d.kind.value,
            "label": d.label,
            "org_id": d.org_id,
            "started_at": d.started_at,
            "warn_at": d.warn_at,
            "due_at": d.due_at,
            "provisional": d.provisional,
            "state": d.state.value,
            "closed_at": d.closed_at,
        }
        for d in s.deadlines
    }
    DEADLINES.sync(conn, s.code, stored, wanted, drop=[k for k in stored if k not in wanted])
