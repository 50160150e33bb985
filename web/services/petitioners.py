"""Petitioners as people at the desk (信访人): the check beside the registration form (this person's
earlier petitions, similar open ones), a petition's links (the earlier petitions, what was merged into
it, what it might be merged into), the petitioner's file, and 并案 checked against the read model.

Called by the HTML routes and the JSON API alike. Viewing a petitioner's file shows their contact
across petitions, so it is logged as a full view of each petition's petitioner (`PetitionDataView`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client

from settings import Settings
from store.audit import PetitionDataView
from store.id_numbers import id_number_problem, normalise_id_number
from store.petition_access import DESK_ROLES, may_see, sees_identity
from store.petition_queries import petition_detail
from store.petition_similarity import SIMILAR_WINDOW_DAYS, SIMILARITY_THRESHOLD, Similar, similar_open
from store.petitioners import PetitionerFile, merged_into, petitioner_file, petitions_of
from store.petitions import Petition
from web.i18n.petitioner_text import XF_PERSON_TEXT
from web.services.cases import DecisionRefused
from web.services.personal import log_contact_views
from web.services.petitions import decide_petition, key_of
from workdays import SHANGHAI
from workflows.petition.types import PetitionAction, PetitionMerge, PetitionOutcome, PetitionResult
from workflows.types import Actor


class PetitionerNotFound(Exception):
    """No such petitioner, or none of their petitions is this viewer's to see (the same answer)."""


@dataclass(frozen=True)
class SimilarCheck:
    """What the desk sees beside the form while it types (初信初访 / 重复信访, similar open petitions)."""

    problem: str = ""  # the id number as typed is wrong: said at once
    asked: bool = False  # enough was typed to recognise the petitioner
    earlier: list[Petition] = field(default_factory=list)  # the petitioner's, any status
    similar: list[Similar] = field(default_factory=list)  # open, not the petitioner's earlier ones
    chosen: str = ""  # the earlier petition already marked as the same matter


@dataclass(frozen=True)
class PetitionLinks:
    """A petition's relations, for its page."""

    earlier: list[Petition]  # the same petitioner's other petitions whose petitioner the viewer sees
    merged_here: list[Petition]  # petitions merged (并案) into this one
    similar: list[Similar]  # open petitions it might be merged into (the desk only)
    repeated: Petition | None = None  # the earlier petition it repeats (重复信访), if the viewer may see it
    petitioner_file: bool = False  # the viewer may open the petitioner's file (the desk)

    @property
    def repeats_concluded(self) -> bool:
        return self.repeated is not None and self.repeated.outcome == PetitionOutcome.CONCLUDED


def _window(settings: Settings) -> tuple[int, float]:
    # Settings fields the lead may add; until then the module's defaults.
    days = getattr(settings, "petition_similar_window_days", SIMILAR_WINDOW_DAYS)
    threshold = getattr(settings, "petition_similarity_threshold", SIMILARITY_THRESHOLD)
    return int(days), float(threshold)


def check_similar(engine: Engine, settings: Settings, actor: Actor, values: dict[str, Any]) -> SimilarCheck:
    """The petitioner is recognised by the id number, or else by name and phone together."""
    id_number = normalise_id_number(str(values.get("petitioner_id_number", "")))
    name = str(values.get("petitioner_name", "")).strip()
    phone = str(values.get("petitioner_phone", "")).strip()
    chosen = str(values.get("same_matter_as", "")).strip()
    if id_number:
        problem = id_number_problem(id_number, datetime.now(SHANGHAI).date())
        if problem is not None:
            return SimilarCheck(problem=XF_PERSON_TEXT[problem])
    key = key_of(settings, id_number, name, phone) if id_number or (name and phone) else ""
    role, org = actor.role.value, actor.org_id
    earlier = petitions_of(engine, key, role, org)
    text = f"{values.get('title', '')} {values.get('content', '')}".strip()
    days, threshold = _window(settings)
    similar = similar_open(
        engine, role=role, org_id=org, key=key, text=text, address=str(values.get("petitioner_address", "")),
        now=datetime.now(UTC), window_days=days, threshold=threshold,
    )  # fmt: skip
    theirs = {p.code for p in earlier}
    return SimilarCheck(
        asked=bool(key or text),
        earlier=earlier,
        similar=[s for s in similar if s.petition.code not in theirs],
        chosen=chosen if chosen in theirs else "",
    )


def petition_links(engine: Engine, settings: Settings, actor: Actor, p: Petition) -> PetitionLinks:
    role, org = actor.role.value, actor.org_id
    if not sees_identity(p, role, org):  # nothing that would tell who brought it (检举控告)
        return PetitionLinks([], [m for m in merged_into(engine, p.code) if may_see(m, role, org)], [])
    # Only petitions whose petitioner the viewer may know: a unit must not learn, from a petition it
    # may read, that the same person accused someone in another.
    earlier = [
        e
        for e in petitions_of(engine, p.petitioner_key, role, org, exclude=p.code)
        if sees_identity(e, role, org)
    ]
    merged_here = [m for m in merged_into(engine, p.code) if may_see(m, role, org)]
    similar: list[Similar] = []
    if role in DESK_ROLES and p.closed_at is None:
        days, threshold = _window(settings)
        similar = similar_open(
            engine, role=role, org_id=org, key=p.petitioner_key, text=f"{p.title} {p.content}",
            address=p.petitioner_address, now=datetime.now(UTC), window_days=days, threshold=threshold,
            exclude=p.code,
        )  # fmt: skip
    repeated = next((e for e in earlier if e.code == p.repeat_of), None) if p.repeat_of else None
    return PetitionLinks(
        earlier, merged_here, similar, repeated, role in DESK_ROLES and bool(p.petitioner_key)
    )


def open_petitioner_file(engine: Engine, actor: Actor, key: str, addr: str) -> PetitionerFile:
    """A petitioner's file for the desk; every petition listed is logged as its petitioner seen."""
    found = petitioner_file(engine, key, actor.role.value, actor.org_id)
    if found is None or actor.role.value not in DESK_ROLES:
        raise PetitionerNotFound(key)
    log_contact_views(engine, actor, [p.code for p in found.petitions], addr, "petitioner", PetitionDataView)
    return found


def merge_problem(engine: Engine, actor: Actor, code: str, into: str) -> str | None:
    """并案 only into another open petition the desk may see (the workflow refuses only itself)."""
    into = into.strip()
    if not into:
        return None  # the workflow's own sentence
    if into == code:
        return XF_PERSON_TEXT["merge_self"]
    target = petition_detail(engine, into)
    if target is None or not may_see(target.petition, actor.role.value, actor.org_id):
        return XF_PERSON_TEXT["merge_target_missing"].format(code=into)
    if target.petition.closed_at is not None:
        return XF_PERSON_TEXT["merge_target_closed"].format(code=into)
    return None


async def decide_checked(
    engine: Engine, client: Client, actor: Actor, code: str, action: PetitionAction, payload: Any
) -> PetitionResult:
    """A decision, with the read model's checks the workflow cannot make first (并案's target)."""
    if isinstance(payload, PetitionMerge):
        problem = await asyncio.to_thread(merge_problem, engine, actor, code, payload.into)
        if problem:
            raise DecisionRefused(problem)
        payload.into = payload.into.strip()
    return await decide_petition(client, code, action, payload)
