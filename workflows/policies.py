"""SLA policies as data. A case names its policy at registration; the workflow resolves it once
through a local activity, so the policy's numbers are recorded in the case's history and a later
edit here never changes a running case.
"""

from __future__ import annotations

from workflows.types import SlaPolicy, Span, SpanUnit

WD = SpanUnit.WORKING_DAYS
CD = SpanUnit.CALENDAR_DAYS
SEC = SpanUnit.SECONDS

# 六单工作法: same-day report and sign, dispatch at the street's weekly review (5 working days) or
# the same day for 合理急办, same-day first response, 3 / 15 working days to complete, 7-day rating.
LIUDAN = SlaPolicy(
    id="liudan",
    name="六单工作法",
    report=Span(0, WD),
    sign=Span(0, WD),
    dispatch=Span(5, WD),
    dispatch_urgent=Span(0, WD),
    response=Span(0, WD),
    completion_ordinary=Span(3, WD),
    completion_hard=Span(15, WD),
    completion_very_hard=None,
    rating=Span(7, CD),
    review=Span(5, WD),
    extension_unit=WD,
    max_extension=10,
)

# The 六单 path's old petition policy: kept so that cases registered under it run on (their histories
# carry it), but no longer offered: petitions are registered at the petition bureau and follow the
# statutory path (workflows.petition), where 三天工作法 is a labelled local option.
# 《信访工作条例》(2022): registered and assigned within 3 working days (三天工作法), acceptance
# notified within 15 days of receipt, 5 working days to object to a wrong assignment, 60 days to
# handle, one extension of at most 30 days; 30 days to request review (复查) and 30 to decide it.
XINFANG_2022 = SlaPolicy(
    id="xinfang-2022",
    name="信访工作条例（2022）",
    report=Span(0, WD),
    sign=Span(0, WD),
    dispatch=Span(3, WD, from_receipt=True),
    dispatch_urgent=Span(0, WD),
    response=Span(15, CD, from_receipt=True),
    completion_ordinary=Span(60, CD),
    completion_hard=Span(60, CD),
    completion_very_hard=Span(60, CD),
    rating=Span(30, CD),
    review=Span(30, CD),
    extension_unit=CD,
    max_extension=30,
    objection=Span(5, WD),
)

# 演练: the same process with clocks in seconds, for drills, training and end-to-end tests.
DRILL = SlaPolicy(
    id="drill",
    name="演练（秒级时限）",
    report=Span(300, SEC),
    sign=Span(300, SEC),
    dispatch=Span(300, SEC),
    dispatch_urgent=Span(120, SEC),
    response=Span(300, SEC),
    completion_ordinary=Span(20, SEC),
    completion_hard=Span(60, SEC),
    completion_very_hard=None,
    rating=Span(600, SEC),
    review=Span(600, SEC),
    extension_unit=SEC,
    max_extension=120,
    cutoff_hour=None,
)

POLICIES: dict[str, SlaPolicy] = {p.id: p for p in (LIUDAN, XINFANG_2022, DRILL)}
DEFAULT_POLICY_ID = LIUDAN.id


def offered_policies(drills_allowed: bool) -> list[SlaPolicy]:
    """What a new 六单 case may run on: the method's own clocks, and the drill's only in dev or drill
    mode (a drill's seconds-long clocks on a real request would escalate it within minutes)."""
    return [LIUDAN, DRILL] if drills_allowed else [LIUDAN]
