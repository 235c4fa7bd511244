"""A stored version's JSON columns hold the very text `json.dumps` gives, on both databases,
and the SQLite page cache enlarged for the bulk write is given back afterwards."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.db import engine_for
from core.schema import downgrade, upgrade
from migration import scheduler, service
from migration.models import PlanTask, PlanVersion
from tests.migration.test_plan_store_bulk import PARAMS, make_org

TRICKY = [
    [],
    [""],
    ["plain"],
    ['quote " and back\\slash', "tab\tnew\nline\r", "\x00\x1f\x7f"],
    ["한국어 문장", "émigré", "\u2028\u2029", "emoji \U0001f510", "</script>"],
]


@pytest.mark.parametrize("items", TRICKY)
def test_strings_json_is_json_dumps(items: list[str]) -> None:
    assert service._strings_json(items) == json.dumps(items)


def _planned_and_stored(session_factory: sessionmaker[Session]) -> tuple[Any, int]:
    """The plan of a fresh organization, worked out in memory and stored as a version."""
    org_id = make_org(session_factory)
    with session_factory.begin() as s:
        expected = scheduler.plan(
            service.resolve_profile(s, org_id, "kr-2035"), service.load_inventory(s, org_id), PARAMS
        )
        version_id = service.generate(s, org_id, "kr-2035", PARAMS).id
    return expected, version_id


def test_stored_json_text_is_json_dumps(session_factory: sessionmaker[Session]) -> None:
    expected, version_id = _planned_and_stored(session_factory)
    assert any(t.blocking_chain for t in expected.tasks) and any(t.flags for t in expected.tasks)
    raw = PlanTask.__table__.c
    with session_factory() as s:
        version = s.get_one(PlanVersion, version_id)
        parts = version.risk_parts
        sentences = service.reason_list(s, version.organization_id, version_id)
        postgres = s.get_bind().dialect.name == "postgresql"
        if postgres:  # JSON columns come back decoded
            rows = s.execute(
                select(raw.key, raw.reasons, raw.flags, raw.blocking_chain, raw.risk)
                .add_columns(raw.alternatives)
                .where(raw.version_id == version_id)
                .order_by(raw.position)
            ).all()
        else:  # the stored text itself
            rows = s.execute(
                text(
                    "SELECT key, reasons, flags, blocking_chain, risk, alternatives "
                    "FROM plan_tasks WHERE version_id = :v ORDER BY position"
                ),
                {"v": version_id},
            ).all()
    assert parts and len({json.dumps(p) for p in parts}) == len(parts)  # each part once
    # each sentence once, numbered as first seen in plan order (as the JSON export numbers)
    assert sentences == list(dict.fromkeys(r for t in expected.tasks for r in t.reasons))
    if postgres:
        got = [(k, r, f, b, service.shown_risk(risk, parts), a) for k, r, f, b, risk, a in rows]
        want = [
            (
                t.key,
                [sentences.index(r) for r in t.reasons],
                t.flags,
                t.blocking_chain,
                t.risk.as_dict(),
                list(t.alternatives),
            )
            for t in expected.tasks
        ]
    else:
        got = [tuple(row) for row in rows]
        want = [
            (
                t.key,
                json.dumps([sentences.index(r) for r in t.reasons]),
                json.dumps(t.flags),
                json.dumps(t.blocking_chain),
                json.dumps(_stored_risk(t.risk.as_dict(), parts)),
                json.dumps(list(t.alternatives)),
            )
            for t in expected.tasks
        ]
    assert got == want


def _stored_risk(risk: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The risk as a version stores it: each part by its index in the version's parts."""
    return risk | {"parts": [parts.index(p) for p in risk["parts"]]}


def test_task_dicts_show_every_risk_part(session_factory: sessionmaker[Session]) -> None:
    expected, version_id = _planned_and_stored(session_factory)
    with session_factory() as s:
        shown = [service.task_dict(t) for t in service.tasks_of(s, version_id)]
    assert [t["risk"] for t in shown] == [t.risk.as_dict() for t in expected.tasks]
    assert all(isinstance(p, dict) for t in shown for p in t["risk"]["parts"])


def test_sqlite_page_cache_is_given_back(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    factory = sessionmaker(bind=engine_for(sqlite_url), expire_on_commit=False)
    org_id = make_org(factory)
    seen: list[int] = []
    real = service._insert_batches

    def watch(connection: Any, *args: Any) -> None:
        seen.append(connection.exec_driver_sql("PRAGMA cache_size").scalar())
        real(connection, *args)

    monkeypatch.setattr(service, "_insert_batches", watch)
    with factory.begin() as s:
        before = s.connection().exec_driver_sql("PRAGMA cache_size").scalar()
        service.generate(s, org_id, "kr-2035", PARAMS)
        after = s.connection().exec_driver_sql("PRAGMA cache_size").scalar()
    assert seen == [-service.BULK_CACHE_KIB]
    assert after == before


def test_collector_paused_through_the_store_and_restored(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = sessionmaker(bind=engine_for(sqlite_url), expire_on_commit=False)
    org_id = make_org(factory)
    seen: list[bool] = []
    real = service.store_version

    def watch(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "store_version", watch)
    assert gc.isenabled()
    with factory.begin() as s:
        service.generate(s, org_id, "kr-2035", PARAMS)
    assert seen == [False]
    assert gc.isenabled()


def test_downgrade_writes_parts_back_and_old_versions_still_read(
    session_factory: sessionmaker[Session], db_url: str
) -> None:
    """Migration 0012: downgrade puts each part back into its tasks; a version stored that
    way (as before 0012) reads the same after upgrading again."""
    org_id = make_org(session_factory)
    with session_factory.begin() as s:
        version_id = service.generate(s, org_id, "kr-2035", PARAMS).id
    with session_factory() as s:
        before = [service.task_dict(t) for t in service.tasks_of(s, version_id)]
    session_factory.kw["bind"].dispose()
    downgrade(db_url, "0011")
    engine = create_engine(db_url)
    with engine.connect() as c:
        stored = [
            json.loads(r) if isinstance(r, str) else r
            for r in c.scalars(
                text("SELECT risk FROM plan_tasks WHERE version_id = :v ORDER BY position"),
                {"v": version_id},
            )
        ]
        assert "risk_parts" not in {col["name"] for col in inspect(c).get_columns("plan_versions")}
    engine.dispose()
    assert stored == [t["risk"] for t in before]
    upgrade(db_url)
    with session_factory() as s:
        assert s.get_one(PlanVersion, version_id).risk_parts is None
        assert [service.task_dict(t) for t in service.tasks_of(s, version_id)] == before
