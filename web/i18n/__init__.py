"""Every word the UI shows, in zh-CN, kept in this package so another language can be added.

`labels` names the domain's enums (roles, stages, actions...); `text` holds the UI's sentences.
Templates read them as `L` and `t`; Python code imports them from here.
"""

from web.i18n.case_page_text import CASE_PAGE_TEXT
from web.i18n.labels import UI_LABELS, action_label, event_label, label
from web.i18n.officer_text import OFFICER_TEXT
from web.i18n.text import TEXT

TEXT.update(OFFICER_TEXT)
TEXT.update(CASE_PAGE_TEXT)

__all__ = ["TEXT", "UI_LABELS", "action_label", "event_label", "label"]
