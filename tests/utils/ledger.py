"""Ledger files (民情走访台账) for the import tests: many valid rows, some bad, some repeated."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from store.ledger_template import IMPORT_COLUMNS, SHEET


def ledger_xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([c.header for c in IMPORT_COLUMNS])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def visit_row(i: int, day: date, *, community: str = "清河社区", phone: str | None = None) -> list[object]:
    """A valid row in the template's column order, distinct for each `i`."""
    return [
        f"走访群众{i}",
        phone or f"139{i:08d}",
        f"清河小区{i % 20 + 1}栋",
        community,
        f"楼道灯不亮（第{i}处）",
        f"第{i}处楼道灯坏了一周。",
        "",
        "基础建设",
        day,
    ]


def big_ledger(good: int, bad: int, repeats: int, day: date) -> bytes:
    """`good` valid rows, then `bad` rows with an impossible phone, then `repeats` copies of the first
    valid rows (duplicates within the file)."""
    rows = [visit_row(i, day) for i in range(good)]
    rows += [visit_row(good + i, day, phone="12345") for i in range(bad)]
    rows += [visit_row(i, day) for i in range(repeats)]
    return ledger_xlsx(rows)
