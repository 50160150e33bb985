"""The notification activities as the workflows call them (names and payloads only; the
implementations are `activities.notifications.NotificationActivities`)."""

from __future__ import annotations

from temporalio import activity

from workflows.notify.types import Delivery, DigestReport, DigestRequest, DispatchRequest


@activity.defn(name="due_notifications")
async def due_notifications(request: DispatchRequest) -> list[int]:
    """The ids of notices due now."""
    raise NotImplementedError("run by activities.notifications.NotificationActivities")


@activity.defn(name="deliver_notification")
async def deliver_notification(delivery: Delivery) -> str:
    """Sends one notice (at most once); returns its delivery status."""
    raise NotImplementedError("run by activities.notifications.NotificationActivities")


@activity.defn(name="queue_digests")
async def queue_digests(request: DigestRequest) -> DigestReport:
    """Queues each leader's daily digest."""
    raise NotImplementedError("run by activities.notifications.NotificationActivities")
