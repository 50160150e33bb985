"""The worker's Prometheus metrics, and who may read any of Liudan's metrics.

The worker exports the Temporal SDK's runtime series (`temporal_*`: workflow task latency and
failures, activity execution, poller and slot counts, sticky cache size, request latency…) and the
business gauges (`store.ops_metrics`). The SDK's core writes its series into a `MetricBuffer`
(durations in seconds) that `TemporalMetrics` drains into Prometheus families, so one registry, one
endpoint and one access rule serve both, rather than the SDK's own exporter on a second port:

    python worker.py    # http://WORKER_METRICS_HOST:WORKER_METRICS_PORT/metrics (default 127.0.0.1:9464)
    make run            # the same: its worker is a child process; the web's /metrics has the web's series

SDK counters get Prometheus's `_total` suffix (`temporal_workflow_completed_total`); histograms keep
the SDK's names, in seconds (`temporal_workflow_task_execution_latency_bucket`).

Who may read: clients whose address lies in METRICS_ALLOWED_NETWORKS (`reader_allowed`), on the web
and on the worker alike. Neither endpoint carries personal data: org ids, route templates, workflow
and activity type names, task queue and namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from starlette.types import Receive, Scope, Send
from temporalio.runtime import (
    BUFFERED_METRIC_KIND_COUNTER,
    BUFFERED_METRIC_KIND_HISTOGRAM,
    MetricBuffer,
    MetricBufferDurationFormat,
    Runtime,
    TelemetryConfig,
)

from settings import Settings
from store.ops_metrics import CaseGauges

log = logging.getLogger("liudan.metrics")

# Updates the SDK keeps between drains; drained every DRAIN_SECONDS, scrape or not, so it never fills.
BUFFER_SIZE = 100_000
DRAIN_SECONDS = 2.0
# Seconds: a workflow task takes milliseconds, a case's end-to-end latency weeks.
BUCKETS = (
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
    3600.0, 86400.0, 7 * 86400.0, 30 * 86400.0,
)  # fmt: skip

Labels = tuple[tuple[str, str], ...]


def metrics_runtime() -> tuple[Runtime, MetricBuffer]:
    """A Temporal runtime recording its metrics into a buffer. Set it as the default (or hand it to
    `Client.connect`) before the first client exists: clients and workers keep the runtime they began on."""
    buffer = MetricBuffer(BUFFER_SIZE, MetricBufferDurationFormat.SECONDS)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer, attach_service_name=False))
    return runtime, buffer


@dataclass
class _Histogram:
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    count: int = 0
    sum: float = 0.0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(BUCKETS):
            if value <= bound:
                self.buckets[i] += 1
        self.count += 1
        self.sum += value


class TemporalMetrics(Collector):
    """The SDK's buffered updates as Prometheus families: counters accumulate their deltas, gauges
    keep the last value, histograms count each observed value into BUCKETS."""

    def __init__(self, buffer: MetricBuffer) -> None:
        self.buffer = buffer
        self._lock = threading.Lock()
        self._kinds: dict[str, int] = {}
        self._docs: dict[str, str] = {}
        self._values: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._histograms: dict[str, dict[Labels, _Histogram]] = defaultdict(dict)

    def drain(self) -> None:
        with self._lock:
            for update in self.buffer.retrieve_updates():
                metric = update.metric
                name, kind = metric.name, metric.kind
                self._kinds[name] = kind
                self._docs.setdefault(name, metric.description or name)
                labels = tuple(sorted((k, str(v)) for k, v in update.attributes.items()))
                if kind == BUFFERED_METRIC_KIND_HISTOGRAM:
                    self._histograms[name].setdefault(labels, _Histogram()).observe(float(update.value))
                elif kind == BUFFERED_METRIC_KIND_COUNTER:
                    self._values[name][labels] = self._values[name].get(labels, 0.0) + update.value
                else:
                    self._values[name][labels] = float(update.value)

    def collect(self) -> Iterator[Metric]:
        self.drain()
        with self._lock:
            for name, kind in sorted(self._kinds.items()):
                yield self._family(name, kind)

    def _family(self, name: str, kind: int) -> Metric:
        doc = self._docs[name]
        if kind == BUFFERED_METRIC_KIND_HISTOGRAM:
            family = Metric(name, doc, "histogram")
            for labels, h in self._histograms[name].items():
                for bound, count in zip(BUCKETS, h.buckets, strict=True):
                    family.add_sample(f"{name}_bucket", {**dict(labels), "le": repr(bound)}, count)
                family.add_sample(f"{name}_bucket", {**dict(labels), "le": "+Inf"}, h.count)
                family.add_sample(f"{name}_count", dict(labels), h.count)
                family.add_sample(f"{name}_sum", dict(labels), h.sum)
            return family
        counter = kind == BUFFERED_METRIC_KIND_COUNTER
        family = Metric(name, doc, "counter" if counter else "gauge")
        for labels, value in self._values[name].items():
            family.add_sample(f"{name}_total" if counter else name, dict(labels), value)
        return family

    async def keep_draining(self, every: float = DRAIN_SECONDS) -> None:
        while True:
            await asyncio.sleep(every)
            await asyncio.to_thread(self.drain)


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in spec.split(",") if e.strip())


def reader_allowed(address: str, settings: Settings) -> bool:
    """Whether a client at `address` may read metrics (METRICS_ALLOWED_NETWORKS)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _networks(settings.metrics_allowed_networks))


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus's text format (runs the collectors: call it off the event loop)."""
    return generate_latest(registry)


