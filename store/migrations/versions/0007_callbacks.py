"""Callbacks: whether the resident says the matter is solved, and outcomes for unreachable residents.

Ratings record the resident's answer to 是否解决 and who called or visited (回访); cases count the
callbacks that failed. Cases the leader closed after a dissatisfied rating were stored as 已解决
(`resolved`); they are 不满意结案 (`closed_dissatisfied`), as the projection now writes them.

Revision ID: 0007_callbacks
Revises: 0006_accountability
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_callbacks"
down_revision: str | Sequence[str] | None = "0006_accountability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("by_user_id", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("solved", sa.Boolean(), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("callback_failures", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE cases SET outcome = 'closed_dissatisfied' WHERE outcome = 'resolved' AND rating = 'dissatisfied'"
    )


def downgrade() -> None:
    op.execute("UPDATE cases SET outcome = 'resolved' WHERE outcome = 'closed_dissatisfied'")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("callback_failures")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_column("solved")
        batch.drop_column("by_user_id")
