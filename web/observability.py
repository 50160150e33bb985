"""What the web tells operations about each request: Prometheus series, a request id, JSON log context
and, when configured, an OpenTelemetry span that the Temporal client's spans hang under.

    liudan_http_requests_total{method="POST",route="/cases/{code}/actions/{action}",status="200"}
    liudan_http_request_duration_seconds_bucket{method="POST",route="/cases/{code}/actions/{action}",le="0.5"}

Series are labelled by route template, never by the raw path, which holds case codes and residents'
tracking tokens; an unmatched path counts as route="unmatched". They live in the app's own registry
(`app.state.metrics_registry`), which also shows the process-wide one (`prometheus_client.REGISTRY`):
process and runtime series, and in `make run` the in-process worker's (`liudan_metrics.WorkerMetrics`).
`/metrics` (web.routes.ops) serves it.

Request ids: a sane incoming `X-Request-ID` (nginx sends its own `$request_id`) is kept, otherwise
one is made; either way the response carries it back and every log line of the request shows it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import liudan_logging
import liudan_tracing
from settings import Settings

access_log = logging.getLogger("liudan.web.access")

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
# Seconds: pages answer in milliseconds; an Update waits for the workflow (up to the RPC timeout).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "liudan_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "liudan_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=BUCKETS,
            registry=registry,
        )


class _ProcessMetrics(Collector):
    """The process-wide registry inside the app's: one scrape shows both."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def route_of(scope: Mapping[str, Any]) -> str:
    route = scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED)


def request_id_of(scope: Mapping[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class ObservabilityMiddleware:
    """Outermost: times the whole response, including every other middleware's work."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics, tracer_provider: TracerProvider | None) -> None:
        self.app = app
        self.metrics = metrics
        self.tracer = liudan_tracing.tracer(tracer_provider) if tracer_provider else None
        self.propagator = TraceContextTextMapPropagator()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        method = scope["method"] if scope["method"] in METHODS else "other"
        status = 500
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        token = liudan_logging.bind(liudan_logging.LogContext(request_id=request_id, scope=scope))
        span = self._start_span(scope, method, request_id)
        attached = otel_context.attach(trace.set_span_in_context(span)) if span else None
        failed = False
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # The 500 is sent and logged outside every app middleware (Starlette's ServerErrorMiddleware,
            # web.errors.server_error): the log context stays bound for that line; the task ends after.
            failed = True
            raise
        finally:
            elapsed = time.perf_counter() - began
            route = route_of(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(elapsed)
            access_log.info(
                "%s %s %d %.1f ms",
                method,
                route,
                status,
                elapsed * 1000,
                extra={
                    "http": {
                        "method": method,
                        "route": route,
                        "status": status,
                        "ms": round(elapsed * 1000, 1),
                    }
                },
            )
            if span is not None and attached is not None:
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                span.end()
                otel_context.detach(attached)
            if not failed:
                liudan_logging.unbind(token)

    def _start_span(self, scope: Scope, method: str, request_id: str) -> trace.Span | None:
        if self.tracer is None:
            return None
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers", [])
            if name in (b"traceparent", b"tracestate")
        }
        # The raw path is never recorded (case codes, tracking tokens): the route template is, at the end.
        return self.tracer.start_span(
            method,
            context=self.propagator.extract(carrier),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "liudan.request_id": request_id},
        )


def install(app: FastAPI, settings: Settings) -> None:
    """Adds the web's observability: the metrics registry, the outermost middleware, JSON logs (when
    the process has no logging yet: uvicorn's factory), and tracing when it is configured."""
    liudan_logging.configure_logging(settings)
    registry = CollectorRegistry()
    registry.register(_ProcessMetrics())
    app.state.metrics_registry = registry
    provider = liudan_tracing.tracer_provider(settings, "liudan-web")
    app.state.tracer_provider = provider
    app.add_middleware(
        ObservabilityMiddleware,
        metrics=HttpMetrics(registry),
        tracer_provider=provider,
    )
    if provider is not None:
        app.router.lifespan_context = _traced_lifespan(app.router.lifespan_context, provider)


def _traced_lifespan(lifespan: Any, provider: TracerProvider) -> Any:
    """The app's lifespan (Starlette's `Lifespan`), with its Temporal client traced once the lifespan
    has made (or been handed) it, and the spans flushed when it ends."""

    @asynccontextmanager
    async def traced(app: FastAPI) -> AsyncIterator[Any]:
        manager: AbstractAsyncContextManager[Any] = lifespan(app)
        try:
            async with manager as state:
                app.state.temporal_client = liudan_tracing.traced(app.state.temporal_client, provider)
                yield state
        finally:
            provider.shutdown()

    return traced
