"""Registering a request with its photos, and where each registrar may register one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import UploadFile
from sqlalchemy.engine import Engine
from temporalio.client import Client

from settings import Settings
from store.models import OrgKind
from store.queries import orgs_of_kind
from store.visibility import may_register_in
from web.i18n import label
from web.services.cases import Registered, RegistrationInput, RegistrationOutcomeUnknown, register_case
from web.uploads import discard, read_photos, store_photos
from workflows.types import Actor, Role

# Whoever acts on the public portal and through a tracking link.
RESIDENT = Actor(user_id="resident", role=Role.RESIDENT, display_name=label("role", Role.RESIDENT))


@dataclass(frozen=True)
class StreetCommunities:
    street_id: str
    street_name: str
    communities: list[tuple[str, str]]  # (id, name)


def communities_for(engine: Engine, actor: Actor | None) -> list[StreetCommunities]:
    """The communities a registrar may register for (`store.visibility.may_register_in`), by street;
    a resident on the portal (actor None) may choose any."""
    registrar = actor or RESIDENT
    groups: list[StreetCommunities] = []
    for street in orgs_of_kind(engine, OrgKind.STREET):
        communities = [
            (c.id, c.name)
            for c in orgs_of_kind(engine, OrgKind.COMMUNITY, parent_id=street.id)
            if may_register_in(registrar, c.id, street.id)
        ]
        if communities:
            groups.append(StreetCommunities(street.id, street.name, communities))
    return groups


async def register_with_photos(
    engine: Engine,
    client: Client,
    settings: Settings,
    form: RegistrationInput,
    files: list[UploadFile],
    registered_by: Actor,
) -> Registered:
    """Photos are checked before anything is stored or a code allocated, and removed again if the
    registration fails, so a refused request leaves nothing behind."""
    photos = await read_photos(files, settings.upload_max_bytes)
    keys = await asyncio.to_thread(store_photos, settings.data_dir, photos)
    try:
        with_photos = form.model_copy(update={"attachments": keys})
        return await register_case(engine, client, settings, with_photos, registered_by)
    except RegistrationOutcomeUnknown:
        raise  # the case may exist and name these photos: keep them
    except BaseException:
        await asyncio.to_thread(discard, settings.data_dir, keys)
        raise
