"""Who has a case open right now: one row per case and officer, overwritten by each poll of the case
page (`store.presence`). No foreign keys: a page's beat must never fail, nor hold up a rebuild.

Revision ID: 0016_case_presence
Revises: 0015_note_audience
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_case_presence"
down_revision: str | Sequence[str] | None = "0015_note_audience"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_presence",
        sa.Column("case_code", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("case_code", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("case_presence")
