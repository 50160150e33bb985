"""/metrics: the request series by route template, the business gauges by org, the SDK's runtime
series, and who may read them (web and worker alike)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from liudan_metrics import WorkerMetrics, metrics_runtime
from store.models import Case
from tests.utils.web import Browser, new_case, running_app, web_settings
from web.observability import BUCKETS
from worker import build_worker

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))


async def scrape(app: FastAPI, addr: str = "127.0.0.1") -> str:
    reader = Browser(app, addr)
    try:
        response = await reader.get("/metrics")
    finally:
        await reader.close()
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


@pytest.fixture
async def gauges(app: FastAPI) -> AsyncIterator[WorkerMetrics]:
    """The worker's series in the process registry, as `make run` puts them beside the web."""
    metrics = WorkerMetrics(app.state.engine, None, REGISTRY)
    yield metrics
    metrics.close()


async def test_requests_are_counted_by_route_template_never_by_path(app, browser) -> None:
    code, _ = await new_case(app)
    officer = await browser("community-qinghe")
    for _ in range(2):
        assert (await officer.get(f"/cases/{code}")).status_code == 200
    assert (await officer.get(f"/no/such/page/{code}")).status_code == 404

    text = await scrape(app)
    found = samples(text)
    page = {"method": "GET", "route": "/cases/{code}"}
    assert value(found, "liudan_http_requests_total", **page, status="200") == 2
    assert value(found, "liudan_http_requests_total", method="GET", route="unmatched", status="404") == 1
    buckets = {
        labels: v for (name, labels), v in found.items() if name.endswith("_seconds_bucket") and labels
    }
    le = sorted(float(dict(k)["le"]) for k in buckets if dict(k).get("route") == "/cases/{code}")
    assert le == [*BUCKETS, float("inf")]
    assert value(found, "liudan_http_request_duration_seconds_bucket", **page, le="+Inf") == 2
    assert value(found, "liudan_http_request_duration_seconds_count", **page) == 2
    assert (value(found, "liudan_http_request_duration_seconds_sum", **page) or 0) > 0
    # The process registry rides along; no case code (or anything a resident gave) ever does.
    assert "process_cpu_seconds_total" in text or "python_info" in text
    assert code not in text and "13812341234" not in text


async def test_business_gauges_count_open_overdue_and_escalated_cases_by_org(app, gauges) -> None:
    first, _ = await new_case(app)
    second, _ = await new_case(app)
    with Session(app.state.engine) as session:
        held = session.get(Case, second)
        assert held is not None
        held.holder_org_ids, held.overdue, held.supervision_level = "dp-zhujian dp-shuiwu", True, 1
        session.add(held)
        session.commit()

    found = samples(await scrape(app))
    community = {"process": "case", "org": "cm-qinghe"}
    assert value(found, "liudan_cases_open", **community) == 1
    assert value(found, "liudan_cases_overdue", **community) == 0
    assert value(found, "liudan_cases_escalated", **community) == 0
    for department in ("dp-zhujian", "dp-shuiwu"):
        held_by = {"process": "case", "org": department}
        assert value(found, "liudan_cases_open", **held_by) == 1
        assert value(found, "liudan_cases_overdue", **held_by) == 1
        assert value(found, "liudan_cases_escalated", **held_by) == 1
    assert first not in str(found) and second not in str(found)


async def test_only_allowed_networks_read_metrics_and_nginx_does_not_count_as_one(
    client, engine, task_queue, tmp_path
) -> None:
    settings = web_settings(
        task_queue, tmp_path, trusted_proxies="172.30.80.10", metrics_allowed_networks="172.30.81.10,::1"
    )
    async with running_app(settings, client, engine) as app:
        prometheus = Browser(app, "172.30.81.10")
        assert (await prometheus.get("/metrics")).status_code == 200
        for reader in (Browser(app, "127.0.0.1"), Browser(app, "10.0.0.7")):
            assert (await reader.get("/metrics")).status_code == 403
        # Through nginx (a trusted proxy) the visitor's address counts, even one that names Prometheus's.
        nginx = Browser(app, "172.30.80.10")
        for forwarded in ("203.0.113.9", "172.30.81.10, 203.0.113.9"):
            relayed = await nginx.get("/metrics", headers={"X-Forwarded-For": forwarded})
            assert relayed.status_code == 403
        ipv6 = Browser(app, "::1")
        assert (await ipv6.get("/metrics")).status_code == 200


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_worker_serves_the_sdk_runtime_series_and_the_gauges(time_env, engine, tmp_path) -> None:
    """As `python worker.py` runs: a runtime recording into a buffer, a worker on it, the endpoint."""
    from prometheus_client import CollectorRegistry
    from temporalio.client import Client

    from tests.utils.cases import registration, start_case

    runtime, buffer = metrics_runtime()
    client = await Client.connect(
        time_env.client.service_client.config.target_host,
        namespace=time_env.client.namespace,
        data_converter=time_env.client.data_converter,
        runtime=runtime,
    )
    task_queue = f"tq-{uuid.uuid4()}"
    port = free_port()
    settings = web_settings(task_queue, tmp_path, worker_metrics_port=port)
    registry = CollectorRegistry()
    metrics = WorkerMetrics(engine, buffer, registry)
    serving = asyncio.create_task(metrics.run(settings, serve=True))
    try:
        async with build_worker(client, engine, task_queue, strict=True):
            handle = await start_case(client, task_queue, registration(), track=False)
            for _ in range(100):
                if metrics.server is not None and metrics.server.started:
                    break
                await asyncio.sleep(0.05)
            async with httpx.AsyncClient() as http:
                response = await http.get(f"http://127.0.0.1:{port}/metrics")
                elsewhere = await http.get(f"http://127.0.0.1:{port}/other")
            await handle.terminate("test finished")
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        metrics.close()
    assert response.status_code == 200 and elsewhere.status_code == 404
    found = samples(response.text)
    names = {name for name, _ in found}
    assert {
        "temporal_workflow_task_execution_latency_bucket",
        "temporal_worker_task_slots_available",
        "temporal_request_total",
        "temporal_sticky_cache_size",
    } <= names, sorted(n for n in names if n.startswith("temporal_"))
    latency = [
        dict(labels)
        for name, labels in found
        if name == "temporal_workflow_task_execution_latency_count"
        and dict(labels).get("task_queue") == task_queue
    ]
    assert latency and latency[0]["workflow_type"] == "CaseWorkflow"
    assert value(found, "liudan_cases_open", process="case", org="cm-qinghe") is not None


async def test_the_worker_endpoint_refuses_readers_outside_the_allowed_networks(engine, tmp_path) -> None:
    from prometheus_client import CollectorRegistry

    port = free_port()
    settings = web_settings(
        "unused", tmp_path, worker_metrics_port=port, metrics_allowed_networks="10.0.0.0/8"
    )
    metrics = WorkerMetrics(engine, None, CollectorRegistry())
    serving = asyncio.create_task(metrics.run(settings, serve=True))
    try:
        for _ in range(100):
            if metrics.server is not None and metrics.server.started:
                break
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient() as http:
            refused = await http.get(f"http://127.0.0.1:{port}/metrics")
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
    assert refused.status_code == 403 and "liudan_" not in refused.text
