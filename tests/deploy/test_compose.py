"""The compose topology and what it shares with the code: settings names, search attributes, ports.

Static checks only (no Docker here): the compose file, nginx.conf, the env examples, the scripts.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from settings import DEV_SECRET_KEY, Settings
from workflows.search_attributes import CLI_TYPE_NAMES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS_NAMES = {name.upper() for name in Settings.model_fields}
APP_SERVICES = ("liudan-migrate", "worker", "web")
TEMPORAL_SERVICES = (
    "temporal-schema",
    "temporal",
    "temporal-namespace",
    "temporal-search-attributes",
    "temporal-ui",
)
# `${NAME:-default}` or `${NAME:?message}`, as compose interpolates them.
VARIABLE = re.compile(r"\$\{(\w+)(?::[-?]([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def env_file_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line.split("=", 1)[0].strip())
    return names


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def image_tag(image: str) -> str:
    name = image.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else ""


def published(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host port, container port) of each `ports` entry, bind address and defaults resolved."""
    result = []
    for spec in service.get("ports", []):
        parts = VARIABLE.sub(lambda m: m.group(2) or "", str(spec)).split(":")
        result.append((parts[-2], parts[-1]))
    return result


def test_expected_services_exist(services: dict[str, Any]) -> None:
    expected = {
        "temporal-db",
        "elasticsearch",
        "readmodel-db",
        "nginx",
        "prometheus",
        "grafana",
        *TEMPORAL_SERVICES,
        *APP_SERVICES,
    }
    assert expected <= services.keys()


def test_temporal_images_come_from_temporalio_with_pinned_tags(services: dict[str, Any]) -> None:
    tags = {}
    for name in TEMPORAL_SERVICES:
        image = services[name]["image"]
        assert image.startswith("temporalio/"), image
        assert re.fullmatch(r"\d+\.\d+\.\d+", image_tag(image)), f"{name}: {image} is not pinned"
        tags[image.split(":")[0]] = image_tag(image)
    assert tags["temporalio/server"] == tags["temporalio/admin-tools"]
    # auto-setup is deprecated: the schema job and temporalio/server replace it.
    assert "temporalio/auto-setup" not in tags


