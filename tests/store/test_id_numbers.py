"""居民身份证号码 checks (GB 11643-1999) with numbers in the real format, and their masked form."""

from __future__ import annotations

from datetime import date

import pytest

from store.id_numbers import (
    IdNumberProblem,
    check_character,
    id_number_problem,
    mask_id_number,
    normalise_id_number,
)

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the standard's own example: 北京市朝阳区, born 31 December 1949
        "430121198104120044",  # 长沙县, born 12 April 1981
        "43012119650101123X",  # born 1 January 1965, check character X
    ],
)
def test_valid_numbers(number: str) -> None:
    assert id_number_problem(number, TODAY) is None


def test_the_check_character_by_hand() -> None:
    # 1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9 + 3*10 + 1*5 + 0*8 + 0*4
    # + 2*2 = 167; 167 mod 11 = 2 → "10X98765432"[2] = X
    assert check_character("11010519491231002") == "X"
    # 4*7+3*9+0+1*5+2*8+1*4+1*2+9*1+8*6+1*3+0+4*9+1*10+2*5+0+0+4*2 = 206; 206 mod 11 = 8 → "4"
    assert check_character("43012119810412004") == "4"


def test_each_problem_is_told_apart() -> None:
    assert id_number_problem("12345", TODAY) == IdNumberProblem.LENGTH
    assert id_number_problem("1101051949123100212", TODAY) == IdNumberProblem.LENGTH  # 19 characters
    assert id_number_problem("11010519491231002Y", TODAY) == IdNumberProblem.LENGTH  # not a digit or X
    assert id_number_problem("1101051949123A002X", TODAY) == IdNumberProblem.LENGTH
    assert id_number_problem("110105194902300021", TODAY) == IdNumberProblem.BIRTH_DATE  # 30 February
    assert id_number_problem("110105194913010021", TODAY) == IdNumberProblem.BIRTH_DATE  # month 13
    assert id_number_problem("110105189912310021", TODAY) == IdNumberProblem.BIRTH_DATE  # before 1900
    assert id_number_problem("110105202701010021", TODAY) == IdNumberProblem.BIRTH_DATE  # not born yet
    assert id_number_problem("110105194912310021", TODAY) == IdNumberProblem.CHECK_DIGIT  # X expected
    assert id_number_problem("430121198104120045", TODAY) == IdNumberProblem.CHECK_DIGIT
    # Two digits swapped keep the length and the date and are caught by the check character.
    assert id_number_problem("430121198104120404", TODAY) == IdNumberProblem.CHECK_DIGIT


def test_a_leap_day_birth_is_a_real_date() -> None:
    number = "43012120000229" + "001"
    number += check_character(number)
    assert id_number_problem(number, TODAY) is None
    not_leap = "43012119000229" + "001"
    assert id_number_problem(not_leap + check_character(not_leap), TODAY) == IdNumberProblem.BIRTH_DATE


def test_typed_forms_are_normalised() -> None:
    assert normalise_id_number(" 110105 19491231 002x ") == "11010519491231002X"


def test_the_masked_form_keeps_the_address_code_and_the_last_four() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("430121198104120044") == "430121********0044"
    assert mask_id_number("") == ""
