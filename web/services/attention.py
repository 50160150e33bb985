"""Cases that need an admin: the read model refused a projection (the data broke a constraint).

The case itself carries on in Temporal and its decisions still answer; its read model stays at the
last version it accepted. An admin reads the problem here, fixes its cause (usually the directory:
an org that was removed), and asks the case to write itself again (Update `reproject`): a good write
clears the entry.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from store.case_records import CaseAttention
from web.i18n import TEXT
from web.services.cases import READ_TIMEOUT, CaseUnavailable, DecisionRefused, workflow_id
from workflows.case import CaseWorkflow
from workflows.petition.ids import petition_workflow_id
from workflows.petition.workflow import PetitionWorkflow
from workflows.types import Actor, DecisionResult, Reprojection

log = logging.getLogger("liudan.web.attention")


def attention_list(engine: Engine) -> list[CaseAttention]:
    with Session(engine) as session:
        return list(session.exec(select(CaseAttention).order_by(col(CaseAttention.at).desc())))


async def reproject(client: Client, admin: Actor, code: str) -> bool:
    """Asks the case (or petition: the list holds both) to write its state to the read model again;
    True when the write succeeded."""
    try:
        try:
            result: DecisionResult = await _reproject(client, CaseWorkflow, workflow_id(code), admin)
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            result = await _reproject(client, PetitionWorkflow, petition_workflow_id(code), admin)
    except WorkflowUpdateFailedError as failed:
        raise DecisionRefused(TEXT["decision_failed"]) from failed
    except RPCError as error:
        raise CaseUnavailable(code) from error
    log.info(
        "case %s re-projected by %s: %s",
        code,
        admin.user_id,
        "written" if result.projected else "refused again",
    )
    return result.projected


async def _reproject(client: Client, workflow: Any, workflow_id: str, admin: Actor) -> Any:
    handle = client.get_workflow_handle_for(workflow.run, workflow_id)
    return await handle.execute_update(workflow.reproject, Reprojection(admin), rpc_timeout=READ_TIMEOUT * 3)
