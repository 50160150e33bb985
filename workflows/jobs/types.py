"""Payloads of the job workflows: stdlib only, recorded in histories, so every field added later has a
default that means "as before". Only ids travel here: the uploaded file stays in the read model
(`store.jobs.JobUpload`), never in Temporal's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from workflows.types import Actor


class JobError(StrEnum):
    """Why a job failed: the `type` of the activity's non-retryable `ApplicationError`, stored on the job
    and worded by the page."""

    JOB_MISSING = "JobMissing"  # the job's row is gone (purged, or the read model was replaced)
    UPLOAD_MISSING = "UploadMissing"  # the file it was to import is gone
    UNREADABLE = "LedgerUnreadable"  # the file cannot be read (checked at upload, so rare)
    INTERRUPTED = "Interrupted"  # anything else, after the retries ran out

    @classmethod
    def business(cls) -> list[str]:
        """The types a retry cannot cure."""
        return [cls.JOB_MISSING.value, cls.UPLOAD_MISSING.value, cls.UNREADABLE.value]


@dataclass
class LedgerImportRequest:
    job_id: str
    registered_by: Actor  # the officer who uploaded the file: each row is registered as by them


@dataclass
class LedgerImportOutcome:
    """Counts only (the rows themselves, with residents' details, stay in the read model)."""

    registered: int = 0
    rejected: int = 0
    duplicates: int = 0
    failed: int = 0


@dataclass
class RebuildRequest:
    job_id: str


@dataclass
class RebuildOutcome:
    checked: int = 0
    repaired: int = 0
    missing: int = 0
    failed: list[str] = field(default_factory=list)  # codes Temporal could not answer for this time


@dataclass
class JobFailure:
    job_id: str
    error: JobError = JobError.INTERRUPTED
