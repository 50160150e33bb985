"""Benchmark: inbox queries at district scale (100 000 cases) on SQLite and PostgreSQL.

Fills a fresh read model with N cases in the proportions of a working district (about a fifth
open, each open case with its inbox items; eight timeline events a case), then times what one
inbox page load runs: `inbox_page` (the page of items) and `tab_counts` (the five tab badges), for
a community, a street, a department, a leader and the supervision office. Prints p50/p95 per call.

    .venv/bin/python bench/inbox_query.py --cases 100000 [--postgres URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from store.db import create_schema, make_engine
from store.directory import DEPARTMENTS, STREETS
from store.inbox import InboxFilters, inbox_page, tab_counts
from store.models import Case, CaseEvent, InboxItem
from tests.utils.directory import seed_directory
from workflows.types import Actor, Category, Role, Stage

OPEN_STAGES = [Stage.REPORT, Stage.SIGN, Stage.DISPATCH, Stage.ACCEPT, Stage.HANDLE, Stage.RATE]
COMMUNITY_STREET = {c: s for s, (_, cs) in STREETS.items() for c in cs}


def fill(engine: Engine, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    communities, departments = list(COMMUNITY_STREET), list(DEPARTMENTS)
    batch_cases: list[dict[str, object]] = []
    batch_items: list[dict[str, object]] = []
    batch_events: list[dict[str, object]] = []

    def flush() -> None:
        with engine.begin() as conn:
            if batch_cases:
                conn.execute(insert(Case), batch_cases)
            if batch_items:
                conn.execute(insert(InboxItem), batch_items)
            if batch_events:
                conn.execute(insert(CaseEvent), batch_events)
        batch_cases.clear()
        batch_items.clear()
        batch_events.clear()

    for i in range(n):
        code = f"HJ-2026-{i:06d}"
        community = rng.choice(communities)
        street = COMMUNITY_STREET[community]
        received = now - timedelta(days=rng.uniform(0, 365))
        is_open = rng.random() < 0.2
        stage = rng.choice(OPEN_STAGES) if is_open else Stage.CLOSED
        dept = rng.choice(departments)
        due = now + timedelta(days=rng.uniform(-5, 10)) if is_open else None
        overdue = bool(due and due < now)
        batch_cases.append(
            {
                "code": code,
                "workflow_id": f"case-{code}",
                "version": 8,
                "title": f"诉求 {i}",
                "description": "",
                "channel": "web_portal",
                "policy_id": "liudan",
                "category": rng.choice(list(Category)).value,
                "stage": stage.value,
                "community_org_id": community,
                "street_org_id": street,
                "department_ids": dept,
                "lead_department_id": dept,
                "reporter_name": "张三",
                "reporter_phone": f"138{rng.randint(10000000, 99999999)}",
                "received_at": received,
                "due_at": due,
                "warn_at": due - timedelta(days=1) if due else None,
                "overdue": overdue,
                "supervised": overdue and rng.random() < 0.5,
                "closed_at": None if is_open else received + timedelta(days=rng.uniform(1, 20)),
                "updated_at": received + timedelta(days=1),
                "result": "",
            }
        )
        if is_open:
            org, role = {
                Stage.REPORT: (community, Role.COMMUNITY),
                Stage.SIGN: (street, Role.STREET),
                Stage.DISPATCH: (street, Role.STREET),
                Stage.ACCEPT: (dept, Role.DEPARTMENT),
                Stage.HANDLE: (dept, Role.DEPARTMENT),
                Stage.RATE: (community, Role.COMMUNITY),
            }[stage]
            item = {
                "case_code": code,
                "title": f"诉求 {i}",
                "stage": stage.value,
                "due_at": due,
                "warn_at": due - timedelta(days=1) if due else None,
                "overdue": overdue,
                "task": "act",
            }
            batch_items.append({**item, "org_id": org, "role": role.value})
            if overdue:
                batch_items.append({**item, "org_id": street, "role": Role.LEADER.value, "task": "supervise"})
        for seq in range(1, 9):
            batch_events.append(
                {
                    "case_code": code,
                    "seq": seq,
                    "at": received + timedelta(hours=seq * 5),
                    "action": "step",
                    "actor_user_id": "u",
                    "actor_role": "community",
                    "actor_org_id": rng.choice((community, street, dept)),
                    "note": "",
                    "public": True,
                }
            )
        if len(batch_cases) >= 5000:
            flush()
    flush()


ACTORS = [
    Actor("community-qinghe", Role.COMMUNITY, "cm-qinghe"),
    Actor("street-dongcheng", Role.STREET, "st-dongcheng"),
    Actor("dept-zhujian", Role.DEPARTMENT, "dp-zhujian"),
    Actor("leader-wang", Role.LEADER, "ld-office", street_ids=["st-dongcheng"]),
    Actor("supervision", Role.SUPERVISION, "sv-ducha"),
]


def timed(fn, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def report(name: str, ms: list[float]) -> str:
    return f"{name} p50={statistics.median(ms):.1f}ms p95={ms[int(len(ms) * 0.95) - 1]:.1f}ms"


def run(engine: Engine, label: str, n: int, rounds: int) -> None:
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:  # or the migrations would find the database up to date
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    create_schema(engine)
    seed_directory(engine)
    t0 = time.perf_counter()
    fill(engine, n)
    print(f"[{label}] filled {n} cases in {time.perf_counter() - t0:.0f}s")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    for actor in ACTORS:
        page = timed(lambda a=actor: inbox_page(engine, a, InboxFilters()), rounds)
        overdue = timed(lambda a=actor: inbox_page(engine, a, InboxFilters(tab="overdue")), rounds)
        counts = timed(lambda a=actor: tab_counts(engine, a, InboxFilters()), rounds)
        print(
            f"[{label}] {actor.role.value:<11} "
            f"{report('inbox_page', page)}  {report('overdue tab', overdue)}  {report('tab_counts(5)', counts)}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument(
        "--postgres", default="", help="also run on this PostgreSQL URL (its tables are dropped)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(make_engine(f"sqlite:///{tmp}/bench.db"), "sqlite", args.cases, args.rounds)
    if args.postgres:
        run(make_engine(args.postgres), "postgres", args.cases, args.rounds)
