"""Petitioners as people: masked id numbers, representatives of group petitions, merged petitions.

Revision ID: 0005_petitioners
Revises: 0004_petition_office
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0005_petitioners"
down_revision: str | Sequence[str] | None = "0004_petition_office"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "petitioners",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("id_masked", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("petitions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    # Petitions registered before keep empty values: no masked number (it was never kept), no
    # representatives, not merged.
    with op.batch_alter_table("petitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("petitioner_id_masked", sa.String(length=18), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("representatives", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("merged_into", sa.String(length=32), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_petitions_merged_into"), ["merged_into"], unique=False)
    if not context.is_offline_mode():  # `upgrade --sql` prints the schema; there are no rows to read
        _petitioners_of_earlier_petitions()


def _petitioners_of_earlier_petitions() -> None:
    """One row per petitioner of the petitions already registered, as the projection writes it (a
    closed petition is never projected again, so its petitioner would otherwise be missing)."""
    petitions = sa.table(
        "petitions",
        sa.column("petitioner_key", sa.String()),
        sa.column("petitioner_name", sa.String()),
        sa.column("petitioner_phone", sa.String()),
        sa.column("petitioner_address", sa.String()),
        sa.column("received_at", sa.DateTime()),
    )
    petitioners = sa.table(
        "petitioners",
        sa.column("key", sa.String()),
        sa.column("id_masked", sa.String()),
        sa.column("name", sa.String()),
        sa.column("phone", sa.String()),
        sa.column("address", sa.String()),
        sa.column("first_seen_at", sa.DateTime()),
        sa.column("last_seen_at", sa.DateTime()),
        sa.column("petitions", sa.Integer()),
    )
    found = op.get_bind().execute(
        sa.select(petitions).where(petitions.c.petitioner_key != "").order_by(petitions.c.received_at)
    )
    people: dict[str, dict[str, object]] = {}
    for p in found:
        person = people.setdefault(
            p.petitioner_key,
            {"key": p.petitioner_key, "id_masked": "", "first_seen_at": p.received_at, "petitions": 0},
        )
        person.update(name=p.petitioner_name, phone=p.petitioner_phone, address=p.petitioner_address)
        person["last_seen_at"] = p.received_at
        person["petitions"] = int(person["petitions"]) + 1  # type: ignore[call-overload]
    if people:
        op.bulk_insert(petitioners, list(people.values()))  # type: ignore[arg-type]


def downgrade() -> None:
    with op.batch_alter_table("petitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_petitions_merged_into"))
        batch_op.drop_column("merged_into")
        batch_op.drop_column("representatives")
        batch_op.drop_column("petitioner_id_masked")
    op.drop_table("petitioners")
