"""The petition office's monthly report (信访工作月报): the figures the source documents judge an office
by, for any period, beside the statutory ones (`store.petition_figures`).

- 信访增量: petitions received in the period against the same period a year before, counted in 件 (a
  petition merged into another, 并案, is not counted again: `store.petition_figures`);
- 越级访量: petitions first brought to a higher level than the competent one (received here as
  上级交办, handed down);
- 积案: stock at the start and end, added, resolved, and 积案化解率 (`web.services.backlogs`);
- 接访: receptions held (批次, 人次, with a lawyer, answered on the spot) and appointments by outcome;
- 局长信箱: letters, answered on time, satisfaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.petitions import Petition
from web.services.backlogs import BacklogFigures, backlog_figures
from web.services.mailbox import MailboxFigures, mailbox_figures
from web.services.reception import ReceptionFigures, reception_figures
from workflows.petition.types import PetitionChannel


@dataclass(frozen=True)
class OfficeReport:
    received: int
    received_last_year: int
    over_level: int
    backlog: BacklogFigures
    reception: ReceptionFigures
    mailbox: MailboxFigures

    @property
    def increase(self) -> int:
        return self.received - self.received_last_year

    @property
    def increase_rate(self) -> float | None:
        return self.increase / self.received_last_year if self.received_last_year else None


def _year_before(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - 1, day=28)


def office_report(engine: Engine, start: datetime, end: datetime) -> OfficeReport:
    def received(since: datetime, until: datetime, *where: object) -> int:
        with Session(engine) as session:
            query = (
                select(func.count())
                .select_from(Petition)
                .where(
                    col(Petition.received_at) >= since,
                    col(Petition.received_at) < until,
                    Petition.merged_into == "",
                    *where,
                )
            )
            return int(session.exec(query).one())

    return OfficeReport(
        received=received(start, end),
        received_last_year=received(_year_before(start), _year_before(end)),
        over_level=received(start, end, Petition.channel == PetitionChannel.HANDED_DOWN.value),
        backlog=backlog_figures(engine, start, end),
        reception=reception_figures(engine, start, end),
        mailbox=mailbox_figures(engine, start, end),
    )
