"""One response per click: a page's block for the element htmx swaps, and beside it every other
block that changed, as out-of-band swaps (`hx-swap-oob`), instead of events that make the page send
one more request per part.

Each block's root element carries `hx-swap-oob="true"` when rendered with `oob` set (see
`cases/page.html`), so the blocks stay those of the page template and cannot drift from it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from web.templating import Templates


def render_with_oob(
    templates: Templates,
    request: Request,
    name: str,
    context: dict[str, Any],
    main: str,
    oob: list[str],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Block `main` of template `name` (the request's target), then the `oob` blocks swapped by id."""
    parts = [templates.render(request, name, context, fragment=main).body]
    parts += [templates.render(request, name, {**context, "oob": True}, fragment=b).body for b in oob]
    return HTMLResponse(b"".join(bytes(p) for p in parts), status_code=status_code, headers=headers)
