"""The sentences of petitioners as people (信访人, issue 12), in zh-CN: id numbers, first-time and
repeat petitions, similar petitions, 并案 and group petitions. Python code imports `XF_PERSON_TEXT`;
templates read it as `L.xf_person` (it is merged into the label tables by `petition_labels`)."""

from __future__ import annotations

from store.id_numbers import IdNumberProblem

XF_PERSON_TEXT: dict[str, str] = {
    # --- 身份证号 (GB 11643-1999) ---
    IdNumberProblem.LENGTH: "身份证号应为18位：17位数字加1位校验码（数字或X）",
    IdNumberProblem.BIRTH_DATE: "身份证号第7至14位不是有效的出生日期，请核对",
    IdNumberProblem.CHECK_DIGIT: "身份证号校验码（第18位）与前17位不符，请核对是否录错",
    "id_masked": "身份证号",
    # --- 集体访 ---
    "needs_representative": "5人以上的集体访，请登记推选的代表（至少1名）",
    "too_many_representatives": "多人走访推选的代表不超过5人",
    "representative_too_long": "代表姓名不能超过50个字",
    "representatives": "代表",
    "people_count": "人数",
    "group": "集体访",
    # --- 初信初访 / 重复信访 ---
    "first_time": "初信初访",
    "repeat": "重复信访",
    "repeat_of": "重复信访：与 {code} 为同一事项",
    "repeat_of_concluded": "重复信访：原事项 {code} 已终结。同一事实和理由的，应当「不再受理」并告知原处理意见。",
    "same_matter_not_theirs": "所选的原信访事项不是该信访人的信访事项",
    "registered_first": "已登记信访事项 {code}（初信初访）",
    "registered_repeat": "已登记信访事项 {code}（重复信访，原事项 {earlier}）",
    "earlier": "该信访人以往的信访事项",
    "no_earlier": "没有查到该信访人以往的信访事项：登记为初信初访。",
    "not_same_matter": "均不是同一事项（初信初访）",
    "same_matter": "同一事项",
    "check_hint": "填写信访人和信访内容后，这里显示该信访人以往的信访事项和相似的在办事项。",
    # --- 相似在办事项 / 并案 ---
    "similar": "相似的在办信访事项",
    "no_similar": "没有相似的在办信访事项。",
    "similar_same_petitioner": "同一信访人",
    "similar_text": "同一地点，内容相似 {score}%",
    "merge_later": "登记后可在信访事项页面并案办理。",
    "merge_into": "并入此事项",
    "merge_reason": "反映同一事项，并案办理",
    "merged_into": "已并入 {code}，在该事项中合并办理。",
    "merged_here": "并入本事项的信访事项",
    "merge_target_missing": "没有信访事项 {code}，或您无权查看",
    "merge_target_closed": "信访事项 {code} 已结束，只能并入在办的信访事项",
    "merge_self": "信访事项不能并入它自己",
    # --- 信访人档案 ---
    "petitioner_title": "信访人档案",
    "petitioner_link": "信访人档案（查看将留痕）",
    "petitioner_petitions": "信访事项",
    "petitioner_seen": "首次信访 {first}，最近一次 {last}，共 {n} 件",
    "petitioner_not_found": "没有这个信访人，或您无权查看。",
}
