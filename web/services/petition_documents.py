"""The text of a petition's documents (告知书, 意见书) as the petitioner receives them, and their PDF.

`compose` writes each kind's standard wording from the stored document row, citing the article of
《信访工作条例》(2022) the notice rests on; the printable page (`templates/petitions/document.html`)
and `render_pdf` lay out the same `DocumentText`, so paper and screen cannot say different things.

A document goes to the petitioner and may be shown to anyone they hand it to: it names the petitioner
and nothing else of theirs (never the phone or the id number), and never the accused of a 检举控告.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from store.petitions import Petition, PetitionDocumentRow
from web.i18n import label
from workdays import SHANGHAI
from workflows.petition.types import (
    DeclineGround,
    DocumentKind,
    OpinionOutcome,
    ReferralChannel,
    TransferMode,
)

REGULATION = "《信访工作条例》"
YOU = "你（们）"  # as printed on the forms: one text for a single petitioner and a group (集体访)

TITLES: dict[str, str] = {
    DocumentKind.ACCEPTANCE: "信访事项受理告知书",
    DocumentKind.DECLINE: "信访事项不予受理告知书",
    DocumentKind.REFERRAL: "信访事项诉访分离告知书",
    DocumentKind.TRANSFER: "信访事项转送（交办）告知书",
    DocumentKind.EXTENSION: "信访事项延期办理告知书",
    DocumentKind.OPINION: "信访事项处理意见书",
    DocumentKind.REVIEW: "信访事项复查意见书",
    DocumentKind.RECHECK: "信访事项复核意见书",
}
CONCLUDED_TITLE = "信访事项不再受理告知书"

# One sentence per ground: what the desk found, before the officer's own explanation.
DECLINE_GROUNDS: dict[str, str] = {
    DeclineGround.NOT_A_PETITION: "经审查，你（们）反映的事项不属于信访事项受理范围。",
    DeclineGround.CONCLUDED: "经审查，你（们）反映的事项已经复核终结，现以同一事实和理由再次提出投诉请求。",
    DeclineGround.IN_PROGRESS: "经审查，你（们）反映的事项已经受理或者正在办理，在办理期限内重复提出。",
    DeclineGround.NO_CLAIM: "经审查，你（们）提出的事项没有明确的投诉请求或者缺少必要的事实和信息，经告知后仍未补正。",
    DeclineGround.OVER_LEVEL: "经审查，你（们）越级提出信访事项，未按照规定向依法有权处理的本级或者上一级机关、单位提出。",
}
# 诉访分离 (第三十一条): what the petitioner does at the body the notice names.
REFERRAL_ACTS: dict[str, str] = {
    ReferralChannel.LITIGATION: "提起诉讼",
    ReferralChannel.ARBITRATION: "申请仲裁",
    ReferralChannel.RECONSIDERATION: "申请行政复议",
    ReferralChannel.OTHER: "提出",
}
OPINION_OUTCOMES: dict[str, str] = {
    OpinionOutcome.SUPPORT: "本机关对你（们）的信访请求予以支持。",
    OpinionOutcome.PARTLY: "本机关对你（们）的信访请求予以部分支持。",
    OpinionOutcome.REJECT: "本机关对你（们）的信访请求不予支持。",
    OpinionOutcome.EXPLAIN: "本机关对你（们）的信访请求作出如下解释说明。",
}
REVIEW_NOTICE = (
    "如对本处理意见不服，可以自收到本意见书之日起30日内请求原办理机关的上一级机关复查"
    f"（{REGULATION}第三十五条）。"
)
RECHECK_NOTICE = f"如对本复查意见不服，可以自收到本意见书之日起30日内向复查机关的上一级机关请求复核（{REGULATION}第三十六条）。"
FINAL_NOTICE = (
    "本复核意见为最终意见。信访人对复核意见不服，仍以同一事实和理由提出投诉请求的，各级机关不再受理"
    f"（{REGULATION}第三十六条）。"
)


@dataclass(frozen=True)
class DocumentText:
    title: str  # 信访事项受理告知书
    number: str  # 文号: 和信受〔2026〕3号
    addressee: str  # 李桂芳：
    paragraphs: tuple[str, ...]
    issuer: str  # the issuing org's name, above the date
    issued_on: str  # 2026年11月30日
    delivery: str  # 送达方式：邮寄送达　送达日期：2026年12月2日, or ""


def day(value: datetime) -> str:
    """A date as printed on a notice, in Beijing time: 2026年12月2日. Stored times are UTC."""
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日"


def compose(
    doc: PetitionDocumentRow,
    petition: Petition,
    org_names: Mapping[str, str],
    earlier: PetitionDocumentRow | None = None,
) -> DocumentText:
    """The document's full text; an org the directory no longer knows is named by its id. A 不再受理
    告知书 quotes `earlier`, the concluded matter's final opinion, when it is given."""
    kind = DocumentKind(doc.kind)
    title = CONCLUDED_TITLE if _concluded(doc) else TITLES[kind]
    paragraphs = _BODIES[kind](doc, petition, org_names)
    if earlier is not None and _concluded(doc):
        paragraphs.insert(
            1,
            f"原信访事项（{earlier.petition_code}）已由{org_names.get(earlier.issuer_org_id, earlier.issuer_org_id)}"
            f"于{day(earlier.issued_at)}出具{TITLES.get(DocumentKind(earlier.kind), '意见书')}（{earlier.number}），"
            "该意见为最终意见。",
        )
    return DocumentText(
        title=title,
        number=doc.number,
        addressee=f"{petition.petitioner_name}：",
        paragraphs=tuple(paragraphs),
        issuer=org_names.get(doc.issuer_org_id, doc.issuer_org_id),
        issued_on=day(doc.issued_at),
        delivery=_delivery(doc),
    )


