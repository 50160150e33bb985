"""A case's files, in one place: the photos the request came with, and the photos and documents each
department attached to its result. Who may have which: an officer who may see the case gets them all;
the resident gets their own photos and the result files a department made public.

A department's files are stored (web/uploads) before its result is decided and named in the decision;
a decision the workflow refuses leaves no file behind.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import UploadFile

from settings import Settings
from web.uploads import IMAGES, discard, media_type, photo_path, read_result_files, store_photos
from workflows.types import CaseSnapshot, ResultAttachment


@dataclass(frozen=True)
class CaseFile:
    path: Path
    media_type: str
    download_name: str  # "" for a photo (shown inline)


@dataclass(frozen=True)
class FileLink:
    key: str
    name: str
    image: bool
    public: bool


def result_links(attachments: list[ResultAttachment], *, resident: bool = False) -> list[FileLink]:
    return [
        FileLink(a.key, a.name or a.key, a.key.rsplit(".", 1)[-1] in IMAGES, a.public)
        for a in attachments
        if a.public or not resident
    ]


def public_result_files(snap: CaseSnapshot) -> list[FileLink]:
    """The result files a department made public, as the resident's tracking page lists them."""
    return [link for a in snap.assignments for link in result_links(a.attachments, resident=True)]


def case_file(settings: Settings, snap: CaseSnapshot, key: str, *, resident: bool) -> CaseFile | None:
    """The stored file `key` of this case if this viewer may have it, else None."""
    path = photo_path(settings.data_dir, key)
    if path is None or not path.is_file():
        return None
    if key in snap.registration.attachments:
        return CaseFile(path, media_type(key), "")
    for assignment in [*snap.assignments, *snap.departed]:
        for a in assignment.attachments:
            if a.key == key and (a.public or not resident):
                image = key.rsplit(".", 1)[-1] in IMAGES
                return CaseFile(path, media_type(key), "" if image else (a.name or key))
    return None


async def store_result_files(
    settings: Settings, files: list[UploadFile], public: bool
) -> list[ResultAttachment]:
    """Checks every file, then stores them; raises UploadRejected (nothing stored) on a bad one."""
    checked = await read_result_files(files, settings.upload_max_bytes)
    keys = await asyncio.to_thread(store_photos, settings.data_dir, checked)
    return [ResultAttachment(key, f.name, public) for key, f in zip(keys, checked, strict=True)]


async def discard_result_files(settings: Settings, attachments: list[ResultAttachment]) -> None:
    await asyncio.to_thread(discard, settings.data_dir, [a.key for a in attachments])
