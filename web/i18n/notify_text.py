"""The words of the bell, the notifications page, a case's delivery log and the resident's notice
choices on the tracking page (templates read them as ``nt``)."""

from __future__ import annotations

NOTIFY_TEXT: dict[str, str] = {
    "bell": "通知",
    "bell_unread": "{n} 条未读",
    "title": "通知",
    "empty": "暂无通知。新待办、即将超期、超期、督办和每日摘要会出现在这里。",
    "mark_all": "全部标为已读",
    "mark_one": "标为已读",
    "unread": "未读",
    "log_title": "通知记录",
    "log_empty": "尚无需要发送的通知（站内通知不在此列）。",
    "log_when": "时间",
    "log_what": "通知",
    "log_to": "对象",
    "log_channel": "方式",
    "log_status": "状态",
    "log_resident": "群众",
    "log_attempts": "第 {n} 次尝试",
    "log_held": "夜间免打扰，{at} 发送",
    "channel_sms": "短信",
    "channel_email": "邮件",
    "channel_inapp": "站内",
    "status_pending": "待发送",
    "status_sent": "已发送",
    "status_failed": "发送失败",
    "status_skipped": "未发送",
    "prefs_title": "短信和邮件通知",
    "prefs_intro": "受理、办结等进展会以短信通知您（夜间21:00至次日8:00不发送）。您也可以留下邮箱，同时接收邮件。",
    "prefs_sms_opt_out": "不再接收短信通知",
    "prefs_email": "邮箱（可选）",
    "prefs_save": "保存",
    "prefs_saved": "已保存您的通知设置。",
    "prefs_bad_email": "邮箱格式不正确，请检查。",
    "digest_href_label": "查看督单",
}
