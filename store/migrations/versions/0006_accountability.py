"""Accountability: 约谈 records and the thresholds that put a department on the discipline commission's list.

Revision ID: 0006_accountability
Revises: 0005_petitioners
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_accountability"
down_revision: str | Sequence[str] | None = "0005_petitioners"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accountability_thresholds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("min_ratings", sa.Integer(), nullable=False),
        sa.Column("satisfaction_below", sa.Float(), nullable=False),
        sa.Column("dissatisfied_at_least", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("person_name", sa.String(length=50), nullable=False),
        sa.Column("person_post", sa.String(length=50), nullable=False),
        sa.Column("held_by_id", sa.String(length=64), nullable=False),
        sa.Column("held_by_name", sa.String(length=100), nullable=False),
        sa.Column("held_by_role", sa.String(length=20), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["held_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interviews_held_at"), ["held_at"], unique=False)
        batch_op.create_index("ix_interviews_org_held", ["org_id", "held_at"], unique=False)

    op.create_table(
        "interview_cases",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("case_code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["case_code"], ["cases.code"]),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"]),
        sa.PrimaryKeyConstraint("interview_id", "case_code"),
    )
    with op.batch_alter_table("interview_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interview_cases_case_code"), ["case_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interview_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_cases_case_code"))
    op.drop_table("interview_cases")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index("ix_interviews_org_held")
        batch_op.drop_index(batch_op.f("ix_interviews_held_at"))
    op.drop_table("interviews")
    op.drop_table("accountability_thresholds")
