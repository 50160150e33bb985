"""The case page as parts: what a whole page shows, and what one poll of an open page must bring back.

A poll says what the page shows (`Shown`: the snapshot's version and the forms offered). The read
model answers it alone while the case has not moved; once its version passed the page's, the workflow
is asked once and the answer carries the parts that changed (`PollAnswer.view`). The forms are part of
it only when the ones offered changed, so an officer typing into a form that still applies keeps it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client

from settings import Settings
from web.services.auth import SignedIn
from web.services.case_page import changed_since, load_case_view
from web.services.case_status import CaseLive, load_live
from web.services.case_view import CaseView
from web.services.notifications import LogLine, delivery_log
from web.sla import WorkingDays


@dataclass
class Shown:
    """What an open case page shows: its parts built at `seen` offering the `forms` (dot-joined)."""

    seen: int
    forms: str
    catching_up: bool = False  # the read model is behind the page: poll again soon


def forms_of(view: CaseView) -> str:
    return ".".join(f.action.value for f in view.actions)


@dataclass
class CasePage:
    """Everything the case page's template reads; `view` is None when the page has not moved."""

    live: CaseLive
    shown: Shown
    view: CaseView | None = None
    lines: list[LogLine] = field(default_factory=list)
    forms_changed: bool = False
    stale: str = ""  # who did what since the page's version, when its forms are replaced

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "case": self.view,
            "live": self.live,
            "shown": self.shown,
            "lines": self.lines,
            "active": "cases",
            "contact": None,
            **extra,
        }


async def whole_page(
    engine: Engine,
    client: Client,
    settings: Settings,
    workdays: WorkingDays,
    me: SignedIn,
    code: str,
) -> CasePage:
    """The whole page: the snapshot's parts, the read model's status, the viewer's presence beat."""
    live = await load_live(engine, workdays, me, code)  # CaseNotFound first, before asking Temporal
    view = await load_case_view(engine, client, settings, me.actor, code)
    lines = await asyncio.to_thread(delivery_log, engine, code)
    # The projection is written before Temporal records the decision, so it is rarely behind; when it
    # is, the status says so and polls again in a moment.
    behind = live.status.version < view.snap.version
    return CasePage(live, Shown(view.snap.version, forms_of(view), catching_up=behind), view, lines)


async def poll(
    engine: Engine,
    client: Client,
    settings: Settings,
    workdays: WorkingDays,
    me: SignedIn,
    code: str,
    shown: Shown,
    forms_known: bool = True,
) -> CasePage:
    """One poll of an open page: the status and presence always, the rest only if the case moved."""
    live = await load_live(engine, workdays, me, code)
    if live.status.version <= shown.seen:
        return CasePage(live, Shown(shown.seen, shown.forms))
    view = await load_case_view(engine, client, settings, me.actor, code)
    if view.snap.version <= shown.seen:  # the query answered before the projection's write: next time
        return CasePage(live, Shown(shown.seen, shown.forms))
    forms = forms_of(view)
    lines, stale = await asyncio.to_thread(
        lambda: (delivery_log(engine, code), changed_since(engine, code, shown.seen))
    )
    return CasePage(
        live,
        Shown(view.snap.version, forms, catching_up=live.status.version < view.snap.version),
        view,
        lines,
        forms_changed=not forms_known or forms != shown.forms,
        stale=stale,
    )
