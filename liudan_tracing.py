"""OpenTelemetry traces across web -> Temporal -> worker, exported only when OTEL_EXPORTER_OTLP_ENDPOINT
is set: a request's span (`web.observability`), the Temporal client's spans under it (StartWorkflow,
StartWorkflowUpdate…), and, in the worker, the workflow's and its activities' spans, joined through
Temporal headers by the SDK's `TracingInterceptor`.

Unset, nothing is built: no provider, no interceptor, no span objects; a request pays one `is None`.
Each process keeps its own `TracerProvider` (none is installed globally), handed to the interceptor
and the web middleware.
"""

from __future__ import annotations

import logging

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Tracer
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor

from settings import Settings

log = logging.getLogger("liudan.tracing")
TRACER_NAME = "liudan"


def span_exporter(settings: Settings) -> SpanExporter | None:
    """Where spans go: the OTLP/HTTP collector at OTEL_EXPORTER_OTLP_ENDPOINT (its base URL, as the
    standard variable means), or nowhere."""
    base = settings.otel_exporter_otlp_endpoint.strip()
    if not base:
        return None
    return OTLPSpanExporter(endpoint=base.rstrip("/") + "/v1/traces")


def tracer_provider(settings: Settings, service: str) -> TracerProvider | None:
    """This process's provider (spans batched to the exporter), or None when tracing is off."""
    exporter = span_exporter(settings)
    if exporter is None:
        return None
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    log.info("tracing %s to %s", service, settings.otel_exporter_otlp_endpoint)
    return provider


def tracer(provider: TracerProvider) -> Tracer:
    return provider.get_tracer(TRACER_NAME)


def traced(client: Client, provider: TracerProvider | None) -> Client:
    """`client` with the SDK's tracing interceptor added (a worker built on it traces workflows and
    activities too); `client` itself when tracing is off or it traces already."""
    config = client.config()
    if provider is None or any(isinstance(i, TracingInterceptor) for i in config["interceptors"]):
        return client
    config["interceptors"] = [*config["interceptors"], TracingInterceptor(tracer(provider))]
    return Client(**config)
