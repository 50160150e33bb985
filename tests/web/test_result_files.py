"""A department's result through the case page (issue 13): the lead unit's final result and a
co-department's report are named apart, the final one asks for confirmation, both take photos and
documents, and the resident sees only the files the lead unit made public. Triage can report up in
the same submit. Bad files and refused decisions leave nothing behind."""

from __future__ import annotations

import re

from tests.utils.web import api_token, new_case, shared_case, snapshot
from tests.web.test_decisions import act
from tests.web.test_uploads import PDF, PNG

TITLE = re.compile(r"<summary>([^<]+)</summary>")


def stored(settings) -> set[str]:
    folder = settings.data_dir / "uploads"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


async def send_result(b, code: str, text: str, files: list, *, status: int = 200, **extra: str):
    response = await b.post(
        f"/cases/{code}/actions/submit_result",
        {"result": text, **extra},
        files=files,
        htmx=True,
        target="case-actions",
    )
    assert response.status_code == status, response.text
    return response


async def test_the_lead_units_result_and_a_co_departments_report(app, browser, app_settings):
    code, token = await shared_case(app)
    chengguan, zhujian = await browser("dept-chengguan"), await browser("dept-zhujian")

    co_page = (await chengguan.get(f"/cases/{code}")).text
    assert "报送协办情况" in TITLE.findall(co_page) and "报告办理结果" not in TITLE.findall(co_page)
    co_form = co_page.split("/actions/submit_result", 1)[1].split("</form>", 1)[0]
    assert "hx-confirm" not in co_form and "attachments_public" not in co_form  # internal, no dialog
    assert 'hx-encoding="multipart/form-data"' in co_form

    # A bad file refuses the whole report; nothing is stored, nothing decided.
    version = (await snapshot(app, code)).version
    refused = await send_result(
        chengguan,
        code,
        "配合清理",
        [("attachments", ("报告.pdf", b"MZ\x90\x00", "application/pdf"))],
        status=422,
    )
    assert "第 1 个附件不是照片" in refused.text
    assert stored(app_settings) == set() and (await snapshot(app, code)).version == version
    # A co-department cannot publish its files to the resident, even by a crafted form.
    crafted = await send_result(
        chengguan, code, "配合清理", [("attachments", ("现场.png", PNG, "image/png"))],
        status=409, attachments_public="true",
    )  # fmt: skip
    assert "协办单位的附件只报送牵头单位" in crafted.text and stored(app_settings) == set()

    done = await send_result(
        chengguan, code, "配合清理完毕", [("attachments", ("协办报告.pdf", PDF, "application/pdf"))]
    )
    assert "已提交：报送协办情况" in done.text

    lead_page = (await zhujian.get(f"/cases/{code}")).text
    lead_form = lead_page.split("/actions/submit_result", 1)[1].split("</form>", 1)[0]
    assert "办结并答复群众" in TITLE.findall(lead_page)
    assert 'hx-confirm="办理结果将答复群众' in lead_page and "attachments_public" in lead_form
    assert 'class="btn final"' in lead_form  # a final decision looks different
    assert "协办报告.pdf" in lead_page  # the co-department's file, for the lead unit to read

    done = await send_result(
        zhujian,
        code,
        "三盏路灯已更换",
        [("attachments", ("修复后.png", PNG, "image/png"))],
        attachments_public="true",
    )
    assert "已提交：办结并答复群众" in done.text
    # The timeline names each for what it is: the co-department's report (internal), then the result.
    entries = re.findall(
        r'<div class="what">([^<]+?)\s*(?:<|</div>)', (await zhujian.get(f"/cases/{code}")).text
    )
    assert entries[-2:] == ["报送协办情况", "报告办理结果"]
    api = await zhujian.http.get(f"/api/v1/cases/{code}", headers=api_token(app, "dept-zhujian"))
    assert [e["title"] for e in api.json()["timeline"]][-2:] == [
        "报送协办情况",
        "报告办理结果",
    ]  # the API alike

    snap = await snapshot(app, code)
    files = {a.department_id: a.attachments for a in snap.assignments}
    [report_pdf], [fixed_png] = files["dp-chengguan"], files["dp-zhujian"]
    assert (report_pdf.name, report_pdf.public, fixed_png.name, fixed_png.public) == (
        "协办报告.pdf",
        False,
        "修复后.png",
        True,
    )
    assert stored(app_settings) == {report_pdf.key, fixed_png.key}

    # The resident sees the public photo, never the co-department's internal report.
    resident = await browser()
    track = (await resident.get(f"/track/{token}")).text
    assert fixed_png.key in track and report_pdf.key not in track
    assert (await resident.get(f"/track/{token}/photos/{fixed_png.key}")).status_code == 200
    assert (await resident.get(f"/track/{token}/photos/{report_pdf.key}")).status_code == 404
    # Officers get both; a document downloads under its own name.
    officer_pdf = await zhujian.get(f"/cases/{code}/attachments/{report_pdf.key}")
    assert officer_pdf.status_code == 200 and officer_pdf.content == PDF
    assert "attachment" in officer_pdf.headers["content-disposition"]
    assert "%E5%8D%8F%E5%8A%9E" in officer_pdf.headers["content-disposition"]  # 协办…, UTF-8 encoded


async def test_a_refused_result_leaves_no_file_behind(app, browser, app_settings):
    code, _ = await shared_case(app)
    zhujian = await browser("dept-zhujian")
    # The lead unit may not close before its co-department reported: refused, and its photo goes.
    refused = await send_result(
        zhujian,
        code,
        "已修复",
        [("attachments", ("a.png", PNG, "image/png"))],
        status=409,
        attachments_public="true",
    )
    assert "请等待协办单位报告办理结果后再办结" in refused.text
    assert stored(app_settings) == set()


async def test_triage_and_report_up_in_one_submit(app, browser):
    code, _ = await new_case(app)
    community = await browser("community-qinghe")
    page = (await community.get(f"/cases/{code}")).text
    assert 'name="then" value="report_up"' in page and "研判并上报街道" in page
    done = await act(
        community, code, "triage", {"urgency": "urgent", "category": "infrastructure", "then": "report_up"}
    )
    assert "已提交：分类研判、上报街道" in done.text
    assert (await snapshot(app, code)).stage == "sign"


async def test_after_triage_the_saved_classification_shows_and_the_next_step_is_open(app, browser):
    code, _ = await new_case(app)
    community = await browser("community-qinghe")
    done = await act(community, code, "triage", {"urgency": "deferrable", "category": "environment"})
    opened = re.findall(r"<details open>\s*<summary>([^<]+)</summary>", done.text)
    assert opened == ["上报街道"]  # the likely next step, and only it
    assert "已保存的研判：生态环境 · 合理缓办" in done.text
    assert re.search(r'value="deferrable" required checked', done.text)
