"""Benchmark, goal 3 (pages): inbox load and case page at 100 000 cases, SQLite and PostgreSQL, every role.

The read model is filled directly with SQL (`inbox_query.fill`: about a fifth of the cases open, each
with its inbox items, eight timeline events a case), then each demo role signs in through the ASGI
app (httpx ASGITransport, so the time is server time plus httpx's in-process hop, no network) and:

- loads its inbox `GET /` (the page and its five tab badges are one response; admins have no inbox
  and land on `/cases`, which is timed for them instead);
- opens case pages `GET /cases/{code}`. A case page asks Temporal for the live snapshot (a Query), so
  a few real cases are registered and walked to the community, street and department stages by the
  real worker on a real dev server, into the same 100 000-case read model. The page time includes that
  Query; the Query alone is timed too (`get_snapshot`), and the difference is the read-model + render
  part.

    .venv/bin/python bench/pages.py --cases 100000 [--postgres URL] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import PG_DEFAULT, dev_server, ensure_pg_database, p50, p95, reset_read_model, result, verdict
from inbox_query import fill
from temporalio.client import Client

# What migration 0012_page_indexes does, for measuring it before it lands (`--page-indexes`).
PAGE_INDEXES = [
    "CREATE INDEX IF NOT EXISTS ix_case_events_org_at_case ON case_events (actor_org_id, at, case_code)",
    "CREATE INDEX IF NOT EXISTS ix_case_events_user_at_case ON case_events (actor_user_id, at, case_code)",
    "DROP INDEX IF EXISTS ix_case_events_org_at",
    "DROP INDEX IF EXISTS ix_case_events_user_at",
    "CREATE INDEX IF NOT EXISTS ix_cases_community_stage ON cases (community_org_id, stage)",
]
INBOX_GOAL_MS = 30.0
CASE_GOAL_MS = 50.0
# (username, what their landing page is): one demo user per role that works on 六单 cases.
ROLES = [
    ("community-qinghe", "/"),
    ("grid-qinghe", "/"),
    ("street-dongcheng", "/"),
    ("dept-zhujian", "/"),
    ("leader-wang", "/"),
    ("supervision", "/"),
    ("discipline", "/"),
    ("admin", "/cases"),
]


async def walk_real_cases(app: Any, client: Client, per_stage: int) -> list[str]:
    """Real cases in the read model: left at 报单 (community), at 签收 (street), at 接单 (department)."""
    from tests.utils.cases import COMMUNITY, STREET
    from tests.utils.web import new_case
    from workflows.case import CaseWorkflow
    from workflows.types import (
        Category,
        Difficulty,
        DispatchDecision,
        ReportUp,
        SignDecision,
        TriageDecision,
        Urgency,
    )

    codes = []
    for stage in range(3):
        for _ in range(per_stage):
            code, _token = await new_case(app)
            handle = client.get_workflow_handle(f"case-{code}")
            if stage >= 1:
                await handle.execute_update(
                    CaseWorkflow.triage,
                    TriageDecision(COMMUNITY, Urgency.DEFERRABLE, Category.INFRASTRUCTURE),
                )
                await handle.execute_update(CaseWorkflow.report_up, ReportUp(COMMUNITY))
            if stage >= 2:
                await handle.execute_update(CaseWorkflow.sign, SignDecision(STREET))
                await handle.execute_update(
                    CaseWorkflow.dispatch, DispatchDecision(STREET, ["dp-zhujian"], Difficulty.ORDINARY)
                )
            codes.append(code)
    return codes


async def timed_get(browser: Any, url: str, rounds: int) -> list[float]:
    out = []
    response = await browser.get(url)  # warm-up (templates compiled, caches filled)
    assert response.status_code == 200, (url, response.status_code)
    for _ in range(rounds):
        t0 = time.perf_counter()
        response = await browser.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return out


async def measure_pages(app: Any, codes: list[str], rounds: int, label: str) -> dict[str, Any]:
    """Inbox and case page p50/p95 (ms) for every role; the figures of one backend."""
    from tests.utils.web import Browser

    figures: dict[str, Any] = {}
    for username, home in ROLES:
        browser = Browser(app)
        try:
            response = await browser.login(username)
            assert response.status_code == 303, (username, response.status_code)
            inbox = await timed_get(browser, home, rounds)
        except Exception as error:  # a page that fails is reported, and the other roles still measured
            print(f"[{label}] {username:<17} {home:<6} FAILED: {error!r}", flush=True)
            figures[username] = {"error": repr(error)[:200]}
            await browser.close()
            continue
        case_ms: list[float] = []
        opened = 0
        for code in codes:
            if (await browser.get(f"/cases/{code}")).status_code != 200:
                continue  # not a case this role may open
            opened += 1
            case_ms += await timed_get(browser, f"/cases/{code}", max(3, rounds // len(codes) + 1))
        await browser.close()
        figures[username] = {
            "inbox_p50": round(p50(inbox), 1),
            "inbox_p95": round(p95(inbox), 1),
            "case_p50": round(p50(case_ms), 1) if case_ms else None,
            "case_p95": round(p95(case_ms), 1) if case_ms else None,
            "cases_opened": opened,
        }
        f = figures[username]
        case_text = (
            f"case page p50={f['case_p50']}ms p95={f['case_p95']}ms ({opened} cases)"
            if case_ms
            else "case page —"
        )
        print(
            f"[{label}] {username:<17} {home:<6} inbox p50={f['inbox_p50']}ms p95={f['inbox_p95']}ms "
            f"{verdict(f['inbox_p95'] / INBOX_GOAL_MS, 1.0, False).split(' (')[0]}; {case_text}",
            flush=True,
        )
    return figures


async def query_ms(client: Client, codes: list[str], rounds: int) -> list[float]:
    from web.services.cases import get_snapshot

    out = []
    for _ in range(rounds):
        for code in codes:
            t0 = time.perf_counter()
            await get_snapshot(client, code)
            out.append((time.perf_counter() - t0) * 1000)
    return out


async def one_backend(
    address: str, workdir: Path, url: str, label: str, n: int, rounds: int, page_indexes: bool = False
) -> dict[str, Any]:
    import payloads
    from store.db import make_engine
    from tests.utils.web import running_app, web_settings
    from worker import build_worker

    engine = make_engine(url)
    reset_read_model(engine)
    t0 = time.perf_counter()
    fill(engine, n)
    if page_indexes:
        with engine.begin() as conn:
            for statement in PAGE_INDEXES:
                conn.exec_driver_sql(statement)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"[{label}] filled {n} cases in {time.perf_counter() - t0:.0f}s", flush=True)
    settings = web_settings(f"bench-{uuid.uuid4()}", workdir, temporal_address=address)
    settings = settings.model_copy(update={"database_url": url})
    client = await Client.connect(address, data_converter=payloads.data_converter(settings))
    async with (
        build_worker(client, engine, settings.task_queue),
        running_app(settings, client, engine) as app,
    ):
        codes = await walk_real_cases(app, client, per_stage=2)
        figures = await measure_pages(app, codes, rounds, label)
        q = await query_ms(client, codes, rounds=5)
    print(
        f"[{label}] the case page's Temporal query alone (get_snapshot): p50={p50(q):.1f}ms p95={p95(q):.1f}ms"
    )
    engine.dispose()
    inbox_worst = max(f["inbox_p95"] for f in figures.values() if "error" not in f)
    case_worst = max(f["case_p95"] for f in figures.values() if f.get("case_p95") is not None)
    print(
        f"[{label}] worst inbox p95 {inbox_worst:.1f}ms {verdict(inbox_worst, INBOX_GOAL_MS, False)}; "
        f"worst case page p95 {case_worst:.1f}ms {verdict(case_worst, CASE_GOAL_MS, False)}"
    )
    return {
        "roles": figures,
        "inbox_worst_p95": inbox_worst,
        "case_worst_p95": case_worst,
        "query_p50": round(p50(q), 1),
        "query_p95": round(p95(q), 1),
    }


async def main(n: int, rounds: int, postgres: str, page_indexes: bool = False) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="liudan-pages-"))
    out: dict[str, Any] = {}
    try:
        async with dev_server(workdir) as server:
            out["sqlite"] = await one_backend(
                server.address, workdir, f"sqlite:///{workdir}/read.db", "sqlite", n, rounds, page_indexes
            )
            if postgres:
                ensure_pg_database(postgres)
                out["postgres"] = await one_backend(
                    server.address, workdir, postgres, "postgres", n, rounds, page_indexes
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result(
        "3 pages",
        cases=n,
        page_indexes=page_indexes,
        **{
            f"{b}_{k}": v[k]
            for b, v in out.items()
            for k in ("inbox_worst_p95", "case_worst_p95", "query_p95")
        },
        goal_inbox_ms=INBOX_GOAL_MS,
        goal_case_ms=CASE_GOAL_MS,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--postgres", default=PG_DEFAULT, help="a bench_* database (its tables are dropped)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--page-indexes", action="store_true", help="add migration 0012's indexes first (before it lands)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.rounds, "" if args.sqlite_only else args.postgres, args.page_indexes))
