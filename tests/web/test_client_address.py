"""Which address a request is counted under: the socket's peer, unless the peer is a trusted proxy;
a forwarded header from anybody else changes nothing (per-address login limits)."""

from __future__ import annotations

import pytest

from web.ratelimit import LOGIN_FAILURES_PER_ADDRESS
from web.security import client_address, trusted_networks

TRUSTED = trusted_networks("10.0.0.0/8, 127.0.0.1, fd00::/8")


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # Not a trusted peer: whatever it claims is ignored.
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),
        ("203.0.113.5", [], "203.0.113.5"),
        # A trusted peer with no header is the client itself (nginx's own health check).
        ("127.0.0.1", [], "127.0.0.1"),
        # The right-most entry nginx wrote, not what the client put in front of it.
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # several header lines, in order
        # Trusted hops (a load balancer before nginx) are skipped.
        ("10.0.0.2", ["6.6.6.6, 198.51.100.1, 10.9.9.9"], "198.51.100.1"),
        # Ports and brackets, as some proxies write them; IPv4-mapped IPv6 peers.
        ("10.0.0.2", ["198.51.100.1:4711"], "198.51.100.1"),
        ("10.0.0.2", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("::ffff:10.0.0.2", ["2001:db8::7"], "2001:db8::7"),
        ("fd00::1", ["198.51.100.1"], "198.51.100.1"),
        # Only trusted entries: the left-most of them. Garbage: the last hop that can be named.
        ("10.0.0.2", ["10.0.0.3"], "10.0.0.3"),
        ("10.0.0.2", ["unknown, 10.0.0.3"], "10.0.0.3"),
        # A peer that is no address at all (some test clients) stays as it is.
        ("testclient", ["198.51.100.1"], "testclient"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], expected: str) -> None:
    assert client_address(peer, forwarded, TRUSTED) == expected


def test_nothing_is_trusted_by_default() -> None:
    assert trusted_networks("") == ()
    assert client_address("127.0.0.1", ["198.51.100.1"], trusted_networks("")) == "127.0.0.1"


def test_a_bad_trusted_proxies_entry_is_named() -> None:
    with pytest.raises(ValueError, match="nginx"):
        trusted_networks("10.0.0.1, nginx")


@pytest.fixture
def fast_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown usernames skip the dummy password hash here: these tests are about addresses."""
    monkeypatch.setattr("web.services.auth.burn_password_check", lambda password: None)


async def fail_logins(b, count: int, forwarded=lambda n: f"198.51.100.{n}") -> list[int]:  # type: ignore[no-untyped-def]
    statuses = []
    for n in range(count):
        response = await b.post(
            "/login",
            {"username": f"nobody-{n}", "password": "x"},
            headers={"X-Forwarded-For": forwarded(n)},
        )
        statuses.append(response.status_code)
    return statuses


async def test_a_forged_forwarded_for_does_not_escape_the_address_limit(app, browser, fast_failures):
    limit, _ = LOGIN_FAILURES_PER_ADDRESS  # 30 in 15 minutes
    attacker = await browser(addr="203.0.113.5")
    await attacker.get("/login")
    # A new X-Forwarded-For every time: all of it counts against the one peer.
    assert await fail_logins(attacker, limit) == [401] * limit
    again = await attacker.post(
        "/login", {"username": "admin", "password": "liudan2026"}, headers={"X-Forwarded-For": "192.0.2.99"}
    )
    assert again.status_code == 429 and "操作过于频繁" in again.text
    # Another address is not held back.
    assert (await (await browser(addr="203.0.113.6")).login("admin")).status_code == 303


async def test_a_trusted_proxy_is_believed_and_only_for_its_own_entry(app, browser, fast_failures):
    app.state.settings = app.state.settings.model_copy(update={"trusted_proxies": "203.0.113.0/28"})
    app.state.limiters["login"].limit = 3
    nginx = await browser(addr="203.0.113.5")
    await nginx.get("/login")
    assert await fail_logins(nginx, 3, lambda n: "198.51.100.7") == [401] * 3
    # That client is held back, even when it prepends another address of its choice...
    spoofed = await fail_logins(nginx, 1, lambda n: "192.0.2.1, 198.51.100.7")
    assert spoofed == [429]
    # ...while every other client behind the same proxy is counted on its own.
    assert await fail_logins(nginx, 1, lambda n: "198.51.100.8") == [401]
    # An untrusted peer's header is ignored: it is counted under its own address.
    direct = await browser(addr="192.0.2.50")
    await direct.get("/login")
    assert await fail_logins(direct, 3, lambda n: "198.51.100.8") == [401] * 3
    assert await fail_logins(direct, 1, lambda n: "198.51.100.9") == [429]
