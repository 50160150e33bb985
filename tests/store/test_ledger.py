"""The ledger: export opened back cell by cell, and import of good, bad and duplicate rows."""

from __future__ import annotations

import csv
import io
from dataclasses import fields
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import Engine

from store.contact import mask_name, mask_phone
from store.ledger import LEDGER_COLUMNS, LedgerFilters, LedgerRow, export_csv, export_xlsx, ledger_rows
from store.ledger_import import (
    LedgerFileError,
    already_imported,
    forget_import,
    mark_imported,
    parse_ledger,
    read_ledger,
)
from store.ledger_template import IMPORT_COLUMNS, INSTRUCTIONS_SHEET, SHEET, import_template_xlsx
from store.models import Org, OrgKind
from store.periods import Period
from store.scopes import Scope
from tests.utils.readmodel import add_assignment, add_case, add_rating
from workdays import SHANGHAI

HEADERS = [
    "编号", "登记时间", "渠道", "诉求人", "联系电话", "类别", "紧急程度", "社区", "街道", "承办部门",
    "牵头单位", "报单时间", "签收时间", "派单时间", "办结时间", "当前时限", "当前环节", "是否超期",
    "督办", "办理结果", "结案方式", "是否解决", "评价",
]  # fmt: skip
TODAY = date(2026, 4, 15)


def local(text: str) -> datetime:
    """What Excel shows: Asia/Shanghai wall time, no zone."""
    return datetime.fromisoformat(text)


@pytest.fixture
def two_cases(engine: Engine) -> Engine:
    code = add_case(
        engine, code="HJ-2026-000101", received="2026-03-02 09:00", name="张秀兰", phone="13812341234",
        title="小区门口路灯不亮", channel="phone", category="infrastructure", urgency="deferrable",
        stage="closed", outcome="resolved", reported="2026-03-02 10:00", signed="2026-03-02 15:00",
        dispatched="2026-03-03 09:00", completed="2026-03-05 16:00", closed="2026-03-06 10:00",
        ever_overdue=True, supervised=True, supervision_level=1, rating="satisfied", solved=True,
        result="已更换三盏路灯，经回访群众满意。",
    )  # fmt: skip
    add_assignment(engine, code, "dp-zhujian", dispatched="2026-03-03 09:00", accepted="2026-03-03 10:00")
    add_assignment(engine, code, "dp-chengguan", lead=False, dispatched="2026-03-03 09:00")
    add_rating(engine, code, "satisfied", "2026-03-06 10:00", lead="dp-zhujian")
    add_case(
        engine, code="HJ-2026-000102", received="2026-03-31 20:00", name="李四", phone="13900001111",
        title="=HYPERLINK(\"http://x\")", street="st-xihu", community="cm-hubin", stage="sign",
        reported="2026-04-01 09:00", due="2026-04-01 23:59", overdue=True, ever_overdue=True,
    )  # fmt: skip
    return engine


def test_rows_match_the_columns() -> None:
    assert [c[0] for c in LEDGER_COLUMNS] == [f.name for f in fields(LedgerRow)]
    assert [c[1] for c in LEDGER_COLUMNS] == HEADERS


def test_masking() -> None:
    assert mask_name("张秀兰") == "张**"
    assert mask_name("李四") == "李*"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0571-88881234") == "057****1234"
    assert mask_phone("1234") == "****"


