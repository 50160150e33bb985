"""One case, as a signed-in officer may see and act on it: the case page's and the API's service.

A case outside the officer's reach is "not found" (404), never "forbidden": whether a code exists
is itself not for everyone to learn.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile
from temporalio.client import Client

from settings import Settings
from store.directory import org_names
from store.models import Case, CaseEvent, OrgKind
from store.queries import orgs_of_kind
from store.visibility import CaseOrgs, may_see_contact, visible_case
from web.i18n import TEXT, event_label, label
from web.services.case_files import CaseFile, case_file, discard_result_files, store_result_files
from web.services.case_view import CaseView, build_case_view, result_title
from web.services.cases import DecisionRefused, decide, get_snapshot
from web.services.personal import contact_views, log_contact_view
from web.timeutil import local
from workflows.types import Action, Actor, DecisionResult, Reporter, ReportUp, ResultSubmission, Stage


class CaseNotFound(Exception):
    """No such case, or not one this officer may see."""


class ContactNotAllowed(Exception):
    pass


async def visible(engine: Engine, actor: Actor, code: str) -> Case:
    row = await asyncio.to_thread(visible_case, engine, actor, code)
    if row is None:
        raise CaseNotFound(code)
    return row


async def load_case_view(
    engine: Engine, client: Client, settings: Settings, actor: Actor, code: str
) -> CaseView:
    """The parts of the case page built from the workflow's snapshot (one Temporal query)."""
    await visible(engine, actor, code)
    snap = await get_snapshot(client, code)

    def extras() -> tuple:
        return (org_names(engine), orgs_of_kind(engine, OrgKind.DEPARTMENT), contact_views(engine, code))

    orgs, departments, views = await asyncio.to_thread(extras)
    return build_case_view(snap, actor, settings=settings, orgs=orgs, departments=departments, views=views)


async def reveal_contact(
    engine: Engine, client: Client, actor: Actor, code: str, addr: str, via: str = "web"
) -> Reporter:
    """The resident's full contact details, for those who must contact them; the view is logged."""
    await visible(engine, actor, code)
    snap = await get_snapshot(client, code)
    if not may_see_contact(actor, CaseOrgs.of_snapshot(snap)):
        raise ContactNotAllowed(TEXT["contact_not_allowed"])
    await asyncio.to_thread(log_contact_view, engine, actor, code, addr, via)
    return snap.registration.reporter


async def officer_file(
    engine: Engine, client: Client, settings: Settings, actor: Actor, code: str, key: str
) -> CaseFile | None:
    """One of this case's files (the request's photos, the departments' result files), for an officer
    who may see the case."""
    await visible(engine, actor, code)
    return case_file(settings, await get_snapshot(client, code), key, resident=False)


def changed_since(engine: Engine, code: str, seen_version: int) -> str:
    """What happened to a case since an officer's page showed it at `seen_version` ("" when nothing):
    who took the last decision, which, and when, as the refusal of a stale form tells them."""
    with Session(engine) as session:
        case = session.get(Case, code)
        if case is None or case.version <= seen_version:
            return ""
        last = session.exec(
            select(CaseEvent).where(CaseEvent.case_code == code).order_by(col(CaseEvent.seq).desc())
        ).first()
    if last is None:
        return ""
    who = last.actor_name or label("role", last.actor_role)
    return TEXT["stale_form"].format(who=who, at=local(last.at, "%H:%M"), action=event_label(last.action))


async def decide_as(
    engine: Engine, client: Client, actor: Actor, code: str, action: Action, payload: object
) -> DecisionResult:
    """A decision by a signed-in officer on a case they may see; the workflow's rules decide the rest."""
    await visible(engine, actor, code)
    return await decide(client, code, action, payload)


async def decide_from_form(
    engine: Engine,
    client: Client,
    settings: Settings,
    actor: Actor,
    code: str,
    action: Action,
    payload: object,
    *,
    files: Sequence[UploadFile] = (),
    files_public: bool = False,
    then_report_up: bool = False,
) -> str:
    """A decision from the case page's form; returns what was done, as the officer reads it.

    A result's files are checked and stored first, then named in the decision; a bad file refuses
    the decision before anything happens, and a refused decision leaves no file behind. Triage may
    go on to 上报街道 in the same submit (the form's second button)."""
    if isinstance(payload, ResultSubmission) and any(f.filename for f in files):
        attachments = await store_result_files(settings, list(files), files_public)
        payload = dataclasses.replace(payload, attachments=attachments)
        try:
            result = await decide_as(engine, client, actor, code, action, payload)
        except DecisionRefused:
            await discard_result_files(settings, attachments)
            raise
    else:
        result = await decide_as(engine, client, actor, code, action, payload)
    done = [result_title(action, final=result.stage != Stage.HANDLE)]
    if then_report_up and action == Action.TRIAGE:
        try:
            await decide_as(engine, client, actor, code, Action.REPORT_UP, ReportUp(actor))
            done.append(label("action", Action.REPORT_UP))
        except DecisionRefused as refused:  # the triage stands; the page says why the report did not
            why = TEXT["then_refused"].format(action=label("action", Action.REPORT_UP), why=refused.message)
            done[-1] += why
    return "、".join(done)
