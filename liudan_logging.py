"""Logs every process writes: one JSON object per line (LOG_FORMAT=json, production) or the human
lines of `make run` (LOG_FORMAT=text), each carrying the request id and the case code it concerns.

    {"time": "2026-05-06T01:02:03.456Z", "level": "INFO", "logger": "liudan.web",
     "message": "case HJ-2026-000123: sign by u-street", "request_id": "9f2c…", "case_code": "HJ-2026-000123"}

Where the context comes from:
- the web's middleware (`web.observability`) binds the request id and the request's ASGI scope; the
  case code is read from the route's `{code}` once routing has matched, so every line logged while
  a route works on one case carries it, with no line added to the routes;
- in the worker, `CaseLogContext` binds the code of the workflow an activity runs for, and lines
  from `workflow.logger` / `activity.logger` carry it from the SDK's own workflow details.
`bind_case_code` sets it by hand where a code is only learnt inside a request (a registration).

Residents' names, phones and id numbers are never logged on purpose; as a net under that, phone
numbers and id numbers that reach a message or a traceback anyway (a validation error quoting its
input) are masked before the line is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from settings import Settings
from workflows.backlog.ids import WORKFLOW_PREFIX as BACKLOG_PREFIX
from workflows.ids import WORKFLOW_PREFIX as CASE_PREFIX
from workflows.mailbox.ids import WORKFLOW_PREFIX as LETTER_PREFIX
from workflows.petition.ids import WORKFLOW_PREFIX as PETITION_PREFIX

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Codes read HJ-2026-000123 / XF-2026-000123; anything else in a `{code}` path parameter is not logged.
CODE = re.compile(r"[A-Z][A-Z0-9]{0,11}-\d{4}-\d{1,9}")
CODE_PREFIXES = (CASE_PREFIX, PETITION_PREFIX, LETTER_PREFIX, BACKLOG_PREFIX)
# Mainland mobile numbers and resident id numbers (身份证号), wherever they stand alone.
PERSONAL = re.compile(r"(?<![\dA-Za-z])(?:1[3-9]\d{9}|\d{17}[\dXx])(?![\dA-Za-z])")
# Loggers that `make run` keeps quiet: the per-request access line is for production's JSON logs.
QUIET_IN_TEXT = ("liudan.web.access",)


@dataclass
class LogContext:
    request_id: str = ""
    case_code: str = ""
    # The request's ASGI scope: its `{code}` path parameter appears once routing has matched.
    scope: MutableMapping[str, Any] = field(default_factory=dict)

    def code(self) -> str:
        if self.case_code:
            return self.case_code
        value = self.scope.get("path_params", {}).get("code")
        return value if isinstance(value, str) and CODE.fullmatch(value) else ""


_context: ContextVar[LogContext | None] = ContextVar("liudan_log_context", default=None)


def bind(context: LogContext) -> Token[LogContext | None]:
    """Makes `context` the current one; returns the token `unbind` takes."""
    return _context.set(context)


def unbind(token: Token[LogContext | None]) -> None:
    _context.reset(token)


def bind_case_code(code: str) -> None:
    """The case the rest of this request (or activity) works on, for its log lines."""
    context = _context.get()
    if context is None:
        _context.set(LogContext(case_code=code))
    else:
        context.case_code = code


def code_of_workflow(workflow_id: str) -> str:
    for prefix in CODE_PREFIXES:
        if workflow_id.startswith(prefix):
            return workflow_id.removeprefix(prefix)
    return ""


def mask(text: str) -> str:
    return PERSONAL.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id and case_code when
    known, trace_id inside a traced request, the SDK's workflow details, and the exception text."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        line.update(_context_fields(record))
        http = getattr(record, "http", None)
        if isinstance(http, Mapping):
            line["http"] = dict(http)
        if record.exc_info:
            line["exception"] = mask(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = mask(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`make run`'s lines, with the case code and request id appended when known."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        fields = _context_fields(record)
        tail = " ".join(f"{k}={fields[k]}" for k in ("case_code", "request_id") if k in fields)
        return mask(super().format(record) + (f" [{tail}]" if tail else ""))


def _context_fields(record: logging.LogRecord) -> dict[str, str]:
    fields: dict[str, str] = {}
    context = _context.get()
    if context is not None:
        if context.request_id:
            fields["request_id"] = context.request_id
        if code := context.code():
            fields["case_code"] = code
    # workflow.logger / activity.logger put the workflow's details on the record.
    details = getattr(record, "temporal_workflow", None) or getattr(record, "temporal_activity", None)
    if isinstance(details, Mapping):
        workflow_id = str(details.get("workflow_id", ""))
        if workflow_id:
            fields["workflow_id"] = workflow_id
            if "case_code" not in fields and (code := code_of_workflow(workflow_id)):
                fields["case_code"] = code
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        fields["trace_id"] = format(span.trace_id, "032x")
    return fields


def configure_logging(settings: Settings, *, force: bool = False) -> bool:
    """Points the root logger at stderr in LOG_FORMAT. Like `logging.basicConfig`, it leaves a
    process whose logging is already set up alone (a test runner) unless `force` (the entry points).
    Returns whether it configured anything."""
    root = logging.getLogger()
    if root.handlers and not force:
        return False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in QUIET_IN_TEXT:
        logging.getLogger(name).setLevel(logging.INFO if settings.log_format == "json" else logging.WARNING)
    # uvicorn's own loggers write through the same handler. Its access line shows raw paths, which hold
    # residents' tracking tokens: the web's access line (route templates, request id) replaces it.
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    return True


class CaseLogContext(Interceptor):
    """Worker interceptor: every log line an activity writes carries the code of its case."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityCaseCode(next)


class _ActivityCaseCode(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        token = _context.set(LogContext(case_code=code_of_workflow(info.workflow_id or "")))
        try:
            return await super().execute_activity(input)
        finally:
            _context.reset(token)
