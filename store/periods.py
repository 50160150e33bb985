"""Reporting periods for dashboards and rankings: a day, an ISO week, a month, a quarter or a custom
range of dates in Asia/Shanghai.

A period covers whole local days, ``start`` to ``end`` inclusive; as moments it is the half-open
interval [``starts_at``, ``ends_at``), so a case received at 23:59:59 on the last day counts and one
received at 00:00 the next day does not. Keys (``2026-03``, ``2026-Q1``, ``2026-W10``,
``2026-03-05``, ``2026-03-01..2026-03-15``) round-trip through ``Period.parse`` for use in URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property

from workdays import SHANGHAI


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO week, Monday to Sunday
    MONTH = "month"
    QUARTER = "quarter"
    CUSTOM = "custom"


_KIND_NAMES = {
    PeriodKind.DAY: "日",
    PeriodKind.WEEK: "周",
    PeriodKind.MONTH: "月",
    PeriodKind.QUARTER: "季度",
    PeriodKind.CUSTOM: "自定义",
}


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date  # first day (Asia/Shanghai)
    end: date  # last day, inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")
        if self.kind != PeriodKind.CUSTOM and _bounds(self.kind, self.start) != (self.start, self.end):
            raise ValueError(f"{self.start}..{self.end} is not a whole {self.kind.value}")

    # --- constructors -------------------------------------------------------------------------

    @staticmethod
    def containing(kind: PeriodKind | str, day: date) -> Period:
        """The day, week, month or quarter that contains ``day``."""
        kind = PeriodKind(kind)
        return Period(kind, *_bounds(kind, day))

    @staticmethod
    def day(day: date) -> Period:
        return Period.containing(PeriodKind.DAY, day)

    @staticmethod
    def week(day: date) -> Period:
        return Period.containing(PeriodKind.WEEK, day)

    @staticmethod
    def month(year: int, month: int) -> Period:
        return Period.containing(PeriodKind.MONTH, date(year, month, 1))

    @staticmethod
    def quarter(year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter must be 1 to 4, got {quarter}")
        return Period.containing(PeriodKind.QUARTER, date(year, 3 * quarter - 2, 1))

    @staticmethod
    def custom(start: date, end: date) -> Period:
        return Period(PeriodKind.CUSTOM, start, end)

    @staticmethod
    def parse(key: str) -> Period:
        """The period a ``key`` names; raises ``ValueError`` with a readable message otherwise."""
        key = key.strip()
        try:
            if m := re.fullmatch(r"(\d{4})-Q([1-4])", key):
                return Period.quarter(int(m[1]), int(m[2]))
            if m := re.fullmatch(r"(\d{4})-W(\d{2})", key):
                return Period.week(date.fromisocalendar(int(m[1]), int(m[2]), 1))
            if m := re.fullmatch(r"(\d{4})-(\d{2})", key):
                return Period.month(int(m[1]), int(m[2]))
            if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", key):
                return Period.custom(date.fromisoformat(m[1]), date.fromisoformat(m[2]))
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", key):
                return Period.day(date.fromisoformat(key))
        except ValueError as error:
            raise ValueError(f"统计周期无效 (invalid period) {key!r}: {error}") from None
        raise ValueError(
            f"统计周期无效 (invalid period) {key!r}: use 2026-03-05, 2026-W10, 2026-03, 2026-Q1 "
            "or 2026-03-01..2026-03-15"
        )

    # --- as moments -----------------------------------------------------------------------------

    @cached_property
    def starts_at(self) -> datetime:
        """00:00 Asia/Shanghai of the first day (inclusive)."""
        return datetime.combine(self.start, time(0), tzinfo=SHANGHAI)

    @cached_property
    def ends_at(self) -> datetime:
        """00:00 Asia/Shanghai of the day after the last day (exclusive)."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=SHANGHAI)

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.starts_at <= moment < self.ends_at

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    # --- navigation -----------------------------------------------------------------------------

    def previous(self) -> Period:
        """The period of the same kind just before; a custom range gives the same number of days."""
        if self.kind == PeriodKind.CUSTOM:
            return Period.custom(self.start - timedelta(days=self.days), self.start - timedelta(days=1))
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def buckets(self, unit: PeriodKind | str) -> list[Period]:
        """The days, weeks or months of this period, in order; partial ones are clipped to it (custom)."""
        unit = PeriodKind(unit)
        if unit not in (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH):
            raise ValueError(f"a trend is bucketed by day, week or month, not {unit.value}")
        out: list[Period] = []
        day = self.start
        while day <= self.end:
            whole = Period.containing(unit, day)
            start, end = max(whole.start, self.start), min(whole.end, self.end)
            out.append(whole if (start, end) == (whole.start, whole.end) else Period.custom(start, end))
            day = end + timedelta(days=1)
        return out

    # --- names ------------------------------------------------------------------------------------

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.DAY:
            return self.start.isoformat()
        if self.kind == PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month + 2) // 3}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self) -> str:
        """Chinese label for headings: 2026年3月, 2026年第1季度, 2026年第10周（3月2日—3月8日）."""
        s, e = self.start, self.end
        if self.kind == PeriodKind.DAY:
            return f"{s.year}年{s.month}月{s.day}日"
        if self.kind == PeriodKind.WEEK:
            year, week, _ = s.isocalendar()
            return f"{year}年第{week}周（{s.month}月{s.day}日—{e.month}月{e.day}日）"
        if self.kind == PeriodKind.MONTH:
            return f"{s.year}年{s.month}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{s.year}年第{(s.month + 2) // 3}季度"
        return f"{s.year}年{s.month}月{s.day}日—{e.year}年{e.month}月{e.day}日"

    @property
    def short_label(self) -> str:
        """Axis label for charts: 03-05, W10, 2026-03, 2026-Q1, 03-01~03-04."""
        if self.kind == PeriodKind.DAY:
            return self.start.strftime("%m-%d")
        if self.kind == PeriodKind.WEEK:
            return f"W{self.start.isocalendar()[1]:02d}"
        if self.kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
            return self.key
        return f"{self.start:%m-%d}~{self.end:%m-%d}"

    @property
    def kind_name(self) -> str:
        return _KIND_NAMES[self.kind]


def _bounds(kind: PeriodKind, day: date) -> tuple[date, date]:
    if kind == PeriodKind.DAY:
        return day, day
    if kind == PeriodKind.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == PeriodKind.MONTH:
        return day.replace(day=1), _month_end(day.year, day.month)
    if kind == PeriodKind.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        return date(day.year, first_month, 1), _month_end(day.year, first_month + 2)
    raise ValueError("a custom period needs explicit start and end dates")


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware moment."""
    return moment.astimezone(SHANGHAI).date()
