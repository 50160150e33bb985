"""SMS providers: one interface, the development outbox, and Alibaba Cloud's SendSms (阿里云短信服务).

`SMS_PROVIDER=outbox` (the default, and what `make run` uses) writes each message to the `sms_outbox`
table, once per notice however often its delivery is retried. `SMS_PROVIDER=aliyun` calls SendSms
(API version 2017-05-25) over HTTPS, signed as Alibaba Cloud's RPC signature document says (签名机制:
HMAC-SHA1 over "GET&%2F&" + the percent-encoded, sorted query, keyed by the secret and "&"). Aliyun
sends only templates registered with it, so each notice event maps to a TemplateCode
(`ALIYUN_SMS_TEMPLATES`), filled with the notice's parameters; the notice id goes as `OutId`, so the
provider's delivery report finds it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from sqlalchemy.engine import Engine

from store.notify_contacts import put_in_outbox

ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"


@dataclass(frozen=True)
class SmsMessage:
    notification_id: int
    phone: str
    event: str
    params: dict[str, Any]
    body: str  # the rendered zh-CN text (store.notice_templates), as the outbox and the log show it


class SmsRefused(Exception):
    """The provider refused the message for good (a bad number, an unknown template): not retried."""


class SmsSender(Protocol):
    async def send(self, message: SmsMessage) -> str:
        """Sends; returns the provider's reference. Raises SmsRefused, or anything else to be retried."""
        ...


class OutboxSms:
    """Development and tests: the message is "sent" by writing it to `sms_outbox`."""

    def __init__(self, engine: Engine, sign_name: str) -> None:
        self._engine, self._sign_name = engine, sign_name

    async def send(self, message: SmsMessage) -> str:
        import asyncio

        row = await asyncio.to_thread(
            put_in_outbox, self._engine, message.notification_id, message.phone, self._sign_name,
            message.body, datetime.now(UTC),
        )  # fmt: skip
        return f"outbox-{row}"


def percent_encode(value: str) -> str:
    """RFC 3986 as Alibaba Cloud's POP signature wants it: space %20, * %2A, ~ unescaped."""
    return quote(value, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: dict[str, str],
        *,
        endpoint: str = ALIYUN_ENDPOINT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._key_id, self._secret, self._sign_name = access_key_id, access_key_secret, sign_name
        self._templates, self._endpoint, self._transport = templates, endpoint, transport

    def request_params(self, message: SmsMessage, *, nonce: str, timestamp: str) -> dict[str, str]:
        template = self._templates.get(message.event)
        if not template:
            raise SmsRefused(f"no Aliyun template for notice {message.event!r} (ALIYUN_SMS_TEMPLATES)")
        params = {
            "AccessKeyId": self._key_id, "Action": "SendSms", "Format": "JSON", "OutId": str(message.notification_id),
            "PhoneNumbers": message.phone, "RegionId": "cn-hangzhou", "SignName": self._sign_name,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": nonce, "SignatureVersion": "1.0",
            "TemplateCode": template, "TemplateParam": json.dumps(message.params, ensure_ascii=False),
            "Timestamp": timestamp, "Version": "2017-05-25",
        }  # fmt: skip
        params["Signature"] = aliyun_signature(params, self._secret)
        return params

    async def send(self, message: SmsMessage) -> str:
        params = self.request_params(
            message, nonce=str(uuid.uuid4()), timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        async with httpx.AsyncClient(transport=self._transport, timeout=10) as http:
            response = await http.get(self._endpoint, params=params)
        response.raise_for_status()  # a 5xx is retried
        body = response.json()
        if body.get("Code") == "OK":
            return str(body.get("BizId", ""))
        if str(body.get("Code", "")).startswith(("isv.BUSINESS_LIMIT_CONTROL", "Throttling")):
            raise RuntimeError(f"Aliyun throttled the message: {body.get('Code')}")  # retried later
        raise SmsRefused(f"Aliyun refused the message: {body.get('Code')} {body.get('Message', '')}")
