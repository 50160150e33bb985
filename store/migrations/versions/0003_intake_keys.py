"""Intake keys: one case per request however often it is sent (store/idempotency.py).

Revision ID: 0003_intake_keys
Revises: 0002_case_records
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_intake_keys"
down_revision: str | Sequence[str] | None = "0002_case_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("case_code", sa.String(length=32), nullable=True),
        sa.Column("response_ref", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "key_hash", name="uq_intake_keys_scope_key"),
    )
    op.create_index("ix_intake_keys_created_at", "intake_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("intake_keys")
