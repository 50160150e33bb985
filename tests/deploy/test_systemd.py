"""The single-server unit set: it parses, runs the entry points, and stays hardened."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

from workflows.search_attributes import CLI_TYPE_NAMES

SYSTEMD = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
SERVICES = sorted(path.name for path in SYSTEMD.glob("*.service"))
LONG_RUNNING = ("liudan-temporal.service", "liudan-worker@.service", "liudan-web@.service")


def unit(name: str) -> configparser.ConfigParser:
    # `%i` is a systemd specifier, not configparser interpolation.
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    assert parser.read(SYSTEMD / name, encoding="utf-8")
    return parser


def exec_start(name: str) -> str:
    """ExecStart with its continuation lines joined into one command line."""
    return " ".join(unit(name)["Service"]["ExecStart"].replace("\\\n", " ").split())


def test_unit_set_is_complete() -> None:
    expected = {*LONG_RUNNING, "liudan-migrate.service", "liudan-search-attributes.service"}
    assert expected <= set(SERVICES)
    assert (SYSTEMD / "liudan.target").exists()


@pytest.mark.parametrize("name", SERVICES)
def test_services_run_as_liudan_with_the_shared_settings_and_hardening(name: str) -> None:
    service = unit(name)["Service"]
    assert service["User"] == "liudan"
    assert service["EnvironmentFile"] == "/etc/liudan/liudan.env"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert "/var/lib/liudan" in service["ReadWritePaths"].split()


@pytest.mark.parametrize("name", SERVICES)
def test_services_belong_to_liudan_target(name: str) -> None:
    parsed = unit(name)
    assert parsed["Unit"]["PartOf"] == "liudan.target"
    assert parsed["Install"]["WantedBy"] == "liudan.target"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_restart_on_failure(name: str) -> None:
    assert unit(name)["Service"]["Restart"] == "on-failure"


def test_target_starts_the_fixed_units_and_boots_with_the_machine() -> None:
    target = unit("liudan.target")
    wants = set(target["Unit"]["Wants"].split())
    assert {"liudan-temporal.service", "liudan-search-attributes.service", "liudan-migrate.service"} <= wants
    assert target["Install"]["WantedBy"] == "multi-user.target"


def test_temporal_runs_the_embedded_dev_server_on_wal_sqlite() -> None:
    command = exec_start("liudan-temporal.service")
    assert re.match(r"\S*/temporal server start-dev ", command)
    for flag in (
        "--db-filename /var/lib/liudan/temporal.db",
        "--sqlite-pragma journal_mode=wal",
        "--sqlite-pragma synchronous=1",
        "--ip 127.0.0.1",
        "--ui-port 8233",
    ):
        assert flag in command
    assert dict(re.findall(r"--search-attribute (\w+)=(\w+)", command)) == CLI_TYPE_NAMES


def test_worker_runs_worker_py() -> None:
    # Each instance on its own metrics port (946<instance>), set where liudan.env cannot override it.
    assert re.fullmatch(
        r"/usr/bin/env WORKER_METRICS_PORT=946%i \S*/python worker\.py", exec_start("liudan-worker@.service")
    )
    assert unit("liudan-worker@.service")["Service"]["WorkingDirectory"] == "/opt/liudan/app"


def test_web_instances_listen_on_800_instance() -> None:
    command = exec_start("liudan-web@.service")
    assert re.match(r"\S*/uvicorn --factory web\.app:create_app ", command)
    assert "--host 127.0.0.1 --port 800%i" in command


def test_migration_and_search_attributes_run_before_the_processes() -> None:
    assert exec_start("liudan-migrate.service").endswith("python server.py init-db")
    assert exec_start("liudan-search-attributes.service").endswith("deploy/register-search-attributes.sh")
    for name in ("liudan-worker@.service", "liudan-web@.service"):
        after = unit(name)["Unit"]["After"].split()
        assert "liudan-migrate.service" in after
        assert "liudan-migrate.service" in unit(name)["Unit"]["Requires"].split()
    assert "liudan-search-attributes.service" in unit("liudan-worker@.service")["Unit"]["After"].split()
