"""The text of petition documents, their PDF and their printable page: pure, no server, no database."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader

from store.petitions import Petition, PetitionDocumentRow
from web.app import STATIC
from web.services.petition_documents import DocumentText, compose, render_pdf
from workflows.petition.types import (
    DeclineGround,
    DeliveryMethod,
    DocumentKind,
    MatterType,
    OpinionOutcome,
    ReferralChannel,
    ReviewOutcome,
    TransferMode,
)

PHONE = "13900001111"
ORGS = {"xf-bureau": "和平区信访局", "dp-zhujian": "和平区住房和城乡建设局", "hj": "和平区人民政府"}
# 17:00 UTC is already the next day in Beijing: the dates printed are Beijing's.
RECEIVED = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
ISSUED = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def petition(**changes: Any) -> Petition:
    values: dict[str, Any] = {
        "code": "XF-2026-000123",
        "workflow_id": "petition-XF-2026-000123",
        "title": "拆迁补偿款未按协议支付",
        "content": "第二期补偿款至今未支付。",
        "channel": "letter",
        "matter_type": MatterType.CLAIM.value,
        "policy_id": "xf-claim",
        "stage": "xf_handling",
        "bureau_org_id": "xf-bureau",
        "handling_org_id": "dp-zhujian",
        "petitioner_name": "李桂芳",
        "petitioner_phone": PHONE,
        "petitioner_address": "东城街道清河社区",
        "petitioner_key": "k-43012119650101123X",
        "received_at": RECEIVED,
    }
    return Petition(**(values | changes))


def document(kind: DocumentKind, **changes: Any) -> PetitionDocumentRow:
    values: dict[str, Any] = {
        "petition_code": "XF-2026-000123",
        "document_id": "d1",
        "kind": kind.value,
        "number": "和信受〔2026〕3号",
        "issued_at": ISSUED,
        "issuer_org_id": "xf-bureau",
    }
    return PetitionDocumentRow(**(values | changes))


def changed(doc: PetitionDocumentRow, **changes: Any) -> PetitionDocumentRow:
    return doc.model_copy(update=changes)


EXAMPLES = {
    DocumentKind.ACCEPTANCE: document(DocumentKind.ACCEPTANCE, body="联系人：王科长"),
    DocumentKind.DECLINE: document(
        DocumentKind.DECLINE, detail=DeclineGround.NOT_A_PETITION.value, body="所反映事项属于民事纠纷。"
    ),
    DocumentKind.REFERRAL: document(
        DocumentKind.REFERRAL,
        detail=ReferralChannel.LITIGATION.value,
        referral_body="和平区人民法院",
        body="补偿协议纠纷属于民事争议。",
    ),
    DocumentKind.TRANSFER: document(
        DocumentKind.TRANSFER, detail=TransferMode.TRANSFER.value, org_id="dp-zhujian"
    ),
    DocumentKind.EXTENSION: document(
        DocumentKind.EXTENSION, issuer_org_id="dp-zhujian", detail="20", body="需委托第三方评估补偿标准"
    ),
    DocumentKind.OPINION: document(
        DocumentKind.OPINION,
        issuer_org_id="dp-zhujian",
        outcome=OpinionOutcome.PARTLY.value,
        facts="协议约定第二期补偿款于2026年6月支付。",
        reasons="依据《国有土地上房屋征收与补偿条例》第二十五条。",
        decision="于2026年12月31日前支付第二期补偿款。",
    ),
    DocumentKind.REVIEW: document(
        DocumentKind.REVIEW,
        issuer_org_id="hj",
        outcome=ReviewOutcome.UPHELD.value,
        reasons="原处理意见认定事实清楚。",
        decision="维持。",
    ),
    DocumentKind.RECHECK: document(
        DocumentKind.RECHECK,
        issuer_org_id="city",
        outcome=ReviewOutcome.CHANGED.value,
        reasons="补偿标准计算有误。",
        decision="按评估价补足差额。",
    ),
}
TITLES = {
    DocumentKind.ACCEPTANCE: "信访事项受理告知书",
    DocumentKind.DECLINE: "信访事项不予受理告知书",
    DocumentKind.REFERRAL: "信访事项诉访分离告知书",
    DocumentKind.TRANSFER: "信访事项转送（交办）告知书",
    DocumentKind.EXTENSION: "信访事项延期办理告知书",
    DocumentKind.OPINION: "信访事项处理意见书",
    DocumentKind.REVIEW: "信访事项复查意见书",
    DocumentKind.RECHECK: "信访事项复核意见书",
}


def full_text(text: DocumentText) -> str:
    return "\n".join([text.title, text.number, text.addressee, *text.paragraphs, text.issuer, text.delivery])


def test_every_kind_has_an_example() -> None:
    assert set(EXAMPLES) == set(DocumentKind) == set(TITLES)


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_every_kind_is_headed_and_signed(kind: DocumentKind) -> None:
    text = compose(EXAMPLES[kind], petition(), ORGS)
    assert text.title == TITLES[kind]
    assert text.number == "和信受〔2026〕3号"
    assert text.addressee == "李桂芳："
    assert text.issued_on == "2026年11月30日"
    assert text.issuer == ORGS.get(EXAMPLES[kind].issuer_org_id, "city")  # an unknown org: its id
    assert "你（们）于2026年11月20日提出的「拆迁补偿款未按协议支付」信访事项" in text.paragraphs[0]
    assert all(text.paragraphs)


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_the_petitioners_phone_and_id_never_appear(kind: DocumentKind) -> None:
    everything = full_text(compose(EXAMPLES[kind], petition(), ORGS))
    assert PHONE not in everything
    assert "43012119650101123X" not in everything


def test_acceptance_promises_an_answer_within_60_days() -> None:
    text = compose(EXAMPLES[DocumentKind.ACCEPTANCE], petition(), ORGS)
    assert "本机关已依法受理" in text.paragraphs[0]
    assert "自受理之日起60日内作出处理、出具书面答复意见" in text.paragraphs[0]
    assert "《信访工作条例》第三十四条" in text.paragraphs[0]
    assert text.paragraphs[1] == "联系人：王科长"


@pytest.mark.parametrize(
    ("ground", "wording"),
    [
        (DeclineGround.NOT_A_PETITION, "不属于信访事项受理范围"),
        (DeclineGround.IN_PROGRESS, "已经受理或者正在办理"),
        (DeclineGround.NO_CLAIM, "经告知后仍未补正"),
        (DeclineGround.OVER_LEVEL, "越级提出"),
    ],
)
def test_a_decline_states_its_ground_and_the_explanation(ground: DeclineGround, wording: str) -> None:
    doc = changed(EXAMPLES[DocumentKind.DECLINE], detail=ground.value)
    text = compose(doc, petition(), ORGS)
    assert text.title == "信访事项不予受理告知书"
    assert wording in text.paragraphs[0]
    assert "决定不予受理" in text.paragraphs[0]
    assert text.paragraphs[1] == "所反映事项属于民事纠纷。"


def test_a_concluded_matter_is_not_accepted_again() -> None:
    doc = changed(EXAMPLES[DocumentKind.DECLINE], detail=DeclineGround.CONCLUDED.value)
    text = compose(doc, petition(), ORGS)
    assert text.title == "信访事项不再受理告知书"
    assert "已经复核终结" in text.paragraphs[0]
    assert "第三十六条第三款" in text.paragraphs[0]
    assert "不再受理" in text.paragraphs[0]
    assert "不予受理" not in full_text(text)


@pytest.mark.parametrize(
    ("channel", "wording"),
    [
        (ReferralChannel.LITIGATION, "依法向和平区人民法院提起诉讼"),
        (ReferralChannel.ARBITRATION, "依法向和平区人民法院申请仲裁"),
        (ReferralChannel.RECONSIDERATION, "依法向和平区人民法院申请行政复议"),
        (ReferralChannel.OTHER, "其他法定途径"),
    ],
)
def test_a_referral_names_the_channel_and_the_body(channel: ReferralChannel, wording: str) -> None:
    doc = changed(EXAMPLES[DocumentKind.REFERRAL], detail=channel.value)
    text = compose(doc, petition(), ORGS)
    assert wording in text.paragraphs[0]
    assert "第三十一条" in text.paragraphs[0]
    assert text.paragraphs[1] == "补偿协议纠纷属于民事争议。"


def test_a_transfer_names_the_unit() -> None:
    text = compose(EXAMPLES[DocumentKind.TRANSFER], petition(), ORGS)
    assert "已转送（交办）和平区住房和城乡建设局办理，请向该单位了解办理情况" in text.paragraphs[0]
    assert "报送办理结果" not in text.paragraphs[0]


def test_an_assignment_asks_for_a_report_and_an_unknown_unit_is_named_by_its_id() -> None:
    doc = changed(EXAMPLES[DocumentKind.TRANSFER], detail=TransferMode.ASSIGN.value, org_id="dp-gone")
    text = compose(doc, petition(), ORGS)
    assert "已转送（交办）dp-gone办理" in text.paragraphs[0]
    assert "报送办理结果" in text.paragraphs[0]


def test_an_extension_gives_the_days_and_the_reason() -> None:
    text = compose(EXAMPLES[DocumentKind.EXTENSION], petition(), ORGS)
    assert "办理期限延长20日" in text.paragraphs[0]
    assert "第三十四条" in text.paragraphs[0]
    assert text.paragraphs[1] == "延期理由：需委托第三方评估补偿标准"
    assert text.issuer == "和平区住房和城乡建设局"


def test_an_opinion_has_its_three_sections_and_the_review_notice() -> None:
    text = compose(EXAMPLES[DocumentKind.OPINION], petition(), ORGS)
    p = list(text.paragraphs)
    assert p.index("一、查明事实") < p.index("协议约定第二期补偿款于2026年6月支付。")
    assert p.index("二、处理理由和依据") < p.index("三、处理意见")
    assert "本机关对你（们）的信访请求予以部分支持。" in p
    assert "于2026年12月31日前支付第二期补偿款。" in p
    assert p[-1].startswith(
        "如对本处理意见不服，可以自收到本意见书之日起30日内请求原办理机关的上一级机关复查"
    )
    assert "第三十五条" in p[-1]


def test_a_review_opinion_tells_how_to_ask_for_a_recheck() -> None:
    text = compose(EXAMPLES[DocumentKind.REVIEW], petition(), ORGS)
    assert "本机关经复查" in text.paragraphs[0]
    assert "本机关决定维持原处理意见。" in text.paragraphs
    assert "30日内向复查机关的上一级机关请求复核" in text.paragraphs[-1]


def test_a_recheck_opinion_is_final() -> None:
    text = compose(EXAMPLES[DocumentKind.RECHECK], petition(), ORGS)
    assert text.issuer == "city"
    assert "本机关决定变更复查意见。" in text.paragraphs
    assert text.paragraphs[-1].startswith(
        "本复核意见为最终意见。信访人对复核意见不服，仍以同一事实和理由提出投诉请求的，各级机关不再受理"
    )
    assert "上一级机关请求复核" not in full_text(text)


def test_each_line_an_officer_wrote_is_its_own_paragraph() -> None:
    doc = changed(EXAMPLES[DocumentKind.OPINION], facts="第一，协议已签订。\n\n  第二，款项未付。  \n")
    text = compose(doc, petition(), ORGS)
    assert text.paragraphs[2:4] == ("第一，协议已签订。", "第二，款项未付。")


def test_the_delivery_line() -> None:
    doc = EXAMPLES[DocumentKind.OPINION]
    assert compose(doc, petition(), ORGS).delivery == ""
    delivered = changed(
        doc, delivery=DeliveryMethod.MAIL.value, delivered_at=datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    )
    assert compose(delivered, petition(), ORGS).delivery == "送达方式：邮寄送达　送达日期：2026年12月2日"
    # A notice carries its method from issue; its date only once the delivery is recorded.
    planned = changed(doc, delivery=DeliveryMethod.IN_PERSON.value)
    assert compose(planned, petition(), ORGS).delivery == "送达方式：直接送达"


def pdf_title(pdf: bytes) -> str:
    """The PDF's /Title: a literal string of UTF-16 with octal escapes, as reportlab writes it."""
    found = re.search(rb"/Title \((.*?)(?<!\\)\)", pdf, re.S)
    assert found is not None
    raw = re.sub(
        rb"\\([0-7]{1,3}|.)",
        lambda m: bytes([int(m[1], 8)]) if m[1][:1].isdigit() else m[1],
        found[1],
    )
    return raw.decode("utf-16")


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_render_pdf(kind: DocumentKind) -> None:
    doc = changed(EXAMPLES[kind], delivery=DeliveryMethod.MAIL.value, delivered_at=ISSUED)
    pdf = render_pdf(compose(doc, petition(), ORGS))
    assert pdf.startswith(b"%PDF")
    assert b"/Type /Page\n" in pdf or b"/Type /Page " in pdf
    assert pdf_title(pdf) == f"{TITLES[kind]} 和信受〔2026〕3号"


