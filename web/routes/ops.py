"""Operations endpoints: Prometheus metrics on /metrics (issue 15). Being written."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
