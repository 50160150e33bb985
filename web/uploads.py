"""Photos residents and officers attach to a request: checked by their bytes, stored under random
names in `data_dir/uploads`, served only to those who may see the case."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import UploadFile

from web.i18n import TEXT

MAX_PHOTOS = 3
KEY = re.compile(r"^[A-Za-z0-9_-]{22}\.(jpg|png|webp)$")
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class UploadRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Photo:
    extension: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The photo's real type from its first bytes (never from its name or declared type)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


async def read_photos(files: list[UploadFile], max_bytes: int) -> list[Photo]:
    """Every photo checked before any is stored: a bad one rejects them all, nothing is written."""
    files = [f for f in files if f.filename]  # an empty file input still sends one empty part
    if len(files) > MAX_PHOTOS:
        raise UploadRejected(TEXT["photos_too_many"].format(n=MAX_PHOTOS))
    photos: list[Photo] = []
    for number, upload in enumerate(files, start=1):
        data = await upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise UploadRejected(TEXT["photo_too_large"].format(n=number, mb=max_bytes // (1024 * 1024)))
        if not data:
            raise UploadRejected(TEXT["photo_empty"].format(n=number))
        extension = sniff(data)
        if extension is None:
            raise UploadRejected(TEXT["photo_bad_type"].format(n=number))
        photos.append(Photo(extension, data))
    return photos


def uploads_dir(data_dir: Path) -> Path:
    return data_dir / "uploads"


def store_photos(data_dir: Path, photos: list[Photo]) -> list[str]:
    folder = uploads_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    keys: list[str] = []
    for photo in photos:
        key = f"{secrets.token_urlsafe(16)}.{photo.extension}"
        (folder / key).write_bytes(photo.data)
        keys.append(key)
    return keys


def discard(data_dir: Path, keys: list[str]) -> None:
    for key in keys:
        path = photo_path(data_dir, key)
        if path is not None:
            path.unlink(missing_ok=True)


def photo_path(data_dir: Path, key: str) -> Path | None:
    """The file of a stored photo; None for anything that is not one of our keys."""
    if not KEY.match(key):
        return None
    return uploads_dir(data_dir) / key


def media_type(key: str) -> str:
    return MEDIA_TYPES[key.rsplit(".", 1)[-1]]
