"""Signing in and out, sessions, lock-out and CSRF protection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from store.auth import LoginAttempt, WebSession
from store.models import User
from tests.utils.web import fingerprint, new_case, snapshot
from web.security import SESSION_COOKIE
from web.services.auth import lift_lockout


async def test_pages_need_a_login(browser):
    b = await browser()
    for url in ("/", "/cases", "/cases/new", "/leader", "/admin/users"):
        response = await b.get(url)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={url}"
    response = await b.get("/", htmx=True, target="inbox")
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login?next=/"


async def test_login_sets_a_safe_session_cookie_and_logout_ends_it(browser, engine):
    b = await browser()
    response = await b.login("street-dongcheng")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # dev mode; production adds Secure
    home = await b.get("/")
    assert home.status_code == 200 and "东城街道受理员" in home.text
    with Session(engine) as s:
        assert len(s.exec(select(WebSession)).all()) == 1
    assert (await b.post("/logout")).status_code == 303
    with Session(engine) as s:
        assert s.exec(select(WebSession)).all() == []
    assert (await b.get("/")).status_code == 303


async def test_login_does_not_redirect_off_site(browser):
    b = await browser()
    await b.get("/login")
    response = await b.post(
        "/login", {"username": "admin", "password": "liudan2026", "next": "//evil.example/x"}
    )
    assert response.headers["location"] == "/"


async def test_wrong_password_and_unknown_user_get_the_same_answer(browser, engine, monkeypatch):
    burned = []
    monkeypatch.setattr("web.services.auth.burn_password_check", lambda password: burned.append(password))
    b = await browser()
    await b.get("/login")
    wrong = await b.post("/login", {"username": "admin", "password": "nope"})
    unknown = await b.post("/login", {"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text
    # Byte for byte the same page, but for the username typed back into the form.
    assert wrong.text == unknown.text.replace('value="nobody"', 'value="admin"')
    assert burned == ["nope"]  # the unknown user cost a password hash too
    with Session(engine) as s:
        reasons = [a.reason for a in s.exec(select(LoginAttempt)).all()]
    assert reasons == ["bad_password", "unknown_user"]


async def test_one_address_is_throttled_before_it_can_lock_an_account(app, browser, engine):
    limit = app.state.settings.login_max_failures
    guesser = await browser()
    await guesser.get("/login")
    for _ in range(limit - 1):
        response = await guesser.post("/login", {"username": "dept-zhujian", "password": "wrong"})
        assert response.status_code == 401 and "用户名或密码错误" in response.text
    # One short of the lock the address is refused, before any password is checked.
    refused = await guesser.post("/login", {"username": "dept-zhujian", "password": "liudan2026"})
    assert refused.status_code == 429 and "操作过于频繁" in refused.text
    with Session(engine) as s:
        assert s.get(User, "dept-zhujian").locked_until is None
    # The owner, elsewhere, is not locked out; the throttled address may still try other accounts.
    assert (await (await browser()).login("dept-zhujian")).status_code == 303
    assert (await guesser.post("/login", {"username": "admin", "password": "x"})).status_code == 401


async def test_failures_from_several_addresses_lock_the_account_for_a_while(app, browser, engine):
    limit = app.state.settings.login_max_failures
    first, second, owner = await browser(), await browser(), await browser()
    for b in (first, second, owner):
        await b.get("/login")
    for _ in range(limit - 1):
        assert (await first.post("/login", {"username": "dept-zhujian", "password": "x"})).status_code == 401
    wrong = await second.post("/login", {"username": "dept-zhujian", "password": "x"})
    with Session(engine) as s:
        assert s.get(User, "dept-zhujian").locked_until > datetime.now(UTC)
    # Locked: even the right password fails, and the answer is the same as for a wrong one.
    locked = await owner.post("/login", {"username": "dept-zhujian", "password": "liudan2026"})
    assert locked.status_code == wrong.status_code == 401
    assert locked.text.replace(owner.csrf, "") == wrong.text.replace(second.csrf, "")
    with Session(engine) as s:
        user = s.get(User, "dept-zhujian")
        user.locked_until = datetime.now(UTC) - timedelta(seconds=1)  # the lock-out time has passed
        s.add(user)
        s.commit()
    assert (
        await owner.post("/login", {"username": "dept-zhujian", "password": "liudan2026"})
    ).status_code == 303


async def test_an_admin_unlock_forgives_the_lock_and_the_throttle(app, browser, engine):
    limit = app.state.settings.login_max_failures
    desk, other = await browser(), await browser()
    for b in (desk, other):
        await b.get("/login")
    for _ in range(limit - 1):
        await desk.post("/login", {"username": "dept-zhujian", "password": "x"})
    await other.post("/login", {"username": "dept-zhujian", "password": "x"})
    assert (await desk.post("/login", {"username": "dept-zhujian", "password": "x"})).status_code == 429
    with Session(engine) as s:
        lift_lockout(s, s.get(User, "dept-zhujian"))
        s.commit()
    assert (
        await desk.post("/login", {"username": "dept-zhujian", "password": "liudan2026"})
    ).status_code == 303


async def test_failures_older_than_the_window_are_forgotten(app, browser, engine):
    settings = app.state.settings
    b = await browser()
    await b.get("/login")
    for _ in range(settings.login_max_failures - 1):
        await b.post("/login", {"username": "dept-zhujian", "password": "x"})
    with Session(engine) as s:  # those failures happened long ago
        for attempt in s.exec(select(LoginAttempt)).all():
            attempt.at -= timedelta(minutes=settings.login_lockout_minutes + 1)
            s.add(attempt)
        s.commit()
    other = await browser()
    await other.get("/login")
    for client in (b, other):
        response = await client.post("/login", {"username": "dept-zhujian", "password": "x"})
        assert response.status_code == 401
    with Session(engine) as s:
        user = s.get(User, "dept-zhujian")
        assert user.locked_until is None and user.failed_logins == 2


async def test_idle_session_expires(app, browser, engine):
    b = await browser("community-qinghe")
    assert (await b.get("/")).status_code == 200
    idle = timedelta(minutes=app.state.settings.session_idle_minutes + 1)
    with Session(engine) as s:
        row = s.exec(select(WebSession)).one()
        row.last_seen_at = datetime.now(UTC) - idle
        s.add(row)
        s.commit()
    assert (await b.get("/")).status_code == 303
    with Session(engine) as s:
        assert s.exec(select(WebSession)).all() == []


async def test_a_deactivated_user_is_signed_out_at_once(browser):
    officer = await browser("community-qinghe")
    admin = await browser("admin")
    await admin.get("/admin/users/community-qinghe")
    assert (await admin.post("/admin/users/community-qinghe/active", {"active": "false"})).status_code == 303
    assert (await officer.get("/")).status_code == 303
    again = await browser()
    response = await again.login("community-qinghe")
    assert response.status_code == 401 and "账号已停用" in response.text


async def test_forms_without_a_valid_csrf_token_are_refused(app, browser):
    code, _ = await new_case(app)
    before = await fingerprint(app, code)
    b = await browser("community-qinghe")
    url = f"/cases/{code}/actions/triage"
    form = {"urgency": "urgent", "category": "infrastructure"}
    missing = await b.post(url, form, csrf=False)
    forged = await b.post(url, {**form, "csrf_token": "0" * 64}, csrf=False)
    htmx_forged = await b.post(
        url, form, csrf=False, htmx=True, target="case-actions", headers={"X-CSRF-Token": "x"}
    )
    assert missing.status_code == forged.status_code == htmx_forged.status_code == 403
    assert "安全校验" in missing.text
    # Another user's token is no good either: tokens are bound to the session.
    other = await browser("community-qinghe")
    stolen = await b.post(url, {**form, "csrf_token": other.csrf}, csrf=False)
    assert stolen.status_code == 403
    assert await fingerprint(app, code) == before  # nothing reached the workflow
    assert (await snapshot(app, code)).urgency is None
    # Signed-out forms are protected too (the login form, the portal).
    anonymous = await browser()
    assert (
        await anonymous.post("/login", {"username": "admin", "password": "liudan2026"}, csrf=False)
    ).status_code == 403


async def test_login_attempts_are_rate_limited_per_address(app, browser):
    app.state.limiters["login"].limit = 3
    b = await browser()
    await b.get("/login")
    for _ in range(3):
        assert (await b.post("/login", {"username": "admin", "password": "x"})).status_code == 401
    assert (await b.post("/login", {"username": "admin", "password": "liudan2026"})).status_code == 429


async def test_health(browser):
    b = await browser()
    response = await b.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
