"""One request, one case: the portal's post/redirect/get under a one-time form key, the API's
Idempotency-Key, and the key table's claim that lets only one of two concurrent requests file."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, func, select

from store import idempotency
from store.idempotency import KEY_TTL, IntakeKey
from store.models import Case
from tests.utils.web import CODE, api_token
from web.api import PREFIX
from web.services.intake import RESULT_SHOWN_FOR

FORM = {
    "title": "楼道灯不亮",
    "description": "湖滨小区5号楼楼道灯坏了一周。",
    "category": "infrastructure",
    "community_org_id": "cm-hubin",
    "reporter_name": "刘敏",
    "reporter_phone": "13912340000",
}
CASE = {
    "channel": "phone",
    "reporter_name": "赵六",
    "reporter_phone": "13700001111",
    "community_org_id": "cm-yingbin",
    "title": "噪音扰民",
    "description": "夜间施工噪音。",
}
KEY_FIELD = re.compile(r'name="intake_key" value="([^"]+)"')
TRACK = re.compile(r"http://testserver/track/([A-Za-z0-9_-]+)")


def cases(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Case)).one()


async def open_form(b) -> str:
    page = await b.get("/portal")
    return KEY_FIELD.search(page.text).group(1)


# --- officers' registration form -------------------------------------------------------------------


async def test_an_officer_form_sent_twice_files_once(browser, engine):
    """The hotline officer's form: post/redirect/get and a one-time key, as on the portal."""
    officer = await browser("street-dongcheng")
    page = await officer.get("/cases/new")
    key = KEY_FIELD.search(page.text).group(1)
    first = await officer.post("/cases", {**CASE, "intake_key": key})
    again = await officer.post("/cases", {**CASE, "intake_key": key})  # a double click
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"] == f"/cases/registered/{key}"
    assert cases(engine) == 1
    result = await officer.get(first.headers["location"])
    code = CODE.search(result.text).group(0)
    assert TRACK.search(result.text) and result.headers["cache-control"] == "no-store"
    reload = await officer.get(first.headers["location"])
    assert CODE.search(reload.text).group(0) == code and cases(engine) == 1
    other = await browser("street-xihu")
    assert (await other.get(first.headers["location"])).status_code == 404  # someone else's result


# --- resident portal ------------------------------------------------------------------------------


async def test_a_double_submit_and_reloads_file_one_case(browser, engine):
    resident = await browser()
    key = await open_form(resident)
    first = await resident.post("/portal", {**FORM, "intake_key": key})
    again = await resident.post("/portal", {**FORM, "intake_key": key})  # back, then send again
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"] == f"/portal/submitted/{key}"
    assert cases(engine) == 1
    page = await resident.get(first.headers["location"])
    code, token = CODE.search(page.text).group(0), TRACK.search(page.text).group(1)
    assert page.headers["cache-control"] == "no-store"
    for _ in range(2):  # reloading the success page shows the same and files nothing
        reload = await resident.get(first.headers["location"])
        assert CODE.search(reload.text).group(0) == code and token in reload.text
    assert cases(engine) == 1
    assert (await resident.get(f"/track/{token}")).status_code == 200


async def test_a_double_click_files_one_case(browser, engine):
    resident = await browser()
    key = await open_form(resident)
    clicks = await asyncio.gather(*(resident.post("/portal", {**FORM, "intake_key": key}) for _ in range(2)))
    assert [c.status_code for c in clicks] == [303, 303]
    assert clicks[0].headers["location"] == clicks[1].headers["location"]
    assert cases(engine) == 1


async def test_a_new_form_is_a_new_request(browser, engine):
    resident = await browser()
    for _ in range(2):
        key = await open_form(resident)
        assert (await resident.post("/portal", {**FORM, "intake_key": key})).status_code == 303
    assert cases(engine) == 2


