"""Issue 13 in the browser: a note is internal or told to the resident as the officer chose; triage and
report-up in one submit; a co-department's report and the lead unit's final result named apart, the
final one confirmed; result files, the public ones on the resident's page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.pages import (
    accept,
    action_form,
    assignments_row,
    decide,
    fill_form,
    open_case,
    sign_in,
    stage,
    unique,
)
from tests.e2e.test_officer_day import portal_case
from tests.web.test_uploads import PDF, PNG

pytestmark = pytest.mark.e2e
FILES = "附件（照片、PDF、Word、Excel）"


async def test_notes_results_and_their_files_as_the_resident_sees_them(stack, browser, shots):
    me, code, link = await portal_case(browser, stack, unique("清河东门路灯不亮"))

    # 报单 in one submit, with a note the community chose to tell the resident.
    community = await sign_in(browser, stack, "community-qinghe")
    await open_case(community, code)
    triage = action_form(community, "分类研判")
    await expect(triage.get_by_label("仅内部可见", exact=True)).to_be_checked()  # the safe default
    await fill_form(
        triage,
        check=["合理急办", "告知群众（显示在群众查询页）"],
        select={"诉求类别": "基础建设"},
        text={"研判意见": "已电话联系您，今日上报街道处理"},
    )
    await shots(community, "triage-told-the-resident")
    await triage.get_by_role("button", name="研判并上报街道").click()
    await expect(community.locator("#case-actions .alert.success")).to_have_text("已提交：分类研判、上报街道")
    await expect(stage(community)).to_have_text("街道签收")

    # The dispatch opinion stays internal (the default).
    street = await sign_in(browser, stack, "street-dongcheng")
    await open_case(street, code)
    await decide(street, "签收")
    await decide(
        street,
        "派单",
        check=["区住建局", "区城管局", "一般（3 个工作日）"],
        select={"牵头单位": "区住建局"},
        text={"派单意见": "住建牵头，城管配合排查线路"},
    )
    await expect(street.locator("#case-timeline")).to_contain_text("内部意见")
    zhujian = await sign_in(browser, stack, "dept-zhujian")
    chengguan = await sign_in(browser, stack, "dept-chengguan")
    await open_case(chengguan, code)
    await decide(chengguan, "接单", text={"当日首次响应内容": "已联系群众，今日排查线路"})
    await accept(zhujian, code, "已联系群众，今日派人更换灯具")

    # The co-department reports to the lead unit, with its document; nothing asks for confirmation.
    await open_case(chengguan, code)
    report = action_form(chengguan, "报送协办情况")
    await fill_form(report, text={"协办情况": "线路已排查，供电正常"})
    await report.get_by_label(FILES).set_input_files(
        files=[{"name": "协办报告.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    await shots(chengguan, "co-department-report")
    await decide(chengguan, "报送协办情况")
    await expect(stage(chengguan)).to_have_text("部门办理")

    # The lead unit's final result goes to the resident: confirmed, with a public photo.
    await open_case(zhujian, code)
    await expect(assignments_row(zhujian, "区城管局")).to_contain_text("协办报告.pdf")
    final = action_form(zhujian, "办结并答复群众")
    await fill_form(final, check=["附件向群众公开（显示在群众查询页）"], text={"办理结果": "三盏路灯已更换"})
    await final.get_by_label(FILES).set_input_files(
        files=[{"name": "修复后.png", "mimeType": "image/png", "buffer": PNG}]
    )
    await expect(final.get_by_role("button", name="办结并答复群众", exact=True)).to_have_class("btn final")
    await shots(zhujian, "final-result")
    await decide(zhujian, "办结并答复群众", confirm="办理结果将答复群众")
    await expect(stage(zhujian)).to_have_text("群众评单")
    await expect(assignments_row(zhujian, "区住建局")).to_contain_text("三盏路灯已更换")
    await shots(zhujian, "results-with-files")

    # The resident reads the note meant for them and the public photo, nothing internal.
    await me.goto(link)
    await expect(me.locator("main")).to_contain_text("已电话联系您，今日上报街道处理")
    await expect(me.locator("main")).not_to_contain_text("住建牵头，城管配合排查线路")
    await expect(me.locator("main")).not_to_contain_text("协办报告.pdf")
    photo = me.locator("#track-result-files img")
    await expect(photo).to_have_count(1)
    await expect(photo).to_have_attribute("alt", "修复后.png")
    assert await photo.evaluate("img => img.complete && img.naturalWidth >= 0")
    await shots(me, "track-result-photo")
