"""The worker's start-up guard: a namespace without the case search attributes is refused."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.conftest import register_search_attributes
from tests.utils.binaries import venv_binary
from worker import SearchAttributesMissing, check_search_attributes


async def test_worker_refuses_a_namespace_without_the_search_attributes() -> None:
    # The time-skipping server does not implement ListSearchAttributes: this needs the real dev server.
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=venv_binary("temporal"))
    try:
        with pytest.raises(SearchAttributesMissing) as refused:
            await check_search_attributes(env.client)
        message = str(refused.value)
        assert "CaseStage=Keyword" in message and "CaseDueAt=Datetime" in message
        assert "register-search-attributes.sh" in message

        await register_search_attributes(env.client)
        await check_search_attributes(env.client)  # registered: no complaint
    finally:
        await env.shutdown()