def test_render_pdf_prints_markup_as_text_and_runs_onto_a_second_page() -> None:
    # Unescaped, "<script>" and "&" would be reportlab markup (or an error).
    body = "\n".join(["<script>alert(1)</script> A&B 补偿款未按协议支付，群众多次反映。" * 3] * 40)
    doc = changed(EXAMPLES[DocumentKind.ACCEPTANCE], body=body)
    pdf = render_pdf(compose(doc, petition(), ORGS))
    assert len(re.findall(rb"/Type /Page[^s]", pdf)) >= 2


def render_page(text: DocumentText) -> str:
    env = Environment(loader=FileSystemLoader("web/templates"), autoescape=True)
    return env.get_template("petitions/document.html").render(text=text, pdf_href="/x.pdf", back_href="/x")


def test_the_printable_page() -> None:
    text = compose(EXAMPLES[DocumentKind.OPINION], petition(), ORGS)
    html = render_page(text)
    assert '<html lang="zh-CN">' in html
    assert '<link rel="stylesheet" href="/static/css/document.css">' in html
    # Printed on A4 with the regulation's margins; the CSS is a static file, as the CSP requires.
    assert "@page { size: A4; margin: 25mm; }" in (STATIC / "css" / "document.css").read_text()
    assert "信访事项处理意见书" in html
    assert "和信受〔2026〕3号" in html
    assert "李桂芳：" in html
    assert "三、处理意见" in html
    assert '<a href="/x.pdf">下载PDF</a>' in html
    assert '<a href="/x">返回</a>' in html
    assert PHONE not in html
    # The CSP allows no inline script or handler.
    assert "onclick" not in html
    assert "<script" not in html


def test_the_printable_page_escapes_what_officers_wrote() -> None:
    doc = changed(EXAMPLES[DocumentKind.ACCEPTANCE], body='<script>alert("x")</script>')
    html = render_page(compose(doc, petition(), ORGS))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
