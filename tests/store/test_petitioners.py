"""The petitioners' rows: written by the petition projection from the petitions alone, so a retried,
replayed or forced projection converges on the same row (SQLite and PostgreSQL); and the migration
that made the table gives the petitioners of petitions registered before it their rows."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.petitions import PetitionActivities
from store import migrations
from store.db import create_schema, make_engine
from store.petition_similarity import place, similarity
from store.petitioners import PetitionerRecord
from tests.utils.petitions import petition
from workflows.petition.types import Petitioner, PetitionProjection, PetitionSnapshot, PetitionStage
from workflows.types import Role


def snapshot(version: int = 1, **changes: object) -> PetitionSnapshot:
    reg = petition(**changes)
    return PetitionSnapshot(
        code=reg.code, version=version, registration=reg, policy=reg.policy,
        stage=PetitionStage.REGISTERED, holder_org_ids=[reg.bureau_org_id], holder_role=Role.PETITION_CLERK,
    )  # fmt: skip


def project(engine: Engine, s: PetitionSnapshot, force: bool = False) -> bool:
    return PetitionActivities(engine).write(PetitionProjection(snapshot=s, force=force))


def person(engine: Engine, key: str) -> PetitionerRecord:
    with Session(engine) as session:
        row = session.get(PetitionerRecord, key)
        assert row is not None
        return row


def test_the_projection_writes_the_petitioner_and_converges(any_engine: Engine) -> None:
    march = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    first = snapshot(petitioner_key="k-same", received_at=march)
    first.registration.petitioner = dataclasses.replace(
        first.registration.petitioner, id_masked="430121********123X"
    )
    assert project(any_engine, first)
    later = snapshot(
        petitioner_key="k-same", received_at=datetime(2026, 4, 1, 1, 0, tzinfo=UTC),
        petitioner=Petitioner(name="李桂芳", phone="13900009999", address="东城街道清河社区"),
    )  # fmt: skip
    for _ in range(2):  # a retried projection
        assert project(any_engine, later)
    assert project(any_engine, dataclasses.replace(first, version=2))
    assert not project(any_engine, first)  # an older version is skipped
    assert project(any_engine, first, force=True)  # the reconciler's forced write
    row = person(any_engine, "k-same")
    assert row.petitions == 2 and row.first_seen_at == march
    assert row.last_seen_at == datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
    assert row.phone == "13900009999"  # as on the latest petition
    assert row.id_masked == "430121********123X"  # the later one came without the id number
    with Session(any_engine) as session:
        assert len(session.exec(select(PetitionerRecord)).all()) == 1


def test_similar_texts_and_places() -> None:
    assert similarity("清河社区7栋电梯补贴未发放", "清河社区7栋电梯补贴未发放！") == 1.0
    assert similarity("电梯补贴未发放", "夜间施工噪音扰民") == 0.0
    lift = "清河社区7栋电梯加装补贴未发放 清河社区7栋加装电梯的政府补贴至今未发放，多次询问街道无果。"
    assert similarity("7栋电梯加装补贴一直没发 清河社区7栋加装电梯的补贴至今未发放。", lift) == 0.5
    assert similarity("拆迁补偿款未按协议支付 第二期补偿款至今未支付。", lift) < 0.1
    assert place("东城街道清河社区5栋2单元") == place("东城街道 清河社区7栋") == "东城街道清河社区"
    assert place("城郊乡柳林村三组") == "城郊乡柳林村"
    assert place("人民路12号") == "人民路12号"


def test_the_migration_gives_earlier_petitions_their_petitioners() -> None:
    engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/read.db")
    with migrations.locked(engine) as conn:
        command.upgrade(migrations.alembic_config(conn), "0004_petition_office")
    insert = text(
        "INSERT INTO petitions (code, workflow_id, version, title, content, channel, matter_type, policy_id,"
        " stage, bureau_org_id, handling_org_id, holder_org_ids, review_org_id, recheck_org_id,"
        " accused_org_id, about_officials, petitioner_name, petitioner_phone, petitioner_address,"
        " petitioner_key, first_time, people_count, handed_down_by, repeat_of, registered_by, deadline_label,"
        " provisional, overdue, ever_overdue, objections, extensions_granted, presses, hearing_days,"
        " received_at) VALUES (:code, 'w', 1, 't', '', 'letter', 'claim', 'p', 'xf_closed', 'xf-bureau', '',"
        " '', '', '', '', false, :name, '13900001111', '', :key, true, 1, '', '', '', '', false, false, false,"
        " 0, 0, 0, 0, :at)"
    )
    with engine.begin() as conn:
        for code, key, name, at in (
            ("XF-2026-000001", "k1", "李桂芳", "2026-01-05 01:00:00"),
            ("XF-2026-000002", "k1", "李桂芳（代）", "2026-02-05 01:00:00"),
            ("XF-2026-000003", "k2", "张秀兰", "2026-03-05 01:00:00"),
            ("XF-2026-000004", "", "无名", "2026-03-06 01:00:00"),
        ):
            conn.execute(insert, {"code": code, "key": key, "name": name, "at": at})
    create_schema(engine)
    one, two = person(engine, "k1"), person(engine, "k2")
    assert (one.petitions, one.name, one.first_seen_at.month, one.last_seen_at.month) == (
        2,
        "李桂芳（代）",
        1,
        2,
    )
    assert (two.petitions, two.name) == (1, "张秀兰")
    with Session(engine) as session:
        assert len(session.exec(select(PetitionerRecord)).all()) == 2
    engine.dispose()