async def test_a_refused_form_can_be_corrected_and_sent_with_its_key(browser, engine):
    resident = await browser()
    key = await open_form(resident)
    refused = await resident.post("/portal", {**FORM, "reporter_phone": "123", "intake_key": key})
    assert refused.status_code == 422 and KEY_FIELD.search(refused.text).group(1) == key
    assert (await resident.post("/portal", {**FORM, "intake_key": key})).status_code == 303
    assert cases(engine) == 1


async def test_only_the_browser_that_filed_sees_the_result(browser, engine):
    resident = await browser()
    key = await open_form(resident)
    filed = await resident.post("/portal", {**FORM, "intake_key": key})
    stranger = await browser()
    await stranger.get("/portal")
    seen = await stranger.get(filed.headers["location"])
    assert seen.status_code == 404 and not CODE.search(seen.text)
    # Sending the same key from another browser is a separate request, never the first one's result.
    other = await stranger.post("/portal", {**FORM, "intake_key": key})
    assert other.status_code == 303 and cases(engine) == 2
    page = await stranger.get(other.headers["location"])
    mine = await resident.get(filed.headers["location"])
    assert CODE.search(page.text).group(0) != CODE.search(mine.text).group(0)


async def test_the_tracking_link_is_shown_for_a_while_then_only_the_code(browser, engine):
    resident = await browser()
    key = await open_form(resident)
    filed = await resident.post("/portal", {**FORM, "intake_key": key})
    with Session(engine) as s:
        row = s.exec(select(IntakeKey)).one()
        token = TRACK.search((await resident.get(filed.headers["location"])).text).group(1)
        assert token not in (row.response_ref or "")  # stored sealed, never as it is
        row.created_at -= RESULT_SHOWN_FOR + timedelta(minutes=1)
        s.add(row)
        s.commit()
    later = await resident.get(filed.headers["location"])
    assert CODE.search(later.text) and "/track/" not in later.text and "不再显示" in later.text


async def test_the_tracking_token_never_reaches_a_log(browser, caplog):
    caplog.set_level(logging.DEBUG)
    resident = await browser()
    key = await open_form(resident)
    filed = await resident.post("/portal", {**FORM, "intake_key": key})
    await resident.post("/portal", {**FORM, "intake_key": key})
    page = await resident.get(filed.headers["location"])
    token = TRACK.search(page.text).group(1)
    # The server's own logs (the test client's request log stands in for an access log: it has the
    # form key, in the success page's URL, which opens nothing without this browser's cookie).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "registered" in logged and token not in logged and key not in logged
    assert token not in "\n".join(r.getMessage() for r in caplog.records)


# --- JSON API -------------------------------------------------------------------------------------


