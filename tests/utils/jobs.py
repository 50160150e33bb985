"""Following a background job's page as the browser does: the `job-progress` fragment, polled until
it stops asking to be polled."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

POLLING = 'hx-trigger="every 1s"'
COUNTS = re.compile(r'<progress max="(\d+)" value="(\d+)"')


async def started_job(response: httpx.Response) -> str:
    """The job page an upload (or a start button) redirected to."""
    assert response.status_code == 303, response.text
    return response.headers["location"]


def progress(fragment: httpx.Response) -> tuple[int, int] | None:
    """(done, total) as the progress bar shows it, or None before the job knows its total."""
    found = COUNTS.search(fragment.text)
    return (int(found.group(2)), int(found.group(1))) if found else None


async def follow_job(
    browser: Any, url: str, *, within: float = 120.0, every: float = 0.1
) -> tuple[httpx.Response, list[tuple[int, int]]]:
    """Polls the job's fragment until it is finished; the last fragment and each progress seen."""
    seen: list[tuple[int, int]] = []
    deadline = asyncio.get_running_loop().time() + within
    while True:
        fragment = await browser.get(url, htmx=True, target="job-progress")
        assert fragment.status_code == 200, fragment.text
        assert fragment.text.lstrip().startswith('<section id="job-progress"'), fragment.text[:200]
        now = progress(fragment)
        if now is not None and (not seen or seen[-1] != now):
            seen.append(now)
        if POLLING not in fragment.text:
            return fragment, seen
        assert asyncio.get_running_loop().time() < deadline, f"job {url} still running: {seen[-3:]}"
        await asyncio.sleep(every)
