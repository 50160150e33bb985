"""Residents' personal data: every full view logged (the log appears in the case's timeline).

How it is masked is `store.contact`; who sees it in full, `store.visibility.may_see_contact`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.audit import PersonalDataView
from workflows.types import Actor


def log_contact_view(
    engine: Engine, actor: Actor, code: str, addr: str, via: str = "web"
) -> PersonalDataView:
    return log_contact_views(engine, actor, [code], addr, via)[0]


def log_contact_views(
    engine: Engine, actor: Actor, codes: Iterable[str], addr: str, via: str = "web"
) -> list[PersonalDataView]:
    """One log row per case whose resident's contact `actor` saw in full (a page, the API, an export)."""
    now = datetime.now(UTC)
    rows = [
        PersonalDataView(
            case_code=code,
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


def contact_views(engine: Engine, code: str) -> list[PersonalDataView]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(PersonalDataView)
                .where(PersonalDataView.case_code == code)
                .order_by(col(PersonalDataView.at))
            ).all()
        )