async def test_the_same_idempotency_key_files_once_and_answers_the_same(app, browser, engine):
    api = await browser()
    hotline = api_token(app, "street-dongcheng")
    headers = {**hotline, "Idempotency-Key": "hotline-call-20261130-0001"}
    first = await api.http.post(f"{PREFIX}/cases", json=CASE, headers=headers)
    retry = await api.http.post(f"{PREFIX}/cases", json=CASE, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert retry.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert cases(engine) == 1
    # Another body under the same key is refused and files nothing.
    changed = await api.http.post(f"{PREFIX}/cases", json={**CASE, "title": "别的事"}, headers=headers)
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json()["detail"]
    assert cases(engine) == 1
    # Keys belong to their caller: the same key from another user is that user's own request.
    admin = {**api_token(app, "admin"), "Idempotency-Key": headers["Idempotency-Key"]}
    theirs = await api.http.post(f"{PREFIX}/cases", json=CASE, headers=admin)
    assert theirs.status_code == 201 and theirs.json()["code"] != first.json()["code"]
    # Without a key every request is a new one, as before.
    assert (await api.http.post(f"{PREFIX}/cases", json=CASE, headers=hotline)).status_code == 201
    assert cases(engine) == 3


async def test_concurrent_requests_with_one_key_file_once(app, browser, engine):
    api = await browser()
    headers = {**api_token(app, "street-dongcheng"), "Idempotency-Key": "retry-storm"}
    answers = await asyncio.gather(
        *(api.http.post(f"{PREFIX}/cases", json=CASE, headers=headers) for _ in range(3))
    )
    assert [a.status_code for a in answers] == [201] * 3
    assert len({a.json()["code"] for a in answers}) == 1
    assert cases(engine) == 1


async def test_a_bad_idempotency_key_is_refused(app, browser, engine):
    api = await browser()
    headers = {**api_token(app, "street-dongcheng"), "Idempotency-Key": "x" * 256}
    refused = await api.http.post(f"{PREFIX}/cases", json=CASE, headers=headers)
    assert refused.status_code == 422 and "Idempotency-Key" in refused.json()["detail"]
    assert cases(engine) == 0


# --- the key table --------------------------------------------------------------------------------


def test_one_claim_wins_and_expired_keys_make_way(any_engine):
    now = datetime.now(UTC)
    barrier = threading.Barrier(4)

    def race(_: int) -> IntakeKey | None:
        barrier.wait()
        return idempotency.claim(any_engine, "api:cases:u1", "k" * 64, "f" * 64, now)

    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(race, range(4)))
    winners = [c for c in claims if c is not None]
    assert len(winners) == 1
    idempotency.complete(any_engine, winners[0].id, "HJ-2026-000001", "sealed")
    found = idempotency.find(any_engine, "api:cases:u1", "k" * 64, now)
    assert found is not None and found.case_code == "HJ-2026-000001"
    # The same key in another scope is another key.
    assert idempotency.claim(any_engine, "api:cases:u2", "k" * 64, "f" * 64, now) is not None
    # A day later the key has expired: a new claim replaces it.
    later = now + KEY_TTL + timedelta(seconds=1)
    assert idempotency.find(any_engine, "api:cases:u1", "k" * 64, later) is None
    fresh = idempotency.claim(any_engine, "api:cases:u1", "k" * 64, "e" * 64, later)
    assert fresh is not None and fresh.case_code is None
    # A released claim (its registration failed) frees the key at once.
    idempotency.release(any_engine, fresh.id)
    assert idempotency.claim(any_engine, "api:cases:u1", "k" * 64, "e" * 64, later) is not None


async def test_a_start_whose_answer_was_lost_is_never_filed_twice(app, browser, engine, monkeypatch):
    """Temporal started the case but its answer was lost, and Temporal cannot be asked either: the
    caller gets a 503, the key stays claimed, and the retry files nothing (it answers 正在处理)."""
    from temporalio.service import RPCError, RPCStatusCode

    import web.services.intake as intake

    client = app.state.temporal_client
    start, handle_of = client.start_workflow, client.get_workflow_handle

    async def started_but_lost(*args, **kwargs):  # type: ignore[no-untyped-def]
        await start(*args, **kwargs)
        raise RPCError("deadline exceeded", RPCStatusCode.DEADLINE_EXCEEDED, b"")

    class Unreachable:
        def __init__(self, handle):  # type: ignore[no-untyped-def]
            self._handle = handle

        async def describe(self, **_: object) -> None:
            raise RPCError("unavailable", RPCStatusCode.UNAVAILABLE, b"")

    monkeypatch.setattr(client, "start_workflow", started_but_lost)
    monkeypatch.setattr(client, "get_workflow_handle", lambda *a, **k: Unreachable(handle_of(*a, **k)))
    monkeypatch.setattr(intake, "WAIT_FOR_FIRST", 0.5)
    api = await browser()
    headers = {**api_token(app, "street-dongcheng"), "Idempotency-Key": "hotline-call-20261130-0099"}
    first = await api.http.post(f"{PREFIX}/cases", json=CASE, headers=headers)
    assert first.status_code == 503
    retry = await api.http.post(f"{PREFIX}/cases", json=CASE, headers=headers)
    assert retry.status_code == 409, retry.text
    for _ in range(100):  # the case Temporal did start reaches the read model: once
        if cases(engine) == 1:
            break
        await asyncio.sleep(0.05)
    assert cases(engine) == 1
