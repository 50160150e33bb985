"""Payloads of the notification workflows and activities (stdlib only; recorded in history)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DispatchRequest:
    limit: int = 200  # notices delivered per run; the next run takes the rest
    concurrency: int = 8  # deliveries in flight at once
    max_attempts: int = 5  # per notice, before it is recorded as failed
    timeout_seconds: int = 30  # one delivery attempt, before Temporal retries it (a worker died)


@dataclass
class DispatchReport:
    delivered: int = 0
    held: int = 0  # quiet hours: waiting for the morning
    skipped: int = 0
    failed: list[int] = field(default_factory=list)  # notice ids


@dataclass
class Delivery:
    notification_id: int
    max_attempts: int = 5


@dataclass
class DigestRequest:
    day: str = ""  # YYYY-MM-DD (Beijing time); empty: today


@dataclass
class DigestReport:
    day: str = ""
    working_day: bool = True
    queued: int = 0
