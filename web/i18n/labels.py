"""Names of the domain's enum values, in zh-CN: the stored values' names from `store.labels`, and the
UI's own (roles, actions, timeline events, tasks...)."""

from __future__ import annotations

from enum import StrEnum

from store.labels import CATEGORY, CHANNEL, DIFFICULTY, OUTCOME, RATING, SOLVED, STAGE, SUPERVISION, URGENCY
from store.models import OrgKind
from web.i18n.petition_labels import PETITION_LABELS
from workflows.decisions import DECISIONS
from workflows.tasks import SUPERVISE_TASK
from workflows.types import (
    Action,
    DeadlineState,
    RatingChannel,
    RatingValue,
    Role,
    SpanUnit,
    Stage,
)

ROLE = {
    Role.GRID_WORKER: "网格员",
    Role.COMMUNITY: "社区（村）工作人员",
    Role.STREET: "街道（乡镇）工作人员",
    Role.DEPARTMENT: "部门承办人员",
    Role.LEADER: "联点区领导",
    Role.SUPERVISION: "督查室",
    Role.DISCIPLINE: "纪工委",
    Role.ADMIN: "系统管理员",
    Role.PETITION_CLERK: "信访登记受理员",
    Role.PETITION_HEAD: "信访部门负责人",
    Role.PETITION_DEPUTY: "信访部门分管副职",
    Role.UNIT_HEAD: "单位负责人",
    Role.REVIEWER: "复查复核机关工作人员",
    Role.RESIDENT: "群众",
    Role.SYSTEM: "系统",
}

# What a resident reads on the tracking page: plain words, no internal steps.
PUBLIC_STAGE = {
    Stage.REPORT: "社区正在核实",
    Stage.SIGN: "已上报街道",
    Stage.DISPATCH: "街道正在协调派单",
    Stage.ACCEPT: "已转交职能部门",
    Stage.HANDLE: "职能部门正在办理",
    Stage.RATE: "已办结，请您评价",
    Stage.REVIEW: "正在复查",
    Stage.CLOSED: "已结案",
}

# The six orders as the resident's tracking page steps through them (web.services.portal.STEPS).
TRACK_STEP = {
    "submit": "点单",
    "report": "报单",
    "dispatch": "跟单/派单",
    "handle": "接单/办理",
    "rate": "评单",
}
TRACK_STEP_HINT = {
    "submit": "您提交诉求",
    "report": "社区核实上报",
    "dispatch": "街道签收派单",
    "handle": "职能部门办理",
    "rate": "您评价结果",
}

# Declared with each decision (workflows.decisions), so a new decision brings its name.
ACTION: dict[Action, str] = {action: d.label for action, d in DECISIONS.items()}

# Timeline entries that are not decisions: what the workflow itself recorded.
EVENT = {
    "registered": "登记诉求",
    "warning": "即将超期提醒",
    "overdue": "超期",
    "not_rated": "评价期满未评价",
    "deadlines_recomputed": "重算临时时限",
    "contact_viewed": "查看群众联系方式",
    "return_requested": "申请退单",
}

# What an inbox item asks its org to do.
TASK = {
    Action.TRIAGE: "待研判",
    Action.REPORT_UP: "待上报或就地办结",
    Action.CLOSE_UNREASONABLE: "待政策解释办结",
    Action.SIGN: "待签收",
    Action.DISPATCH: "待派单",
    Action.ACCEPT: "待接单",
    Action.SUBMIT_RESULT: "待办结",
    Action.DECIDE_EXTENSION: "待审批延期",
    Action.DECIDE_RETURN: "待审核退单",
    Action.REQUEST_LIMIT: "待提请确定时限",
    Action.DECIDE_LIMIT: "待确定办结时限",
    Action.RATE: "待回访评价",
    Action.REOPEN: "待复查",
    SUPERVISE_TASK: "待督办",
}

RATING_VALUE = {value: RATING[value] for value in RatingValue}

RATING_CHANNEL = {
    RatingChannel.PORTAL: "网上评价",
    RatingChannel.PHONE: "电话询问",
    RatingChannel.VISIT: "上门回访",
}

DEADLINE_STATE = {
    DeadlineState.RUNNING: "计时中",
    DeadlineState.WARNING: "即将超期",
    DeadlineState.OVERDUE: "已超期",
    DeadlineState.MET: "按期完成",
    DeadlineState.CANCELLED: "已取消",
}

