"""The zh-CN names of the values the read model stores (channels, categories, stages, outcomes...),
written once for pages, the API, ledgers, charts and the import template.

Keys are the `workflows.types` enum values as stored; an English UI would add tables of the same
shape. The web's own names (roles, actions, timeline events...) are `web.i18n.labels`, which takes
these tables as they are.
"""

from __future__ import annotations

from workflows.rules import STAGE_NAMES
from workflows.types import Category, Channel, Difficulty, Outcome, RatingValue, Urgency

CHANNEL = {
    Channel.WEB_PORTAL: "网上提交",
    Channel.PHONE: "电话（12345 热线）",
    Channel.VISIT: "来访",
    Channel.LETTER: "来信",
    Channel.GRID_WORKER: "网格员代办",
    Channel.MAILBOX: "书记/主任信箱",
    Channel.LEADER_RECEPTION: "领导接访日",
}
CATEGORY = {
    Category.INFRASTRUCTURE: "基础建设",
    Category.LIVELIHOOD: "民生保障",
    Category.ENVIRONMENT: "生态环境",
    Category.DISPUTE: "矛盾纠纷",
    Category.PETITION: "信访舆情",
}
URGENCY = {
    Urgency.URGENT: "合理急办",
    Urgency.DEFERRABLE: "合理缓办",
    Urgency.UNREASONABLE: "不合理",
}
# The name alone: the limit each difficulty gives comes from the case's own policy
# (web.services.case_view.difficulty_text), never from a table.
DIFFICULTY = {
    Difficulty.ORDINARY: "一般",
    Difficulty.HARD: "较难",
    Difficulty.VERY_HARD: "特别难",
}
# The workflow's refusals name stages with the same words.
STAGE = dict(STAGE_NAMES)
OUTCOME = {
    # Closed after the resident rated (满意 / 基本满意). Whether the matter is solved is the resident's
    # own answer (SOLVED), never inferred from the outcome.
    Outcome.RESOLVED: "评价办结",
    Outcome.CLOSED_DISSATISFIED: "不满意结案",
    Outcome.UNREACHABLE: "回访无法联系",
    Outcome.NOT_RATED: "未评价",
    Outcome.UNREASONABLE: "不合理诉求（已政策解释）",
    Outcome.WITHDRAWN: "群众撤回",
}
RATING = {
    RatingValue.SATISFIED: "满意",
    RatingValue.AVERAGE: "基本满意",
    RatingValue.DISSATISFIED: "不满意",
    Outcome.NOT_RATED: "未评价",
}
# 是否解决: the resident's answer at the rating (None: rated before the question was asked).
# Keyed as forms send it ("true" / "false").
SOLVED = {"true": "已解决", "false": "未解决"}


# A case's supervision (督办): the level it reached, and at level 1 whether the leader has acted yet.
SUPERVISION = {"0": "否", "1": "领导督办", "2": "纪工委督办", "pending": "待领导督办"}

STORED_LABELS: dict[str, dict[str, str]] = {
    "channel": CHANNEL,
    "category": CATEGORY,
    "urgency": URGENCY,
    "difficulty": DIFFICULTY,
    "stage": STAGE,
    "outcome": OUTCOME,
    "rating": RATING,
    "solved": SOLVED,
    "supervision": SUPERVISION,
}


def stored_label(group: str, value: str | None) -> str:
    """The Chinese name of a stored value; empty for None, the value itself when unknown."""
    if value is None:
        return ""
    return STORED_LABELS[group].get(value, value)


def supervision_label(level: int, supervised: bool) -> str:
    """否; 待领导督办 (level 1, the leader has not acted yet); 领导督办; 纪工委督办 (level 2)."""
    level = min(level, 2)
    if level == 1 and not supervised:
        return SUPERVISION["pending"]
    if level == 0 and supervised:
        return SUPERVISION["1"]
    return SUPERVISION[str(level)]
