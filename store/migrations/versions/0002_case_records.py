"""Case records: every deadline a case ran (figures read what the case recorded), and the cases whose
projection the read model rejected (admins' "needs attention" list).

Revision ID: 0002_case_records
Revises: 0001_baseline
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_case_records"
down_revision: str | Sequence[str] | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_deadlines",
        sa.Column("case_code", sa.String(length=32), nullable=False),
        sa.Column("deadline_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("warn_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_code"], ["cases.code"]),
        sa.PrimaryKeyConstraint("case_code", "deadline_id"),
    )
    op.create_index("ix_case_deadlines_kind", "case_deadlines", ["kind"])
    op.create_table(
        "case_attention",
        sa.Column("case_code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("case_code"),
    )


def downgrade() -> None:
    op.drop_table("case_attention")
    op.drop_index("ix_case_deadlines_kind", table_name="case_deadlines")
    op.drop_table("case_deadlines")
