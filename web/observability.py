"""Request metrics, JSON logs with request ids and OpenTelemetry tracing for the web (issue 15).
Being written."""

from __future__ import annotations

from fastapi import FastAPI

from settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Adds the web's observability (middleware, metrics) to ``app``."""
