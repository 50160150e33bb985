"""Reading a ledger file (.xlsx, or CSV in UTF-8 with or without BOM, or GBK) into a header and
numbered rows of cell values, as the spreadsheet numbers them (the header is row 1)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from openpyxl import load_workbook

from store.ledger_template import INSTRUCTIONS_SHEET

MAX_ROWS = 5000
Rows = Iterator[tuple[int, list[Any]]]


class LedgerFileError(ValueError):
    """The file as a whole cannot be read (type, encoding, missing columns); the message is for the user."""


def normalize_text(text: str) -> str:
    """Full-width to half-width, trimmed, inner whitespace collapsed: how a fingerprint sees text."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def read_table(filename: str, data: bytes) -> tuple[list[str], Rows]:
    """The header (normalized: * and （必填） dropped) and the rows after it; raises LedgerFileError."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise LedgerFileError("只能导入 .xlsx 或 .csv 文件")
    first = next(rows, None)
    if first is None:
        raise LedgerFileError("文件是空的")
    return [_header(v) for v in first[1]], _limited(rows)


def _limited(rows: Rows) -> Rows:
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise LedgerFileError(f"一次最多导入 {MAX_ROWS} 行，请分批导入")
        yield row


def _xlsx_rows(data: bytes) -> Rows:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged or foreign file
        raise LedgerFileError("无法读取该 Excel 文件，请使用 .xlsx 格式（可下载模板）") from error
    sheets = [ws for ws in wb.worksheets if ws.title != INSTRUCTIONS_SHEET]
    if not sheets:
        raise LedgerFileError("文件中没有工作表")
    for number, row in enumerate(sheets[0].iter_rows(values_only=True), start=1):
        yield number, list(row)


def _csv_rows(data: bytes) -> Rows:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LedgerFileError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        yield number, list(row)


def _header(value: Any) -> str:
    text = normalize_text(cell_text(value))
    return re.sub(r"[*＊]|[（(]\s*(必填|选填)\s*[)）]", "", text).strip()


def cell_text(value: Any) -> str:
    """A cell as trimmed text; a whole float (a phone number stored as a number) loses its .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()
