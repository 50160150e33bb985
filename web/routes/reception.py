"""Leaders' reception and appointments (HTML): the admins' schedules, the public list of coming
sessions with booking, the resident's own appointment page, and the leader's day (their sessions,
appointments and 包案 on one page, with the reception recorded there)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, select

from store.backlogs import Backlog
from store.models import User
from store.periods import Period
from store.reception import ReceptionLevel, Recurrence
from web.deps import (
    ClientAddr,
    ClientDep,
    CsrfProtected,
    CurrentUser,
    EngineDep,
    FormFields,
    SettingsDep,
    WorkdaysDep,
    limiter,
    require_roles,
)
from web.i18n import TEXT
from web.ratelimit import RateLimiter
from web.routes.tracking import NO_STORE, by_token
from web.schemas.errors import describe
from web.security import CSRF_FIELD, sha256
from web.services.cases import CaseUnavailable, DecisionRefused
from web.services.reception import (
    BookingInput,
    BookingRefused,
    ScheduleInput,
    WalkInInput,
    add_schedule,
    appointment,
    appointment_by_token,
    book,
    coming_sessions,
    decide_appointment,
    leader_appointments,
    reception_figures,
    record_walk_in,
    schedules,
)
from web.templating import TemplatesDep
from workdays import SHANGHAI
from workflows.appointment.types import AppointmentAction, Attendance, Cancellation, NoShow, ReceptionOutcome
from workflows.appointment.workflow import RECORDERS
from workflows.types import Actor, Role

router = APIRouter(tags=["reception"], dependencies=[CsrfProtected])
RESIDENT = Actor(user_id="resident", role=Role.RESIDENT, display_name="预约人")


def _leaders(engine: Any) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [
            (u.id, u.display_name) for u in session.exec(select(User).where(User.role == Role.LEADER.value))
        ]


@router.get("/admin/reception", dependencies=[require_roles(Role.ADMIN)])
def schedule_list(request: Request, engine: EngineDep, templates: TemplatesDep) -> Response:
    return templates.render(request, "admin/reception.html", _admin_context(engine, {}, ""))


def _admin_context(engine: Any, values: dict[str, Any], error: str) -> dict[str, Any]:
    return {
        "active": "reception",
        "schedules": schedules(engine),
        "leaders": dict(_leaders(engine)),
        "levels": ReceptionLevel.ALL,
        "recurrences": Recurrence.ALL,
        "values": values,
        "error": error,
    }


@router.post("/admin/reception", dependencies=[require_roles(Role.ADMIN)])
def schedule_create(
    request: Request, engine: EngineDep, templates: TemplatesDep, fields: FormFields
) -> Response:
    # A plain def: the schedule's checks and the admin page read the database in the threadpool.
    values: dict[str, Any] = dict(fields)
    for flag in ("video", "lawyer_on_duty"):
        values[flag] = values.get(flag) == "1"
    try:
        add_schedule(engine, ScheduleInput.model_validate(values))
    except ValidationError as invalid:
        context = _admin_context(engine, values, describe(invalid.errors()))
        return templates.render(request, "admin/reception.html", context, status_code=422)
    except BookingRefused as refused:
        return templates.render(
            request, "admin/reception.html", _admin_context(engine, values, refused.message), status_code=422
        )
    return RedirectResponse("/admin/reception", status_code=303)


@router.get("/portal/reception")
def portal_sessions(
    request: Request, engine: EngineDep, workdays: WorkdaysDep, templates: TemplatesDep
) -> Response:
    """The coming reception sessions, public: who receives, where, when, a lawyer on duty, free seats."""
    today = datetime.now(SHANGHAI).date()
    context = {"sessions": coming_sessions(engine, workdays.is_working_day, today), "error": "", "values": {}}
    return templates.render(request, "portal/reception.html", context)


@router.post("/portal/reception/book")
async def portal_book(
    request: Request,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    workdays: WorkdaysDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    writes: Annotated[RateLimiter, limiter("portal")],
) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    today = datetime.now(SHANGHAI).date()

    async def again(message: str, status: int) -> Response:
        sessions = await asyncio.to_thread(coming_sessions, engine, workdays.is_working_day, today)
        context = {"sessions": sessions, "error": message, "values": values}
        return templates.render(request, "portal/reception.html", context, status_code=status)

    if not await asyncio.to_thread(writes.hit, addr):
        return await again(TEXT["rate_limited"], 429)
    try:
        booked = await book(
            engine, client, settings, workdays.is_working_day, BookingInput.model_validate(values), RESIDENT
        )
    except ValidationError as invalid:
        return await again(describe(invalid.errors()), 422)
    except BookingRefused as refused:
        return await again(refused.message, 409)
    except CaseUnavailable:
        return await again(TEXT["xf_unavailable"], 503)
    return RedirectResponse(f"/track/yf/{booked.tracking_token}?booked=1", status_code=303)


def _mine(engine: Any, token: str, addr: str, misses: RateLimiter) -> Any:
    return by_token(lambda t: appointment_by_token(engine, sha256(t)), token, addr, misses)


@router.get("/track/yf/{token}")
def appointment_page(
    request: Request,
    token: str,
    engine: EngineDep,
    templates: TemplatesDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
    booked: str = "",
) -> Response:
    a = _mine(engine, token, addr, misses)
    leaders = dict(_leaders(engine))
    context = {
        "a": a,
        "token": token,
        "leader": leaders.get(a.leader_id, a.leader_id),
        "booked": bool(booked),
        "error": "",
    }
    return templates.render(request, "portal/appointment.html", context, headers=NO_STORE)


@router.post("/track/yf/{token}/cancel")
async def appointment_cancel(
    token: str,
    engine: EngineDep,
    client: ClientDep,
    addr: ClientAddr,
    misses: Annotated[RateLimiter, limiter("track_miss")],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    a = await asyncio.to_thread(_mine, engine, token, addr, misses)
    try:
        await decide_appointment(client, a.code, AppointmentAction.CANCEL, Cancellation(RESIDENT, reason))
    except DecisionRefused as refused:
        raise HTTPException(409, refused.message) from None
    return RedirectResponse(f"/track/yf/{token}", status_code=303)


@router.get("/leader/day", dependencies=[require_roles(Role.LEADER)])
def leader_day(
    request: Request, me: CurrentUser, engine: EngineDep, workdays: WorkdaysDep, templates: TemplatesDep
) -> Response:
    """One page for a leader's reception work: their coming sessions, their appointments (today's
    first), the 积案 they own, and this month's reception figures."""
    today = datetime.now(SHANGHAI).date()
    start_of_day = datetime.combine(today, datetime.min.time(), tzinfo=SHANGHAI)
    with Session(engine) as session:
        owned = session.exec(select(Backlog).where(Backlog.leader_ids.like(f"% {me.actor.user_id} %"))).all()  # type: ignore[union-attr]
    month = Period.containing("month", today)
    context = {
        "active": "leader_day",
        "sessions": coming_sessions(
            engine, workdays.is_working_day, today, leader_id=me.actor.user_id, days=15
        ),
        "appointments": leader_appointments(engine, me.actor.user_id, start_of_day),
        "today": today,
        "backlogs": sorted(
            owned, key=lambda b: (b.closed_at is not None, b.due_at or datetime.max.replace(tzinfo=UTC))
        ),
        "figures": reception_figures(engine, month.starts_at, month.ends_at, me.actor.user_id),
        "month": month,
        "outcomes": list(ReceptionOutcome),
        "error": "",
    }
    return templates.render(request, "leader_day.html", context)