def test_every_third_party_image_has_a_tag_other_than_latest(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if "build" in service:
            continue
        tag = image_tag(service["image"])
        assert tag and tag != "latest", f"{name}: {service['image']}"


def test_temporal_persists_to_postgres_with_elasticsearch_visibility(services: dict[str, Any]) -> None:
    env = environment(services["temporal"])
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "temporal-db"
    assert {"POSTGRES_USER", "POSTGRES_PWD", "DB_PORT"} <= env.keys()
    assert env["ENABLE_ES"] == "true"
    assert env["ES_SEEDS"] == "elasticsearch"
    assert env["ES_VERSION"] in {"v7", "v8"}
    assert env["ES_VIS_INDEX"] == environment(services["temporal-schema"])["ES_VISIBILITY_INDEX"]
    assert (
        services["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    )


def test_temporal_and_read_model_use_separate_postgres_instances(services: dict[str, Any]) -> None:
    assert services["temporal-db"]["image"].startswith("postgres:")
    assert services["readmodel-db"]["image"].startswith("postgres:")
    database_url = environment(services["worker"])["DATABASE_URL"]
    assert database_url.startswith("postgresql+psycopg://liudan:")
    assert "@readmodel-db:5432/liudan" in database_url


def test_passwords_are_never_written_into_the_compose_file(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for key, value in environment(service).items():
            if "PASSWORD" in key or key.endswith("_PWD"):
                assert VARIABLE.fullmatch(value), f"{name}: {key} is a literal"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_get_only_settings_names(services: dict[str, Any], name: str) -> None:
    service = services[name]
    assert service["env_file"] == ".env"
    assert environment(service).keys() <= SETTINGS_NAMES
    assert environment(service)["LIUDAN_ENV"] == "production"
    assert "build" in service and service["build"]["dockerfile"] == "deploy/Dockerfile"


def test_env_example_lists_exactly_the_settings_fields() -> None:
    names = env_file_names(DEPLOY / ".env.example")
    assert len(names) == len(set(names)), "a setting appears twice"
    assert set(names) == SETTINGS_NAMES


def test_env_example_loads_once_its_secret_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SETTINGS_NAMES:
        monkeypatch.delenv(name, raising=False)
    text = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    env_file = tmp_path / ".env"
    env_file.write_text(
        re.sub(r"(?m)^SECRET_KEY=.*$", f"SECRET_KEY={secrets.token_urlsafe(48)}", text), encoding="utf-8"
    )
    settings = Settings(_env_file=env_file)
    assert not settings.dev_mode


def test_env_example_secret_is_a_placeholder_that_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS_NAMES:
        monkeypatch.delenv(name, raising=False)
    text = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    assert DEV_SECRET_KEY not in text
    assert 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in text
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=DEPLOY / ".env.example")


def test_compose_variables_are_documented_in_compose_env_example() -> None:
    used = set(VARIABLE.findall((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")))
    documented = set(env_file_names(DEPLOY / "compose.env.example"))
    assert {name for name, _ in used} <= documented
    # Compose-level knobs never reach the processes: .env holds Settings fields only.
    assert not documented & SETTINGS_NAMES


@pytest.mark.parametrize(("name", "variable"), [("worker", "WORKER_REPLICAS"), ("web", "WEB_REPLICAS")])
def test_replicas_are_configurable_defaulting_to_two(
    services: dict[str, Any], name: str, variable: str
) -> None:
    assert services[name]["deploy"]["replicas"] == f"${{{variable}:-2}}"
    assert "container_name" not in services[name]  # a fixed name would forbid replicas


def test_nginx_proxies_to_the_web_service_port(services: dict[str, Any]) -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream\s+(\w+)\s*\{([^}]*)\}", conf)
    assert upstream
    command = services["web"]["command"]
    web_port = command[command.index("--port") + 1]
    assert re.search(rf"\bserver\s+web:{web_port}\b", upstream.group(2))
    assert f"proxy_pass http://{upstream.group(1)};" in conf
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert re.search(r"client_max_body_size\s+20m;", conf)
    mount = "./nginx.conf:/etc/nginx/conf.d/default.conf:ro"
    assert mount in services["nginx"]["volumes"]


def test_published_ports_are_the_documented_ones(services: dict[str, Any]) -> None:
    assert published(services["temporal"]) == [("7233", "7233")]
    assert published(services["temporal-ui"]) == [("8080", "8080")]
    assert published(services["nginx"]) == [("80", "80")]
    assert published(services["grafana"]) == [("3000", "3000")]
    ports = {name for name, service in services.items() if service.get("ports")}
    assert ports == {"temporal", "temporal-ui", "nginx", "grafana"}
    # Like the Temporal UI, Grafana listens on the host's loopback unless told otherwise.
    assert services["grafana"]["ports"] == ["${GRAFANA_BIND:-127.0.0.1}:3000:3000"]


def test_temporal_ui_points_at_the_server(services: dict[str, Any]) -> None:
    env = environment(services["temporal-ui"])
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert "TEMPORAL_CORS_ORIGINS" in env


def test_health_conditions_have_health_checks(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}"


def test_app_starts_after_migration_and_search_attributes(services: dict[str, Any]) -> None:
    assert services["liudan-migrate"]["command"] == ["python", "server.py", "init-db"]
    assert services["worker"]["command"] == ["python", "worker.py"]
    assert services["web"]["command"][:3] == ["uvicorn", "--factory", "web.app:create_app"]
    for name in ("worker", "web"):
        depends = services[name]["depends_on"]
        assert depends["liudan-migrate"]["condition"] == "service_completed_successfully"
        assert depends["temporal-search-attributes"]["condition"] == "service_completed_successfully"


def test_mounted_files_exist(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"


def test_search_attribute_script_registers_the_code_list() -> None:
    script = (DEPLOY / "register-search-attributes.sh").read_text(encoding="utf-8")
    block = re.search(r'^SEARCH_ATTRIBUTES="\n(.*?)^"', script, re.S | re.M)
    assert block
    listed = dict(line.split(":") for line in block.group(1).split())
    assert listed == CLI_TYPE_NAMES
    assert "operator search-attribute create" in script
    assert '--namespace "$NS"' in script


@pytest.mark.parametrize(
    "script",
    ["register-search-attributes.sh", "temporal/setup-schema.sh", "temporal/create-namespace.sh"],
)
def test_scripts_are_posix_sh(script: str) -> None:
    path = DEPLOY / script
    assert path.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", str(path)], check=True)


def test_dockerfile_builds_a_non_root_runtime_image() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert re.search(r"^RUN pip install \.", dockerfile, re.M)
    assert "[dev]" not in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}


# ── Monitoring ────────────────────────────────────────────────────────────────────────────────

# Series of the Temporal SDK the dashboard charts (its metrics reference; `_total` added to counters).
SDK_SERIES = {
    "temporal_workflow_task_execution_latency_bucket",
    "temporal_workflow_task_schedule_to_start_latency_bucket",
    "temporal_local_activity_execution_latency_bucket",
    "temporal_workflow_task_execution_failed_total",
    "temporal_local_activity_execution_failed_total",
    "temporal_activity_execution_failed_total",
    "temporal_sticky_cache_size",
    "temporal_worker_task_slots_available",
    "temporal_request_total",
    "temporal_request_failure_total",
}


def liudan_series() -> set[str]:
    """Every series name the web and the worker export under `liudan_`."""
    from prometheus_client import CollectorRegistry

    from store.ops_metrics import GAUGES
    from web.observability import HttpMetrics

    registry = CollectorRegistry()
    metrics = HttpMetrics(registry)
    metrics.requests.labels("GET", "/", "200").inc()
    metrics.duration.labels("GET", "/").observe(0.1)
    names = {sample.name for family in registry.collect() for sample in family.samples}
    return names | {name for name, _ in GAUGES.values()}


def test_prometheus_scrapes_every_web_and_worker_replica_on_their_metrics_ports(
    services: dict[str, Any],
) -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    command = services["web"]["command"]
    expected = {
        "liudan-web": ("web", int(command[command.index("--port") + 1])),
        "liudan-worker": ("worker", int(environment(services["worker"])["WORKER_METRICS_PORT"])),
    }
    for job_name, (service, port) in expected.items():
        job = jobs[job_name]
        assert job.get("metrics_path", "/metrics") == "/metrics"
        # Docker's DNS answers every replica of the service: scaling needs no edit here.
        assert job["dns_sd_configs"] == [{"names": [service], "type": "A", "port": port}]
    assert environment(services["worker"])["WORKER_METRICS_HOST"] == "0.0.0.0"
    mount = "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"
    assert mount in services["prometheus"]["volumes"]


def test_only_prometheus_may_read_the_metrics(services: dict[str, Any], compose: dict[str, Any]) -> None:
    address = services["prometheus"]["networks"]["metrics"]["ipv4_address"]
    for name in ("web", "worker"):
        assert environment(services[name])["METRICS_ALLOWED_NETWORKS"] == address
        assert "metrics" in services[name]["networks"]
    metrics = compose["networks"]["metrics"]
    assert metrics["internal"] is True
    (pool,) = metrics["ipam"]["config"]
    resolve = lambda value: VARIABLE.sub(lambda m: m.group(2) or "", value)  # noqa: E731
    prometheus_ip = ipaddress.ip_address(resolve(address))
    assert prometheus_ip in ipaddress.ip_network(resolve(pool["subnet"]))
    assert prometheus_ip not in ipaddress.ip_network(resolve(pool["ip_range"]))
    assert "ports" not in services["prometheus"]
    # The web's own rule resolves nginx's visitors to their address, and nginx refuses /metrics anyway.
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"location = /metrics \{\s*return 404;\s*\}", conf)
    assert "proxy_set_header X-Request-ID $request_id;" in conf


def test_grafana_provisions_the_dashboard_on_prometheus(services: dict[str, Any]) -> None:
    grafana = DEPLOY / "grafana"
    datasources = yaml.safe_load((grafana / "provisioning/datasources/prometheus.yml").read_text("utf-8"))
    (source,) = datasources["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    providers = yaml.safe_load((grafana / "provisioning/dashboards/liudan.yml").read_text("utf-8"))
    (provider,) = providers["providers"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in services["grafana"]["volumes"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in services["grafana"]["volumes"]
    assert VARIABLE.fullmatch(environment(services["grafana"])["GF_SECURITY_ADMIN_PASSWORD"])

    dashboard = json.loads((grafana / "dashboards/liudan.json").read_text(encoding="utf-8"))
    charts = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    assert charts and all(panel["datasource"]["uid"] == source["uid"] for panel in charts)
    exprs = [target["expr"] for panel in charts for target in panel["targets"]]
    referenced = set(re.findall(r"\b(?:liudan|temporal)_[a-z_]+\b", " ".join(exprs)))
    exported = liudan_series()
    assert {name for name in referenced if name.startswith("liudan_")} <= exported
    assert {name for name in referenced if name.startswith("temporal_")} <= SDK_SERIES
    # Every family the processes export is charted.
    for family in (
        "liudan_http_requests_total",
        "liudan_http_request_duration_seconds_bucket",
        "liudan_cases_open",
        "liudan_cases_overdue",
        "liudan_cases_escalated",
    ):
        assert family in exported and family in referenced, family
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
