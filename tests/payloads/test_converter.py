"""The project's payload converter writes the SDK's bytes and reads what the SDK reads.

Every payload dataclass (every dataclass in a `types` module under workflows/) is built twice, with
every optional field set and with none set, and goes through the SDK's default converter and ours:
same bytes, and both decode those bytes to the same values. Then every field at every depth of that
JSON is replaced with a value of each JSON kind, or removed: both converters must agree, value for
value, or both refuse it with the same error. The recorded histories replay with ours as well.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import types
import typing
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

import workflows
from payloads.plain_json import PayloadConverter
from settings import Settings
from tests.workflows.test_replay import (
    COMMANDS_ONLY,
    PREFIXES,
    RECORDED,
    _as_recorded,
    _Capture,
    _recorded_results,
)
from workflows.appointment.workflow import AppointmentWorkflow
from workflows.backlog.workflow import BacklogWorkflow
from workflows.case import CaseWorkflow
from workflows.mailbox.workflow import MailboxWorkflow
from workflows.petition.workflow import PetitionWorkflow

SDK = DataConverter.default.payload_converter
OURS = DataConverter(payload_converter_class=PayloadConverter).payload_converter
SHANGHAI = timezone(timedelta(hours=8))
# A value of every kind JSON has, and a few strings our fields' types parse.
KINDS: list[Any] = [None, 0, 7, 1.5, True, "", "文本", "2026-03-02T09:30:00+08:00", [], [1], {}, {"x": 1}]


def _payload_types() -> list[type]:
    found: dict[str, type] = {}
    for module in pkgutil.walk_packages(workflows.__path__, "workflows."):
        if module.name.rsplit(".", 1)[-1] != "types":
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if (
                dataclasses.is_dataclass(value)
                and isinstance(value, type)
                and value.__module__ == module.name
            ):
                found[f"{module.name}.{value.__name__}"] = value
    return [found[name] for name in sorted(found)]


PAYLOAD_TYPES = _payload_types()


def _sample(hint: Any, full: bool, n: int = 0, items: int = 2) -> Any:
    """A value of `hint`; `full`: optional fields set and lists of `items`, else None and empty."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        others = [a for a in args if a is not type(None)]
        return _sample(others[0], full, n, items) if full or len(others) == len(args) else None
    if origin is list:
        return [_sample(args[0], full, i, items) for i in range(items if full else 0)]
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        values = {f.name: _sample(hints[f.name], full, n, items) for f in dataclasses.fields(hint) if f.init}
        return hint(**values)
    if isinstance(hint, type) and issubclass(hint, Enum):
        members = list(hint)
        return members[(n if full else -1) % len(members)]
    if hint is str:
        return f"王小明 13812341234 第{n}条" if full else ""
    if hint is bool:
        return full
    if hint is int:
        return 3 + n if full else 0
    if hint is datetime:
        return datetime(2026, 3, 2, 9, 30, n, tzinfo=SHANGHAI)
    raise AssertionError(f"no sample for {hint!r}: add one (and check payloads.plain_json decodes it)")


def _outcome(converter: Any, payload: Payload, hint: type) -> tuple[str, str]:
    try:
        # repr: tells 1 from 1.0 and an enum member from its string
        return "value", repr(converter.from_payloads([payload], [hint])[0])
    except Exception as error:  # the same refusal from both, or a difference
        return type(error).__name__, str(error)


def _mutations(tree: Any, depth: int = 2) -> typing.Iterator[Any]:
    """`tree` with one field replaced by each of KINDS, or removed, down to the fields of the
    dataclasses in its fields and lists. Deeper, a field is one of a nested dataclass, which is a
    payload type tested on its own."""
    if depth == 0:
        return
    if isinstance(tree, dict):
        for key, child in tree.items():
            yield {k: v for k, v in tree.items() if k != key}
            for kind in KINDS:
                yield {**tree, key: kind}
            for changed in _mutations(child, depth - 1):
                yield {**tree, key: changed}
    elif isinstance(tree, list):
        for i, child in enumerate(tree):
            for changed in _mutations(child, depth):
                yield [*tree[:i], changed, *tree[i + 1 :]]


def _json_payload(tree: Any) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(tree).encode())