def _concluded(doc: PetitionDocumentRow) -> bool:
    return doc.kind == DocumentKind.DECLINE and doc.detail == DeclineGround.CONCLUDED


def _matter(petition: Petition) -> str:
    return f"{YOU}于{day(petition.received_at)}提出的「{petition.title}」信访事项"


def _lines(text: str) -> list[str]:
    """What an officer typed, one paragraph per non-blank line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _labelled(prefix: str, lines: list[str]) -> list[str]:
    return [prefix + lines[0], *lines[1:]] if lines else []


def _delivery(doc: PetitionDocumentRow) -> str:
    # A notice carries its method from issue; the received date exists once 送达 is recorded.
    parts = []
    if doc.delivery:
        parts.append(f"送达方式：{label('delivery_method', doc.delivery)}")
    if doc.delivered_at:
        parts.append(f"送达日期：{day(doc.delivered_at)}")
    return "　".join(parts)


def _acceptance(doc: PetitionDocumentRow, petition: Petition, names: Mapping[str, str]) -> list[str]:
    return [
        f"{_matter(petition)}，本机关已依法受理，并将自受理之日起60日内作出处理、出具书面答复意见"
        f"（{REGULATION}第三十四条）。情况复杂需要延长办理期限的，将另行书面告知延期理由。",
        *_lines(doc.body),
    ]


def _decline(doc: PetitionDocumentRow, petition: Petition, names: Mapping[str, str]) -> list[str]:
    ground = DECLINE_GROUNDS.get(doc.detail, "")
    if _concluded(doc):
        decision = f"根据{REGULATION}第三十六条第三款的规定，本机关不再受理。"
    else:
        decision = f"根据{REGULATION}的有关规定，本机关决定不予受理。"
    return [f"{_matter(petition)}收悉。{ground}{decision}", *_lines(doc.body)]


def _referral(doc: PetitionDocumentRow, petition: Petition, names: Mapping[str, str]) -> list[str]:
    known = doc.detail if doc.detail in REFERRAL_ACTS else ReferralChannel.OTHER
    channel, act = label("referral_channel", known).removesuffix("途径"), REFERRAL_ACTS[known]
    where = doc.referral_body or "有权处理的机关"
    return [
        f"{_matter(petition)}收悉。经审查，该事项依法应当通过{channel}途径解决。"
        f"根据{REGULATION}第三十一条的规定，请{YOU}依法向{where}{act}。",
        *_lines(doc.body),
    ]


def _transfer(doc: PetitionDocumentRow, petition: Petition, names: Mapping[str, str]) -> list[str]:
    unit = names.get(doc.org_id, doc.org_id)
    # 交办 adds a deadline and a report back to the bureau (TransferMode.ASSIGN).
    report = "，并要求其在规定期限内报送办理结果" if doc.detail == TransferMode.ASSIGN else ""
    return [
        f"{_matter(petition)}收悉。按照“属地管理、分级负责，谁主管、谁负责”的原则，"
        f"本机关已转送（交办）{unit}办理{report}，请向该单位了解办理情况。",
        *_lines(doc.body),
    ]


def _extension(doc: PetitionDocumentRow, petition: Petition, names: Mapping[str, str]) -> list[str]:
    return [
        f"{_matter(petition)}，本机关正在办理。因情况复杂，经本机关负责人批准，办理期限延长{doc.detail}日"
        f"（{REGULATION}第三十四条）。",
        *_labelled("延期理由：", _lines(doc.body)),
    ]


def _opinion(doc: PetitionDocumentRow, petition: Petition, names: Mapping[str, str]) -> list[str]:
    outcome = OPINION_OUTCOMES.get(doc.outcome, "")
    return [
        f"{_matter(petition)}，本机关已依法受理并调查核实。现将处理意见答复如下：",
        "一、查明事实",
        *_lines(doc.facts),
        "二、处理理由和依据",
        *_lines(doc.reasons),
        "三、处理意见",
        *([outcome] if outcome else []),
        *_lines(doc.decision),
        REVIEW_NOTICE,
    ]


def _review_outcome(doc: PetitionDocumentRow, reviewed: str) -> list[str]:
    verb = label("review_outcome", doc.outcome)
    return [f"本机关决定{verb}{reviewed}。"] if verb else []


def _review(doc: PetitionDocumentRow, petition: Petition, names: Mapping[str, str]) -> list[str]:
    return [
        f"关于{_matter(petition)}，{YOU}对处理意见不服，请求复查。本机关经复查，现提出复查意见如下：",
        "一、复查理由和依据",
        *_lines(doc.reasons),
        "二、复查意见",
        *_review_outcome(doc, "原处理意见"),
        *_lines(doc.decision),
        RECHECK_NOTICE,
    ]


def _recheck(doc: PetitionDocumentRow, petition: Petition, names: Mapping[str, str]) -> list[str]:
    return [
        f"关于{_matter(petition)}，{YOU}对复查意见不服，请求复核。本机关经复核，现提出复核意见如下：",
        "一、复核理由和依据",
        *_lines(doc.reasons),
        "二、复核意见",
        *_review_outcome(doc, "复查意见"),
        *_lines(doc.decision),
        FINAL_NOTICE,
    ]


_BODIES: dict[DocumentKind, Callable[[PetitionDocumentRow, Petition, Mapping[str, str]], list[str]]] = {
    DocumentKind.ACCEPTANCE: _acceptance,
    DocumentKind.DECLINE: _decline,
    DocumentKind.REFERRAL: _referral,
    DocumentKind.TRANSFER: _transfer,
    DocumentKind.EXTENSION: _extension,
    DocumentKind.OPINION: _opinion,
    DocumentKind.REVIEW: _review,
    DocumentKind.RECHECK: _recheck,
}


# --- PDF ------------------------------------------------------------------------------------------

FONT = "STSong-Light"  # reportlab's built-in CID font: prints Chinese with no font file to ship


@cache
def _styles() -> dict[str, ParagraphStyle]:
    """Registers the font on first use (a process-wide registry, so once) and builds the styles."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=14, leading=26, wordWrap="CJK", firstLineIndent=28)
    return {
        "title": ParagraphStyle(
            "title", parent=body, fontSize=20, leading=32, alignment=TA_CENTER, firstLineIndent=0
        ),
        "number": ParagraphStyle("number", parent=body, alignment=TA_RIGHT, firstLineIndent=0),
        "addressee": ParagraphStyle("addressee", parent=body, firstLineIndent=0, spaceBefore=12),
        "body": body,
        "sign": ParagraphStyle("sign", parent=body, alignment=TA_RIGHT, firstLineIndent=0),
        "delivery": ParagraphStyle("delivery", parent=body, fontSize=12, firstLineIndent=0, spaceBefore=24),
    }


def render_pdf(text: DocumentText) -> bytes:
    """The document as an A4 PDF. Blocking (reportlab is pure Python): call it in a thread."""
    styles = _styles()

    def para(value: str, style: str) -> Paragraph:
        return Paragraph(escape(value), styles[style])

    story = [para(text.title, "title"), para(text.number, "number"), para(text.addressee, "addressee")]
    story += [para(p, "body") for p in text.paragraphs]
    story += [Spacer(1, 28), para(text.issuer, "sign"), para(text.issued_on, "sign")]
    if text.delivery:
        story.append(para(text.delivery, "delivery"))
    buffer = io.BytesIO()
    margin = 25 * mm
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=f"{text.title} {text.number}",
        author=text.issuer,
        lang="zh-CN",
        displayDocTitle=True,
    ).build(story)
    return buffer.getvalue()