class MetricsEndpoint:
    """The worker's metrics endpoint: GET /metrics for allowed readers, 403 for others, 404 elsewhere."""

    def __init__(self, registry: CollectorRegistry, settings: Settings) -> None:
        self.registry = registry
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        peer = scope["client"][0] if scope.get("client") else ""
        if scope["path"] != "/metrics" or scope["method"] not in ("GET", "HEAD"):
            status, body, kind = 404, b"not found\n", "text/plain; charset=utf-8"
        elif not reader_allowed(peer, self.settings):
            status, body, kind = 403, b"metrics are for the monitoring system only\n", "text/plain"
        else:
            status, kind = 200, CONTENT_TYPE_LATEST
            body = await asyncio.to_thread(exposition, self.registry)
        headers = [(b"content-type", kind.encode()), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})


class WorkerMetrics:
    """What a worker process exports: the SDK's runtime series (when its runtime records them) and
    the business gauges, in `registry`. `run` drains the SDK's buffer and, given a port, serves them."""

    def __init__(
        self, engine: Engine, buffer: MetricBuffer | None, registry: CollectorRegistry = REGISTRY
    ) -> None:
        self.registry = registry
        self.temporal = TemporalMetrics(buffer) if buffer is not None else None
        self.cases = CaseGauges(engine)
        self._collectors: list[Collector] = [c for c in (self.temporal, self.cases) if c is not None]
        for collector in self._collectors:
            registry.register(collector)
        self.server: uvicorn.Server | None = None

    async def run(self, settings: Settings, *, serve: bool) -> None:
        """Until cancelled. An endpoint that cannot listen (port taken) is logged, and the worker works on."""
        tasks: list[asyncio.Task[Any]] = []
        if self.temporal is not None:
            tasks.append(asyncio.create_task(self.temporal.keep_draining()))
        if serve and settings.worker_metrics_port:
            tasks.append(asyncio.create_task(self._serve(settings)))
        try:
            await asyncio.gather(*tasks)
        finally:
            if self.server is not None:
                self.server.should_exit = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _serve(self, settings: Settings) -> None:
        where = f"{settings.worker_metrics_host}:{settings.worker_metrics_port}"
        config = uvicorn.Config(
            MetricsEndpoint(self.registry, settings),
            host=settings.worker_metrics_host,
            port=settings.worker_metrics_port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self.server = _QuietServer(config)
        log.info("worker metrics on http://%s/metrics", where)
        try:
            await self.server.serve()
        except SystemExit:  # uvicorn's answer to a port it cannot bind
            log.error("worker metrics could not listen on %s; the worker runs without them", where)

    def close(self) -> None:
        for collector in self._collectors:
            with contextlib.suppress(KeyError):
                self.registry.unregister(collector)


class _QuietServer(uvicorn.Server):
    """The worker's signals belong to the worker (`worker.main`), not to its metrics endpoint."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
