"""The query strings of list pages (inbox, case search): filters and a page, and links back."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field

from store.inbox import InboxFilters
from store.queries import CaseFilters
from workflows.types import Category, Stage, Urgency


class ListQuery(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    path: ClassVar[str] = "/"

    page: int = Field(default=1, ge=1, le=10_000)

    def link(self, **changes: object) -> str:
        """This list with some values changed, as a URL (defaults left out)."""
        values = {**self.model_dump(), **changes}
        defaults = type(self)().model_dump()
        kept = {k: ("1" if v is True else v) for k, v in values.items() if v != defaults[k]}
        return f"{self.path}?{urlencode(kept)}" if kept else self.path

    def page_href(self) -> Callable[[int], str]:
        return lambda n: self.link(page=n)


Tab = Literal["todo", "soon", "overdue", "supervised", "done"]


class InboxQuery(ListQuery):
    path: ClassVar[str] = "/"

    tab: Tab = "todo"
    stage: Stage | Literal[""] = ""
    category: Category | Literal[""] = ""
    urgency: Urgency | Literal[""] = ""
    overdue: bool = False
    mine: bool = False
    text: str = Field(default="", max_length=100)

    def filters(self) -> InboxFilters:
        return InboxFilters(
            tab=self.tab,
            stage=self.stage,
            category=self.category,
            urgency=self.urgency,
            overdue=self.overdue,
            mine=self.mine,
            text=self.text,
        )


class CaseQuery(ListQuery):
    path: ClassVar[str] = "/cases"

    stage: Stage | Literal[""] = ""
    category: Category | Literal[""] = ""
    urgency: Urgency | Literal[""] = ""
    street: str = Field(default="", max_length=64)
    overdue: bool = False
    provisional: bool = False
    open_only: bool = False
    text: str = Field(default="", max_length=100)

    def filters(self) -> CaseFilters:
        return CaseFilters(**self.model_dump(exclude={"page"}))
