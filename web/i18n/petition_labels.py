"""The zh-CN names of the petition path's values (信访): stages, decisions, matter types, grounds,
documents. Merged into `UI_LABELS` under the `xf_*` tables."""

from __future__ import annotations

from web.i18n.petitioner_text import XF_PERSON_TEXT
from workflows.backlog.rules import BACKLOG_DECISIONS
from workflows.backlog.types import BacklogOutcome, BacklogReason, BacklogStage, Duty
from workflows.petition.decisions import PETITION_DECISIONS
from workflows.petition.rules import STAGE_NAMES
from workflows.petition.types import (
    DeclineGround,
    DeliveryMethod,
    DocumentKind,
    MatterType,
    OpinionOutcome,
    PetitionAction,
    PetitionChannel,
    PetitionOutcome,
    PetitionStage,
    ReferralChannel,
    ReviewOutcome,
    TransferMode,
)
from workflows.types import DeadlineKind

XF_CHANNEL = {
    PetitionChannel.LETTER: "来信",
    PetitionChannel.VISIT: "来访",
    PetitionChannel.PHONE: "来电",
    PetitionChannel.ONLINE: "网上信访",
    PetitionChannel.MAILBOX: "局长信箱",
    PetitionChannel.HANDED_DOWN: "上级交办",
}
MATTER_TYPE = {
    MatterType.SUGGESTION: "建议意见",
    MatterType.ACCUSATION: "检举控告",
    MatterType.CLAIM: "申诉求决",
}
XF_OUTCOME = {
    PetitionOutcome.DECLINED: "不予受理",
    PetitionOutcome.REFERRED: "诉访分离（引导依法解决）",
    PetitionOutcome.ANSWERED: "处理意见生效",
    PetitionOutcome.REVIEWED: "复查意见生效",
    PetitionOutcome.CONCLUDED: "终结",
    PetitionOutcome.WITHDRAWN: "已撤回",
    PetitionOutcome.MERGED: "已并案（合并办理）",
}
# What the petitioner reads on the tracking page.
XF_PUBLIC_STAGE = {
    PetitionStage.REGISTERED: "已登记，正在审查是否受理",
    PetitionStage.UNIT_ACCEPT: "已转送有权处理的机关",
    PetitionStage.OBJECTION: "已转送有权处理的机关",
    PetitionStage.HANDLING: "已受理，正在办理",
    PetitionStage.DELIVERY: "已出具书面意见，正在送达",
    PetitionStage.REVIEW_WINDOW: "已答复；不服的可以申请复查",
    PetitionStage.REVIEW: "正在复查",
    PetitionStage.RECHECK_WINDOW: "已复查；不服的可以申请复核",
    PetitionStage.RECHECK: "正在复核",
    PetitionStage.CLOSED: "已结束",
}
DECLINE_GROUND = {
    DeclineGround.NOT_A_PETITION: "不属于信访事项",
    DeclineGround.CONCLUDED: "已终结，以同一事实和理由再次提出（不再受理）",
    DeclineGround.IN_PROGRESS: "已经受理或者正在办理，重复提出",
    DeclineGround.NO_CLAIM: "无明确诉求或必要信息，经告知仍未补正",
    DeclineGround.OVER_LEVEL: "越级提出，未按规定逐级反映",
}
REFERRAL_CHANNEL = {
    ReferralChannel.LITIGATION: "诉讼",
    ReferralChannel.ARBITRATION: "仲裁",
    ReferralChannel.RECONSIDERATION: "行政复议",
    ReferralChannel.OTHER: "其他法定途径",
}
TRANSFER_MODE = {TransferMode.TRANSFER: "转送", TransferMode.ASSIGN: "交办"}
OPINION_OUTCOME = {
    OpinionOutcome.SUPPORT: "支持",
    OpinionOutcome.PARTLY: "部分支持",
    OpinionOutcome.REJECT: "不支持",
    OpinionOutcome.EXPLAIN: "解释说明",
}
REVIEW_OUTCOME = {ReviewOutcome.UPHELD: "维持", ReviewOutcome.CHANGED: "变更", ReviewOutcome.REVOKED: "撤销"}
DELIVERY_METHOD = {
    DeliveryMethod.IN_PERSON: "直接送达",
    DeliveryMethod.MAIL: "邮寄送达",
    DeliveryMethod.ELECTRONIC: "电子送达",
    DeliveryMethod.LEFT: "留置送达",
    DeliveryMethod.NOTICE: "公告送达",
}
DOCUMENT_KIND = {
    DocumentKind.ACCEPTANCE: "受理告知书",
    DocumentKind.DECLINE: "不予受理告知书",
    DocumentKind.REFERRAL: "诉访分离告知书",
    DocumentKind.TRANSFER: "转送（交办）告知书",
    DocumentKind.EXTENSION: "延期告知书",
    DocumentKind.OPINION: "信访事项处理意见书",
    DocumentKind.REVIEW: "复查意见书",
    DocumentKind.RECHECK: "复核意见书",
}
XF_ACTION: dict[PetitionAction | str, str] = {a: d.label for a, d in PETITION_DECISIONS.items()}
XF_EVENT = {
    "registered": "登记",
    "warning": "即将超期提醒",
    "overdue": "超期",
    "window_passed": "申请期限届满",
    "objection_window_passed": "异议期限届满",
}
XF_TASK = {
    PetitionAction.TRANSFER: "待受理或转送",
    PetitionAction.ACCEPT: "待受理（转送件）",
    PetitionAction.DECIDE_OBJECTION: "待审核异议",
    PetitionAction.ANSWER: "待办理答复",
    PetitionAction.DELIVER: "待登记送达",
    PetitionAction.REQUEST_REVIEW: "复查申请期",
    PetitionAction.DECIDE_REVIEW: "待复查",
    PetitionAction.REQUEST_RECHECK: "复核申请期",
    PetitionAction.DECIDE_RECHECK: "待复核",
    PetitionAction.DECIDE_EXTENSION: "待审批延期",
    PetitionAction.PRESS: "超期待督办",
}
XF_CLOCK = {
    DeadlineKind.PETITION_INTAKE: "受理期限",
    DeadlineKind.THREE_DAY: "三天工作法（本地做法）",
    DeadlineKind.HANDED_DOWN: "上级交办期限",
    DeadlineKind.UNIT_ACCEPT: "有权处理机关受理期限",
    DeadlineKind.UNIT_OBJECTION: "异议期限",
    DeadlineKind.HANDLING: "办理期限",
    DeadlineKind.REVIEW_REQUEST: "复查申请期限",
    DeadlineKind.REVIEW_DECISION: "复查期限",
    DeadlineKind.RECHECK_REQUEST: "复核申请期限",
    DeadlineKind.RECHECK_DECISION: "复核期限",
    DeadlineKind.BACKLOG_ASSIGN: "落实包案期限",
    DeadlineKind.BACKLOG_REPORT: "包案进展报告期限",
}