def test_xlsx_export_read_back_cell_by_cell(two_cases: Engine) -> None:
    rows = ledger_rows(two_cases, LedgerFilters(period=Period.month(2026, 3)), viewer_may_see_phone=False)
    wb = load_workbook(io.BytesIO(export_xlsx(rows)))
    ws = wb["台账"]
    got = [list(r) for r in ws.iter_rows(values_only=True)]
    assert got == [
        HEADERS,
        [
            "HJ-2026-000101", local("2026-03-02 09:00"), "电话（12345 热线）", "张**", "138****1234",
            "基础建设", "合理缓办", "清河社区", "东城街道", "区住建局、区城管局", "区住建局",
            local("2026-03-02 10:00"), local("2026-03-02 15:00"), local("2026-03-03 09:00"),
            local("2026-03-05 16:00"), None, "已办结", "曾超期", "领导督办", "已更换三盏路灯，经回访群众满意。",
            "评价办结", "已解决", "满意",
        ],
        [
            "HJ-2026-000102", local("2026-03-31 20:00"), "网上提交", "李*", "139****1111", None, None,
            "湖滨社区", "西湖街道", None, None, local("2026-04-01 09:00"), None, None, None,
            local("2026-04-01 23:59"), "街道签收", "是", "否", None, None, None, None,
        ],
    ]  # fmt: skip
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 16
    assert ws.column_dimensions["T"].width == 40
    assert ws["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["B2"].is_date
    assert ws["A3"].data_type == "s"
    assert ws["H3"].data_type == "s"
    # The resident's "=HYPERLINK(...)" title is not a ledger column, but no text cell is ever a formula
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_full_contact_for_allowed_viewers_and_filters(two_cases: Engine) -> None:
    rows = ledger_rows(two_cases, LedgerFilters(), viewer_may_see_phone=True)
    assert [(r.reporter, r.phone) for r in rows] == [("张秀兰", "13812341234"), ("李四", "13900001111")]
    only = ledger_rows(two_cases, LedgerFilters(scope=Scope.department("dp-chengguan")), False)
    assert [r.code for r in only] == ["HJ-2026-000101"]
    assert [r.code for r in ledger_rows(two_cases, LedgerFilters(overdue_only=True), False)] == [
        "HJ-2026-000102"
    ]
    assert [r.code for r in ledger_rows(two_cases, LedgerFilters(text="路灯"), False)] == ["HJ-2026-000101"]
    assert ledger_rows(two_cases, LedgerFilters(period=Period.month(2026, 4)), False) == []
    assert [r.code for r in ledger_rows(two_cases, LedgerFilters(scope=Scope.street("st-xihu")), False)] == [
        "HJ-2026-000102"
    ]


def test_csv_export_has_bom_and_chinese(two_cases: Engine) -> None:
    rows = ledger_rows(two_cases, LedgerFilters(), viewer_may_see_phone=False)
    data = export_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == HEADERS
    assert table[1][:10] == [
        "HJ-2026-000101", "2026-03-02 09:00", "电话（12345 热线）", "张**", "138****1234", "基础建设",
        "合理缓办", "清河社区", "东城街道", "区住建局、区城管局",
    ]  # fmt: skip
    assert table[2][15] == "2026-04-01 23:59"
    assert len(table) == 3


def test_csv_neutralises_formulas() -> None:
    from store.ledger import _csv_text

    assert _csv_text("=1+1") == "'=1+1"
    assert _csv_text("@SUM(A1)") == "'@SUM(A1)"
    assert _csv_text("路灯") == "路灯"


# --- import ----------------------------------------------------------------------------------------

GOOD_1 = ["王芳", "13912345678", "清河小区5栋", "清河社区", "楼道灯坏了", "5栋2单元楼道灯不亮", "清河小区", "基础建设", date(2026, 3, 5)]  # fmt: skip
GOOD_2 = ["赵强", "0571-88881234", "", "cm-hubin", "夜间施工噪音", "工地每晚施工到凌晨", "", "", "2026/3/6"]  # fmt: skip
BAD = [
    # (row, why) — each row breaks one rule, the last two rules at once
    (["", "13912345670", "", "清河社区", "标题", "内容", "", "", "2026-03-05"], ["「诉求人姓名」不能为空"]),
    (["甲", "12345", "", "清河社区", "标题", "内容", "", "", "2026-03-05"], ["「联系电话」格式不正确：12345"]),
    (["乙", "13912345671", "", "不存在社区", "标题", "内容", "", "", "2026-03-05"], ["「社区」系统中没有「不存在社区」"]),
    (["丙", "13912345672", "", "清河社区", "标题", "内容", "", "", "2026-05-01"], ["「受理日期」2026-05-01 晚于今天"]),
    (["丁", "13912345673", "", "清河社区", "标题", "内容", "", "", "下周一"], ["「受理日期」无法识别：下周一"]),
    (["戊", "13912345674", "", "清河社区", "标题", "内容", "", "其他", "2026-03-05"], ["「类别」不在可选范围：其他"]),
    (["己", "13912345675", "", "清河社区", "长" * 201, "内容", "", "", "2026-03-05"], ["「标题」不能超过 200 字"]),
    (["庚", "abc", "", "清河社区", "", "内容", "", "", "2026-03-05"], ["「标题」不能为空", "「联系电话」格式不正确"]),
]  # fmt: skip
# GOOD_1 again, written differently: spaces in the phone, full-width spaces around the title
DUPLICATE = ["王芳", "139 1234 5678", "", "清河社区", "\u3000楼道灯坏了 ", "重复登记", "", "", "2026-03-05"]


def ledger_xlsx() -> bytes:
    """The downloaded template, filled in below its example row (row 2)."""
    wb = load_workbook(io.BytesIO(import_template_xlsx(["清河社区"])))
    ws = wb[SHEET]
    for row in [GOOD_1, GOOD_2, *(r for r, _ in BAD), DUPLICATE, [None] * 9]:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_template() -> None:
    wb = load_workbook(io.BytesIO(import_template_xlsx(["清河社区", "湖滨社区"])))
    assert wb.sheetnames == [SHEET, INSTRUCTIONS_SHEET]
    assert [c.value for c in wb[SHEET][1]] == [c.header for c in IMPORT_COLUMNS]
    assert wb[SHEET]["A2"].value.startswith("示例")
    notes = [r[0] for r in wb[INSTRUCTIONS_SHEET].iter_rows(values_only=True)]
    assert "湖滨社区" in notes and "受理日期" in notes


def test_template_alone_imports_nothing(engine: Engine) -> None:
    report = read_ledger(engine, "模板.xlsx", import_template_xlsx(), today=TODAY)
    assert report.total == 0


def test_import_good_bad_and_duplicate_rows_then_again(any_engine: Engine) -> None:
    report = read_ledger(any_engine, "三月走访.xlsx", ledger_xlsx(), today=TODAY)
    # rows: 1 header, 2 example (skipped), 3-4 good, 5-12 bad, 13 duplicate of 3, 14 blank (skipped)
    assert [r.row_number for r in report.ready] == [3, 4]
    first, second = report.ready
    assert first.reporter_phone == "13912345678"
    assert (first.community_org_id, first.community_name, first.street_org_id) == (
        "cm-qinghe",
        "清河社区",
        "st-dongcheng",
    )
    assert first.category == "infrastructure"
    assert first.received_at == datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)
    assert first.channel == "visit"
    assert (second.reporter_phone, second.community_org_id, second.street_org_id) == (
        "0571-88881234",
        "cm-hubin",
        "st-xihu",
    )
    assert second.category is None and second.received_at.date() == date(2026, 3, 6)
    assert [r.row_number for r in report.rejected] == list(range(5, 13))
    for rejected, (_, reasons) in zip(report.rejected, BAD, strict=True):
        assert len(rejected.reasons) == len(reasons), rejected.reasons
        for got, expected in zip(rejected.reasons, reasons, strict=True):
            assert got.startswith(expected), (got, expected)
    assert report.rejected[0].values["联系电话"] == "13912345670"
    assert [(d.row.row_number, d.same_as_row, d.case_code) for d in report.duplicates] == [(13, 3, "")]

    # the web registers the ready rows, then marks them
    for row, code in zip(report.ready, ["HJ-2026-000201", "HJ-2026-000202"], strict=True):
        assert mark_imported(any_engine, row.fingerprint, code, filename="三月走访.xlsx", imported_by="admin")
    assert not mark_imported(any_engine, first.fingerprint, "HJ-2026-000999")  # a second importer loses
    assert already_imported(any_engine, [first.fingerprint, "nope"]) == {first.fingerprint: "HJ-2026-000201"}

    again = read_ledger(any_engine, "三月走访（副本）.xlsx", ledger_xlsx(), today=TODAY)
    assert again.ready == []
    assert len(again.rejected) == 8
    assert [(d.row.row_number, d.case_code, d.same_as_row) for d in again.duplicates] == [
        (3, "HJ-2026-000201", None),
        (4, "HJ-2026-000202", None),
        (13, "", 3),
    ]

    forget_import(any_engine, second.fingerprint)  # its registration failed: importable again
    assert [r.row_number for r in read_ledger(any_engine, "x.xlsx", ledger_xlsx(), today=TODAY).ready] == [4]


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_import_in_each_encoding(encoding: str, engine: Engine) -> None:
    header = [
        "诉求人姓名*",
        "电话",
        "社区（必填）",
        "标题",
        "诉求内容",
        "受理日期",
        "类别",
    ]  # aliases and marks
    rows = [
        header,
        ["王芳", "13912345678", "迎宾社区", "垃圾清运不及时", "三天没有清运", "2026年3月5日", "生态环境"],
    ]
    report = parse_ledger("走访.csv", csv_bytes(rows, encoding), _communities(), today=TODAY)
    assert report.rejected == []
    (row,) = report.ready
    assert (row.reporter_name, row.title, row.community_org_id, row.category) == (
        "王芳",
        "垃圾清运不及时",
        "cm-yingbin",
        "environment",
    )


