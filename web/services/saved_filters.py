"""Saved inbox filters (常用筛选): an officer names the filters they use every day and opens them in
one click. What is kept is the inbox's own query string, validated as `InboxQuery` both when saved and
when opened, so a saved filter can never hold more than a typed URL could."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.engine import Engine

from store.officer_tools import MAX_SAVED_FILTERS, add_saved_filter, delete_saved_filter, saved_filters
from web.i18n import TEXT
from web.schemas.errors import describe
from web.schemas.queries import InboxQuery


class FilterRefused(Exception):
    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class FilterInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    name: str = Field(min_length=1, max_length=40)
    # The filters to keep: the inbox filter form's own fields (htmx includes them, so they are the
    # ones on screen now), else the query string the page was loaded with.
    filters: dict[str, str] | str = ""


@dataclass(frozen=True)
class SavedLink:
    id: int
    name: str
    href: str
    current: bool  # the inbox shows exactly this filter now


def normalised(query: str | dict[str, str]) -> InboxQuery:
    """A query string (or the filter form's fields) as the inbox reads it, page left out;
    FilterRefused if it is not one."""
    values = dict(parse_qsl(query.lstrip("?"))) if isinstance(query, str) else dict(query)
    values = {k: v for k, v in values.items() if v != ""}
    values.pop("page", None)
    try:
        return InboxQuery.model_validate(values)
    except ValidationError as invalid:
        raise FilterRefused(describe(invalid.errors())) from None


def links(engine: Engine, user_id: str, shown: InboxQuery | None = None) -> list[SavedLink]:
    here = shown.link(page=1) if shown else ""
    return [
        SavedLink(f.id or 0, f.name, normalised(f.query).link(), normalised(f.query).link() == here)
        for f in saved_filters(engine, user_id)
    ]


async def save(engine: Engine, user_id: str, form: FilterInput) -> str:
    """Saves the filter under its name; its name back, for the message."""
    link = normalised(form.filters).link()
    row = await asyncio.to_thread(add_saved_filter, engine, user_id, form.name, link.partition("?")[2])
    if row is None:
        raise FilterRefused(TEXT["sf_full"].format(n=MAX_SAVED_FILTERS), 409)
    return form.name


async def delete(engine: Engine, user_id: str, filter_id: int) -> None:
    if not await asyncio.to_thread(delete_saved_filter, engine, user_id, filter_id):
        raise FilterRefused(TEXT["sf_not_found"], 404)
