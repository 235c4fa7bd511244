"""A stored version's JSON columns hold the very text `json.dumps` gives, on both databases,
and the SQLite page cache enlarged for the bulk write is given back afterwards."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.db import engine_for
from migration import service
from migration.models import PlanTask
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


def test_stored_json_text_is_json_dumps(session_factory: sessionmaker[Session]) -> None:
    org_id = make_org(session_factory)
    with session_factory.begin() as s:
        expected = service.plan(
            service.resolve_profile(s, org_id, "kr-2035"), service.load_inventory(s, org_id), PARAMS
        )
        version_id = service.generate(s, org_id, "kr-2035", PARAMS).id
    assert any(t.blocking_chain for t in expected.tasks) and any(t.flags for t in expected.tasks)
    raw = PlanTask.__table__.c
    with session_factory() as s:
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
    if postgres:
        got = [(k, r, f, b, risk, a) for k, r, f, b, risk, a in rows]
        want = [
            (
                t.key,
                t.reasons,
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
                json.dumps(t.reasons),
                json.dumps(t.flags),
                json.dumps(t.blocking_chain),
                json.dumps(t.risk.as_dict()),
                json.dumps(list(t.alternatives)),
            )
            for t in expected.tasks
        ]
    assert got == want


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

    def watch(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(service, "store_version", watch)
    assert gc.isenabled()
    with factory.begin() as s:
        service.generate(s, org_id, "kr-2035", PARAMS)
    assert seen == [False]
    assert gc.isenabled()