def test_every_payload_module_is_covered() -> None:
    modules = {t.__module__ for t in PAYLOAD_TYPES}
    assert {"workflows.types", "workflows.petition.types", "workflows.backlog.types"} <= modules
    assert len(PAYLOAD_TYPES) >= 100


@pytest.mark.parametrize("cls", PAYLOAD_TYPES, ids=lambda t: f"{t.__module__}.{t.__name__}")
@pytest.mark.parametrize("full", [True, False], ids=["full", "minimal"])
def test_same_bytes_and_values_as_the_sdk(cls: type, full: bool) -> None:
    value = _sample(cls, full)
    [sdk_payload], [our_payload] = SDK.to_payloads([value]), OURS.to_payloads([value])
    assert our_payload == sdk_payload  # metadata (json/plain) and data, byte for byte
    assert SDK.from_payloads([sdk_payload], [cls]) == OURS.from_payloads([sdk_payload], [cls]) == [value]
    # Untyped (a query's caller without a hint), the plain JSON of both.
    assert SDK.from_payloads([sdk_payload]) == OURS.from_payloads([sdk_payload])


@pytest.mark.parametrize("cls", PAYLOAD_TYPES, ids=lambda t: f"{t.__module__}.{t.__name__}")
def test_every_altered_field_decodes_or_fails_as_with_the_sdk(cls: type) -> None:
    (payload,) = SDK.to_payloads([_sample(cls, full=True, items=1)])
    tree = json.loads(payload.data)
    differences = []
    # One level deep: a nested dataclass is itself one of PAYLOAD_TYPES, its fields altered in its
    # own case (the deepest snapshots took a minute of the suite at depth 2 for nothing more).
    for altered in [*_mutations(tree, depth=1), *KINDS]:
        p = _json_payload(altered)
        sdk, ours = _outcome(SDK, p, cls), _outcome(OURS, p, cls)
        if sdk != ours:
            differences.append((altered, sdk, ours))
    assert not differences, differences[:3]


def test_values_beside_dataclasses_are_the_sdks() -> None:
    """What else travels: bare strings (summaries), None, bytes, lists of dataclasses, and the
    snapshot field names an older case's answer carries beyond a DecisionResult."""
    from workflows.types import Actor, DecisionResult, Role, Stage

    values: list[Any] = ["摘要", None, b"\x00\x01", 3, [Actor("u1", Role.STREET, "李")], {"a": [1, 2]}]
    assert OURS.to_payloads(values) == SDK.to_payloads(values)
    answer = _json_payload(
        {"code": "HJ-1", "version": 2, "stage": "sign", "holder_org_ids": ["s1"], "timeline": [{}]}
    )
    assert OURS.from_payloads([answer], [DecisionResult]) == SDK.from_payloads([answer], [DecisionResult])
    assert OURS.from_payloads([answer], [DecisionResult])[0].stage is Stage.SIGN
    hinted = [list[Actor], dict[str, Actor], tuple[Actor, ...], Actor | None]
    for hint in hinted:
        p = SDK.to_payloads(
            [[Actor("u1", Role.STREET)]] if hint is not dict[str, Actor] else [{"k": Actor("u")}]
        )
        assert _outcome(OURS, p[0], hint) == _outcome(SDK, p[0], hint), hint


def test_the_project_converter_is_this_one(tmp_path: Any) -> None:
    from payloads import data_converter

    converter = data_converter(Settings(liudan_env="dev", data_dir=tmp_path))
    assert converter.payload_converter_class is PayloadConverter
    assert converter.payload_codec is not None


@pytest.mark.parametrize("name", RECORDED)
async def test_the_recorded_histories_replay_with_it(name: str) -> None:
    prefix = next((p for n, p in PREFIXES.items() if name.startswith(n)), "case-")
    history = WorkflowHistory.from_json(f"{prefix}{name}", RECORDED[name])
    capture = _Capture()
    replayer = Replayer(
        workflows=[CaseWorkflow, PetitionWorkflow, BacklogWorkflow, AppointmentWorkflow, MailboxWorkflow],
        interceptors=[capture],
        data_converter=DataConverter(payload_converter_class=PayloadConverter),
    )
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
    if name.rsplit(".", 1)[-1] not in COMMANDS_ONLY:
        recorded = _recorded_results(history)
        assert _as_recorded(recorded, capture.results) == recorded
