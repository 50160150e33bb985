"""The codec endpoint of the Temporal UI and CLI (Temporal's remote codec protocol), for admins only.

    POST /codec/decode   {"payloads": [Payload as protobuf JSON, ...]}  ->  the same shape, decrypted
    POST /codec/encode   the same, encrypted (the UI's "start workflow" and "signal" forms)

It uses the codec of the app's own Temporal client, so it decrypts exactly what the processes wrote.
Who may call it: an admin's web session (the Temporal UI sends the cookie when its codec settings
include cross-origin credentials), or an admin's API token
(`temporal workflow show -w case-... --codec-endpoint http://127.0.0.1:8000/codec
--codec-auth "Bearer <token>"`). Anyone else gets 401 or 403, and the UI shows the payloads still
encrypted. Cross-origin calls are allowed from the Temporal UI (TEMPORAL_UI_URL) only, with
credentials. A cookie-authenticated call must be JSON from this site or the UI, so no other page can
post one without a preflight it would fail. Every call is logged with who and how many payloads,
never what they hold.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Security
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.converter import PayloadCodec

from payloads.codec import PayloadDecryptionFailed
from web.deps import ClientDep, EngineDep, OptionalUser, SettingsDep, bearer
from web.i18n import TEXT
from web.services.auth import SignedIn, user_for_token
from workflows.types import Role

log = logging.getLogger("liudan.web.codec")
router = APIRouter(prefix="/codec", tags=["codec"], include_in_schema=False)

ALLOWED_HEADERS = "authorization, content-type, x-namespace"
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """`scheme://host[:port]` as a browser sends it in `Origin` (no default port, lower case)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme) else ""
    return f"{parts.scheme}://{parts.hostname}{port}".lower()


def _cors(request: Request) -> dict[str, str]:
    """CORS headers for the Temporal UI's origin; none for any other (the browser then refuses)."""
    origin = request.headers.get("origin", "")
    if origin and origin.lower() == origin_of(request.app.state.settings.temporal_ui_url):
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin",
        }
    return {"Vary": "Origin"}


def _refuse(request: Request, status: int, message: str, **headers: str) -> HTTPException:
    return HTTPException(status, message, headers={**_cors(request), **headers})


def _admin(
    request: Request,
    settings: SettingsDep,
    engine: EngineDep,
    session_user: OptionalUser,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> SignedIn:
    if credentials is not None:
        who = user_for_token(engine, credentials.credentials)
    else:
        who = session_user
        if who is not None:
            _check_cookie_call(request, settings.temporal_ui_url)
    if who is None:
        raise _refuse(request, 401, TEXT["codec_login_required"], **{"WWW-Authenticate": "Bearer"})
    if who.actor.role != Role.ADMIN:
        log.warning("codec refused to %s (%s)", who.user.username, who.actor.role.value)
        raise _refuse(request, 403, TEXT["codec_admin_only"])
    namespace = request.headers.get("x-namespace")
    if namespace and namespace != settings.temporal_namespace:
        raise _refuse(request, 400, TEXT["codec_namespace"].format(namespace=settings.temporal_namespace))
    return who


def _check_cookie_call(request: Request, temporal_ui_url: str) -> None:
    """What stands in for a CSRF token: a JSON body (a cross-site form cannot send one without a
    preflight) from this site or the Temporal UI."""
    origin = request.headers.get("origin")
    own = origin_of(str(request.base_url))
    if origin and origin.lower() not in (own, origin_of(temporal_ui_url)):
        raise _refuse(request, 403, TEXT["codec_origin_refused"])
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise _refuse(request, 415, TEXT["codec_json_required"])


Admin = Annotated[SignedIn, Depends(_admin)]


@router.post("/decode")
async def decode(request: Request, admin: Admin, client: ClientDep) -> Response:
    return await _apply("decode", request, admin, client.data_converter.payload_codec)


@router.post("/encode")
async def encode(request: Request, admin: Admin, client: ClientDep) -> Response:
    return await _apply("encode", request, admin, client.data_converter.payload_codec)


async def _apply(
    op: Literal["decode", "encode"], request: Request, admin: SignedIn, codec: PayloadCodec | None
) -> Response:
    try:
        payloads = json_format.Parse(await request.body(), Payloads(), ignore_unknown_fields=True)
    except (json_format.ParseError, UnicodeDecodeError):
        raise _refuse(request, 400, TEXT["codec_json_required"]) from None
    result = list(payloads.payloads)
    if codec is not None:  # a client without a codec wrote nothing encrypted
        try:
            result = await (codec.decode(result) if op == "decode" else codec.encode(result))
        except PayloadDecryptionFailed as failed:
            log.error("codec %s for %s failed: %s", op, admin.user.username, failed)
            raise _refuse(request, 422, TEXT["codec_undecryptable"].format(key_id=failed.key_id)) from None
    log.info("codec %s by %s: %d payloads", op, admin.user.username, len(result))
    body = json_format.MessageToDict(Payloads(payloads=result))
    return JSONResponse({"payloads": body.get("payloads", [])}, headers=_cors(request))


@router.options("/decode")
@router.options("/encode")
def preflight(request: Request) -> Response:
    """The browser's CORS preflight: allowed for the Temporal UI's origin only."""
    cors = _cors(request)
    if "Access-Control-Allow-Origin" not in cors:
        return JSONResponse({"detail": TEXT["codec_origin_refused"]}, status_code=403, headers=cors)
    headers = {
        **cors,
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": "600",
    }
    if request.headers.get("access-control-request-private-network") == "true":
        headers["Access-Control-Allow-Private-Network"] = "true"
    return Response(status_code=204, headers=headers)
