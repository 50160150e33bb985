"""Who is looking at which figures: the viewer, the scope they asked for (checked against what
they may see), the period, and the pickers' choices. Shared by the dashboard, rankings, report,
ledger pages and the metrics API, so the access rule is written once (``store.visibility``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.directory import org_names
from store.periods import Period, PeriodKind
from store.scopes import Scope, ScopeForbidden, ScopeKind, Viewer
from store.visibility import may_see_rankings, visible_scopes
from web.i18n import TEXT
from web.schemas.dashboard import FiguresQuery
from workdays import SHANGHAI
from workflows.types import Actor

SCOPE_KIND_NAMES = {
    ScopeKind.DISTRICT: "全区",
    ScopeKind.STREET: "街道（乡镇）",
    ScopeKind.COMMUNITY: "社区（村）",
    ScopeKind.DEPARTMENT: "部门",
}
PERIOD_KINDS = (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.CUSTOM)


class FiguresRefused(Exception):
    """The request for figures cannot be answered as asked; ``status`` 403 or 422, ``message`` zh-CN."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ScopeOption:
    org_id: str
    name: str
    group: str  # 全区 / 街道（乡镇） / 社区（村） / 部门, the picker's optgroup


@dataclass(frozen=True)
class Selection:
    """What a figures page shows: one scope of the viewer's, over one period."""

    viewer: Viewer
    scope: Scope
    scope_name: str
    period: Period
    options: list[ScopeOption]  # every scope the viewer may open, the widest first
    may_rank: bool  # sees the district's rankings (notice board)

    @property
    def previous(self) -> Period:
        return self.period.previous()

    @property
    def is_current(self) -> bool:
        """The period reaches today: a "now" snapshot (当前超期) describes it, as of today. For a period
        that has ended, a snapshot taken today is not its figure."""
        return self.period.end >= today()

    @property
    def next(self) -> Period | None:
        """The period after, unless it starts in the future (nothing to see there yet)."""
        following = next_period(self.period)
        return following if following.start <= today() else None


def today() -> date:
    return datetime.now(SHANGHAI).date()


def viewer_of(actor: Actor) -> Viewer:
    return Viewer(role=actor.role, org_id=actor.org_id, street_ids=tuple(actor.street_ids))


def this_month() -> Period:
    return Period.containing(PeriodKind.MONTH, today())


def last_month() -> Period:
    return this_month().previous()


def next_period(period: Period) -> Period:
    if period.kind == PeriodKind.CUSTOM:
        return Period.custom(period.end + timedelta(days=1), period.end + timedelta(days=period.days))
    return Period.containing(period.kind, period.end + timedelta(days=1))


def select_figures(
    engine: Engine, actor: Actor, query: FiguresQuery, *, default_period: Period | None = None
) -> Selection:
    """The viewer's scope (``query.scope``, default their widest) and period (default this month).

    ``FiguresRefused`` 403 when the viewer may see no figures or not this scope (an unknown org id
    gets the same answer, so the check reveals nothing), 422 for a period that cannot be read.
    """
    viewer = viewer_of(actor)
    try:
        period = query.requested_period() or default_period or this_month()
    except ValueError as error:
        raise FiguresRefused(422, str(error)) from error
    with Session(engine) as session:
        scopes = visible_scopes(session, viewer)
    if not scopes:
        raise FiguresRefused(403, TEXT["figures_none"])
    wanted = query.scope or scopes[0].org_id
    scope = next((s for s in scopes if s.org_id == wanted), None)
    if scope is None:
        raise FiguresRefused(403, str(ScopeForbidden(Scope(ScopeKind.DISTRICT, wanted))))
    names = org_names(engine)
    options = [ScopeOption(s.org_id, names.get(s.org_id, s.org_id), SCOPE_KIND_NAMES[s.kind]) for s in scopes]
    return Selection(
        viewer=viewer,
        scope=scope,
        scope_name=names.get(scope.org_id, scope.org_id),
        period=period,
        options=options,
        may_rank=may_see_rankings(viewer),
    )


def require_rankings(selection: Selection) -> None:
    if not selection.may_rank:
        raise FiguresRefused(403, TEXT["rankings_forbidden"])


@dataclass(frozen=True)
class PeriodChoice:
    value: str
    name: str
    selected: bool


@dataclass(frozen=True)
class Picker:
    """The period and scope picker of a figures page, every link made here."""

    path: str
    kinds: list[PeriodChoice]
    day: str  # the date field: the period's first day
    start: str
    end: str
    label: str
    key: str
    scope: str
    groups: list[tuple[str, list[ScopeOption]]]  # the scope picker's optgroups, widest first
    hidden: dict[str, str]  # the page's own parameters, kept when the period or scope changes
    prev_href: str
    prev_label: str
    next_href: str  # "" when the next period has not started
    next_label: str


def _grouped(options: list[ScopeOption]) -> list[tuple[str, list[ScopeOption]]]:
    groups: dict[str, list[ScopeOption]] = {}
    for o in options:
        groups.setdefault(o.group, []).append(o)
    return list(groups.items())


def href(path: str, **values: str) -> str:
    kept = {k: v for k, v in values.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


def picker(selection: Selection, path: str, *, scoped: bool = True, **extra: str) -> Picker:
    p = selection.period
    scope = selection.scope.org_id if scoped else ""
    following = selection.next
    return Picker(
        path=path,
        kinds=[PeriodChoice(k.value, TEXT["period_" + k.value], k == p.kind) for k in PERIOD_KINDS],
        day=p.start.isoformat(),
        start=p.start.isoformat(),
        end=p.end.isoformat(),
        label=p.label,
        key=p.key,
        scope=scope,
        groups=_grouped(selection.options) if scoped else [],
        hidden={k: v for k, v in extra.items() if v},
        prev_href=href(path, period=selection.previous.key, scope=scope, **extra),
        prev_label=selection.previous.label,
        next_href=href(path, period=following.key, scope=scope, **extra) if following else "",
        next_label=following.label if following else "",
    )
