"""Open311 GeoReport v2: reading back the requests clients filed (GET Service Requests and GET
Service Request).

What GET returns is public (the spec asks no key for it): the request's own words and place, its
status, the responsible agency and the current deadline, never the resident's name, phone or email.
Only requests filed through Open311 are listed (`store.open311`): a resident who phoned or came in
never published their words.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from store.directory import org_names
from store.models import Case
from store.open311 import MAX_RESULTS, Open311Request, RequestFilter, filed_requests
from web.i18n import label
from web.i18n.open311_text import OPEN311_TEXT as T
from web.services.open311 import Open311Refused
from web.services.open311_catalog import BY_CODE
from web.services.open311_format import Row
from workdays import SHANGHAI
from workflows.types import Stage

WINDOW = timedelta(days=90)  # GeoReport v2: the default window, and the longest one asked for
# Stages whose deadline is when the work is expected done (expected_datetime); after them the clock
# is the resident's rating window or the leader's review, no promise to the client.
WORKING = {s.value for s in (Stage.REPORT, Stage.SIGN, Stage.DISPATCH, Stage.ACCEPT, Stage.HANDLE)}


def request_filter(values: Mapping[str, str], now: datetime) -> RequestFilter:
    """The query's filters; `service_request_id` overrides all the others, as the spec says."""

    def listed(name: str) -> list[str]:
        return [v.strip() for v in values.get(name, "").split(",") if v.strip()]

    codes = listed("service_request_id")
    if len(codes) > MAX_RESULTS:
        raise Open311Refused(400, T["too_many_ids"])
    if codes:
        return RequestFilter(codes=codes)
    problems = [T["service_unknown"].format(code=c) for c in listed("service_code") if c not in BY_CODE]
    statuses = set(listed("status"))
    if statuses - {"open", "closed"}:
        problems.append(T["status_invalid"])
    start, end = _when("start_date", values, problems), _when("end_date", values, problems)
    if problems:
        raise Open311Refused(400, *problems)
    # Either bound alone spans the default window from it; neither is the last 90 days.
    end = end or (start + WINDOW if start else now)
    start = start or end - WINDOW
    if start > end:
        raise Open311Refused(400, T["date_order"])
    if end - start > WINDOW:
        raise Open311Refused(400, T["date_span"])
    closed = None if len(statuses) != 1 else statuses == {"closed"}
    return RequestFilter(service_codes=listed("service_code"), start=start, end=end, closed=closed)


def _when(name: str, values: Mapping[str, str], problems: list[str]) -> datetime | None:
    """A W3C datetime; one without an offset is Beijing time, as every time a resident gives."""
    value = values.get(name, "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(T["date_invalid"].format(field=name))
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def requests_found(engine: Engine, where: RequestFilter) -> list[Row]:
    rows = filed_requests(engine, where)
    orgs = org_names(engine) if rows else {}
    return [_view(request, case, orgs) for request, case in rows]


def one_request(engine: Engine, code: str) -> Row:
    found = requests_found(engine, RequestFilter(codes=[code]))
    if not found:
        raise Open311Refused(404, T["request_unknown"].format(code=code))
    return found[0]


def _w3(moment: datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def _view(request: Open311Request, case: Case, orgs: dict[str, str]) -> Row:
    """One request as GeoReport v2 shows it. The agency is whoever answers for the case now: the lead
    department once dispatched, else the org holding it (the community, the street)."""
    closed = case.stage == Stage.CLOSED.value
    notes = label("public_stage", case.stage)
    if closed and case.outcome:
        notes += f"（{label('outcome', case.outcome)}）"
    holders = case.holder_org_ids.split()
    agency = case.lead_department_id or (holders[0] if holders else case.community_org_id)
    service = BY_CODE.get(request.service_code)
    return {
        "service_request_id": case.code,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": service.name if service else request.service_code,
        "service_code": request.service_code,
        "description": case.description,
        "agency_responsible": orgs.get(agency, ""),
        "service_notice": T["service_notice"],
        "requested_datetime": _w3(case.received_at),
        "updated_datetime": _w3(case.closed_at if closed else case.updated_at or case.received_at),
        "expected_datetime": _w3(case.due_at) if case.stage in WORKING else None,
        "address": case.location,
        "lat": request.lat,
        "long": request.long,
        "media_url": request.media_url or None,
    }
