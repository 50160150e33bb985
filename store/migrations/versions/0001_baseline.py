"""Baseline: the read model as `SQLModel.metadata.create_all` made it before migrations existed.

Written out table by table, so that later changes to the models never change what this revision
creates. A database made by that release has every one of these tables and no alembic_version;
`store.migrations.upgrade` stamps it here instead of running this. Constraint names are left to
the database, as `create_all` left them, so fresh and adopted databases name them alike.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_baseline"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Parents before the tables that refer to them. Times are naive UTC (store.types.UTCDateTime).
    op.create_table(
        "orgs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["orgs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_orgs_kind", "orgs", ["kind"])
    op.create_index("ix_orgs_parent_id", "orgs", ["parent_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("api_token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_users_api_token_hash", "users", ["api_token_hash"])
    op.create_index("ix_users_org_id", "users", ["org_id"])
    op.create_index("ix_users_role", "users", ["role"])
    op.create_index("ix_users_username", "users", ["username"], unique=True)
    op.create_table(
        "leader_streets",
        sa.Column("leader_id", sa.String(), nullable=False),
        sa.Column("street_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["leader_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["street_id"], ["orgs.id"]),
        sa.PrimaryKeyConstraint("leader_id", "street_id"),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "cases",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.String(length=48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("policy_id", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("urgency", sa.String(length=20), nullable=True),
        sa.Column("difficulty", sa.String(length=20), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("holder_org_ids", sa.String(length=400), nullable=False),
        sa.Column("holder_role", sa.String(length=20), nullable=True),
        sa.Column("community_org_id", sa.String(length=64), nullable=False),
        sa.Column("street_org_id", sa.String(length=64), nullable=False),
        sa.Column("department_ids", sa.String(length=400), nullable=False),
        sa.Column("lead_department_id", sa.String(length=64), nullable=True),
        sa.Column("reporter_name", sa.String(length=100), nullable=False),
        sa.Column("reporter_phone", sa.String(length=32), nullable=False),
        sa.Column("reporter_address", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("tracking_token_hash", sa.String(length=64), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("warn_at", sa.DateTime(), nullable=True),
        sa.Column("deadline_label", sa.String(length=40), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("ever_overdue", sa.Boolean(), nullable=False),
        sa.Column("supervision_level", sa.Integer(), nullable=False),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("talk_ordered", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("leader_in_charge", sa.String(length=64), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("extensions_granted", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=20), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_cases_category", "cases", ["category"])
    op.create_index("ix_cases_community_org_id", "cases", ["community_org_id"])
    op.create_index("ix_cases_overdue", "cases", ["overdue"])
    op.create_index("ix_cases_received", "cases", ["received_at"])
    op.create_index("ix_cases_stage", "cases", ["stage"])
    op.create_index("ix_cases_street_stage", "cases", ["street_org_id", "stage"])
    op.create_index("ix_cases_tracking_token_hash", "cases", ["tracking_token_hash"])
    op.create_table(
        "case_departments",
        sa.Column("case_code", sa.String(), nullable=False),
        sa.Column("department_id", sa.String(), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_code"], ["cases.code"]),
        sa.ForeignKeyConstraint(["department_id"], ["orgs.id"]),
        sa.PrimaryKeyConstraint("case_code", "department_id"),
    )
    op.create_index("ix_case_departments_department_id", "case_departments", ["department_id"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_code", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_user_id", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("actor_org_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_code"], ["cases.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_code", "seq", name="uq_case_events_seq"),
    )
    op.create_index("ix_case_events_case_code", "case_events", ["case_code"])
    op.create_index("ix_case_events_org_at", "case_events", ["actor_org_id", "at"])
    op.create_index("ix_case_events_user_at", "case_events", ["actor_user_id", "at"])
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_code", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("urgency", sa.String(length=20), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("warn_at", sa.DateTime(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_code"], ["cases.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_inbox_items_case_code", "inbox_items", ["case_code"])
    op.create_index("ix_inbox_org_role_due", "inbox_items", ["org_id", "role", "due_at"])
    op.create_table(
        "ratings",
        sa.Column("case_code", sa.String(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("by_role", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("street_org_id", sa.String(length=64), nullable=False),
        sa.Column("lead_department_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["case_code"], ["cases.code"]),
        sa.PrimaryKeyConstraint("case_code", "round"),
    )
    op.create_table(
        "claims",
        sa.Column("case_code", sa.String(), nullable=False),
        sa.Column("org_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_code"], ["cases.code"]),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("case_code", "org_id"),
    )
    op.create_index("ix_claims_user_id", "claims", ["user_id"])
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("holidays", sa.Text(), nullable=False),
        sa.Column("workdays", sa.Text(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("loaded_by", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "personal_data_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_code", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("client_addr", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["case_code"], ["cases.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_personal_data_views_case_code", "personal_data_views", ["case_code"])
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("client_addr", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("client_addr", sa.String(length=64), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_attempts_username", "login_attempts", ["username"])
    op.create_table(
        "metric_weights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response", sa.Float(), nullable=False),
        sa.Column("resolution", sa.Float(), nullable=False),
        sa.Column("satisfaction", sa.Float(), nullable=False),
        sa.Column("average_rating", sa.Float(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ledger_imports",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("case_code", sa.String(length=32), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint"),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; children before the tables they refer to.
    op.drop_table("ledger_imports")
    op.drop_table("metric_weights")
    op.drop_table("login_attempts")
    op.drop_table("web_sessions")
    op.drop_table("personal_data_views")
    op.drop_table("calendar_years")
    op.drop_table("claims")
    op.drop_table("ratings")
    op.drop_table("inbox_items")
    op.drop_table("case_events")
    op.drop_table("case_departments")
    op.drop_table("cases")
    op.drop_table("counters")
    op.drop_table("leader_streets")
    op.drop_table("users")
    op.drop_table("orgs")
