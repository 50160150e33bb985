"""Alembic's environment: runs the revisions on the connection `store.migrations` hands in.

The caller (`store.migrations.upgrade`, or `python -m store.migrations`) opens the connection, takes
the lock and owns the transaction, so nothing here commits. Offline (``--sql``) it writes the SQL
for the URL's dialect instead.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import store.db  # noqa: F401  (registers every table on SQLModel.metadata, for autogenerate)
from store.types import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Writes our column types as plain SQLAlchemy ones, so a revision never imports the models.

    UTCDateTime converts in Python only; in the database it is a DateTime.
    """
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def _options(dialect_name: str) -> dict[str, Any]:
    return {
        "target_metadata": SQLModel.metadata,
        # SQLite alters most things by rebuilding the table; batch mode writes revisions that way.
        "render_as_batch": dialect_name == "sqlite",
        "render_item": render_item,
        "compare_type": True,
    }


def run_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, **_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "offline mode needs sqlalchemy.url"
    context.configure(url=url, literal_binds=True, **_options(url.split(":", 1)[0].split("+", 1)[0]))
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
