"""The petition page's action forms, built from the declared decisions (`workflows.petition.decisions`):
one form per decision the officer may take now, its fields from the payload dataclass.

A text field becomes a text box (a long one unless its metadata caps it at 100), an enum a select
named in the zh-CN tables, a flag a yes/no select, a number a bounded number box, a time a
date-time box; the orgs a decision names are selects of the directory, and the body that decides a
复查 or 复核 is the level above, computed here and checked again by the workflow's validator.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import Org
from store.petitions import Petition
from web.i18n import label
from workflows.petition.decisions import PETITION_DECISIONS
from workflows.petition.rules import HANDLING_KINDS
from workflows.petition.types import (
    DeclineGround,
    DeliveryMethod,
    OpinionOutcome,
    PetitionAction,
    ReferralChannel,
    ReviewOutcome,
    TransferMode,
)

ENUM_TABLES: dict[type[Enum], str] = {
    DeclineGround: "decline_ground",
    DeliveryMethod: "delivery_method",
    OpinionOutcome: "opinion_outcome",
    ReferralChannel: "referral_channel",
    ReviewOutcome: "review_outcome",
    TransferMode: "transfer_mode",
}
FIELD_LABELS = {
    "notice": "告知内容（可选）",
    "delivery": "送达方式",
    "ground": "不予受理理由",
    "explanation": "说明（写入告知书）",
    "channel": "法定途径",
    "body": "应当受理的机关",
    "org_id": "有权处理的机关",
    "mode": "方式",
    "note": "意见",
    "reason": "理由",
    "suggested_org_id": "建议转交的机关（可选）",
    "agree": "审核结果",
    "approve": "审批结果",
    "days": "延长天数（最多30日）",
    "outcome": "结论",
    "facts": "查明事实",
    "reasons": "理由和依据",
    "decision": "意见",
    "method": "送达方式",
    "received_at": "信访人收到时间",
    "summary": "听证情况",
    "into": "并入的信访事项编号（XF-…）",
}
YES_NO = {"agree": ("同意", "不同意"), "approve": ("批准", "不批准")}
LONG_TEXT = 100  # a str field capped above this (or not at all) is a text area


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    widget: str  # text, textarea, select, number, datetime, hidden
    options: list[tuple[str, str]] = field(default_factory=list)
    default: str = ""
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class FormSpec:
    action: str
    label: str
    fields: list[FieldSpec]


def handling_orgs(engine: Engine, exclude: str = "") -> list[tuple[str, str]]:
    """Orgs a petition may be transferred to, by name (an accused unit left out)."""
    with Session(engine) as session:
        orgs = session.exec(
            select(Org)
            .where(col(Org.kind).in_(HANDLING_KINDS), col(Org.active), Org.id != exclude)
            .order_by(Org.kind, Org.id)
        ).all()
        return [(o.id, o.name) for o in orgs]


def level_above(engine: Engine, org_id: str) -> Org | None:
    with Session(engine) as session:
        org = session.get(Org, org_id) if org_id else None
        return session.get(Org, org.parent_id) if org is not None and org.parent_id else None


def forms_for(engine: Engine, p: Petition, actions: list[PetitionAction]) -> list[FormSpec]:
    orgs = handling_orgs(engine, exclude=p.accused_org_id)
    forms = []
    for action in actions:
        decision = PETITION_DECISIONS[action]
        hints = typing.get_type_hints(decision.payload)
        specs = [
            _field(engine, p, action, f, hints[f.name], orgs)
            for f in dataclasses.fields(decision.payload)
            if f.name != "actor"
        ]
        forms.append(FormSpec(action.value, decision.label, specs))
    return forms


def _field(
    engine: Engine,
    p: Petition,
    action: PetitionAction,
    f: dataclasses.Field[Any],
    hint: Any,
    orgs: list[tuple[str, str]],
) -> FieldSpec:
    name, meta = f.name, f.metadata
    text = FIELD_LABELS.get(name, name)
    default = (
        ""
        if f.default is dataclasses.MISSING or f.default is None
        else str(getattr(f.default, "value", f.default))
    )
    if name == "org_id" and action in (PetitionAction.REQUEST_REVIEW, PetitionAction.REQUEST_RECHECK):
        below = p.handling_org_id if action == PetitionAction.REQUEST_REVIEW else p.review_org_id
        above = level_above(engine, below)
        return FieldSpec(name, text, "hidden", default=above.id if above else "")
    if name in ("org_id", "suggested_org_id"):
        options = orgs if name == "org_id" else [("", "—"), *orgs]
        return FieldSpec(name, text, "select", options)
    if isinstance(hint, type) and issubclass(hint, Enum):
        table = ENUM_TABLES[hint]
        return FieldSpec(name, text, "select", [(v.value, label(table, v)) for v in hint], default)
    if hint is bool:
        yes, no = YES_NO.get(name, ("是", "否"))
        return FieldSpec(name, text, "select", [("true", yes), ("false", no)], "true")
    if hint is int:
        return FieldSpec(
            name, text, "number", default=default, minimum=meta.get("ge"), maximum=meta.get("le")
        )
    if hint is datetime:
        return FieldSpec(name, text, "datetime")
    long = meta.get("max_length", LONG_TEXT + 1) > LONG_TEXT
    return FieldSpec(name, text, "textarea" if long else "text", default=default)
