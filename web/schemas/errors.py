"""Input problems as a sentence an officer or a resident can read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from web.i18n import TEXT
from web.i18n.labels import FIELD

_PROBLEM = {
    "missing": "problem_missing",
    "string_too_short": "problem_missing",
    "string_too_long": "problem_too_long",
    "too_long": "problem_too_many",
    "string_pattern_mismatch": "problem_format",
    "enum": "problem_choice",
    "literal_error": "problem_choice",
    "union_tag_invalid": "problem_unknown_action",
    "union_tag_not_found": "problem_unknown_action",
    "int_parsing": "problem_integer",
    "int_type": "problem_integer",
    "greater_than_equal": "problem_range",
    "less_than_equal": "problem_range",
    "bool_parsing": "problem_choice",
    "datetime_parsing": "problem_datetime",
    "datetime_from_date_parsing": "problem_datetime",
    "datetime_type": "problem_datetime",
    "date_from_datetime_parsing": "problem_datetime",
    "value_error": "",
}


def describe(errors: Sequence[Any]) -> str:
    """One line per problem: 「字段」+ what is wrong, from pydantic's (or FastAPI's) error list."""
    lines: list[str] = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if not isinstance(p, int) and p not in ("body", "query")]
        plain = [p for p in loc if "[" not in p]  # leave out pydantic's union member names
        name = next((FIELD[p] for p in reversed(plain) if p in FIELD), plain[-1] if plain else "")
        key = _PROBLEM.get(error.get("type", ""), "problem_invalid")
        if key == "":  # our own validators already speak Chinese
            text = str(error.get("msg", "")).removeprefix("Value error, ")
        else:
            text = TEXT[key]
        line = f"{name}：{text}" if name else text
        if line not in lines:
            lines.append(line)
    return "；".join(lines) or TEXT["problem_invalid"]