JZ_STAGE = {
    BacklogStage.AWAITING: "待落实包案",
    BacklogStage.IN_CHARGE: "包案化解中",
    BacklogStage.CLOSED: "已办结",
}
JZ_REASON = {
    BacklogReason.OVERDUE: "超期未办结",
    BacklogReason.REPEAT: "重复信访",
    BacklogReason.HANDED_DOWN: "上级交办",
    BacklogReason.DECIDED: "信访部门认定",
}
JZ_OUTCOME = {
    BacklogOutcome.SETTLED: "案结事了",
    BacklogOutcome.STOPPED: "息诉罢访",
    BacklogOutcome.CONCLUDED: "依法终结",
    BacklogOutcome.UNRESOLVED: "未化解",
}
JZ_DUTY = {
    Duty.FACTS: "包掌握情况",
    Duty.EDUCATION: "包思想教育",
    Duty.SOLVING: "包解决问题",
    Duty.STOPPING: "包息诉罢访",
    Duty.STABILITY: "包稳控化解",
}
JZ_EVENT = {
    "designated": "认定积案",
    "overdue": "超期",
    "warning": "即将超期提醒",
    "report_missed": "进展报告逾期",
    **{a: d.label for a, d in BACKLOG_DECISIONS.items()},
}

PETITION_LABELS: dict[str, dict] = {
    "jz_stage": JZ_STAGE,
    "jz_reason": JZ_REASON,
    "jz_outcome": JZ_OUTCOME,
    "jz_duty": JZ_DUTY,
    "jz_event": JZ_EVENT,
    "xf_stage": dict(STAGE_NAMES),
    "xf_public_stage": XF_PUBLIC_STAGE,
    "xf_channel": XF_CHANNEL,
    "matter_type": MATTER_TYPE,
    "xf_outcome": XF_OUTCOME,
    "decline_ground": DECLINE_GROUND,
    "referral_channel": REFERRAL_CHANNEL,
    "transfer_mode": TRANSFER_MODE,
    "opinion_outcome": OPINION_OUTCOME,
    "review_outcome": REVIEW_OUTCOME,
    "delivery_method": DELIVERY_METHOD,
    "document_kind": DOCUMENT_KIND,
    "xf_action": XF_ACTION,
    "xf_event": {**XF_ACTION, **XF_EVENT},
    "xf_task": XF_TASK,
    "xf_clock": XF_CLOCK,
    "xf_person": XF_PERSON_TEXT,
}
