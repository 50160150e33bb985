"""What each figure means, in one place: the web shows these on hover and the README quotes them.

Period rule for every figure: a case counts where the event it measures happened. It counts in
"registered" by its registration time, in completion figures by its completion time, in rating figures by
the rating's time, so a case registered on 31 March and completed on 2 April is received in March and
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
            "登记量",
            "registered",
            "count",
            None,
            "本期登记的诉求件数（按登记时间计；登记不是受理决定）；部门为本期派给该部门的件数（按派单时间计）。",
            "Cases registered in the period (by registration time; registering is not a decision to "
            "accept); for a department, cases dispatched to it in the period (by dispatch time).",
        ),
        _d(
            "signed_on_time",
            "及时签收率",
            "signed on time",
            "rate",
            "higher",
            "本期上报街道的诉求中，在案件记录的签收时限内签收的比例；未签收且时限未到的不计入。部门不适用。",
            "Of cases reported up to the street in the period, the share signed within the sign limit "
            "the case recorded. Unsigned cases still within the limit are left out. Not applicable to "
            "departments.",
        ),
        _d(
            "responded",
            "响应率",
            "responded in time",
            "rate",
            "higher",
            "本期派单的部门承办任务中，部门在该诉求自身政策的响应时限内（案件记录的时限；六单为当日，"
            "信访条例政策为其规定天数）接单并答复群众的比例；被该部门退回的任务、未接单但时限未到的不计入。",
            "Of department assignments dispatched in the period, the share accepted (with the first "
            "reply to the resident) within the response limit of the case's own policy, as the case "
            "recorded it (the same working day under 六单, the regulation's days under a petition "
            "policy). Assignments the department returned, and unaccepted ones still within the limit, "
            "are left out.",
        ),
        _d(
            "completed_on_time",
            "按期办结率",
            "completed on time",
            "rate",
            "higher",
            "本期办结的诉求（按办结时间计）中，办结时限（含延期、重办时限；就地办结的为其办结时所在环节的时限）"
            "未曾届满的比例；签收、派单等其他环节的超期不影响本项。部门为派给它且未被它退回的诉求。",
            "Of cases completed in the period (by completion time), the share whose completion clock "
            "(with extensions and reopen limits; for a case resolved locally, the clock it was resolved "
            "under) never ran out. Lateness at other stages (signing, dispatch) does not count here. A "
            "department's: those dispatched to it that it did not return.",
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
            "本期登记的诉求中，至少有一个时限曾经届满的件数。部门只计由它造成的超期：本期派给它的诉求中，"
            "它自己的时限（办结、督办等记在它名下的时限）届满，或它未在响应时限内接单的件数。",
            "Cases registered in the period that passed at least one deadline. A department is charged "
            "only with its own lateness: of the cases dispatched to it in the period, those where a "
            "clock in its name (completion, supervision...) ran out, or it did not accept within the "
            "response limit.",
        ),
        _d(
            "supervised",
            "督办件数",
            "supervised",
            "count",
            "lower",
            "本期登记的诉求中，经区领导督单的件数；部门为本期派给它且未被它退回的诉求。",
            "Cases registered in the period that a district leader supervised (督单); a department's: "
            "those dispatched to it in the period that it did not return.",
        ),
        _d(
            "returned",
            "退单率",
            "returned",
            "rate",
            "lower",
            "本期登记的诉求中被部门退单过的比例；部门为本期派给它、又被它退回的比例。",
            "Share of cases registered in the period that a department returned (退单); for a "
            "department, the share of the cases dispatched to it in the period that it returned.",
        ),
        _d(
            "extension_rate",
            "延期率",
            "extension rate",
            "rate",
            "lower",
            "本期登记的诉求中获准延期的比例；部门为其作为牵头单位获准延期的比例。",
            "Share of cases registered in the period granted an extension; for a department, those "
            "granted while it was the lead unit.",
        ),
        _d(
            "avg_days",
            "平均办结用时（工作日）",
            "average working days to completion",
            "days",
            "lower",
            "本期办结、时限按工作日计的诉求（如六单政策）从登记到办结的平均工作日数（登记当日不计；"
            "按官方节假日与调休，尚未发布安排的年份只扣除周末）。",
            "Average working days from registration to completion of the cases completed in the period "
            "whose policy counts working days (such as 六单); the registration day not counted; "
            "official holidays and adjusted working days, weekends only for a year not yet published.",
        ),
        _d(
            "p90_days",
            "办结用时P90（工作日）",
            "p90 working days to completion",
            "days",
            "lower",
            "同上，第 90 百分位（最近秩法：排序后第 ⌈0.9n⌉ 个）。",
            "As above, 90th percentile (nearest rank: the ⌈0.9n⌉-th smallest).",
        ),
        _d(
            "avg_calendar_days",
            "平均办结用时（自然日）",
            "average calendar days to completion",
            "days",
            "lower",
            "本期办结、时限按自然日计的诉求（如信访条例政策）从登记到办结的平均自然日数（登记当日不计）。",
            "Average calendar days from registration to completion of the cases completed in the "
            "period whose policy counts calendar days (such as the petition regulation's); the "
            "registration day not counted.",
        ),
        _d(
            "rating_participation",
            "参评率",
            "rating participation",
            "rate",
            "higher",
            "本期结案且已向群众反馈办理结果的诉求（评价办结、不满意结案、未评价、回访无法联系）中，群众作出评价的比例；"
            "部门为它承办（未退回）的诉求。",
            "Of cases closed in the period after a result was delivered (rated, closed dissatisfied, "
            "not rated, unreachable), the share the resident rated; a department's are the cases it "
            "handled (and did not return).",
        ),
        _d(
            "resolved",
            "解决率",
            "resolved (resident's answer)",
            "rate",
            "higher",
            "本期评价（按评价时间，每次评价计一次）中，群众回答“已解决”的比例；未被问及是否解决的早期评价不计入。"
            "部门为它承办（未退回）的诉求的评价。",
            "Of the ratings given in the period (each once, by its time), the share where the resident "
            "answered that the matter is solved (已解决); early ratings that did not ask are left out. A "
            "department's: ratings of cases it handled (and did not return).",
        ),
        _d(
            "satisfaction",
            "满意率",
            "satisfaction",
            "rate",
            "higher",
            "本期评价（按评价时间，每次评价计一次）中“满意”的比例：满意数 ÷ 评价数，“基本满意”不计为满意；"
            "管理员设置折算系数后为加权满意率并如此标注。部门为它承办（未退回）的诉求的评价。",
            "Of the ratings given in the period (each once, by its time), the share 满意: satisfied ÷ "
            "ratings, 基本满意 not counted as satisfied; when an admin sets a weight for 基本满意 it is a "
            "weighted rate and labelled so. A department's: ratings of cases it handled (and did not "
            "return).",
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
            "unreachable",
            "回访无法联系",
            "unreachable at callback",
            "count",
            "lower",
            "本期因多次回访均未联系上群众而结案的件数（单独计，不算作未评价）。",
            "Cases closed in the period because every callback failed to reach the resident (counted "
            "apart from not rated).",
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
            "本期登记的诉求中，同一联系电话此前（任何时期）已提出过诉求的件数（跨周期按人识别，第二件及以后）。",
            "Cases registered in the period from a phone number that had a case before, in any period "
            "(the same person across periods: the second and later ones).",
        ),
        _d(
            "composite",
            "三率加权得分",
            "weighted score of the three rates",
            "score",
            "higher",
            "本系统按可配置权重计算的参考分，不是官方考核指标：100 ×（0.3 × 响应率 + 0.3 × 解决率 + 0.4 × 满意率），"
            "权重由管理员设置；某项无数据时不计入，其余权重按比例放大；三项均无数据时为空。",
            "A reference score weighted as configured here, not an official figure: 100 × (0.3 × "
            "responded + 0.3 × resolved + 0.4 × satisfaction), weights set by an admin; a component "
            "without data is left out and the others scaled up; empty when none has data.",
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