ORG_KIND = {
    OrgKind.CITY: "市",
    OrgKind.DISTRICT: "区",
    OrgKind.STREET: "街道（乡镇）",
    OrgKind.COMMUNITY: "社区（村）",
    OrgKind.DEPARTMENT: "区直部门",
    OrgKind.LEADER_OFFICE: "区领导",
    OrgKind.SUPERVISION: "督查室",
    OrgKind.DISCIPLINE: "纪工委",
    OrgKind.PETITION_BUREAU: "信访部门",
}

SPAN_UNIT = {
    SpanUnit.WORKING_DAYS: "个工作日",
    SpanUnit.CALENDAR_DAYS: "天",
    SpanUnit.SECONDS: "秒",
}

# Form and API field names, for input problems ("联系电话：格式不正确").
FIELD = {
    "email": "邮箱",
    "phone": "电话",
    "action": "操作",
    "stage": "阶段",
    "text": "搜索",
    "street": "街道",
    "group": "分组",
    "overdue": "仅看超期",
    "mine": "我认领的",
    "open_only": "仅看在办",
    "provisional": "临时时限",
    "active": "状态",
    "street_ids": "联点街道",
    "urgency": "紧急程度",
    "category": "诉求类别",
    "note": "意见",
    "result": "办理结果",
    "responsible_person": "责任人",
    "explanation": "政策解释",
    "department_ids": "承办部门",
    "difficulty": "办理难度",
    "lead_department_id": "牵头单位",
    "due_at": "办结时限",
    "response": "首次响应内容",
    "reason": "理由",
    "days": "延期天数",
    "approve": "审批结果",
    "new_due_at": "新的时限",
    "talk_ordered": "约谈",
    "note_to_resident": "这条意见（仅内部可见或告知群众）",
    "value": "评价",
    "comment": "评价意见",
    "solved": "是否解决",
    "channel": "渠道",
    "reporter_name": "姓名",
    "reporter_phone": "联系电话",
    "reporter_address": "住址",
    "title": "诉求标题",
    "description": "诉求内容",
    "location": "事发地点",
    "community_org_id": "所属社区（村）",
    "street_org_id": "所属街道（乡镇）",
    "attachments": "照片",
    "received_at": "接收时间",
    "policy_id": "时限政策",
    "username": "用户名",
    "password": "密码",
    "display_name": "姓名",
    "role": "角色",
    "org_id": "所属单位",
    "id": "编码",
    "name": "名称",
    "kind": "类型",
    "parent_id": "上级单位",
    "year": "年份",
    "schedule": "节假日安排",
    "page": "页码",
    "tab": "分类",
    "photos": "照片",
}

# Every table the UI names values with: the stored values' (store.labels) and the UI's own.
UI_LABELS: dict[str, dict] = {
    "role": ROLE,
    "stage": STAGE,
    "public_stage": PUBLIC_STAGE,
    "track_step": TRACK_STEP,
    "track_step_hint": TRACK_STEP_HINT,
    "action": ACTION,
    "event": EVENT,
    "task": TASK,
    "category": CATEGORY,
    "urgency": URGENCY,
    "difficulty": DIFFICULTY,
    "rating_value": RATING_VALUE,
    "rating_channel": RATING_CHANNEL,
    "solved": SOLVED,
    "outcome": OUTCOME,
    "deadline_state": DEADLINE_STATE,
    "channel": CHANNEL,
    "org_kind": ORG_KIND,
    "supervision": SUPERVISION,
    "span_unit": SPAN_UNIT,
    **PETITION_LABELS,
}


def label(kind: str, value: StrEnum | str | int | None) -> str:
    """The name of `value` in the table `kind`; the raw value when it has none (never an error)."""
    if value is None or value == "":
        return ""
    return str(UI_LABELS[kind].get(value, value))


def action_label(action: Action | str) -> str:
    return str(ACTION.get(action, action))  # type: ignore[call-overload]


def event_label(action: str) -> str:
    """A timeline entry's name: a decision's, or one of the workflow's own events."""
    return str(EVENT.get(action) or ACTION.get(action, action))  # type: ignore[call-overload]
