"""Traces: a request that starts a case and one that decides on it each make one trace from the web's
span through the Temporal client's to the worker's; with no collector configured, nothing is traced."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import liudan_tracing
from settings import Settings
from tests.utils.web import CODE, Browser, running_app, web_settings
from worker import build_worker

COLLECTOR = "http://otel-collector.test:4318"
CASE_FORM = {
    "channel": "visit",
    "reporter_name": "张秀兰",
    "reporter_phone": "13812341234",
    "reporter_address": "清河小区3栋2单元501",
    "community_org_id": "cm-qinghe",
    "title": "小区门口路灯不亮",
    "description": "南门外三盏路灯坏了两周。",
    "location": "清河小区南门",
    "policy_id": "liudan",
}


class Collector:
    """Spans that would go to the configured OTLP collector, kept in memory instead (an exporter per
    provider, as each process has its own: shutting one down stops only its exporter)."""

    def __init__(self) -> None:
        self.exporters: list[InMemorySpanExporter] = []

    def spans(self) -> list[ReadableSpan]:
        return [span for exporter in self.exporters for span in exporter.get_finished_spans()]


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    collector = Collector()
    real = liudan_tracing.span_exporter

    def to_memory(settings: Settings) -> InMemorySpanExporter | None:
        if real(settings) is None:
            return None
        collector.exporters.append(InMemorySpanExporter())
        return collector.exporters[-1]

    monkeypatch.setattr(liudan_tracing, "span_exporter", to_memory)
    yield collector


def one_trace(spans: list[ReadableSpan], root: ReadableSpan) -> list[ReadableSpan]:
    assert root.context is not None
    return [s for s in spans if s.context is not None and s.context.trace_id == root.context.trace_id]


def parent_of(span: ReadableSpan, spans: list[ReadableSpan]) -> ReadableSpan | None:
    if span.parent is None:
        return None
    return next((s for s in spans if s.context and s.context.span_id == span.parent.span_id), None)


async def test_a_request_traces_through_the_temporal_client_into_the_worker(
    time_env, engine, tmp_path, exported: Collector
) -> None:
    task_queue = f"tq-{uuid.uuid4()}"
    settings = web_settings(task_queue, tmp_path, otel_exporter_otlp_endpoint=COLLECTOR)
    worker_tracing = liudan_tracing.tracer_provider(settings, "liudan-worker")
    assert worker_tracing is not None
    worker_client = liudan_tracing.traced(time_env.client, worker_tracing)
    async with (
        build_worker(worker_client, engine, task_queue, strict=True),
        running_app(settings, time_env.client, engine) as app,
    ):
        assert app.state.temporal_client is not time_env.client  # the web's client is traced
        grid = Browser(app, "10.0.0.1")
        await grid.login("grid-qinghe")
        await grid.get("/cases/new")
        registered = await grid.post("/cases", CASE_FORM)
        assert registered.status_code == 303, registered.text
        code = CODE.search((await grid.get(registered.headers["location"])).text).group(0)  # type: ignore[union-attr]
        community = Browser(app, "10.0.0.2")
        await community.login("community-qinghe")
        await community.get(f"/cases/{code}")
        decided = await community.post(
            f"/cases/{code}/actions/triage",
            {"urgency": "deferrable", "category": "infrastructure", "note": "属实"},
            htmx=True,
            target="case-actions",
        )
        assert decided.status_code == 200, decided.text
        await app.state.temporal_client.get_workflow_handle(f"case-{code}").terminate("test finished")
        for b in (grid, community):
            await b.close()
    worker_tracing.force_flush()  # the web's provider flushed as its lifespan ended
    spans = exported.spans()

    start = next(s for s in spans if s.name == "POST /cases" and s.kind is SpanKind.SERVER)
    started = one_trace(spans, start)
    client = next(s for s in started if s.name == "StartWorkflow:CaseWorkflow")
    assert parent_of(client, spans) is start
    assert any(s.name == "RunWorkflow:CaseWorkflow" for s in started), [s.name for s in started]

    decide = next(s for s in spans if s.name == "POST /cases/{code}/actions/{action}")
    decided_trace = one_trace(spans, decide)
    update = next(s for s in decided_trace if s.name.startswith("StartWorkflowUpdate:"))
    assert parent_of(update, spans) is decide
    # The worker's update spans sit in the case's trace (the SDK parents a workflow's spans on its
    # start), linked to the request's Update span.
    handled = next(s for s in started if s.name == "HandleUpdate:triage")
    assert update.context is not None
    assert [link.context.span_id for link in handled.links] == [update.context.span_id]
    assert {"RunActivity:project_case", "StartActivity:project_case"} <= {s.name for s in started}
    assert (
        decide.attributes is not None and decide.attributes["http.route"] == "/cases/{code}/actions/{action}"
    )
    assert decide.attributes["http.response.status_code"] == 200
    # A request's span names its route template, never the raw path (a tracking token, a case code).
    for span in spans:
        if span.kind is SpanKind.SERVER and "http.route" in (span.attributes or {}):
            assert code not in str(dict(span.attributes or {})) and code not in span.name, span.name
    assert {s.resource.attributes["service.name"] for s in spans} == {"liudan-web", "liudan-worker"}


async def test_without_a_collector_nothing_is_traced(
    client, engine, task_queue, tmp_path, exported: Collector
) -> None:
    settings = web_settings(task_queue, tmp_path)
    assert liudan_tracing.tracer_provider(settings, "liudan-worker") is None
    assert liudan_tracing.traced(client, None) is client
    async with running_app(settings, client, engine) as app:
        assert app.state.tracer_provider is None and app.state.temporal_client is client
        visitor = Browser(app)
        assert (await visitor.get("/login")).status_code == 200
        await visitor.close()
    assert exported.exporters == [] and exported.spans() == []
