"""Open311 GeoReport v2: API keys issued by admins, and which request came from which client.

Revision ID: 0008_open311
Revises: 0007_callbacks
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_open311"
down_revision: str | Sequence[str] | None = "0007_callbacks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open311_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_table(
        "open311_requests",
        sa.Column("case_code", sa.String(length=32), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("address_string", sa.String(length=200), nullable=False),
        sa.Column("media_url", sa.String(length=500), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["api_key_id"], ["open311_api_keys.id"]),
        sa.PrimaryKeyConstraint("case_code"),
    )
    op.create_index("ix_open311_requests_service_code", "open311_requests", ["service_code"])
    op.create_index("ix_open311_requests_api_key_id", "open311_requests", ["api_key_id"])


def downgrade() -> None:
    op.drop_table("open311_requests")
    op.drop_table("open311_api_keys")
