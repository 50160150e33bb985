"""Notifications: the outbox, the delivery log, in-app notifications and residents' opt-outs.

Revision ID: 0009_notifications
Revises: 0008_open311
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0009_notifications"
down_revision: str | Sequence[str] | None = "0008_open311"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
