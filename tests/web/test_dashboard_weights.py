"""Admin: the composite score's weights, validated, and used by the figures at once."""

from __future__ import annotations

from store.weights import ScoreWeights, load_weights


async def test_weights_are_validated_saved_and_shown(app, browser, engine):
    admin = await browser("admin")
    page = await admin.get("/admin/weights")
    assert page.status_code == 200 and "当前为默认权重" in page.text
    assert "三率加权得分 = 100 ×（0.3 × 响应率 + 0.3 × 解决率 + 0.4 × 满意率）" in page.text

    wrong_sum = {"response": "0.5", "resolution": "0.3", "satisfaction": "0.4", "average_rating": "0.6"}
    refused = await admin.post("/admin/weights", wrong_sum)
    assert refused.status_code == 422 and "权重之和必须为 1" in refused.text and "1.2" in refused.text
    assert 'value="0.5"' in refused.text  # the form keeps what was typed
    not_number = await admin.post("/admin/weights", {**wrong_sum, "response": "三成"})
    assert not_number.status_code == 422 and "「响应率权重」须为数字" in not_number.text
    too_big = await admin.post("/admin/weights", {**wrong_sum, "response": "0.3", "average_rating": "1.5"})
    assert too_big.status_code == 422 and "基本满意折算系数不能大于 1" in too_big.text
    assert load_weights(engine) == ScoreWeights()  # nothing saved

    saved = await admin.post(
        "/admin/weights",
        {"response": "0.2", "resolution": "0.3", "satisfaction": "0.5", "average_rating": "0.5"},
    )
    assert saved.status_code == 200 and "权重已保存" in saved.text and "最近修改：admin" in saved.text
    assert load_weights(engine) == ScoreWeights(0.2, 0.3, 0.5, 0.5)
    dashboard = await (await browser("supervision")).get("/dashboard")
    assert "三率加权得分 = 100 ×（0.2 × 响应率 + 0.3 × 解决率 + 0.5 × 加权满意率）" in dashboard.text
    assert "加权满意率 =（满意数 + 0.5 × 基本满意数）÷ 评价数" in dashboard.text
    assert ">加权满意率 <span" in dashboard.text  # the card is named for what it is

    for username in ("supervision", "leader-wang"):
        b = await browser(username)
        assert (await b.get("/admin/weights")).status_code == 403
        assert (await b.post("/admin/weights", wrong_sum)).status_code == 403