def test_ambiguous_community_name_needs_the_id() -> None:
    orgs = [
        *_communities(),
        Org(id="cm-qinghe-2", name="清河社区", kind=OrgKind.COMMUNITY, parent_id="st-xihu"),
    ]
    rows = [
        [c.header for c in IMPORT_COLUMNS],
        ["王芳", "13912345678", "", "清河社区", "标题", "内容", "", "", "2026-03-05"],
    ]
    report = parse_ledger("a.csv", csv_bytes(rows, "utf-8"), orgs, today=TODAY)
    assert report.rejected[0].reasons == ["「社区」名称「清河社区」不唯一，请填写社区编号"]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("a.xls", b"whatever", "只能导入 .xlsx 或 .csv 文件"),
        ("a.xlsx", b"not a zip", "无法读取该 Excel 文件"),
        ("a.csv", b"", "文件是空的"),
        ("a.csv", "诉求人姓名,标题\n王芳,路灯\n".encode(), "缺少必填列：联系电话、社区、诉求内容、受理日期"),
    ],
)
def test_unreadable_files(filename: str, data: bytes, message: str) -> None:
    with pytest.raises(LedgerFileError, match=message):
        parse_ledger(filename, data, _communities(), today=TODAY)


def test_excel_numbers_for_phone_and_date() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in IMPORT_COLUMNS])
    ws.append(["王芳", 13912345678, "", "清河社区", "标题", "内容", "", "", 46086])  # 46086 = 2026-03-05
    out = io.BytesIO()
    wb.save(out)
    (row,) = parse_ledger("a.xlsx", out.getvalue(), _communities(), today=TODAY).ready
    assert (row.reporter_phone, row.received_at.date()) == ("13912345678", date(2026, 3, 5))


def _communities() -> list[Org]:
    return [
        Org(id="cm-qinghe", name="清河社区", kind=OrgKind.COMMUNITY, parent_id="st-dongcheng"),
        Org(id="cm-yingbin", name="迎宾社区", kind=OrgKind.COMMUNITY, parent_id="st-dongcheng"),
        Org(id="cm-hubin", name="湖滨社区", kind=OrgKind.COMMUNITY, parent_id="st-xihu"),
    ]
