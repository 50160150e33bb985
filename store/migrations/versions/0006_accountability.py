"""Accountability: 约谈 records and the thresholds that put a department on the discipline commission's list.

Revision ID: 0006_accountability
Revises: 0005_petitioners
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0006_accountability"
down_revision: str | Sequence[str] | None = "0005_petitioners"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
