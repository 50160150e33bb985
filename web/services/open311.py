"""Open311 GeoReport v2: a client's request becomes a case (POST Service Request).

A POST is checked whole before anything is stored (every problem is named in one answer), then
registered as the portal's requests are: `RegistrationInput`'s rules (phone format, lengths, no
control characters), `register_case` behind `web.services.intake.register_from_api`, so an
`Idempotency-Key` header makes a client's retry file nothing twice. The case is registered by an
actor standing for the client (`open311:<key id>`, role resident), which the case's timeline and
`cases.registered_by` keep; `store.open311` keeps the service, the point and the media link.
Reading them back: `web.services.open311_reads`.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from temporalio.client import Client

from settings import Settings
from store.open311 import Open311ApiKey, Open311Request, record_request, use_key
from web.i18n.open311_text import OPEN311_TEXT as T
from web.schemas.errors import describe
from web.security import sha256
from web.services.cases import CaseUnavailable, RegistrationInput, RegistrationRefused
from web.services.intake import IntakeInProgress, IntakeRefused, register_from_api
from web.services.open311_catalog import BY_CODE, COMMUNITY, Service
from web.services.registration import communities_for
from workflows.types import Actor, Channel, Role

log = logging.getLogger("liudan.web.open311")

TITLE_SNIPPET = 40  # characters of the description shown after the service's name in inboxes
# The Open311 parameter behind each registration field, named beside a refusal of that field.
PARAMETER = {
    "reporter_name": "last_name / first_name",
    "reporter_phone": "phone",
    "description": "description",
    "title": "description",
    "location": "address_string",
}


class Open311Refused(Exception):
    """A request the interface answers with the spec's error document; nothing was filed."""

    def __init__(self, status: int, *descriptions: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = list(descriptions)
        self.headers = headers


def check_jurisdiction(settings: Settings, given: str) -> None:
    """One jurisdiction is served: `jurisdiction_id` may be left out, and must be it when given."""
    expected = settings.open311_jurisdiction_id
    if given.strip() and given.strip() != expected:
        raise Open311Refused(404, T["jurisdiction_unknown"].format(given=given.strip(), expected=expected))


def client_key(engine: Engine, api_key: str) -> Open311ApiKey:
    """The live key the client sent (its last use recorded), or 403."""
    if not api_key.strip():
        raise Open311Refused(403, T["api_key_missing"])
    row = use_key(engine, sha256(api_key.strip()), datetime.now(UTC))
    if row is None:
        raise Open311Refused(403, T["api_key_invalid"])
    if row.revoked_at is not None:
        raise Open311Refused(403, T["api_key_revoked"])
    return row


def find_service(code: str) -> Service:
    if not code.strip():
        raise Open311Refused(400, T["service_code_missing"])
    service = BY_CODE.get(code.strip())
    if service is None:
        raise Open311Refused(404, T["service_unknown"].format(code=code.strip()))
    return service


# --- POST Service Request -------------------------------------------------------------------------


async def file_request(
    engine: Engine,
    client: Client,
    settings: Settings,
    key: Open311ApiKey,
    values: Mapping[str, str],
    idempotency_key: str | None,
) -> str:
    """Registers the client's request as a case and records its Open311 side; the case code."""
    service = find_service(values.get("service_code", ""))
    form, request = await asyncio.to_thread(_registration, engine, service, values)
    assert key.id is not None
    actor = Actor(user_id=f"open311:{key.id}", role=Role.RESIDENT, display_name=key.name)
    try:
        filed = await register_from_api(engine, client, settings, actor, form, idempotency_key)
    except IntakeInProgress as busy:
        raise Open311Refused(409, busy.message) from busy
    except (RegistrationRefused, IntakeRefused) as refused:
        raise Open311Refused(400, refused.message) from refused
    except CaseUnavailable as down:
        raise Open311Refused(503, T["unavailable"], headers={"Retry-After": "5"}) from down
    request.case_code, request.api_key_id = filed.code, key.id
    try:
        await asyncio.to_thread(record_request, engine, request)
    except SQLAlchemyError as error:
        log.exception("open311: case %s registered, its Open311 record not saved", filed.code)
        raise Open311Refused(503, T["not_recorded"].format(code=filed.code)) from error
    log.info("open311: case %s filed by key %s (service %s)", filed.code, key.id, service.code)
    return filed.code


def _registration(
    engine: Engine, service: Service, values: Mapping[str, str]
) -> tuple[RegistrationInput, Open311Request]:
    """The case to register and the Open311 record to keep, or every problem with the request (400):
    the parameters Open311 leaves optional that a case needs, then the registration's own rules."""

    def given(name: str) -> str:
        return values.get(name, "").strip()  # the spec: an empty parameter is no parameter

    problems: dict[str, str] = {}  # by the registration field (or attribute) it is about
    for name in values:
        code = name.removeprefix("attribute[").rstrip("[]")
        if name.startswith("attribute[") and code != COMMUNITY:
            problems[name] = T["attribute_unknown"].format(code=code)
    community = given(f"attribute[{COMMUNITY}]")
    choices = {cid for group in communities_for(engine, None) for cid, _ in group.communities}
    if not community:
        problems["community_org_id"] = T["community_missing"]
    elif community not in choices:
        problems["community_org_id"] = T["community_unknown"].format(given=community)
    lat, long, point_problem = _point(given("lat"), given("long"))
    address = given("address_string")
    if point_problem:
        problems["location"] = point_problem
    elif lat is None and not address:
        problems["location"] = T["address_id_unsupported"] if given("address_id") else T["location_missing"]
    elif len(address) > 200:
        problems["location"] = T["address_too_long"]
    name = _reporter_name(given("first_name"), given("last_name"))
    if not name:
        problems["reporter_name"] = T["name_missing"]
    if not given("phone"):
        problems["reporter_phone"] = T["phone_missing"]
    description = values.get("description", "").strip()
    if not description:
        problems["description"] = T["description_missing"]
    media_url = given("media_url")
    if media_url and not _is_web_address(media_url):
        problems["media_url"] = T["media_url_invalid"]

    where = T["location_from_point"].format(lat=lat, long=long) if lat is not None else ""
    location = f"{address}（{where}）" if address and where else address or where
    snippet = (description.splitlines() or [""])[0][:TITLE_SNIPPET]
    media_line = "\n\n" + T["media_line"].format(url=media_url) if media_url else ""
    try:
        form = RegistrationInput.model_validate(
            {
                "channel": Channel.WEB_PORTAL,
                "reporter_name": name,
                "reporter_phone": given("phone"),
                "title": f"{service.name}：{snippet}",
                "description": description + media_line,
                "location": location if len(location) <= 200 else address,
                "community_org_id": community,
                "category": service.category,
            }
        )
    except ValidationError as invalid:
        for field, line in _described(invalid):
            problems.setdefault(field, line)
    if problems:
        raise Open311Refused(400, *problems.values())
    request = Open311Request(
        case_code="",
        service_code=service.code,
        api_key_id=0,
        lat=lat,
        long=long,
        address_string=address,
        media_url=media_url,
        filed_at=datetime.now(UTC),
    )
    return form, request


def _point(lat: str, long: str) -> tuple[float | None, float | None, str]:
    """The WGS84 point, or a problem with it; (None, None, "") when none was sent."""
    if not lat and not long:
        return None, None, ""
    if not lat or not long:
        return None, None, T["point_pair"]
    try:
        y, x = float(lat), float(long)
    except ValueError:
        return None, None, T["point_invalid"]
    if not (math.isfinite(y) and math.isfinite(x) and -90 <= y <= 90 and -180 <= x <= 180):
        return None, None, T["point_invalid"]
    return y, x, ""


def _reporter_name(first: str, last: str) -> str:
    """A Chinese name is family name first, unspaced (张 + 秀兰); a Latin one is "first last"."""
    if (first + last).isascii():
        return f"{first} {last}".strip()
    return last + first


def _is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    return len(url) <= 500 and parts.scheme in ("http", "https") and bool(parts.netloc)


def _described(invalid: ValidationError) -> list[tuple[str, str]]:
    """(field, sentence) per problem, the sentence naming the Open311 parameter behind the field."""
    found = []
    for error in invalid.errors():
        field = str(error["loc"][-1]) if error.get("loc") else ""
        hint = f"（{PARAMETER[field]}）" if field in PARAMETER else ""
        found.append((field, describe([error]) + hint))
    return found
