"""Open311 GeoReport v2: API keys issued by admins, and which request came from which client.

Revision ID: 0008_open311
Revises: 0007_callbacks
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0008_open311"
down_revision: str | Sequence[str] | None = "0007_callbacks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
