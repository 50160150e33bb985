"""The query strings of the figures pages (dashboard, rankings, report, ledger) and the metrics API.

A period is named by its key (``2026-03``, ``2026-Q1``, ``2026-W10``, ``2026-03-05``,
``2026-03-01..2026-03-15``); the picker form may send a kind and a day (or a start and an end)
instead, and every link the pages make uses the key. A scope is named by its org id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from store.ledger import LedgerFilters
from store.metric_defs import RANKABLE
from store.periods import Period, PeriodKind
from store.scopes import Scope
from workdays import SHANGHAI
from workflows.types import Category, Channel, Stage


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


OptionalDate = Annotated[date | None, BeforeValidator(_blank_to_none)]


class FiguresQuery(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    period: str = Field(default="", max_length=32)
    kind: PeriodKind | Literal[""] = ""
    day: OptionalDate = None
    start: OptionalDate = None
    end: OptionalDate = None
    scope: str = Field(default="", max_length=64)

    def requested_period(self) -> Period | None:
        """The period asked for, None for the page's default; ``ValueError`` (readable) when invalid."""
        if self.period:
            return Period.parse(self.period)
        if self.kind == PeriodKind.CUSTOM:
            if self.start is None or self.end is None:
                raise ValueError("自定义统计周期须填写开始和结束日期")
            if self.end < self.start:
                raise ValueError("统计周期的结束日期不能早于开始日期")
            if (self.end - self.start).days > 366:
                raise ValueError("自定义统计周期最长一年")
            return Period.custom(self.start, self.end)
        if self.kind:
            return Period.containing(self.kind, self.day or datetime.now(SHANGHAI).date())
        return None


RankKind = Literal["department", "street"]
RankBy = Literal[RANKABLE]  # type: ignore[valid-type]


class RankingsQuery(FiguresQuery):
    group: RankKind = "department"
    by: RankBy = "composite"  # type: ignore[valid-type]


class LedgerQuery(FiguresQuery):
    stage: Stage | Literal[""] = ""
    category: Category | Literal[""] = ""
    channel: Channel | Literal[""] = ""
    overdue: bool = False
    supervised: bool = False
    text: str = Field(default="", max_length=100)

    def filters(self, period: Period, scope: Scope) -> LedgerFilters:
        return LedgerFilters(
            period=period,
            scope=scope,
            stage=self.stage or None,
            category=self.category or None,
            channel=self.channel or None,
            overdue_only=self.overdue,
            supervised_only=self.supervised,
            text=self.text,
        )

    def kept(self) -> dict[str, str]:
        """The filters as query values, left out when not set (links keep them across periods)."""
        values = {
            "stage": self.stage,
            "category": self.category,
            "channel": self.channel,
            "overdue": "1" if self.overdue else "",
            "supervised": "1" if self.supervised else "",
            "text": self.text,
        }
        return {k: v for k, v in values.items() if v}

    def link(self, path: str, period: Period, scope_org_id: str) -> str:
        """The same ledger (or its export) under ``path``, the period as its key."""
        return f"{path}?{urlencode({'period': period.key, 'scope': scope_org_id, **self.kept()})}"
