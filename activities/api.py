"""The activities as workflows call them: their names and payload types, and nothing else.

Workflows import this module (through the sandbox's pass-through), never the implementations, so
`workflows/` pulls in nothing of the store or SQLAlchemy. Each stub's name is the one its
implementation registers (`activities.deadlines`, `activities.projection`, `activities.reconcile`);
a worker runs the implementation, never these bodies.
"""

from __future__ import annotations

from temporalio import activity

from workflows.appointment.types import AppointmentProjection
from workflows.backlog.types import BacklogProjection, BacklogRuleReport, BacklogRuleRequest
from workflows.jobs.types import (
    JobFailure,
    LedgerImportOutcome,
    LedgerImportRequest,
    RebuildOutcome,
    RebuildRequest,
)
from workflows.mailbox.types import LetterProjection
from workflows.petition.types import DocumentNumberRequest, PetitionProjection
from workflows.types import DeadlineRequest, DeadlineResult, Projection, ReconcileReport, ReconcileRequest


@activity.defn(name="compute_deadline")
async def compute_deadline(request: DeadlineRequest) -> DeadlineResult:
    """A policy span as a warning point and a deadline (activities.deadlines)."""
    raise NotImplementedError("run by activities.deadlines.DeadlineActivities")


@activity.defn(name="project_case")
async def project_case(projection: Projection) -> bool:
    """A case's state written to the read model (activities.projection)."""
    raise NotImplementedError("run by activities.projection.ProjectionActivities")


@activity.defn(name="reconcile_cases")
async def reconcile_cases(request: ReconcileRequest) -> ReconcileReport:
    """One pass of the reconciler (activities.reconcile)."""
    raise NotImplementedError("run by activities.reconcile.ReconcileActivities")


@activity.defn(name="project_petition")
async def project_petition(projection: PetitionProjection) -> bool:
    """A petition's state written to the read model (activities.petitions)."""
    raise NotImplementedError("run by activities.petitions.PetitionActivities")


@activity.defn(name="number_document")
async def number_document(request: DocumentNumberRequest) -> str:
    """The document number (文号) of a petition document, the same on every retry (activities.petitions)."""
    raise NotImplementedError("run by activities.petitions.PetitionActivities")


@activity.defn(name="project_backlog")
async def project_backlog(projection: BacklogProjection) -> bool:
    """A backlog case's state written to the read model (activities.backlogs)."""
    raise NotImplementedError("run by activities.backlogs.BacklogActivities")


@activity.defn(name="project_appointment")
async def project_appointment(projection: AppointmentProjection) -> bool:
    """An appointment written to the read model (activities.appointments)."""
    raise NotImplementedError("run by activities.appointments.AppointmentActivities")


@activity.defn(name="project_letter")
async def project_letter(projection: LetterProjection) -> bool:
    """A director's-mailbox letter written to the read model (activities.letters)."""
    raise NotImplementedError("run by activities.letters.LetterActivities")


@activity.defn(name="designate_by_rule")
async def designate_by_rule(request: BacklogRuleRequest) -> BacklogRuleReport:
    """One pass of the 积案 rules (activities.backlog_rules)."""
    raise NotImplementedError("run by activities.backlog_rules.BacklogRuleActivities")


@activity.defn(name="import_ledger")
async def import_ledger(request: LedgerImportRequest) -> LedgerImportOutcome:
    """A stored ledger file's rows registered, progress on the job (activities.jobs)."""
    raise NotImplementedError("run by activities.jobs.JobActivities")


@activity.defn(name="rebuild_read_model")
async def rebuild_read_model(request: RebuildRequest) -> RebuildOutcome:
    """Every process's read model rebuilt from Temporal, progress on the job (activities.jobs)."""
    raise NotImplementedError("run by activities.jobs.JobActivities")


@activity.defn(name="fail_job")
async def fail_job(failure: JobFailure) -> None:
    """A job marked failed, for its page (activities.jobs)."""
    raise NotImplementedError("run by activities.jobs.JobActivities")
