"""Photos residents and officers attach to a request, and the photos and documents a department
attaches to its result: checked by their bytes, stored under random names in `data_dir/uploads`,
served only to those who may see the case (a result's public files also to the resident)."""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import UploadFile

from web.i18n import TEXT

MAX_PHOTOS = 3
MAX_RESULT_FILES = 6  # as workflows.rules.MAX_RESULT_ATTACHMENTS
KEY = re.compile(r"^[A-Za-z0-9_-]{22}\.(jpg|png|webp|pdf|docx|xlsx)$")
MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
IMAGES = ("jpg", "png", "webp")
# An Office file is a zip; which one it is, its parts say.
_OFFICE_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx"}


class UploadRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Photo:
    extension: str
    data: bytes
    name: str = ""  # as uploaded (a document's link shows it)


def sniff(data: bytes) -> str | None:
    """The photo's real type from its first bytes (never from its name or declared type)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def sniff_document(data: bytes) -> str | None:
    """A PDF, Word (.docx) or Excel (.xlsx) file's real type from its bytes, else None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    return next((kind for part, kind in _OFFICE_PARTS.items() if part in names), None)


async def read_photos(files: list[UploadFile], max_bytes: int) -> list[Photo]:
    """Every photo checked before any is stored: a bad one rejects them all, nothing is written."""
    return await _read(files, max_bytes, MAX_PHOTOS, documents=False)


async def read_result_files(files: list[UploadFile], max_bytes: int) -> list[Photo]:
    """A department's result: photos, PDF, Word and Excel files, all checked before any is stored."""
    return await _read(files, max_bytes, MAX_RESULT_FILES, documents=True)


async def _read(files: list[UploadFile], max_bytes: int, most: int, *, documents: bool) -> list[Photo]:
    files = [f for f in files if f.filename]  # an empty file input still sends one empty part
    words = "file_" if documents else "photo_"
    if len(files) > most:
        raise UploadRejected(TEXT[f"{words}too_many"].format(n=most))
    photos: list[Photo] = []
    for number, upload in enumerate(files, start=1):
        data = await upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise UploadRejected(TEXT[f"{words}too_large"].format(n=number, mb=max_bytes // (1024 * 1024)))
        if not data:
            raise UploadRejected(TEXT[f"{words}empty"].format(n=number))
        extension = sniff(data) or (sniff_document(data) if documents else None)
        if extension is None:
            raise UploadRejected(TEXT[f"{words}bad_type"].format(n=number))
        photos.append(Photo(extension, data, display_name(upload.filename or "")))
    return photos


def display_name(filename: str) -> str:
    """An uploaded file's name as a link may show it: no folders, no control characters, 80 at most."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:80]


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
