"""Residents' personal data: every full view logged (the log appears in the case's timeline).

How it is masked is `store.contact`; who sees it in full, `store.visibility.may_see_contact`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.audit import PersonalDataView
from workflows.types import Actor


def log_contact_view(
    engine: Engine, actor: Actor, code: str, addr: str, via: str = "web", model: Any = PersonalDataView
) -> Any:
    return log_contact_views(engine, actor, [code], addr, via, model)[0]


def log_contact_views(
    engine: Engine,
    actor: Actor,
    codes: Iterable[str],
    addr: str,
    via: str = "web",
    model: Any = PersonalDataView,
) -> list[Any]:
    """One log row per case (or petition: `model` is `PetitionDataView`) whose person's contact `actor`
    saw in full (a page, the API, an export)."""
    now = datetime.now(UTC)
    rows = [
        model(
            **{model.KEY: code},
            user_id=actor.user_id,
            user_name=actor.display_name,
            role=actor.role.value,
            org_id=actor.org_id,
            at=now,
            client_addr=addr,
            via=via,
        )
        for code in codes
    ]
    with Session(engine, expire_on_commit=False) as session:
        session.add_all(rows)
        session.commit()
    return rows


def contact_views(engine: Engine, code: str, model: Any = PersonalDataView) -> list[Any]:
    with Session(engine) as session:
        key = getattr(model, model.KEY)
        return list(session.exec(select(model).where(key == code).order_by(col(model.at))).all())
