"""Open311 GeoReport v2 under /open311/v2/ (issue 15). Being written."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
