"""What admins see in the Temporal UI: typed search attributes after each transition, the starter's
static summary, and timer summaries."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client

from tests.utils.cases import (
    accept_all,
    deadlines,
    dispatch,
    registration,
    report,
    running,
    start_case,
    timer_summaries,
)
from workflows import search_attributes as sa
from workflows.types import DeadlineKind


async def test_search_attributes_follow_the_case(client, task_queue, engine, time_env):
    reg = registration("drill")
    h = await start_case(client, task_queue, reg)
    description = await h.describe()
    assert await description.static_summary() == reg.code  # no resident-typed text: it is not encrypted
    attrs = description.typed_search_attributes
    assert (attrs.get(sa.CASE_STAGE), attrs.get(sa.CASE_ORG), attrs.get(sa.CASE_OVERDUE)) == (
        "report",
        "cm-qinghe",
        False,
    )
    assert attrs.get(sa.CASE_CATEGORY) is None

    s = await report(h)
    attrs = (await h.describe()).typed_search_attributes
    assert (attrs.get(sa.CASE_STAGE), attrs.get(sa.CASE_ORG), attrs.get(sa.CASE_CATEGORY)) == (
        "sign",
        "st-dongcheng",
        "infrastructure",
    )
    assert attrs.get(sa.CASE_DUE_AT) == running(s)[0].due_at

    await dispatch(h, ("dp-chengguan", "dp-zhujian"), lead="dp-zhujian")
    s = await accept_all(h)
    attrs = (await h.describe()).typed_search_attributes
    assert (attrs.get(sa.CASE_STAGE), attrs.get(sa.CASE_ORG), attrs.get(sa.CASE_OVERDUE)) == (
        "handle",
        "dp-chengguan",
        False,
    )
    completion = deadlines(s, DeadlineKind.COMPLETION)[0]
    assert attrs.get(sa.CASE_DUE_AT) == completion.due_at

    await time_env.sleep(timedelta(seconds=25))
    assert (await h.describe()).typed_search_attributes.get(sa.CASE_OVERDUE) is True
    # Every timer carries the deadline's name, so the history reads naturally in the UI.
    assert {"社区报单时限·即将超期", "街道签收时限·即将超期", "部门办结时限·即将超期", "部门办结时限"} <= set(
        await timer_summaries(h)
    )
    # No personal data in any search attribute.
    values = [str(p.value) for p in (await h.describe()).typed_search_attributes]
    assert not any(reg.reporter.phone in v or reg.reporter.name in v for v in values)


async def test_current_details_name_the_holders(client, task_queue, engine):
    """The Temporal UI's current details read as an admin reads a case: the holders by name."""
    h = await start_case(client, task_queue)
    await report(h)
    await dispatch(h, ("dp-zhujian", "dp-chengguan"), lead="dp-zhujian")
    metadata = await h.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert "**办理单位** 区住建局、区城管局" in metadata.current_details
    assert "dp-zhujian" not in metadata.current_details


async def test_every_holder_is_in_case_orgs_so_the_lead_unit_finds_its_shared_case(
    dev_client: Client, task_queue: str
) -> None:
    """CaseOrg names one holder; CaseOrgs (a keyword list) names them all, so an admin's Temporal UI
    filter on the lead unit finds a case it shares with a co-department."""
    h = await start_case(dev_client, task_queue)
    assert (await h.describe()).typed_search_attributes.get(sa.CASE_ORGS) == ["cm-qinghe"]
    await report(h)
    await dispatch(h, ("dp-chengguan", "dp-zhujian"), lead="dp-zhujian")
    s = await accept_all(h)
    attrs = (await h.describe()).typed_search_attributes
    assert sorted(attrs.get(sa.CASE_ORGS) or []) == sorted(s.holder_org_ids) == ["dp-chengguan", "dp-zhujian"]
    for org in ("dp-zhujian", "dp-chengguan"):
        query = f"WorkflowId = '{h.id}' AND CaseOrgs = '{org}'"
        for _ in range(50):  # visibility is eventually consistent
            found = [w.id async for w in dev_client.list_workflows(query)]
            if found:
                break
            await asyncio.sleep(0.1)
        assert found == [h.id], org
