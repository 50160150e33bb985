"""The rows of a ledger import job and what became of each: the record a retried attempt resumes from.

Planned once (`plan_import`): every row of the file, as `pending` (to register), `rejected` or
`duplicate`. Then each pending row moves on in transactions that also count it in its job's `done`:

    pending ──claim_row──> registering ──accept_row──> accepted
       │                      │  (record_code: the code, before its workflow starts)
       │                      └──fail_row──> failed (its claim released: it may be imported again)
       └──claim_row (claimed by someone else)──> duplicate

`claim_row` takes the row's fingerprint (`ledger_imports`, so no import registers it twice) in the
same transaction that marks it `registering` with its sealed tracking token: a worker that dies at
any point leaves a row either untouched (`pending`) or `registering` with everything needed to
finish the very registration it started (same token, and its code once allocated).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, Text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from store.report_tables import LedgerImport

if TYPE_CHECKING:  # registering the table (store.db) must not pull in the spreadsheet readers
    from store.ledger_import import ImportReport, ImportRow

PENDING_CODE = "(登记中)"  # a claimed row whose case is being registered
FINAL = ("accepted", "failed", "rejected", "duplicate")


class LedgerImportRow(SQLModel, table=True):
    __tablename__ = "ledger_import_rows"

    job_id: str = Field(foreign_key="jobs.id", primary_key=True, max_length=32)
    row_number: int = Field(primary_key=True)  # as the spreadsheet numbers it
    status: str = Field(max_length=12)  # pending, registering, or one of FINAL
    title: str = Field(default="", max_length=200)
    community: str = Field(default="", max_length=60)
    case_code: str = Field(default="", max_length=32)  # registered as, or registered earlier as
    same_as_row: int | None = None  # a repeat of this row of the same file
    reasons: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON list
    # The resident's tracking token, sealed under SECRET_KEY and the job (`web.security.seal`): the
    # report shows it for a while, as the registration page shows it once, then it is erased.
    tracking_sealed: str | None = Field(default=None, max_length=200)

    @property
    def reason_list(self) -> list[str]:
        return list(json.loads(self.reasons)) if self.reasons else []


def plan_import(engine: Engine, job_id: str, report: ImportReport) -> bool:
    """Records every row of the file and the job's total; False (and nothing written) if an earlier
    attempt planned it already."""
    from store.jobs import Job  # the job table names this one: imported here, not at module level

    with Session(engine) as session:
        if session.exec(select(LedgerImportRow.row_number).where(LedgerImportRow.job_id == job_id)).first():
            return False
        for r in report.ready:
            session.add(_row(job_id, r, "pending"))
        for x in report.rejected:
            session.add(
                LedgerImportRow(
                    job_id=job_id,
                    row_number=x.row_number,
                    status="rejected",
                    reasons=json.dumps(x.reasons, ensure_ascii=False),
                )
            )
        for d in report.duplicates:
            session.add(_row(job_id, d.row, "duplicate", case_code=d.case_code, same_as_row=d.same_as_row))
        settled = len(report.rejected) + len(report.duplicates)
        session.execute(update(Job).where(col(Job.id) == job_id).values(done=settled, total=report.total))
        session.commit()
    return True


def rows_of(engine: Engine, job_id: str) -> list[LedgerImportRow]:
    with Session(engine) as session:
        query = select(LedgerImportRow).where(LedgerImportRow.job_id == job_id)
        return list(session.exec(query.order_by(col(LedgerImportRow.row_number))).all())


def claim_row(
    engine: Engine, job_id: str, row: ImportRow, sealed_token: str, *, filename: str, imported_by: str
) -> bool:
    """Claims the row's fingerprint and marks it `registering`; False when another import holds the
    fingerprint (the row is then recorded as a duplicate of that case)."""
    with Session(engine) as session:
        session.add(
            LedgerImport(
                fingerprint=row.fingerprint,
                case_code=PENDING_CODE,
                imported_at=datetime.now(UTC),
                filename=filename[:200],
                imported_by=imported_by,
            )
        )
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
        else:
            _move(session, job_id, row.row_number, "registering", tracking_sealed=sealed_token)
            session.commit()
            return True
        claim = session.get(LedgerImport, row.fingerprint)
        code = claim.case_code if claim else ""
        # Only a row still pending: one another attempt of this job is registering stays with it.
        _move(session, job_id, row.row_number, "duplicate", only_from="pending", case_code=code)
        session.commit()
    return False


def record_code(engine: Engine, job_id: str, row: ImportRow, code: str) -> None:
    """The code allocated to the row's case, kept (claim and row) before its workflow starts."""
    with Session(engine) as session:
        session.execute(
            update(LedgerImport)
            .where(col(LedgerImport.fingerprint) == row.fingerprint)
            .values(case_code=code)
        )
        _move(session, job_id, row.row_number, "registering", case_code=code)
        session.commit()


def accept_row(engine: Engine, job_id: str, row: ImportRow, code: str) -> None:
    with Session(engine) as session:
        session.execute(
            update(LedgerImport)
            .where(col(LedgerImport.fingerprint) == row.fingerprint)
            .values(case_code=code)
        )
        _move(session, job_id, row.row_number, "accepted", case_code=code)
        session.commit()


def fail_row(engine: Engine, job_id: str, row: ImportRow, reason: str, *, release: bool = True) -> None:
    """Not registered, for `reason`; the claim is released (unless `release` is False: when whether the
    case started is unknown, the row must never be imported again by mistake)."""
    with Session(engine) as session:
        if release:
            claim = session.get(LedgerImport, row.fingerprint)
            if claim is not None:
                session.delete(claim)
        reasons = json.dumps([reason], ensure_ascii=False)
        _move(session, job_id, row.row_number, "failed", reasons=reasons, tracking_sealed=None, case_code="")
        session.commit()


def forget_tracking(session: Session, job_ids: list[str]) -> None:
    """Erases the sealed tracking tokens of these jobs' rows (the caller commits)."""
    if job_ids:
        session.execute(
            update(LedgerImportRow)
            .where(
                col(LedgerImportRow.job_id).in_(job_ids), col(LedgerImportRow.tracking_sealed).is_not(None)
            )
            .values(tracking_sealed=None)
        )


def _row(job_id: str, row: ImportRow, status: str, **values: object) -> LedgerImportRow:
    return LedgerImportRow(
        job_id=job_id,
        row_number=row.row_number,
        status=status,
        title=row.title[:200],
        community=row.community_name[:60],
        **values,  # type: ignore[arg-type]
    )


def _move(
    session: Session, job_id: str, row_number: int, status: str, *, only_from: str = "", **values: object
) -> None:
    """Moves a row on (`only_from`: only a row in that status); a row reaching a final status counts
    once in its job's `done`."""
    from store.jobs import Job

    where = [col(LedgerImportRow.job_id) == job_id, col(LedgerImportRow.row_number) == row_number]
    if only_from:
        where.append(col(LedgerImportRow.status) == only_from)
    if status in FINAL:
        moved = session.execute(
            update(LedgerImportRow)
            .where(*where, col(LedgerImportRow.status).not_in(FINAL))
            .values(status=status, **values)
        ).rowcount
        if moved:
            session.execute(update(Job).where(col(Job.id) == job_id).values(done=col(Job.done) + 1))
    else:
        session.execute(update(LedgerImportRow).where(*where).values(status=status, **values))
