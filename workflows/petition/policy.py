"""The statutory petition clocks as data, and the one rule that picks them.

The policy follows from the channel and the matter type (and whether the district has switched on
长沙县's 三天工作法 for first-time petitions); an officer never picks it from a list, and the
seconds-long drill clocks exist only when the service runs in drill mode.
"""

from __future__ import annotations

import dataclasses

from workflows.petition.types import MatterType, PetitionChannel, PetitionPolicy
from workflows.types import Span, SpanUnit

CD = SpanUnit.CALENDAR_DAYS
WD = SpanUnit.WORKING_DAYS
SEC = SpanUnit.SECONDS

# 《信访工作条例》(2022): 15 days to decide on acceptance (第二十九条), 15 days for the competent unit,
# 60 days to handle with one extension of at most 30 (第三十三条), 30 + 30 for 复查 and 复核 (第三十五条).
STATUTORY = PetitionPolicy(
    id="xinfang-statutory",
    name="信访工作条例（2022）法定时限",
    intake=Span(15, CD, from_receipt=True),
    unit_accept=Span(15, CD),
    objection=Span(5, WD),
    handling=Span(60, CD),
    max_extension_days=30,
    review_request=Span(30, CD),
    review=Span(30, CD),
    recheck_request=Span(30, CD),
    recheck=Span(30, CD),
)

# 三天工作法 (长沙县's local practice, not the regulation): a first-time petition is registered,
# accepted and assigned within 3 working days of receipt.
THREE_DAY = Span(3, WD, from_receipt=True)

# 演练: the same path with clocks in seconds, for training and end-to-end tests (drill mode only).
DRILL = PetitionPolicy(
    id="xinfang-drill",
    name="信访演练（秒级时限）",
    intake=Span(300, SEC, from_receipt=True),
    unit_accept=Span(300, SEC),
    objection=Span(120, SEC),
    handling=Span(600, SEC),
    max_extension_days=30,
    review_request=Span(300, SEC),
    review=Span(300, SEC),
    recheck_request=Span(300, SEC),
    recheck=Span(300, SEC),
)


def petition_policy(
    channel: PetitionChannel,
    matter_type: MatterType,
    *,
    first_time: bool,
    three_day_practice: bool = False,
    drill: bool = False,
) -> PetitionPolicy:
    """The clocks a petition registered on this channel, of this type, runs on."""
    policy = DRILL if drill else STATUTORY
    # The local practice is for a resident's first letter or visit; a matter handed down from above
    # runs on the handing-down body's own deadline instead.
    if three_day_practice and first_time and channel != PetitionChannel.HANDED_DOWN and not drill:
        policy = dataclasses.replace(
            policy,
            id=f"{policy.id}+three-day",
            name=f"{policy.name}·三天工作法（本地做法）",
            three_day=THREE_DAY,
        )
    del matter_type  # every type runs on the same statutory clocks; 检举控告 changes who, not when
    return policy
