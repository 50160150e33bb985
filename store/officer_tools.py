"""An officer's own shortcuts: saved inbox filters (per user) and canned replies (常用语, per org).

Saved filters keep an inbox query string as `web.schemas.queries.InboxQuery` writes it, so a saved
filter is read back through the same validation as a typed URL. Canned replies are texts an org keeps
for the decision fields residents read (the same-day response, the result), offered beside them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Text
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from store.types import UTCDateTime

MAX_SAVED_FILTERS = 20  # per user
MAX_CANNED_REPLIES = 50  # per org and field
CANNED_FIELDS = ("response", "result")  # 当日首次响应内容, 办理结果


class SavedFilter(SQLModel, table=True):
    __tablename__ = "saved_filters"
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=64)
    name: str = Field(max_length=40)
    query: str = Field(max_length=400)  # the inbox's query string, without the page
    created_at: datetime = Field(sa_type=UTCDateTime)


class CannedReply(SQLModel, table=True):
    __tablename__ = "canned_replies"
    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="orgs.id", index=True, max_length=64)
    field: str = Field(max_length=20)  # one of CANNED_FIELDS
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)


# --- saved filters ------------------------------------------------------------------------------


def saved_filters(engine: Engine, user_id: str) -> list[SavedFilter]:
    with Session(engine) as session:
        query = select(SavedFilter).where(SavedFilter.user_id == user_id).order_by(col(SavedFilter.id))
        return list(session.exec(query).all())


def add_saved_filter(engine: Engine, user_id: str, name: str, query: str) -> SavedFilter | None:
    """Saves a filter; None when the user already keeps `MAX_SAVED_FILTERS`. A name used again
    replaces that filter's query, so "保存" twice never makes two entries."""
    with Session(engine, expire_on_commit=False) as session:
        mine = session.exec(select(SavedFilter).where(SavedFilter.user_id == user_id)).all()
        same = next((f for f in mine if f.name == name), None)
        if same is None and len(mine) >= MAX_SAVED_FILTERS:
            return None
        row = same or SavedFilter(user_id=user_id, name=name, query=query, created_at=datetime.now(UTC))
        row.query = query
        session.add(row)
        session.commit()
        return row


def delete_saved_filter(engine: Engine, user_id: str, filter_id: int) -> bool:
    """Deletes one of the user's own filters; False when it is not theirs (or gone)."""
    with Session(engine) as session:
        row = session.get(SavedFilter, filter_id)
        if row is None or row.user_id != user_id:
            return False
        session.delete(row)
        session.commit()
        return True


# --- canned replies -----------------------------------------------------------------------------


def canned_replies(engine: Engine, org_id: str, field: str = "") -> list[CannedReply]:
    with Session(engine) as session:
        query = select(CannedReply).where(CannedReply.org_id == org_id)
        if field:
            query = query.where(CannedReply.field == field)
        return list(session.exec(query.order_by(col(CannedReply.field), col(CannedReply.id))).all())


def add_canned_reply(engine: Engine, org_id: str, field: str, text: str, by: str) -> CannedReply | None:
    """Adds a reply; None when the org already keeps `MAX_CANNED_REPLIES` for that field. The same
    text twice is kept once."""
    with Session(engine, expire_on_commit=False) as session:
        kept = session.exec(
            select(CannedReply).where(CannedReply.org_id == org_id, CannedReply.field == field)
        ).all()
        same = next((r for r in kept if r.text == text), None)
        if same is not None:
            return same
        if len(kept) >= MAX_CANNED_REPLIES:
            return None
        row = CannedReply(org_id=org_id, field=field, text=text, created_by=by, created_at=datetime.now(UTC))
        session.add(row)
        session.commit()
        return row


def delete_canned_reply(engine: Engine, org_id: str, reply_id: int) -> bool:
    with Session(engine) as session:
        row = session.get(CannedReply, reply_id)
        if row is None or row.org_id != org_id:
            return False
        session.delete(row)
        session.commit()
        return True
