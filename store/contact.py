"""A resident's contact details, handled one way everywhere: a phone number is accepted, cleaned and
compared alike by the forms, the ledger import and the figures, and names, phones and addresses are
masked alike on pages, in the API and in ledger exports.

Who may read them unmasked is `store.visibility`; every full view is logged (`store.audit`).
"""

from __future__ import annotations

import re
import unicodedata

MOBILE = r"1[3-9]\d{9}"  # 13812341234
LANDLINE = r"0\d{2,3}-?\d{7,8}"  # 0571-87654321, with its area code
# What a registration form accepts, as typed.
PHONE_PATTERN = rf"^({MOBILE}|{LANDLINE})$"
MASK = "****"
# +86 and 0086 before any number; a bare 86 only before a mobile number (a landline starts with 0).
_COUNTRY_CODE = re.compile(r"^(?:(?:\+|00)86|86(?=-?1[3-9]))-?")


def compact_phone(value: str) -> str:
    """The number as typed without spaces (full-width ones too) or the country code."""
    return _COUNTRY_CODE.sub("", re.sub(r"\s", "", unicodedata.normalize("NFKC", value)))


def phone_key(value: str) -> str:
    """The number itself, for telling residents apart: 138-1234-1234, +86 13812341234 and
    0086 13812341234 are one number, 13812341234."""
    return re.sub(r"\D", "", compact_phone(value))


def clean_phone(value: str) -> str | None:
    """A mobile number as its 11 digits, a landline as typed (its dash kept); None when neither."""
    compact = compact_phone(value)
    if re.fullmatch(MOBILE, compact.replace("-", "")):
        return compact.replace("-", "")
    if re.fullmatch(LANDLINE, compact):
        return compact
    return None


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits stay, so an officer can tell numbers apart."""
    if len(phone) <= 7:
        return MASK
    return f"{phone[:3]}{MASK}{phone[-4:]}"


def mask_name(name: str) -> str:
    """张秀兰 → 张**: the surname stays, so an officer can still address the resident."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_address(address: str) -> str:
    """清河小区**** : the first third stays (the compound), the rest (building, unit, door) goes."""
    if not address:
        return ""
    keep = min(len(address) // 3, 8)
    return f"{address[:keep]}{MASK}"
