"""Indexes for the inbox's tab badges at district scale (issue 14, bench/pages.py).

- case_events (actor_org_id, at, case_code) and (actor_user_id, at, case_code) replace the same
  indexes without case_code: the "done recently" badge reads which cases an org (a leader: a person)
  acted on since a date, and with case_code in the index that is answered from the index alone
  instead of one table row per event.
- cases (community_org_id, stage): a grid worker's inbox is their community's open cases; with the
  stage beside the community the open ones are found in the index, not by reading every case.

Measured with `bench/pages.py` (see bench/README.md).

Revision ID: 0012_page_indexes
Revises: 0011_shared_limits
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012_page_indexes"
down_revision: str | Sequence[str] | None = "0011_shared_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_case_events_org_at_case", "case_events", ["actor_org_id", "at", "case_code"])
    op.create_index("ix_case_events_user_at_case", "case_events", ["actor_user_id", "at", "case_code"])
    op.drop_index("ix_case_events_org_at", table_name="case_events")
    op.drop_index("ix_case_events_user_at", table_name="case_events")
    op.create_index("ix_cases_community_stage", "cases", ["community_org_id", "stage"])


def downgrade() -> None:
    op.drop_index("ix_cases_community_stage", table_name="cases")
    op.create_index("ix_case_events_user_at", "case_events", ["actor_user_id", "at"])
    op.create_index("ix_case_events_org_at", "case_events", ["actor_org_id", "at"])
    op.drop_index("ix_case_events_user_at_case", table_name="case_events")
    op.drop_index("ix_case_events_org_at_case", table_name="case_events")
