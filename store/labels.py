"""Chinese labels of the stored enum values, in one dict for ledgers, charts and the import template.

Keys are the `workflows.types` enum values as stored in the read model; an English UI would add a
second dict of the same shape. The web's labels (web/i18n/labels.py) use these same dicts.
"""

from __future__ import annotations

from workflows.rules import STAGE_NAMES
from workflows.types import Category, Channel, Difficulty, Outcome, RatingValue, Urgency

LABELS: dict[str, dict[str, str]] = {
    "channel": {
        Channel.WEB_PORTAL: "网上提交",
        Channel.PHONE: "电话（12345 热线）",
        Channel.VISIT: "来访",
        Channel.LETTER: "来信",
        Channel.GRID_WORKER: "网格员代办",
        Channel.MAILBOX: "书记/主任信箱",
        Channel.LEADER_RECEPTION: "领导接访日",
    },
    "category": {
        Category.INFRASTRUCTURE: "基础建设",
        Category.LIVELIHOOD: "民生保障",
        Category.ENVIRONMENT: "生态环境",
        Category.DISPUTE: "矛盾纠纷",
        Category.PETITION: "信访舆情",
    },
    "urgency": {
        Urgency.URGENT: "合理急办",
        Urgency.DEFERRABLE: "合理缓办",
        Urgency.UNREASONABLE: "不合理",
    },
    "difficulty": {
        Difficulty.ORDINARY: "一般",
        Difficulty.HARD: "较难",
        Difficulty.VERY_HARD: "特别难",
    },
    "stage": {stage.value: name for stage, name in STAGE_NAMES.items()},
    "outcome": {
        Outcome.RESOLVED: "已解决",
        Outcome.NOT_RATED: "未评价",
        Outcome.UNREASONABLE: "不合理诉求（已政策解释）",
        Outcome.WITHDRAWN: "群众撤回",
    },
    "rating": {
        RatingValue.SATISFIED: "满意",
        RatingValue.AVERAGE: "一般",
        RatingValue.DISSATISFIED: "不满意",
        Outcome.NOT_RATED: "未评价",
    },
    "supervision": {"0": "否", "1": "领导督办", "2": "纪工委督办", "pending": "待领导督办"},
}


def label(group: str, value: str | None) -> str:
    """The Chinese label of a stored value; empty for None, the value itself when unknown."""
    if value is None:
        return ""
    return LABELS[group].get(value, value)
