"""The downloadable template for offline-collected requests (民情走访台账): its columns, an example
row the import skips, and an instructions sheet."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from store.labels import CATEGORY

SHEET = "民情走访台账"
INSTRUCTIONS_SHEET = "填写说明"
EXAMPLE_MARK = "示例"  # a row whose 诉求人姓名 starts with this is the template's example: skipped


@dataclass(frozen=True)
class ImportColumn:
    key: str
    header: str
    required: bool
    max_length: int
    help: str
    aliases: tuple[str, ...] = ()
    width: int = 14


IMPORT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("reporter_name", "诉求人姓名", True, 100, "群众姓名。", ("姓名", "诉求人"), 12),
    ImportColumn(
        "reporter_phone",
        "联系电话",
        True,
        32,
        "11 位手机号，或带区号的固定电话（如 0571-88881234）。",
        ("电话", "手机号", "手机"),
        15,
    ),
    ImportColumn("reporter_address", "住址", False, 200, "群众住址，选填。", ("家庭住址",), 24),
    ImportColumn(
        "community",
        "社区",
        True,
        64,
        "所属社区（村）的名称或编号，须与系统中的名称一致，见下方列表。",
        ("村/社区", "社区（村）", "所属社区"),
        12,
    ),
    ImportColumn("title", "标题", True, 200, "一句话概括诉求，200 字以内。", ("诉求标题",), 24),
    ImportColumn("description", "诉求内容", True, 4000, "诉求的具体内容。", ("内容", "诉求详情"), 40),
    ImportColumn("location", "地点", False, 200, "事发地点，选填。", ("事发地点",), 20),
    ImportColumn(
        "category",
        "类别",
        False,
        20,
        "选填；可选：" + "、".join(CATEGORY.values()) + "。不填则由社区研判时确定。",
        ("诉求类别",),
        11,
    ),
    ImportColumn(
        "received_date",
        "受理日期",
        True,
        20,
        "走访收集诉求的日期，如 2026-03-05，不能晚于今天；系统按当日 09:00 记为受理时间。各环节时限从导入登记之时起算，导入不会使诉求一到即超期。",
        ("走访日期", "日期"),
        12,
    ),
    ImportColumn(
        "collector",
        "走访人",
        False,
        100,
        "走访、收集此诉求的工作人员，选填；记入台账。",
        ("收集人", "走访人员"),
        12,
    ),
)


def import_template_xlsx(community_names: Sequence[str] = ()) -> bytes:
    """The template: header, one example row (skipped on import) and the instructions sheet, which
    lists ``community_names`` when given (the web passes the directory's communities)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([c.header for c in IMPORT_COLUMNS])
    for cell, column in zip(ws[1], IMPORT_COLUMNS, strict=True):
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    ws.append(
        [
            f"{EXAMPLE_MARK}：张秀兰",
            "13812341234",
            "清河小区3栋2单元501",
            community_names[0] if community_names else "清河社区",
            "小区门口路灯不亮",
            "清河小区南门外三盏路灯已经坏了两周，晚上出行不安全。",
            "清河小区南门",
            "基础建设",
            date(2026, 3, 5),
            "李网格",
        ]
    )
    for cell in ws[2]:
        cell.font = Font(italic=True, color="808080")
    for i, column in enumerate(IMPORT_COLUMNS, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = column.width
        # Column styles, not cell styles: no empty cells are created below the example row.
        if column.key == "reporter_phone":
            ws.column_dimensions[letter].number_format = "@"  # text: keeps a landline's leading 0
        if column.key == "received_date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
            ws[f"{letter}2"].number_format = "yyyy-mm-dd"
        if column.key == "category":
            choices = DataValidation(type="list", formula1='"' + ",".join(CATEGORY.values()) + '"')
            choices.add(f"{letter}2:{letter}1001")
            ws.add_data_validation(choices)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet(INSTRUCTIONS_SHEET)
    notes.append(["列名", "是否必填", "填写要求"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in IMPORT_COLUMNS:
        notes.append([column.header, "必填" if column.required else "选填", column.help])
    notes.append([])
    notes.append(["说明", "", f"第 2 行为示例（姓名以「{EXAMPLE_MARK}」开头），导入时自动跳过，可删除。"])
    notes.append(
        ["", "", "同一联系电话、标题、受理日期和社区的诉求只会登记一次，重复导入同一文件不会重复登记。"]
    )
    notes.append(["", "", "也可以另存为 CSV（UTF-8 或 GBK 编码）后导入，第一行须为列名。"])
    if community_names:
        notes.append([])
        notes.append(["可填写的社区（村）"])
        for name in community_names:
            notes.append([name])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
