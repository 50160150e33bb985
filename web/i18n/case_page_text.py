"""The case page's words about its live part: who else has the case open, a status catching up."""

CASE_PAGE_TEXT = {
    "cp_watcher": "{name}（{org}）",
    "cp_watching": "{who}正在查看此案件",
    "cp_catching_up": "状态正在更新，稍后自动刷新。",
}
