"""What one petition's page shows to one officer: the read model's record (with the petitioner's
identity only where `store.petition_access` allows it), the documents, the clocks, the timeline, its
links to the petitioner's other petitions and to merged ones (`web.services.petitioners`), and a form
for each decision the workflow would accept from them now."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client

from settings import Settings
from store.audit import PetitionDataView
from store.contact import mask_address, mask_name, mask_phone
from store.directory import org_names
from store.petition_access import may_see, sees_identity
from store.petition_queries import PetitionDetail, petition_detail
from store.petitions import representative_names
from web.i18n import TEXT
from web.services.backlogs import backlog_row
from web.services.case_page import ContactNotAllowed
from web.services.cases import CaseUnavailable
from web.services.personal import contact_views, log_contact_view
from web.services.petition_forms import FormSpec, forms_for
from web.services.petitioners import PetitionLinks, petition_links
from web.services.petitions import get_petition
from workflows.petition.rules import allowed_actions
from workflows.types import Actor


class PetitionNotFound(Exception):
    """No such petition, or not one this viewer may see: the same answer for both (no probing)."""


@dataclass(frozen=True)
class Identity:
    name: str
    phone: str
    address: str
    confidential: bool
    id_masked: str = ""  # 110105********002X, for those who see who the petitioner is
    representatives: tuple[str, ...] = ()  # 集体访's representatives, likewise


@dataclass(frozen=True)
class PetitionPage:
    detail: PetitionDetail
    identity: Identity
    forms: list[FormSpec]
    org_names: dict[str, str]
    live: bool  # False: Temporal did not answer, so no actions are offered now
    now: datetime
    may_reveal: bool = False  # this viewer may open the petitioner's full contact (logged)
    views: list[Any] = field(default_factory=list)  # who opened it before, when
    backlog: Any = None  # its 积案 record, once designated
    links: PetitionLinks | None = None  # earlier petitions, merged ones, merge suggestions

    @property
    def p(self) -> Any:
        return self.detail.petition

    def org(self, org_id: str) -> str:
        return self.org_names.get(org_id, org_id)


def visible_detail(engine: Engine, actor: Actor, code: str) -> PetitionDetail:
    detail = petition_detail(engine, code)
    if detail is None or not may_see(detail.petition, actor.role.value, actor.org_id):
        raise PetitionNotFound(code)
    return detail


def identity_for(detail: PetitionDetail, actor: Actor) -> Identity:
    p = detail.petition
    if sees_identity(p, actor.role.value, actor.org_id):
        return Identity(
            p.petitioner_name, mask_phone(p.petitioner_phone), p.petitioner_address, False,
            p.petitioner_id_masked, tuple(representative_names(p)),
        )  # fmt: skip
    if p.matter_type == "accusation":
        hidden = TEXT["xf_confidential"]
        return Identity(hidden, hidden, hidden, True)
    return Identity(
        mask_name(p.petitioner_name),
        mask_phone(p.petitioner_phone),
        mask_address(p.petitioner_address),
        False,
        representatives=tuple(mask_name(n) for n in representative_names(p)),
    )


async def load_petition_page(
    engine: Engine, client: Client, settings: Settings, actor: Actor, code: str
) -> PetitionPage:
    detail = await asyncio.to_thread(visible_detail, engine, actor, code)
    forms: list[FormSpec] = []
    live = True
    try:
        snap = await get_petition(client, code)
        actions = allowed_actions(snap, actor)
        forms = await asyncio.to_thread(forms_for, engine, detail.petition, actions)
    except CaseUnavailable:
        live = detail.petition.closed_at is not None  # a closed petition has nothing to offer anyway
    names = await asyncio.to_thread(org_names, engine)
    p = detail.petition
    views = await asyncio.to_thread(contact_views, engine, code, PetitionDataView)
    may_reveal = sees_identity(p, actor.role.value, actor.org_id)
    backlog = await asyncio.to_thread(backlog_row, engine, code)
    links = await asyncio.to_thread(petition_links, engine, settings, actor, p)
    return PetitionPage(
        detail, identity_for(detail, actor), forms, names, live, datetime.now(UTC), may_reveal, views, backlog,
        links,
    )  # fmt: skip


async def reveal_petitioner(engine: Engine, actor: Actor, code: str, addr: str, via: str = "web") -> Identity:
    """The petitioner's full phone and address, for those who may see who they are (never the accused
    unit, never for a 检举控告 outside the bureau and the discipline body); every view is logged."""
    detail = await asyncio.to_thread(visible_detail, engine, actor, code)
    p = detail.petition
    if not sees_identity(p, actor.role.value, actor.org_id):
        raise ContactNotAllowed(TEXT["contact_not_allowed"])
    await asyncio.to_thread(log_contact_view, engine, actor, code, addr, via, PetitionDataView)
    return Identity(
        p.petitioner_name, p.petitioner_phone, p.petitioner_address, False,
        p.petitioner_id_masked, tuple(representative_names(p)),
    )  # fmt: skip
