"""居民身份证号码 (GB 11643-1999): checked before a petition is registered, masked for display.

The number has 18 characters: a 6-digit address code, the birth date as YYYYMMDD (digits 7-14), a
3-digit sequence code and a check character computed with ISO 7064 MOD 11-2 over the first 17 digits
(weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; the sum's remainder mod 11 picks from "10X98765432").

Only its keyed hash (`web.services.petitions.petitioner_key`) and the masked form leave the desk's
request: the full number is never stored, logged, sent to a workflow or put in a search attribute.
The sentences officers read for each problem are the web's (`web.i18n.petitioner_text`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
LENGTH = 18
EARLIEST_BIRTH = date(1900, 1, 1)


class IdNumberProblem(StrEnum):
    LENGTH = "length"  # not 17 digits and a digit or X
    BIRTH_DATE = "birth_date"  # digits 7-14 are not a real date (or one in the future)
    CHECK_DIGIT = "check_digit"  # the 18th character is not the one the first 17 give


def normalise_id_number(value: str) -> str:
    """As typed, without spaces, with a lower-case x read as the check character X."""
    return "".join(value.split()).upper()


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def birth_date(number: str) -> date | None:
    """The birth date digits 7-14 encode, or None when they are not a date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_number_problem(value: str, today: date | None = None) -> IdNumberProblem | None:
    """What is wrong with a (normalised) id number, checked in this order: its length and characters,
    its birth date (from 1900 on, and not after ``today`` when given), its check character."""
    if len(value) != LENGTH or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return IdNumberProblem.LENGTH
    born = birth_date(value)
    if born is None or born < EARLIEST_BIRTH or (today is not None and born > today):
        return IdNumberProblem.BIRTH_DATE
    if check_character(value[:17]) != value[17]:
        return IdNumberProblem.CHECK_DIGIT
    return None


def mask_id_number(value: str) -> str:
    """110105********002X: the address code (first 6) and the last 4 stay, so an officer can match a
    card in the petitioner's hand; the birth date and most of the sequence code go."""
    if len(value) != LENGTH:
        return ""
    return f"{value[:6]}{'*' * 8}{value[-4:]}"
