"""Canned replies (常用语): texts an org keeps for the decision fields a resident reads — the same-day
response (当日首次响应内容) and the result (办理结果) — offered beside those fields on every form.

Each officer keeps their own org's list; an admin may keep any org's. A reply is only a starting
text: the officer edits it in the field, and the workflow judges what is sent as always.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import Engine

from store.directory import org_names
from store.officer_tools import (
    CANNED_FIELDS,
    MAX_CANNED_REPLIES,
    CannedReply,
    add_canned_reply,
    canned_replies,
    delete_canned_reply,
)
from web.i18n import TEXT
from workflows.rules import FORBIDDEN_CHARACTERS
from workflows.types import Actor, Role

MAX_REPLY = 500  # characters: a reply is a sentence or two, the field itself allows more


class CannedRefused(Exception):
    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ReplyInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    field: str
    text: str = Field(min_length=1, max_length=MAX_REPLY)

    @field_validator("text")
    @classmethod
    def _printable(cls, value: str) -> str:
        if FORBIDDEN_CHARACTERS.search(value):
            raise ValueError(TEXT["control_characters"])
        return value


@dataclass(frozen=True)
class CannedPage:
    org_id: str
    org_name: str
    orgs: list[tuple[str, str]]  # an admin's choice of org; empty for everyone else
    replies: list[CannedReply]
    fields: list[tuple[str, str]]  # (field, its name)


def org_for(engine: Engine, actor: Actor, wanted: str = "") -> str:
    """Whose list `actor` keeps: their own org, or for an admin any org they name (default: none yet,
    the first org in the directory)."""
    if actor.role == Role.ADMIN:
        names = org_names(engine)
        if wanted:
            if wanted not in names:
                raise CannedRefused(TEXT["cr_unknown_org"], 404)
            return wanted
        return min(names) if names else ""
    if not actor.org_id:
        raise CannedRefused(TEXT["cr_no_org"], 403)
    return actor.org_id


def _page(engine: Engine, actor: Actor, wanted: str) -> CannedPage:
    org_id = org_for(engine, actor, wanted)
    names = org_names(engine)
    orgs = sorted(names.items(), key=lambda kv: kv[1]) if actor.role == Role.ADMIN else []
    return CannedPage(
        org_id=org_id,
        org_name=names.get(org_id, org_id),
        orgs=orgs,
        replies=canned_replies(engine, org_id),
        fields=[(f, TEXT[f"cr_field_{f}"]) for f in CANNED_FIELDS],
    )


async def page(engine: Engine, actor: Actor, wanted: str = "") -> CannedPage:
    return await asyncio.to_thread(_page, engine, actor, wanted)


def _add(engine: Engine, actor: Actor, wanted: str, values: dict[str, str]) -> None:
    try:
        reply = ReplyInput.model_validate(values)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        if first.get("type") == "value_error":
            raise CannedRefused(str(first["ctx"]["error"])) from None
        raise CannedRefused(TEXT["cr_needs_text"].format(n=MAX_REPLY)) from None
    if reply.field not in CANNED_FIELDS:
        raise CannedRefused(TEXT["cr_bad_field"])
    org_id = org_for(engine, actor, wanted)
    if add_canned_reply(engine, org_id, reply.field, reply.text, actor.user_id) is None:
        raise CannedRefused(TEXT["cr_full"].format(n=MAX_CANNED_REPLIES), 409)


async def add(engine: Engine, actor: Actor, wanted: str, values: dict[str, str]) -> None:
    await asyncio.to_thread(_add, engine, actor, wanted, values)


def _delete(engine: Engine, actor: Actor, wanted: str, reply_id: int) -> None:
    if not delete_canned_reply(engine, org_for(engine, actor, wanted), reply_id):
        raise CannedRefused(TEXT["cr_not_found"], 404)


async def delete(engine: Engine, actor: Actor, wanted: str, reply_id: int) -> None:
    await asyncio.to_thread(_delete, engine, actor, wanted, reply_id)


def _options(engine: Engine, actor: Actor) -> dict[str, object]:
    replies: dict[str, list[str]] = {f: [] for f in CANNED_FIELDS}
    if actor.org_id:
        for r in canned_replies(engine, actor.org_id):
            replies.setdefault(r.field, []).append(r.text)
    return {"label": TEXT["cr_pick_label"], "placeholder": TEXT["cr_pick"], "replies": replies}


async def options(engine: Engine, actor: Actor) -> dict[str, object]:
    """The pickers' lists for the officer's own org, by field (empty lists when none are kept)."""
    return await asyncio.to_thread(_options, engine, actor)
