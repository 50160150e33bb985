"""The ledger (台账): the page, the exports opened back with openpyxl and csv (Chinese intact, phones
masked for a leader and full for a street officer, every full export logged), and the import of
offline-collected requests: good, bad and duplicate rows, and the same file twice."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from urllib.parse import quote

from openpyxl import Workbook, load_workbook
from sqlmodel import Session, func, select

from store.audit import PersonalDataView
from store.jobs import Job
from store.ledger import LEDGER_COLUMNS, LedgerFilters, ledger_rows
from store.ledger_template import IMPORT_COLUMNS, SHEET
from store.models import Case
from store.scopes import Scope
from tests.utils.jobs import follow_job, started_job
from tests.utils.web import CODE
from tests.web.test_dashboard import covering_period, rated_case, triaged_case
from workdays import SHANGHAI

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_rows(content: bytes) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(content)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def expected_cells(row) -> list[object]:  # type: ignore[no-untyped-def]
    """A ledger row as the workbook holds it: local wall times, empty cells as None."""
    out: list[object] = []
    for name, _, _ in LEDGER_COLUMNS:
        v = getattr(row, name)
        if isinstance(v, datetime):
            v = v.astimezone(SHANGHAI).replace(tzinfo=None, second=0, microsecond=0)
        out.append(v or None)
    return out


def minute(v: object) -> object:
    return v.replace(second=0, microsecond=0) if isinstance(v, datetime) else v


async def test_export_opens_with_chinese_intact_and_phones_by_role(app, browser, engine):
    code = await rated_case(app)
    await triaged_case(app)
    period = covering_period(engine)
    query = f"period={period.key}&scope=st-dongcheng"

    leader = await browser("leader-wang")
    page = await leader.get(f"/ledger?{query}")
    assert page.status_code == 200 and code in page.text and "138****1234" in page.text
    assert "13812341234" not in page.text and "导出文件中群众姓名和电话已脱敏" in page.text
    exported = await leader.get(f"/ledger/export.xlsx?{query}")
    assert exported.status_code == 200 and exported.headers["content-type"] == XLSX
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="ledger_st-dongcheng_')
    assert f"filename*=UTF-8''{quote('台账_东城街道_' + period.key + '.xlsx')}" in disposition
    rows = workbook_rows(exported.content)
    assert rows[0] == [header for _, header, _ in LEDGER_COLUMNS]
    expected = ledger_rows(engine, LedgerFilters(period=period, scope=Scope.street("st-dongcheng")), False)
    assert [[minute(v) for v in r] for r in rows[1:]] == [expected_cells(r) for r in expected]
    sheet = dict(zip(rows[0], rows[1], strict=True))
    assert sheet["编号"] == code and sheet["诉求人"] == "张**" and sheet["联系电话"] == "138****1234"
    assert (
        sheet["渠道"] == "电话（12345 热线）" and sheet["社区"] == "清河社区" and sheet["街道"] == "东城街道"
    )
    assert sheet["承办部门"] == "区住建局" and sheet["类别"] == "民生保障" and sheet["评价"] == "满意"
    assert isinstance(sheet["登记时间"], datetime)  # a real Excel date, not text
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(PersonalDataView)).one() == 0  # masked: nothing to log

    street = await browser("street-dongcheng")
    page = await street.get(f"/ledger?{query}")
    assert (
        "导出文件含群众完整姓名和电话" in page.text and "13812341234" not in page.text
    )  # a list stays masked
    full = await street.get(f"/ledger/export.csv?{query}")
    assert full.status_code == 200 and full.headers["content-type"] == "text/csv; charset=utf-8"
    assert full.content.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    table = list(csv.reader(io.StringIO(full.content.decode("utf-8-sig"))))
    line = dict(zip(table[0], table[1], strict=True))
    assert line["诉求人"] == "张秀兰" and line["联系电话"] == "13812341234" and line["编号"] == code
    with Session(engine) as s:
        logged = s.exec(select(PersonalDataView)).all()
    assert [(v.user_id, v.case_code, v.via) for v in logged] == [("street-dongcheng", code, "export")]
    # Filters narrow the export; the other street's case never appears in this one.
    filtered = await street.get(f"/ledger?{query}&overdue=1&channel=phone")
    assert "没有符合条件的案件" in filtered.text
    assert (
        f'href="/ledger/export.xlsx?period={period.key}&amp;scope=st-dongcheng&amp;channel=phone&amp;overdue=1"'
        in filtered.text
    )
    overdue_only = await street.get(f"/ledger/export.xlsx?{query}&overdue=1")
    assert len(workbook_rows(overdue_only.content)) == 1
    other = await street.get(f"/ledger/export.xlsx?period={period.key}&scope=st-xihu")
    assert other.status_code == 403


def ledger_file(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([c.header for c in IMPORT_COLUMNS])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def case_count(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Case)).one()


async def test_import_registers_good_rows_once_and_reports_the_rest(app, browser, engine):
    day = (datetime.now(SHANGHAI) - timedelta(days=3)).date()
    good = [
        "刘建国",
        "13911112222",
        "清河小区5栋",
        "清河社区",
        "楼道灯不亮",
        "五楼楼道灯坏了一周。",
        "5栋",
        "基础建设",
        day,
    ]
    other = [
        "陈芳",
        "0571-88881234",
        "",
        "清河社区",
        "垃圾清运不及时",
        "垃圾桶满了没人收。",
        "",
        "",
        day.isoformat(),
    ]
    data = ledger_file(
        [
            [
                "示例：张秀兰",
                "13812341234",
                "",
                "清河社区",
                "示例",
                "示例",
                "",
                "",
                day,
            ],  # the template's example
            good,
            [
                "王五",
                "12345",
                "",
                "清河社区",
                "路面破损",
                "路面有坑。",
                "",
                "基建",
                day,
            ],  # bad phone, bad category
            other,
            [*good[:4], " 楼道灯不亮 ", *good[5:]],  # the same request again (whitespace differs)
            [
                "赵六",
                "13700001111",
                "",
                "湖滨社区",
                "噪音扰民",
                "夜间施工。",
                "",
                "",
                day,
            ],  # not this grid's community
        ]
    )
    grid = await browser("grid-qinghe")
    page = await grid.get("/ledger/import")
    assert page.status_code == 200 and "下载模板" in page.text
    before = case_count(engine)
    started = await grid.post("/ledger/import", files={"file": ("走访台账.xlsx", data, XLSX)})
    job = await started_job(started)
    assert job.startswith("/ledger/import/jobs/")
    page = await grid.get(job)  # the whole page, which then polls its progress fragment
    assert page.status_code == 200 and 'id="job-progress"' in page.text
    report, _ = await follow_job(grid, job)
    codes = sorted(set(CODE.findall(report.text)))
    assert len(codes) == 2 and case_count(engine) == before + 2
    assert "「走访台账.xlsx」共 5 行：登记 2 件，不合格 1 行，重复 1 行，未能登记 1 行。" in report.text
    assert "「联系电话」格式不正确：12345" in report.text and "「类别」不在可选范围：基建" in report.text
    assert "与第 3 行重复" in report.text and "只能为本社区（村）的群众登记诉求" in report.text
    assert report.text.count("/track/") == 2  # each resident's tracking link, shown once
    with Session(engine) as s:
        cases = s.exec(select(Case).where(Case.code.in_(codes))).all()  # type: ignore[attr-defined]
    assert {c.channel for c in cases} == {"visit"}
    assert {c.received_at.astimezone(SHANGHAI).date() for c in cases} == {day}
    assert {c.title for c in cases} == {"楼道灯不亮", "垃圾清运不及时"}
    assert {c.category for c in cases} == {"infrastructure", None}

    again_job = await started_job(
        await grid.post("/ledger/import", files={"file": ("走访台账.xlsx", data, XLSX)})
    )
    again, _ = await follow_job(grid, again_job)
    assert case_count(engine) == before + 2
    assert "登记 0 件" in again.text and "重复 3 行" in again.text
    assert all(f'href="/cases/{c}"' in again.text for c in codes)  # the cases they were registered as

    # The same rows as CSV from another officer of the street: still nothing twice.
    text = (
        "诉求人姓名,联系电话,社区,标题,诉求内容,受理日期\n"
        + f"陈芳,0571-88881234,清河社区,垃圾清运不及时,又说了一次,{day}\n"
    )
    street = await browser("street-dongcheng")
    csv_job = await started_job(
        await street.post("/ledger/import", files={"file": ("台账.csv", text.encode("gb18030"), "text/csv")})
    )
    csv_again, _ = await follow_job(street, csv_job)
    assert "登记 0 件" in csv_again.text and case_count(engine) == before + 2
    # A job is its starter's (and admins'): another officer is told it does not exist.
    assert (await street.get(job)).status_code == 404
    as_admin = await (await browser("admin")).get(job)
    assert as_admin.status_code == 200 and codes[0] in as_admin.text
    assert "/track/" not in as_admin.text  # the residents' links are for the officer who imported them


async def test_import_refuses_unreadable_files_and_other_roles(app, browser, engine):
    grid = await browser("grid-qinghe")
    bad = await grid.post("/ledger/import", files={"file": ("photo.png", b"\x89PNG", "image/png")})
    assert bad.status_code == 422 and "只能导入 .xlsx 或 .csv 文件" in bad.text
    missing = await grid.post(
        "/ledger/import", files={"file": ("x.csv", "姓名,电话\n张三,13800000000\n".encode(), "text/csv")}
    )
    assert missing.status_code == 422 and "缺少必填列" in missing.text
    empty = await grid.post("/ledger/import", files={"file": ("空.csv", b"", "text/csv")})
    assert empty.status_code == 422 and "文件是空的" in empty.text
    with Session(engine) as s:  # nothing started: no job, no stored file
        assert s.exec(select(func.count()).select_from(Job)).one() == 0
    template = await grid.get("/ledger/import/template.xlsx")
    assert template.status_code == 200 and "filename*=UTF-8''" in template.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(template.content))
    assert wb.sheetnames[0] == SHEET and [c.value for c in wb[SHEET][1]] == [c.header for c in IMPORT_COLUMNS]
    assert re.search("清河社区", str([c.value for c in wb["填写说明"]["A"]]))
    for username in ("leader-wang", "dept-zhujian", "supervision"):
        b = await browser(username)
        assert (await b.get("/ledger/import")).status_code == 403, username
        assert "导入民情走访台账" not in (await b.get("/ledger")).text, username
