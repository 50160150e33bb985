"""The backlog clocks as data: the bureau names the owning leaders within 5 working days of the
designation, and the owners report progress every 7 days (周报告) until the case is resolved."""

from __future__ import annotations

from workflows.backlog.types import BacklogPolicy
from workflows.types import Span, SpanUnit

BACKLOG = BacklogPolicy(
    id="backlog-weekly",
    assign=Span(5, SpanUnit.WORKING_DAYS),
    report_every=Span(7, SpanUnit.CALENDAR_DAYS),
)
