"""Response headers htmx acts on."""

from __future__ import annotations

import json

# A decision made from a list (the leader view) went through: that list refreshes. The case page does
# not listen: a decision's own response carries the page's parts out of band (web.routes.decisions).
CASE_CHANGED = "case-changed"
INBOX_CHANGED = "inbox-changed"  # a claim changed: the inbox list refreshes


def trigger(**events: object) -> dict[str, str]:
    """`HX-Trigger` for client events; `toast="..."` shows a message. JSON with ASCII escapes,
    because header values are Latin-1 and messages are Chinese."""
    names = {k.replace("_", "-"): v for k, v in events.items()}
    return {"HX-Trigger": json.dumps(names)}


def retarget(selector: str, swap: str = "innerHTML") -> dict[str, str]:
    return {"HX-Retarget": selector, "HX-Reswap": swap}
