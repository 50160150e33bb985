"""Files checked by their bytes: a department's result takes photos, PDF, Word and Excel files; a
renamed executable or a zip that is no Office file is refused, and a bad file stores nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from starlette.datastructures import UploadFile

from web.uploads import UploadRejected, display_name, read_photos, read_result_files, sniff_document

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> UploadFile:
    return UploadFile(io.BytesIO(data), filename=name)


def test_documents_are_known_by_their_bytes() -> None:
    assert sniff_document(PDF) == "pdf"
    assert sniff_document(office("word/document.xml")) == "docx"
    assert sniff_document(office("xl/workbook.xml")) == "xlsx"
    assert sniff_document(office("other.xml")) is None  # a zip, but no Office file
    assert sniff_document(b"PK\x03\x04broken") is None
    assert sniff_document(b"MZ\x90\x00") is None  # an .exe renamed .pdf


async def test_a_result_takes_photos_and_documents_with_their_names() -> None:
    files = [
        upload("现场.png", PNG),
        upload("C:\\报告\\整改报告.pdf", PDF),
        upload("台账.xlsx", office("xl/workbook.xml")),
    ]
    read = await read_result_files(files, 1024 * 1024)
    assert [(f.extension, f.name) for f in read] == [
        ("png", "现场.png"),
        ("pdf", "整改报告.pdf"),
        ("xlsx", "台账.xlsx"),
    ]


async def test_a_bad_file_is_refused_by_its_number() -> None:
    with pytest.raises(UploadRejected, match="第 2 个附件不是照片"):
        await read_result_files([upload("a.png", PNG), upload("b.pdf", b"MZ\x90\x00")], 1024 * 1024)
    with pytest.raises(UploadRejected, match="最多上传 6 个附件"):
        await read_result_files([upload(f"{n}.png", PNG) for n in range(7)], 1024 * 1024)
    with pytest.raises(UploadRejected, match="第 1 个附件超过"):
        await read_result_files([upload("big.pdf", PDF + b"x" * 2048)], 1024)


async def test_a_residents_photos_stay_photos() -> None:
    with pytest.raises(UploadRejected, match="第 1 张照片不是"):
        await read_photos([upload("doc.pdf", PDF)], 1024 * 1024)


def test_display_names_lose_folders_and_control_characters() -> None:
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("报告\x00\x1b.pdf") == "报告.pdf"
    assert len(display_name("长" * 200 + ".pdf")) == 80
