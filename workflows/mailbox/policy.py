"""The director's mailbox clocks as data: the deputy proposes within 2 working days, the director
approves within 2 more, the unit answers by the director's deadline (at most 30 days), and the writer
may rate the answer for 7 days."""

from __future__ import annotations

from workflows.mailbox.types import MailboxPolicy
from workflows.types import Span, SpanUnit

MAILBOX = MailboxPolicy(
    review=Span(2, SpanUnit.WORKING_DAYS),
    approval=Span(2, SpanUnit.WORKING_DAYS),
    rating=Span(7, SpanUnit.CALENDAR_DAYS),
)
