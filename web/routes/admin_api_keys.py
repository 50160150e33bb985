"""Admin: API keys for Open311 clients (issue 15). Being written."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
