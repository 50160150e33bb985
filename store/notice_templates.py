"""Every notice's words (zh-CN), in one place: the SMS body, the email subject and the in-app line.

A template takes the notice's `params` (case code, title, an org's name, a deadline, a link) and never
personal data; the SMS signature (【…】) is the provider's, added by the adapter. SMS bodies stay under
70 characters where they can (one message); those carrying a link may take two.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class NoticeEvent(StrEnum):
    # to residents (and petitioners)
    RECEIVED = "received"  # 受理告知: the request is registered, with the tracking link
    ACCEPTED = "accepted"  # a department accepted it (接单) and answered
    RESULT = "result"  # 办理结果 and 评价邀请, with the tracking link
    CLOSED = "closed"  # closed without a department's result (unreasonable, withdrawn, resolved locally)
    PETITION_RECEIVED = "xf_received"  # 信访事项登记
    PETITION_ACCEPTED = "xf_accepted"  # 受理告知
    PETITION_DECLINED = "xf_declined"  # 不予受理告知
    PETITION_ANSWERED = "xf_answered"  # 处理意见书 issued
    REVIEW_DECIDED = "xf_review_decided"  # 复查意见
    RECHECK_DECIDED = "xf_recheck_decided"  # 复核意见
    APPOINTMENT_BOOKED = "appt_booked"  # 约访确认
    APPOINTMENT_REMINDER = "appt_reminder"  # 约访前一日提醒
    # to officers and leaders
    NEW_TASK = "new_task"  # 新待办
    WARNING = "warning"  # 即将超期
    OVERDUE = "overdue"  # 超期
    SUPERVISED = "supervised"  # 督办 / 催办
    DIGEST = "digest"  # the leader's daily digest


@dataclass(frozen=True)
class Template:
    label: str  # what the delivery log and the bell call it
    sms: str
    subject: str
    inapp: str


TEMPLATES: dict[NoticeEvent, Template] = {
    NoticeEvent.RECEIVED: Template(
        "受理告知",
        "您反映的“{title}”已登记，编号{code}，我们将按时限办理。查看进度：{link}",
        "您的诉求已登记（{code}）",
        "诉求{code}已登记",
    ),
    NoticeEvent.ACCEPTED: Template(
        "接单告知",
        "您反映的问题（{code}）已由{org}受理：{note}",
        "您的诉求已受理（{code}）",
        "{org}已接单{code}",
    ),
    NoticeEvent.RESULT: Template(
        "办理结果及评价邀请",
        "您反映的问题（{code}）已办结，请查看结果并评价：{link}",
        "您的诉求已办结，请评价（{code}）",
        "{code}已办结，待评价",
    ),
    NoticeEvent.CLOSED: Template(
        "结案告知",
        "您反映的问题（{code}）已结案：{note}。详情：{link}",
        "您的诉求已结案（{code}）",
        "{code}已结案",
    ),
    NoticeEvent.PETITION_RECEIVED: Template(
        "信访登记告知",
        "您的信访事项已登记，编号{code}，将于15日内告知是否受理。查看进度：{link}",
        "信访事项已登记（{code}）",
        "信访事项{code}已登记",
    ),
    NoticeEvent.PETITION_ACCEPTED: Template(
        "受理告知",
        "您的信访事项（{code}）已受理，将于{due}前出具处理意见。查看进度：{link}",
        "信访事项已受理（{code}）",
        "信访事项{code}已受理",
    ),
    NoticeEvent.PETITION_DECLINED: Template(
        "不予受理告知",
        "您的信访事项（{code}）不予受理：{note}。详情：{link}",
        "信访事项不予受理（{code}）",
        "信访事项{code}不予受理",
    ),
    NoticeEvent.PETITION_ANSWERED: Template(
        "处理意见告知",
        "您的信访事项（{code}）已出具处理意见书，请查收。不服的，可自收到之日起30日内申请复查。{link}",
        "信访事项处理意见书（{code}）",
        "信访事项{code}已出具处理意见书",
    ),
    NoticeEvent.REVIEW_DECIDED: Template(
        "复查意见告知",
        "您的复查申请（{code}）已出具复查意见书。不服的，可自收到之日起30日内申请复核。{link}",
        "复查意见书（{code}）",
        "{code}已出具复查意见书",
    ),
    NoticeEvent.RECHECK_DECIDED: Template(
        "复核意见告知",
        "您的复核申请（{code}）已出具复核意见书，信访事项依法终结。{link}",
        "复核意见书（{code}）",
        "{code}已出具复核意见书",
    ),
    NoticeEvent.APPOINTMENT_BOOKED: Template(
        "约访确认",
        "您已预约{when}的领导接访（{code}），请携带身份证件按时到达。取消预约：{link}",
        "领导接访预约确认（{code}）",
        "约访{code}已预约",
    ),
    NoticeEvent.APPOINTMENT_REMINDER: Template(
        "约访提醒",
        "提醒：您预约的领导接访（{code}）在{when}，请按时到达。取消预约：{link}",
        "明日领导接访提醒（{code}）",
        "约访{code}明日接待",
    ),
    NoticeEvent.NEW_TASK: Template(
        "新待办",
        "新待办：{code}“{title}”，{task}，时限{due}。",
        "新待办 {code}：{task}",
        "新待办：{code} {task}（时限{due}）",
    ),
    NoticeEvent.WARNING: Template(
        "即将超期",
        "即将超期：{code}“{title}”{note}，时限{due}。",
        "即将超期 {code}",
        "即将超期：{code} {note}（时限{due}）",
    ),
    NoticeEvent.OVERDUE: Template(
        "超期",
        "已超期：{code}“{title}”{note}，请尽快办理。",
        "已超期 {code}",
        "已超期：{code} {note}",
    ),
    NoticeEvent.SUPERVISED: Template(
        "督办",
        "督办：{code}“{title}”，{note}",
        "督办 {code}",
        "督办：{code} {note}",
    ),
    NoticeEvent.DIGEST: Template(
        "每日摘要",
        "{date}：超期{overdue}件，待复查{review}件，督办中{supervised}件。",
        "{date} 工作摘要",
        "{date}摘要：超期{overdue}件，待复查{review}件，督办中{supervised}件",
    ),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _fill(text: str, params: dict[str, Any]) -> str:
    return text.format_map(_Blank(params)).replace("：。", "。").replace("“”", "")


def label(event: str) -> str:
    try:
        return TEMPLATES[NoticeEvent(event)].label
    except ValueError:
        return event


def sms_text(event: str, params: dict[str, Any]) -> str:
    return _fill(TEMPLATES[NoticeEvent(event)].sms, params)


def email_subject(event: str, params: dict[str, Any]) -> str:
    return _fill(TEMPLATES[NoticeEvent(event)].subject, params)


def inapp_text(event: str, params: dict[str, Any]) -> str:
    return _fill(TEMPLATES[NoticeEvent(event)].inapp, params)
