"""Open311's tables on SQLite and PostgreSQL: keys used and revoked, a request recorded once, and
the GET filters (ids override the rest; service, window and status otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from store.open311 import (
    Open311Request,
    RequestFilter,
    add_key,
    all_keys,
    filed_requests,
    record_request,
    revoke_key,
    use_key,
)
from tests.utils.readmodel import add_case, sh

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def request(code: str, key_id: int, service: str = "streetlight") -> Open311Request:
    return Open311Request(
        case_code=code, service_code=service, api_key_id=key_id, lat=30.27, long=120.15, filed_at=NOW
    )


def test_a_key_is_found_by_its_hash_marked_used_and_revoked_once(any_engine: Engine) -> None:
    key = add_key(any_engine, "随手拍 App", "a" * 64, "o311_abcd", "admin", NOW)
    assert key.id is not None and use_key(any_engine, "b" * 64, NOW) is None

    used = use_key(any_engine, "a" * 64, NOW)
    assert used is not None and used.last_used_at == NOW

    revoked = revoke_key(any_engine, key.id, "admin", NOW)
    assert revoked is not None and revoked.revoked_by == "admin"
    assert revoke_key(any_engine, key.id, "admin", NOW) is None
    found = use_key(any_engine, "a" * 64, datetime(2026, 3, 11, tzinfo=UTC))
    assert found is not None and found.revoked_at == NOW and found.last_used_at == NOW  # not marked used
    live = add_key(any_engine, "12345 小程序", "c" * 64, "o311_cdef", "admin", NOW)
    assert [k.id for k in all_keys(any_engine)] == [live.id, key.id]  # live keys first


def test_requests_are_recorded_once_and_filtered(any_engine: Engine) -> None:
    key = add_key(any_engine, "随手拍 App", "a" * 64, "o311_abcd", "admin", NOW)
    assert key.id is not None
    lamp = add_case(any_engine, received="2026-03-02 09:00")
    bins = add_case(any_engine, received="2026-03-05 09:00", stage="closed", closed="2026-03-06 09:00")
    add_case(any_engine, received="2026-03-06 09:00")  # by phone: never listed
    record_request(any_engine, request(lamp, key.id))
    record_request(any_engine, request(lamp, key.id, "garbage"))  # a retry: the first record stays
    record_request(any_engine, request(bins, key.id, "garbage"))
    record_request(any_engine, request("T000000-2026-000009", key.id))  # not projected yet

    def codes(**where: object) -> list[str]:
        return [case.code for _, case in filed_requests(any_engine, RequestFilter(**where))]  # type: ignore[arg-type]

    assert codes() == [bins, lamp]
    assert codes(service_codes=["streetlight"]) == [lamp]
    assert codes(closed=True) == [bins] and codes(closed=False) == [lamp]
    assert codes(start=sh("2026-03-03 00:00"), end=sh("2026-03-31 00:00")) == [bins]
    assert codes(end=sh("2026-03-02 08:59")) == []
    assert codes(codes=[lamp], closed=True) == [lamp]  # ids override the other filters
