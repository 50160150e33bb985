"""Notes are internal or to the resident, chosen on each form: whether the resident reads an event's
note (case_events.note_public) is kept apart from whether they see the event at all (public).

Existing rows keep what they showed: their note stays as visible as the event.

Revision ID: 0015_note_audience
Revises: 0014_leader_portfolios
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_note_audience"
down_revision: str | Sequence[str] | None = "0014_leader_portfolios"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("note_public", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("note_public")
