"""`make run` on a data directory from an earlier release: the dev server registers search attributes
only when it creates its database, so the runner adds those a later release introduced (CaseOrgs)
before the worker checks for them."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from server import add_new_search_attributes
from tests.utils.binaries import venv_binary
from worker import SearchAttributesMissing, check_search_attributes
from workflows import search_attributes as sa


async def test_the_runner_adds_the_attributes_an_old_dev_database_lacks() -> None:
    before = [key for key in sa.ALL if key is not sa.CASE_ORGS]  # as the previous release made it
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_binary("temporal"), search_attributes=before
    )
    try:
        with pytest.raises(SearchAttributesMissing, match="CaseOrgs=KeywordList"):
            await check_search_attributes(env.client)
        assert await add_new_search_attributes(env.client) == ["CaseOrgs"]
        await check_search_attributes(env.client)  # the worker starts now
        assert await add_new_search_attributes(env.client) == []  # and the next start adds nothing
    finally:
        await env.shutdown()
