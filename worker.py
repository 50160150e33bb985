"""The worker process: runs every case workflow and its (local) activities.

python worker.py          # TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, DATABASE_URL

It logs in LOG_FORMAT (each line with the code of the case it concerns), serves its Prometheus
metrics on WORKER_METRICS_HOST:WORKER_METRICS_PORT (the SDK's runtime series and the open / overdue /
escalated gauges, see liudan_metrics), and traces workflows and activities when
OTEL_EXPORTER_OTLP_ENDPOINT is set.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import datetime

from sqlalchemy.engine import Engine
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.runtime import MetricBuffer, Runtime
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.workflow import NondeterminismError

import liudan_tracing
import payloads
from activities.appointments import AppointmentActivities
from activities.backlog_rules import BacklogRuleActivities
from activities.backlogs import BacklogActivities
from activities.deadlines import DeadlineActivities
from activities.directory import DirectoryRefresher
from activities.jobs import JobActivities
from activities.letters import LetterActivities
from activities.mail import MailSettings, SmtpMail
from activities.notices import NoticePolicy
from activities.notifications import NotificationActivities
from activities.petitions import PetitionActivities
from activities.projection import ProjectionActivities
from activities.reconcile import PROCESSES, ReconcileActivities, Reconciler, ensure_schedules, reconcile_all
from activities.sms import AliyunSms, OutboxSms, SmsSender
from liudan_logging import CaseLogContext, configure_logging
from liudan_metrics import WorkerMetrics, metrics_runtime
from payloads.keys import PayloadKeysInvalid
from settings import Settings, get_settings
from store.db import create_schema, make_engine
from web.services.ledger_rows import LedgerRowRegistrar
from workdays import SHANGHAI
from workflows import search_attributes
from workflows.appointment.workflow import AppointmentWorkflow
from workflows.backlog.sweep import BacklogRulesWorkflow
from workflows.backlog.workflow import BacklogWorkflow
from workflows.case import CaseWorkflow
from workflows.jobs.ledger_import import LedgerImportWorkflow
from workflows.jobs.rebuild import RebuildWorkflow
from workflows.mailbox.workflow import MailboxWorkflow
from workflows.notify.digest import LeaderDigestWorkflow
from workflows.notify.dispatch import NotificationDispatchWorkflow
from workflows.petition.workflow import PetitionWorkflow
from workflows.reconcile import ReconcileWorkflow
from workflows.types import ReconcileRequest, ReconcileScope

log = logging.getLogger("liudan.worker")


# Workflow support modules every workflow run shares instead of loading afresh in its sandbox: pure
# functions, constants and payload dataclasses, with no state that changes after import, no I/O, no
# clock, no randomness (patches.patched asks the running workflow). The workflow modules themselves
# (workflows.case, ...) still load afresh per run and stay under the sandbox's checks. The workflows
# import these inside `imports_passed_through()` already, but `from workflows import rules` loaded a
# second copy per run (the package is loaded afresh with the workflow module), which cost about half
# of a case's sandbox set-up and left two `Effects` classes in one run. `workflows.directory` is not
# listed: it holds the worker's directory view, passed through by name where it is used.
PURE_WORKFLOW_MODULES = (
    "activities.api",
    "workflows.decisions",
    "workflows.ids",
    "workflows.patches",
    "workflows.policies",
    "workflows.rules",
    "workflows.search_attributes",
    "workflows.tasks",
    "workflows.transitions",
    "workflows.types",
    "workflows.who",
    "workflows.appointment.ids",
    "workflows.appointment.types",
    "workflows.backlog.ids",
    "workflows.backlog.policy",
    "workflows.backlog.rules",
    "workflows.backlog.transitions",
    "workflows.backlog.types",
    "workflows.jobs.ids",
    "workflows.jobs.types",
    "workflows.mailbox.ids",
    "workflows.mailbox.policy",
    "workflows.mailbox.rules",
    "workflows.mailbox.types",
    "workflows.notify.api",
    "workflows.notify.types",
    "workflows.petition.decisions",
    "workflows.petition.ids",
    "workflows.petition.policy",
    "workflows.petition.rules",
    "workflows.petition.tasks",
    "workflows.petition.transitions",
    "workflows.petition.types",
    "workflows.petition.who",
)
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*PURE_WORKFLOW_MODULES)
)


class SearchAttributesMissing(RuntimeError):
    pass


async def check_search_attributes(client: Client) -> None:
    """Refuses to run against a namespace without the case search attributes.

    An unregistered attribute does not fail loudly: the workflow task fails and retries forever,
    and the case hangs. Better to stop here with the fix in the message.
    """
    resp = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = [
        f"{name}={search_attributes.CLI_TYPE_NAMES[name]}"
        for name, kind in search_attributes.INDEXED_TYPES.items()
        if resp.custom_attributes.get(name) != kind
    ]
    if missing:
        raise SearchAttributesMissing(
            f"namespace {client.namespace!r} lacks the case search attributes {', '.join(missing)}; "
            "register them with deploy/register-search-attributes.sh (or start the dev server with "
            "`python server.py --dev`, which registers them)"
        )


def sms_sender(engine: Engine, settings: Settings) -> SmsSender:
    if settings.sms_provider == "aliyun":
        pairs = (pair.partition("=") for pair in settings.aliyun_sms_templates.split(","))
        templates = {event.strip(): code.strip() for event, _, code in pairs if event.strip()}
        return AliyunSms(
            settings.aliyun_access_key_id,
            settings.aliyun_access_key_secret,
            settings.sms_sign_name,
            templates,
        )
    return OutboxSms(engine, settings.sms_sign_name)


def notification_activities(engine: Engine, settings: Settings) -> NotificationActivities:
    """The notification activities as the settings configure them (SMS provider, SMTP, quiet hours)."""
    mail = MailSettings(
        host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
        password=settings.smtp_password, sender=settings.smtp_sender, starttls=settings.smtp_starttls,
    )  # fmt: skip
    return NotificationActivities(
        engine,
        sms_sender(engine, settings),
        SmtpMail(mail),
        public_url=settings.public_url,
        policy=NoticePolicy.parse(settings.notify_quiet_hours),
    )


def build_worker(
    client: Client,
    engine: Engine,
    task_queue: str,
    *,
    strict: bool = False,
    notifications: NotificationActivities | None = None,
    max_cached_workflows: int = 1000,
    settings: Settings | None = None,
) -> Worker:
    """The worker for every case. It installs the directory view the decision validators check names
    against before it polls.

    `strict` (the test suite): a non-deterministic replay fails the workflow at once instead of
    retrying its task, so a determinism bug fails a test rather than hanging it. In production a
    task retries until a fixed worker is deployed, and the case waits intact.

    `settings`: those a ledger import job registers its cases with (code prefix, task queue,
    SECRET_KEY for the tracking links), the web's; None reads the process's own when first needed.
    """
    DirectoryRefresher(engine).install()
    # Without configuration (tests): SMS to the outbox table, no email, and no quiet hours, so that
    # what a test sees does not depend on the hour it runs at (the quiet hours have tests of their own).
    notify = notifications or NotificationActivities(
        engine,
        OutboxSms(engine, "六单"),
        SmtpMail(MailSettings()),
        public_url="http://localhost:8000",
        policy=NoticePolicy.parse(""),
    )
    deadlines = DeadlineActivities(engine)
    projection = ProjectionActivities(engine, notify.policy)
    reconcile = ReconcileActivities(client, engine)
    petitions = PetitionActivities(engine, notices=notify.policy)
    backlogs = BacklogActivities(engine)
    appointments = AppointmentActivities(engine, notify.policy)
    letters = LetterActivities(engine)
    backlog_rules = BacklogRuleActivities(client, engine, task_queue)
    jobs = JobActivities(client, engine, LedgerRowRegistrar(engine, client, settings))
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[
            CaseWorkflow,
            PetitionWorkflow,
            BacklogWorkflow,
            AppointmentWorkflow,
            MailboxWorkflow,
            ReconcileWorkflow,
            BacklogRulesWorkflow,
            NotificationDispatchWorkflow,
            LeaderDigestWorkflow,
            LedgerImportWorkflow,
            RebuildWorkflow,
        ],
        activities=[
            deadlines.compute_deadline,
            projection.project_case,
            reconcile.reconcile_cases,
            petitions.project_petition,
            petitions.number_document,
            backlogs.project_backlog,
            appointments.project_appointment,
            letters.project_letter,
            backlog_rules.designate_by_rule,
            notify.due_notifications,
            notify.deliver_notification,
            notify.queue_digests,
            jobs.import_ledger,
            jobs.rebuild_read_model,
            jobs.fail_job,
        ],
        workflow_runner=WORKFLOW_RUNNER,
        workflow_failure_exception_types=[NondeterminismError] if strict else [],
        max_cached_workflows=max_cached_workflows,  # WORKER_MAX_CACHED_WORKFLOWS: bounds the memory
        # Log lines of activities carry their case's code. (Tracing comes with a traced client.)
        interceptors=[CaseLogContext()],
    )


async def after_start(
    client: Client, engine: Engine, task_queue: str, notify_interval_seconds: int = 60
) -> None:
    """Once the worker polls: the reconciler's schedules exist, the code sequences are past every code
    Temporal has seen, and the cases changed in the last hour (where a crash of the previous process
    left phantoms, if any) equal what Temporal holds. Failures are logged; the worker runs regardless."""
    try:
        await ensure_schedules(client, task_queue, notify_interval_seconds)
        for process in PROCESSES:  # cases and petitions: each its own code sequences
            await Reconciler(client, engine, process).recover_sequences(year=datetime.now(SHANGHAI).year)
        report = await reconcile_all(
            client, engine, ReconcileRequest(ReconcileScope.RECENT, window_minutes=60)
        )
        log.info("start-up reconcile: %d checked, %d repaired", report.checked, len(report.repaired))
    except Exception:
        log.warning("start-up reconcile did not finish; the scheduled one will", exc_info=True)


async def run_worker(settings: Settings, stop: asyncio.Event, buffer: MetricBuffer | None = None) -> None:
    """`buffer`: where the Temporal runtime records the SDK's metrics (see `main`)."""
    provider = liudan_tracing.tracer_provider(settings, "liudan-worker")
    client = liudan_tracing.traced(await payloads.connect(settings), provider)
    await check_search_attributes(client)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    metrics = WorkerMetrics(engine, buffer)
    exporting = asyncio.create_task(metrics.run(settings, serve=True))
    try:
        notify = notification_activities(engine, settings)
        async with build_worker(
            client,
            engine,
            settings.task_queue,
            notifications=notify,
            max_cached_workflows=settings.worker_max_cached_workflows,
        ):
            log.info("worker running on task queue %s at %s", settings.task_queue, settings.temporal_address)
            maintenance = asyncio.create_task(
                after_start(client, engine, settings.task_queue, settings.notify_interval_seconds)
            )
            await stop.wait()
            maintenance.cancel()
    finally:
        exporting.cancel()
        metrics.close()
        if provider is not None:
            provider.shutdown()


def main() -> None:
    settings = get_settings()
    configure_logging(settings, force=True)
    # Before the first client: clients and workers keep the runtime they were made on.
    runtime, buffer = metrics_runtime()
    Runtime.set_default(runtime)
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, stop, buffer)

    try:
        asyncio.run(run())
    except (SearchAttributesMissing, PayloadKeysInvalid) as unusable:
        log.error("%s", unusable)
        sys.exit(2)


if __name__ == "__main__":
    main()
