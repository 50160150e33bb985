"""Page furniture: vendored front-end files (no CDN), security headers, zh-CN error pages."""

from __future__ import annotations

from pathlib import Path

import web

WEB = Path(web.__file__).parent


async def test_htmx_is_vendored_with_version_and_licence(browser):
    b = await browser()
    assert (await b.get("/static/vendor/htmx/htmx.min.js")).status_code == 200
    version = (WEB / "static/vendor/htmx/VERSION").read_text()
    assert "htmx.org 2." in version and "0BSD" in version
    assert (WEB / "static/vendor/htmx/LICENSE").is_file()
    page = await b.get("/login")
    assert '<script src="/static/vendor/htmx/htmx.min.js"' in page.text


def test_no_template_or_script_loads_anything_from_another_site():
    for path in [
        *WEB.joinpath("templates").rglob("*.html"),
        WEB / "static/app.js",
        WEB / "static/css/app.css",
    ]:
        text = path.read_text()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path


async def test_security_headers_and_error_pages(browser):
    b = await browser()
    page = await b.get("/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    missing = await b.get("/no/such/page")
    assert missing.status_code == 404 and "找不到页面" in missing.text and "<html" in missing.text
    assert (await b.get("/portal", headers={"accept": "text/html"})).status_code == 200
    wrong_method = await b.http.delete("/portal")
    assert wrong_method.status_code == 405 and "不支持此操作方式" in wrong_method.text


async def test_every_officer_page_renders_for_its_role(browser):
    pages = {
        "grid-qinghe": ["/", "/cases", "/cases/new"],
        "community-qinghe": ["/", "/?tab=done", "/cases", "/cases/new"],
        "street-dongcheng": ["/", "/cases", "/cases/new"],
        "dept-zhujian": ["/", "/?tab=overdue", "/cases"],
        "leader-wang": ["/", "/leader", "/leader?group=street", "/cases"],
        "supervision": ["/", "/leader"],
        "discipline": ["/", "/leader"],
        "admin": [
            "/cases",
            "/cases/new",
            "/admin/users",
            "/admin/users/leader-wang",
            "/admin/orgs",
            "/admin/calendar",
        ],
    }
    for username, urls in pages.items():
        b = await browser(username)
        for url in urls:
            response = await b.get(url)
            assert response.status_code == 200, (username, url)
            assert '<html lang="zh-CN">' in response.text
