"""Callbacks: whether the resident says the matter is solved, and outcomes for unreachable residents.

Revision ID: 0007_callbacks
Revises: 0006_accountability
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0007_callbacks"
down_revision: str | Sequence[str] | None = "0006_accountability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
