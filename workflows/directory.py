"""The directory as decision validators see it: which orgs and users exist, are active, and of what kind.

Every org or user a decision names is checked here, by the workflow's Update validators, so a refusal
reaches every caller alike (web, API, a raw Temporal client or the CLI) and nothing enters the history.

Validators run only when an Update is first delivered, never on replay, so they may read this
worker-local view without breaking determinism. Handlers must not: a directory change between two
replays would change what a replay does. The worker installs a `DirectoryView` loaded from the read
model before it polls and keeps it fresh (`install`, `set_refresher`); until one is installed every
decision that names anybody is refused (fail closed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# A view older than this asks its refresher for a new one (in the background: validators never wait).
MAX_AGE_SECONDS = 2.0


@dataclass(frozen=True)
class OrgFacts:
    id: str
    kind: str  # store.models.OrgKind: community, street, department, ...
    active: bool = True
    parent_id: str | None = None  # the level above (city → district → street → community)
    name: str = ""  # as the Temporal UI's current details show it


@dataclass(frozen=True)
class UserFacts:
    id: str
    role: str
    org_id: str
    active: bool = True
    street_ids: frozenset[str] = frozenset()  # a leader's linked streets (联点)
    department_ids: frozenset[str] = frozenset()  # a leader's portfolio (分管部门)


@dataclass(frozen=True)
class DirectoryView:
    orgs: Mapping[str, OrgFacts] = field(default_factory=dict)
    users: Mapping[str, UserFacts] = field(default_factory=dict)

    def org(self, org_id: str) -> OrgFacts | None:
        return self.orgs.get(org_id)

    def parent(self, org_id: str) -> OrgFacts | None:
        """The level above an org: who decides a 复查 on its answer."""
        org = self.orgs.get(org_id)
        return self.orgs.get(org.parent_id) if org and org.parent_id else None

    def user(self, user_id: str) -> UserFacts | None:
        return self.users.get(user_id)


class _Holder:
    view: DirectoryView | None = None
    loaded_at: float = 0.0
    refresher: Callable[[], None] | None = None


def install(view: DirectoryView) -> None:
    """Makes `view` the directory every validator in this process reads (the worker calls this)."""
    _Holder.view = view
    _Holder.loaded_at = time.monotonic()


def set_refresher(refresher: Callable[[], None] | None) -> None:
    """`refresher()` must return at once and install a fresh view later (e.g. from a thread)."""
    _Holder.refresher = refresher


def org_name(org_id: str) -> str:
    """An org's name for display (the Temporal UI's current details), from the installed view as it
    is, never refreshing it: workflow code calls this, replay included, and details are not history."""
    view = _Holder.view
    org = view.orgs.get(org_id) if view is not None else None
    return org.name if org is not None and org.name else org_id


def current() -> DirectoryView | None:
    """The installed view; a stale one asks for a refresh and is still used for this decision."""
    if _Holder.refresher is not None and time.monotonic() - _Holder.loaded_at > MAX_AGE_SECONDS:
        _Holder.loaded_at = time.monotonic()  # one refresh at a time
        _Holder.refresher()
    return _Holder.view