@router.post("/appointments/{code}/actions/{action}", dependencies=[require_roles(*RECORDERS)])
async def appointment_action(
    code: str, action: str, me: CurrentUser, engine: EngineDep, client: ClientDep,
    outcome: Annotated[str, Form(max_length=20)] = "answered", people: Annotated[int, Form(ge=1, le=500)] = 1,
    lawyer_present: Annotated[str, Form(max_length=5)] = "", linked_code: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    """The leader's office records how an appointment went (接待 / 爽约 / 取消)."""
    found = await asyncio.to_thread(appointment, engine, code)
    if found is None or (me.actor.role == Role.LEADER and found.leader_id != me.actor.user_id):
        raise HTTPException(404, TEXT["rc_no_such_slot"])
    try:
        chosen = AppointmentAction(action)
        if chosen == AppointmentAction.ATTEND:
            payload: Any = Attendance(
                me.actor, ReceptionOutcome(outcome), people, lawyer_present == "1", linked_code, note
            )
        elif chosen == AppointmentAction.MISS:
            payload = NoShow(me.actor, note)
        else:
            payload = Cancellation(me.actor, note)
    except ValueError:
        raise HTTPException(422, TEXT["xf_unknown_action"]) from None
    try:
        await decide_appointment(client, code, chosen, payload)
    except DecisionRefused as refused:
        raise HTTPException(409, refused.message) from None
    return RedirectResponse("/leader/day", status_code=303)


@router.post("/leader/receptions", dependencies=[require_roles(Role.LEADER)])
async def walk_in(request: Request, me: CurrentUser, engine: EngineDep) -> Response:
    """A reception without a booking (a walk-in), recorded by the leader received it."""
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    values["lawyer_present"] = values.get("lawyer_present") == "1"
    try:
        await asyncio.to_thread(record_walk_in, engine, me.actor, WalkInInput.model_validate(values))
    except ValidationError as invalid:
        raise HTTPException(422, describe(invalid.errors())) from None
    return RedirectResponse("/leader/day", status_code=303)
