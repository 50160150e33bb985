"""Callbacks: whether the resident says the matter is solved, and outcomes for unreachable residents.

Ratings record the resident's answer to 是否解决 and who called or visited (回访); cases count the
callbacks that failed. Cases the leader closed after a dissatisfied rating were stored as 已解决
(`resolved`); they are 不满意结案 (`closed_dissatisfied`), as the projection now writes them. Cases
gain `phone_key` (the phone's digits), so repeats are found across periods.

Revision ID: 0007_callbacks
Revises: 0006_accountability
Create Date: 2026-11-30
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

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
        batch.add_column(sa.Column("phone_key", sa.String(length=32), nullable=False, server_default=""))
        batch.add_column(sa.Column("solved", sa.Boolean(), nullable=True))
        batch.create_index("ix_cases_phone_key", ["phone_key"])
    op.execute(
        "UPDATE cases SET outcome = 'closed_dissatisfied' WHERE outcome = 'resolved' AND rating = 'dissatisfied'"
    )
    # Digits only for the common forms (138-1234-1234, 138 1234 1234); online, every row exactly as
    # store.contact.phone_key reads it (+86, full-width digits...). Offline SQL gets the first step.
    op.execute("UPDATE cases SET phone_key = REPLACE(REPLACE(reporter_phone, '-', ''), ' ', '')")
    if context.is_offline_mode():
        return
    bind = op.get_bind()
    cases = sa.table("cases", sa.column("code", sa.String), sa.column("reporter_phone", sa.String),
                     sa.column("phone_key", sa.String))  # fmt: skip
    for code, phone in bind.execute(sa.select(cases.c.code, cases.c.reporter_phone)).all():
        bind.execute(cases.update().where(cases.c.code == code).values(phone_key=_phone_key(phone or "")))


def _phone_key(value: str) -> str:
    """store.contact.phone_key as of this revision (a revision never imports the application)."""
    compact = re.sub(r"\s", "", unicodedata.normalize("NFKC", value))
    compact = re.sub(r"^(?:(?:\+|00)86|86(?=-?1[3-9]))-?", "", compact)
    return re.sub(r"\D", "", compact)


def downgrade() -> None:
    op.execute("UPDATE cases SET outcome = 'resolved' WHERE outcome = 'closed_dissatisfied'")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_phone_key")
        batch.drop_column("phone_key")
        batch.drop_column("solved")
        batch.drop_column("callback_failures")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_column("solved")
        batch.drop_column("by_user_id")
