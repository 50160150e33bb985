"""分管: the departments in each district leader's portfolio (who sets a 特别难 matter's limit on its
lead unit's 提请).

Revision ID: 0014_leader_portfolios
Revises: 0013_saved_filters
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_leader_portfolios"
down_revision: str | Sequence[str] | None = "0013_saved_filters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leader_departments",
        sa.Column("leader_id", sa.String(), nullable=False),
        sa.Column("department_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["orgs.id"]),
        sa.ForeignKeyConstraint(["leader_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("leader_id", "department_id"),
    )


def downgrade() -> None:
    op.drop_table("leader_departments")
