"""Petitioners as people (信访人): one row per petitioner, keyed by the keyed hash of their id number
(or, without one, of name and phone: `web.services.petitions.petitioner_key`), so every petition
links to the person who brought it and the desk sees a person's petitions together.

The row is derived from the petitions' rows and nothing else: the petition projection refreshes it
after writing a petition (`refresh_petitioner`), under a row lock, so replays, retries, reprojections
and two desks registering the same person at once all converge on the same row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from store.petition_access import visible
from store.petitions import Petition
from store.types import UTCDateTime


class PetitionerRecord(SQLModel, table=True):
    __tablename__ = "petitioners"
    key: str = Field(primary_key=True, max_length=64)
    id_masked: str = Field(default="", max_length=18)  # 110105********002X, never the number
    name: str = Field(max_length=100)  # as on their latest petition
    phone: str = Field(max_length=32)
    address: str = Field(default="", max_length=200)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)  # their first petition's receipt
    last_seen_at: datetime = Field(sa_type=UTCDateTime)  # their latest petition's receipt
    petitions: int = 0


def refresh_petitioner(session: Session, key: str) -> None:
    """Rewrites a petitioner's row from their petitions (the caller flushed the one it wrote)."""
    if not key:
        return
    latest = session.exec(
        select(Petition).where(Petition.petitioner_key == key).order_by(col(Petition.received_at).desc())
    ).first()
    if latest is None:
        return
    table = PetitionerRecord.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {
        "key": key, "name": latest.petitioner_name, "phone": latest.petitioner_phone,
        "first_seen_at": latest.received_at, "last_seen_at": latest.received_at, "petitions": 0,
    }  # fmt: skip
    session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    # The lock orders two projections of one person's petitions; the counts read after it include the
    # other's committed row (PostgreSQL reads committed rows afresh for each statement).
    row = session.exec(select(PetitionerRecord).where(PetitionerRecord.key == key).with_for_update()).one()
    first, last, count = session.exec(
        select(func.min(Petition.received_at), func.max(Petition.received_at), func.count()).where(
            Petition.petitioner_key == key
        )
    ).one()
    latest = session.exec(
        select(Petition).where(Petition.petitioner_key == key).order_by(col(Petition.received_at).desc())
    ).first()
    assert latest is not None
    row.name, row.phone, row.address = (
        latest.petitioner_name,
        latest.petitioner_phone,
        latest.petitioner_address,
    )
    # A petition registered without the id number leaves the one known from another petition in place.
    masked = [
        m
        for m in session.exec(
            select(Petition.petitioner_id_masked)
            .where(Petition.petitioner_key == key, Petition.petitioner_id_masked != "")
            .order_by(col(Petition.received_at).desc())
        )
    ]
    row.id_masked = masked[0] if masked else ""
    row.first_seen_at, row.last_seen_at, row.petitions = first, last, int(count)
    session.add(row)


@dataclass(frozen=True)
class PetitionerFile:
    """A petitioner and the petitions of theirs a viewer may see, newest first."""

    person: PetitionerRecord
    petitions: list[Petition]


def petitioner_file(engine: Engine, key: str, role: str, org_id: str) -> PetitionerFile | None:
    """None when there is no such petitioner, or none of their petitions is the viewer's to see."""
    with Session(engine) as session:
        person = session.get(PetitionerRecord, key)
        if person is None:
            return None
        rows = session.exec(
            select(Petition)
            .where(Petition.petitioner_key == key, visible(role, org_id))
            .order_by(col(Petition.received_at).desc())
        ).all()
        return PetitionerFile(person, list(rows)) if rows else None


def petitions_of(engine: Engine, key: str, role: str, org_id: str, exclude: str = "") -> list[Petition]:
    """A petitioner's petitions the viewer may see (any status), newest first."""
    if not key:
        return []
    with Session(engine) as session:
        query = select(Petition).where(Petition.petitioner_key == key, visible(role, org_id))
        if exclude:
            query = query.where(Petition.code != exclude)
        return list(session.exec(query.order_by(col(Petition.received_at).desc())).all())


def merged_into(engine: Engine, code: str) -> list[Petition]:
    """The petitions merged (并案) into this one, oldest first."""
    with Session(engine) as session:
        query = select(Petition).where(Petition.merged_into == code).order_by(col(Petition.received_at))
        return list(session.exec(query).all())
