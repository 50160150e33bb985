"""Petitioners as people: masked id numbers, representatives of group petitions, merged petitions.

Revision ID: 0005_petitioners
Revises: 0004_petition_office
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0005_petitioners"
down_revision: str | Sequence[str] | None = "0004_petition_office"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
