"""JSON logs: each line one object with the request id and the code of the case the request (or the
activity) works on; phone and id numbers masked even where a message or a traceback quotes them."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment
from temporalio.worker import ExecuteActivityInput

from liudan_logging import (
    CaseLogContext,
    JsonFormatter,
    LogContext,
    TextFormatter,
    bind,
    bind_case_code,
    unbind,
)
from tests.utils.web import new_case

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def json_lines() -> Iterator[Lines]:
    """What the `liudan` loggers write, as a production process writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("liudan")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_a_decision_logs_its_request_id_and_case_code(app, browser, json_lines: Lines) -> None:
    code, _ = await new_case(app)
    community = await browser("community-qinghe")
    await community.get(f"/cases/{code}")
    decided = await community.post(
        f"/cases/{code}/actions/triage",
        {"urgency": "deferrable", "category": "infrastructure", "note": "属实"},
        htmx=True,
        target="case-actions",
        headers={"X-Request-ID": "req-7f3a-triage"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.headers["X-Request-ID"] == "req-7f3a-triage"

    lines = [line for line in json_lines() if line.get("request_id") == "req-7f3a-triage"]
    # The service's own line (written deep inside the route) and the access line both carry the case.
    service = [line for line in lines if line["logger"] == "liudan.web.cases"]
    assert service and service[0]["message"].startswith(f"case {code}: triage")
    assert {line["case_code"] for line in lines} == {code}
    access = next(line for line in lines if line["logger"] == "liudan.web.access")
    assert access["http"]["route"] == "/cases/{code}/actions/{action}" and access["http"]["status"] == 200
    assert {"time", "level", "logger", "message"} <= access.keys() and access["time"].endswith("Z")
    assert all("13812341234" not in json.dumps(line, ensure_ascii=False) for line in json_lines())


@pytest.mark.parametrize("sent", ["bad id with spaces", "x" * 200, '"><script>', "-leading-dash"])
async def test_an_insane_request_id_is_replaced(app, browser, json_lines: Lines, sent: str) -> None:
    visitor = await browser()
    response = await visitor.get("/login", headers={"X-Request-ID": sent})
    made = response.headers["X-Request-ID"]
    assert made != sent and len(made) == 32 and int(made, 16) >= 0
    assert any(line.get("request_id") == made for line in json_lines())


async def test_every_request_gets_its_own_id(app, browser) -> None:
    visitor = await browser()
    ids = {(await visitor.get("/login")).headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def record(message: str, *args: object, **extra: Any) -> logging.LogRecord:
    made = logging.LogRecord("liudan.test", logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_phone_and_id_numbers_are_masked_in_messages_and_tracebacks() -> None:
    try:
        raise ValueError("input_value='13812341234' id 11010519491231002X")
    except ValueError:
        line = record("caller %s, case HJ-2026-000123, at 2026-05-06", "13912345678")
        line.exc_info = sys.exc_info()
    written = JsonFormatter().format(line)
    parsed = json.loads(written)
    for secret in ("13812341234", "13912345678", "11010519491231002X"):
        assert secret not in written
    assert parsed["message"] == "caller 139********, case HJ-2026-000123, at 2026-05-06"
    assert "ValueError" in parsed["exception"] and "110***************" in parsed["exception"]


def test_workflow_and_activity_lines_carry_their_case_code() -> None:
    formatter = JsonFormatter()
    from_workflow = json.loads(
        formatter.format(record("deadline missed", temporal_workflow={"workflow_id": "case-HJ-2026-000123"}))
    )
    assert from_workflow["case_code"] == "HJ-2026-000123"
    from_petition = json.loads(
        formatter.format(record("pressed", temporal_activity={"workflow_id": "petition-XF-2026-000007"}))
    )
    assert from_petition["case_code"] == "XF-2026-000007"
    unrelated = json.loads(
        formatter.format(record("sweep", temporal_workflow={"workflow_id": "reconcile-x"}))
    )
    assert "case_code" not in unrelated and unrelated["workflow_id"] == "reconcile-x"


def test_text_lines_for_make_run_append_the_case_code_and_request_id() -> None:
    token = bind(LogContext(request_id="r-1"))
    try:
        bind_case_code("HJ-2026-000456")  # where a code is learnt inside the request
        written = TextFormatter().format(record("registered"))
    finally:
        unbind(token)
    assert written.endswith("registered [case_code=HJ-2026-000456 request_id=r-1]")
    assert not TextFormatter().format(record("registered")).endswith("]")


async def test_activity_log_lines_carry_the_case_of_their_workflow(json_lines: Lines) -> None:
    """CaseLogContext (on every worker) binds the code before the activity runs; plain loggers see it."""

    class Next:
        async def execute_activity(self, input: ExecuteActivityInput) -> None:
            logging.getLogger("liudan.projection").warning("projection needs attention")

    async def run() -> None:
        interceptor = CaseLogContext().intercept_activity(Next())  # type: ignore[arg-type]
        await interceptor.execute_activity(None)  # type: ignore[arg-type]

    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_id="case-HJ-2026-000789")
    await env.run(run)
    assert [line["case_code"] for line in json_lines()] == ["HJ-2026-000789"]
