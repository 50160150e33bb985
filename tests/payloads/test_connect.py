"""`payloads.connect`: every workflow call is bounded, and an unreachable server is an RPCError
within seconds (the page says 503), never a RuntimeError (a 500)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.service import RPCError, RPCStatusCode

import payloads
from payloads.converter import _Bounded
from payloads.keys import new_entry
from settings import Settings
from tests.utils.stack import free_port


@dataclass
class Call:
    rpc_timeout: timedelta | None = None


class Recorder:
    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def query_workflow(self, input: Any) -> str:
        self.seen.append(input)
        return "answer"


async def test_workflow_calls_get_the_default_deadline_unless_they_set_one(tmp_path: Path) -> None:
    settings = Settings(liudan_env="dev", data_dir=tmp_path, temporal_address=f"127.0.0.1:{free_port()}")
    client = await payloads.connect(settings, lazy=True)
    recorder = Recorder()
    bounded = _Bounded(recorder, client.service_client, timedelta(seconds=3))  # type: ignore[arg-type]
    assert await bounded.query_workflow(Call()) == "answer"  # type: ignore[arg-type]
    assert await bounded.query_workflow(Call(timedelta(seconds=1))) == "answer"  # type: ignore[arg-type]
    assert [c.rpc_timeout for c in recorder.seen] == [timedelta(seconds=3), timedelta(seconds=1)]


async def test_an_unreachable_temporal_is_unavailable_at_once(tmp_path: Path) -> None:
    settings = Settings(
        liudan_env="dev", payload_keys=new_entry(), temporal_address=f"127.0.0.1:{free_port()}"
    )
    client = await payloads.connect(settings, lazy=True)
    began = time.monotonic()
    with pytest.raises(RPCError) as refused:
        await client.get_workflow_handle("case-XX-2026-000001").describe()
    assert refused.value.status == RPCStatusCode.UNAVAILABLE
    assert not await payloads.reachable(client.service_client)
    assert time.monotonic() - began < 5
