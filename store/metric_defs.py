"""What each figure means, in one place: the web shows these on hover and the README quotes them.

Period rule for every figure: a case counts where the event it measures happened. It counts in
"received" by its receipt time, in completion figures by its completion time, in rating figures by
the rating's time, so a case received on 31 March and completed on 2 April is received in March and
completed in April. For a department, "received" means dispatched to it (派单) in the period.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricDef:
    key: str
    zh: str
    en: str
    unit: str  # count | rate (0..1) | days | score (0..100)
    better: str | None  # higher | lower | None (neither: volume)
    definition_zh: str
    definition_en: str

    @property
    def definition(self) -> str:
        return f"{self.definition_zh}\n{self.definition_en}"


def _d(key: str, zh: str, en: str, unit: str, better: str | None, dz: str, de: str) -> MetricDef:
    return MetricDef(key, zh, en, unit, better, dz, de)


DEFINITIONS: dict[str, MetricDef] = {
    d.key: d
    for d in (
        _d(
            "received",
            "受理量",
            "received",
            "count",
            None,
            "本期受理的诉求件数（按受理时间计）；部门为本期派给该部门的件数（按派单时间计）。",
            "Cases received in the period (by receipt time); for a department, cases dispatched to it "
            "in the period (by dispatch time).",
        ),
        _d(
            "signed_on_time",
            "及时签收率",
            "signed on time",
            "rate",
            "higher",
            "本期上报街道的诉求中，在签收时限内（当日；17:00 后或非工作日上报的顺延至下一工作日）签收的比例；"
            "未签收且时限未到的不计入。部门不适用。",
            "Of cases reported up to the street in the period, the share signed within the policy's "
            "sign limit (the same working day; reported after 17:00 or on a rest day: the next working "
            "day). Unsigned cases still within the limit are left out. Not applicable to departments.",
        ),
        _d(
            "responded_same_day",
            "当日响应率",
            "responded the same day",
            "rate",
            "higher",
            "本期派单的部门承办任务中，部门在派单当日（工作日）内接单并答复群众的比例（17:00 后或非工作日派单的"
            "顺延至下一工作日）；被该部门退单的任务、未接单但当日未过的任务不计入。",
            "Of department assignments dispatched in the period, the share accepted (with the first "
            "reply to the resident) by the end of the dispatch's working day (dispatched after 17:00 or "
            "on a rest day: the next working day). Assignments the department returned, and unaccepted "
            "ones whose day has not ended, are left out.",
        ),
        _d(
            "completed_on_time",
            "按期办结率",
            "completed on time",
            "rate",
            "higher",
            "本期办结的诉求（按办结时间计）中，全过程从未超期（任一环节时限均未届满）的比例；部门为派给它且未被它退回的诉求。",
            "Of cases completed in the period (by completion time), the share that never passed any "
            "stage deadline (ever_overdue false): the read model keeps only the current deadline, so "
            "'on time' means no clock ever expired. A department's: those dispatched to it that it did "
            "not return.",
        ),
        _d(
            "overdue_now",
            "当前超期",
            "overdue now",
            "count",
            "lower",
            "查询时仍处于超期状态的在办诉求件数（为当前状态，不随统计周期变化）；部门为当前由其承办且超期的件数。",
            "Open cases overdue at the time of the query (a snapshot, not tied to the period); for a "
            "department, overdue cases it holds now.",
        ),
        _d(
            "overdue_ever",
            "曾超期",
            "overdue ever",
            "count",
            "lower",
            "本期受理的诉求中，至少有一个时限曾经届满的件数；部门为本期派给它且未被它退回的诉求。",
            "Cases received in the period that have passed at least one deadline; a department's: "
            "those dispatched to it in the period that it did not return.",
        ),
        _d(
            "supervised",
            "督办件数",
            "supervised",
            "count",
            "lower",
            "本期受理的诉求中，经区领导督单的件数；部门为本期派给它且未被它退回的诉求。",
            "Cases received in the period that a district leader supervised (督单); a department's: "
            "those dispatched to it in the period that it did not return.",
        ),
        _d(
            "returned",
            "退单率",
            "returned",
            "rate",
            "lower",
            "本期受理的诉求中被部门退单过的比例；部门为本期派给它、又被它退回的比例。",
            "Share of cases received in the period that a department returned (退单); for a "
            "department, the share of the cases dispatched to it in the period that it returned.",
        ),
        _d(
            "extension_rate",
            "延期率",
            "extension rate",
            "rate",
            "lower",
            "本期受理的诉求中获准延期的比例；部门为其作为牵头单位获准延期的比例。",
            "Share of cases received in the period granted an extension; for a department, those "
            "granted while it was the lead unit.",
        ),
        _d(
            "avg_days",
            "平均办结用时",
            "average working days to completion",
            "days",
            "lower",
            "本期办结的诉求从受理到办结的平均工作日数（受理当日不计；按官方节假日与调休，"
            "尚未发布安排的年份只扣除周末）。",
            "Average working days from receipt to completion of the cases completed in the period "
            "(receipt day not counted; official holidays and adjusted working days; weekends only for a "
            "year whose schedule is not published).",
        ),
        _d(
            "p90_days",
            "办结用时P90",
            "p90 working days to completion",
            "days",
            "lower",
            "同上，第 90 百分位（最近秩法：排序后第 ⌈0.9n⌉ 个）。",
            "As above, 90th percentile (nearest rank: the ⌈0.9n⌉-th smallest).",
        ),
        _d(
            "rating_participation",
            "参评率",
            "rating participation",
            "rate",
            "higher",
            "本期结案且已向群众反馈办理结果的诉求（结案方式为已解决或未评价）中，群众作出评价的比例；部门按牵头单位计。",
            "Of cases closed in the period after a result was delivered (outcome resolved or not "
            "rated), the share the resident rated; a department's are the cases it led.",
        ),
        _d(
            "satisfaction",
            "满意率",
            "satisfaction",
            "rate",
            "higher",
            "本期评价（按评价时间，每次评价计一次）中：（满意数 + 系数 × 一般数）÷ 评价数，系数可配置（默认 0.6）；"
            "部门按牵头单位计。",
            "Of the ratings given in the period (each rating once, by its time): (satisfied + weight × "
            "average) ÷ ratings, the weight configurable (default 0.6); a department's are those of "
            "cases it led.",
        ),
        _d(
            "dissatisfaction",
            "不满意率",
            "dissatisfaction",
            "rate",
            "lower",
            "本期评价中不满意的比例。",
            "Share of the ratings given in the period that were dissatisfied.",
        ),
        _d(
            "reopened",
            "重办件数",
            "reopened",
            "count",
            "lower",
            "本期被区领导决定重办的诉求件数，同一诉求本期内多次重办只计一次。",
            "Cases a leader reopened in the period, each case counted once however often it reopened.",
        ),
        _d(
            "repeat_requests",
            "重复诉求",
            "repeat requests",
            "count",
            "lower",
            "本期受理的诉求中，同一联系电话在本期内第二次及以后提出的件数。",
            "Cases received in the period from a phone number that already had a case earlier in the "
            "same period (the second and later ones).",
        ),
        _d(
            "composite",
            "综合得分",
            "composite score",
            "score",
            "higher",
            "100 ×（0.3 × 当日响应率 + 0.3 × 按期办结率 + 0.4 × 满意率），权重可配置；某项无数据时不计入，"
            "其余权重按比例放大；三项均无数据时为空。",
            "100 × (0.3 × responded the same day + 0.3 × completed on time + 0.4 × satisfaction), "
            "weights configurable; a component without data is left out and the others scaled up; "
            "empty when none has data.",
        ),
    )
}

RANKABLE = tuple(k for k, d in DEFINITIONS.items() if d.better is not None or k == "received")


def format_value(key: str, value: float | None) -> str:
    """How a figure is shown: 93.5%, 2.3, 87.6, 12; no data is "—" (never a division by zero)."""
    if value is None:
        return "—"
    unit = DEFINITIONS[key].unit
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit in ("days", "score"):
        return f"{value:.1f}"
    return str(int(value))


def definitions_markdown() -> str:
    """The definitions as a Markdown table, for the README (名称 / name / definition)."""
    lines = ["| 指标 | metric | 定义 | definition |", "|---|---|---|---|"]
    for d in DEFINITIONS.values():
        lines.append(f"| {d.zh} | {d.en} | {d.definition_zh} | {d.definition_en} |")
    return "\n".join(lines)
