"""The worker's sandbox shares the pure workflow support modules between runs: each run of a workflow
loads afresh only the module that defines it (and its packages), which stays under the sandbox's
checks, and every pure module it uses is the worker's own copy."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import pytest
from temporalio import workflow
from temporalio.api.common.v1 import Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.converter import DataConverter
from temporalio.worker import WorkflowInstanceDetails

from worker import PURE_WORKFLOW_MODULES, WORKFLOW_RUNNER, build_worker

FIRST_PARTY = ("workflows", "activities", "store", "web", "payloads", "settings", "workdays")


def _worker_workflows() -> list[type]:
    # The list build_worker registers, read from its source rather than repeated here.
    import inspect

    import worker

    source = inspect.getsource(build_worker)
    return [
        v
        for k, v in vars(worker).items()
        if isinstance(v, type) and hasattr(v, "__temporal_workflow_definition") and f"{k}," in source
    ]


def _fresh_modules(cls: type) -> dict[str, ModuleType]:
    """The first-party modules a new run of `cls` loads into its sandbox instead of sharing."""
    details = WorkflowInstanceDetails(
        payload_converter_factory=DataConverter.default._new_payload_converter,
        failure_converter_class=DataConverter.default.failure_converter_class,
        interceptor_classes=[],
        defn=workflow._Definition.must_from_class(cls),
        info=workflow.Info(**{**vars(_info()), "workflow_type": cls.__name__}),
        randomness_seed=1,
        extern_functions={},
        disable_eager_activity_execution=False,
        worker_level_failure_exception_types=[],
        patch_activation_callback=None,
        last_completion_result=Payloads(),
        last_failure=Failure(),
    )
    instance = WORKFLOW_RUNNER.create_instance(details)
    loaded: dict[str, ModuleType] = instance.importer.new_modules  # type: ignore[attr-defined]
    return {
        name: module
        for name, module in loaded.items()
        if name.split(".")[0] in FIRST_PARTY and sys.modules.get(name) is not module
    }


def _info() -> workflow.Info:
    from temporalio.worker.workflow_sandbox._runner import _fake_info

    return _fake_info


WORKFLOWS = _worker_workflows()


def test_the_worker_runs_every_workflow_in_this_sandbox() -> None:
    assert len(WORKFLOWS) >= 10


@pytest.mark.parametrize("cls", WORKFLOWS, ids=lambda c: c.__name__)
async def test_a_run_loads_afresh_only_its_own_module(cls: type) -> None:
    fresh = _fresh_modules(cls)
    packages = {name for name, module in fresh.items() if hasattr(module, "__path__")}
    assert set(fresh) - packages == {cls.__module__}


def test_every_listed_module_exists_and_is_no_workflow_module() -> None:
    for name in PURE_WORKFLOW_MODULES:
        module = importlib.import_module(name)
        assert not any(hasattr(v, "__temporal_workflow_definition") for v in vars(module).values()), name
