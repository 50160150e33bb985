"""Similar open petitions (相似在办事项), suggested to the desk at registration and on a petition's page,
so one matter brought twice is handled once (重复信访 marked at the desk, or 并案 afterwards).

An open petition of the same bureau, received within the window (`SIMILAR_WINDOW_DAYS`), is similar
when it is the same petitioner's (the same `petitioner_key`), or when its title and content read alike
(the Jaccard similarity of their character bigrams at least `SIMILARITY_THRESHOLD`) and it comes from
the same place: the same community or village as the petitioners' addresses name it (`place`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.petition_access import visible
from store.petitions import Petition

# Settings may override both (`petition_similar_window_days`, `petition_similarity_threshold`).
SIMILAR_WINDOW_DAYS = 90
SIMILARITY_THRESHOLD = 0.3
SUGGESTIONS = 10
# The place an address names, down to the community or village: 东城街道清河社区5栋 → 东城街道清河社区.
_PLACE = re.compile(r"^.*?(?:社区|小区|村|居委会)")
_NOT_TEXT = re.compile(r"[\W_]+")


def bigrams(text: str) -> frozenset[str]:
    """The text's character bigrams, punctuation and spaces left out (full-width forms folded)."""
    plain = _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text)).lower()
    return frozenset(plain[i : i + 2] for i in range(len(plain) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' bigrams: 1.0 the same words, 0.0 nothing in common."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def place(address: str) -> str:
    """The community or village an address names, or the whole address when it names none."""
    plain = "".join(unicodedata.normalize("NFKC", address).split())
    found = _PLACE.match(plain)
    return found.group(0) if found else plain


@dataclass(frozen=True)
class Similar:
    petition: Petition
    same_petitioner: bool
    score: float  # the texts' similarity


def similar_open(
    engine: Engine,
    *,
    role: str,
    org_id: str,
    key: str,
    text: str,
    address: str,
    now: datetime,
    window_days: int = SIMILAR_WINDOW_DAYS,
    threshold: float = SIMILARITY_THRESHOLD,
    exclude: str = "",
) -> list[Similar]:
    """The open petitions the viewer may see that look like this one, most alike first."""
    where = place(address)
    with Session(engine) as session:
        query = select(Petition).where(
            col(Petition.closed_at).is_(None),
            col(Petition.received_at) >= now - timedelta(days=window_days),
            visible(role, org_id),
        )
        if exclude:
            query = query.where(Petition.code != exclude)
        rows = session.exec(query).all()
    found = []
    for p in rows:
        same = bool(key) and p.petitioner_key == key
        score = similarity(text, f"{p.title} {p.content}")
        alike = bool(where) and place(p.petitioner_address) == where and score >= threshold
        if same or alike:
            found.append(Similar(p, same, score))
    found.sort(key=lambda s: (not s.same_petitioner, -s.score, s.petition.code))
    return found[:SUGGESTIONS]
