"""A stored task's links without foreign keys (migration 0022, `migration.links`): deleting
a usage or an asset sets its tasks' links to NULL, deleting a version, a plan or an
organization deletes their tasks, the timeline cells stay right, a usage deleted while a
plan is being stored ends NULL on its tasks (on PostgreSQL with two real transactions
racing both ways), and a downgrade to 0021 and back keeps every task. SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.choices import Sector, Tier
from core.db import engine_for, session_factory
from core.models import Organization
from core.schema import downgrade, upgrade
from inventory.choices import AssetType, Exposure, Primitive, QuantumStatus
from inventory.models import Asset, CryptoUsage
from migration import links, service
from migration.inputs import PlanParams
from migration.models import Plan, PlanTask, PlanVersion, TimelineCell
from migration.scheduler import plan as make_plan
from tests.migration.test_timeline_cells import check

DANGLING = """SELECT count(*) FROM plan_tasks t WHERE
 (t.usage_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM crypto_usages u WHERE u.id = t.usage_id))
 OR (t.asset_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.id = t.asset_id))
 OR NOT EXISTS (SELECT 1 FROM plan_versions v
                WHERE v.id = t.version_id AND v.organization_id = t.organization_id)"""


def dangling(session: Session) -> int:
    return session.scalar(text(DANGLING))


def _inventory(sessions: sessionmaker[Session], slug: str, assets: int = 6) -> int:
    """An organization with `assets` assets of two usages each (both vulnerable)."""
    with sessions.begin() as s:
        org = Organization(slug=slug, name=slug, sector=Sector.GOVERNMENT, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        for i in range(assets):
            asset = Asset(
                organization_id=org.id,
                ref=f"{slug}-a{i}",
                name=f"{slug} asset {i}",
                asset_type=AssetType.SERVICE,
                exposure=Exposure.INTERNET_FACING,
            )
            s.add(asset)
            s.flush()
            for algorithm, primitive in (("RSA-2048", "signature"), ("ECDH-P256", "key_exchange")):
                s.add(
                    CryptoUsage(
                        organization_id=org.id,
                        asset_id=asset.id,
                        ref=f"{slug}-u{i}-{algorithm}",
                        algorithm=algorithm,
                        algorithm_raw=algorithm,
                        primitive=Primitive(primitive),
                        quantum_status=QuantumStatus.BROKEN,
                        status_reason="test",
                        catalog_version="test",
                    )
                )
        return org.id


PARAMS = PlanParams(start=date(2027, 1, 1), capacity=3)


def _generate(sessions: sessionmaker[Session], org_id: int) -> tuple[int, int]:
    with sessions.begin() as s:
        version = service.generate(s, org_id, "kr-2035", PARAMS)
        return version.plan_id, version.id


def _links(session: Session, version_id: int) -> dict[str, tuple[int | None, int | None]]:
    rows = session.execute(
        select(PlanTask.key, PlanTask.usage_id, PlanTask.asset_id).where(
            PlanTask.version_id == version_id
        )
    )
    return {key: (usage, asset) for key, usage, asset in rows}


def _tasks(session: Session, version_id: int) -> int:
    return session.scalar(select(func.count()).where(PlanTask.version_id == version_id))


class _Api:
    """What tests.migration.test_timeline_cells.check needs of the `api` fixture."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions


def test_deleting_usages_and_assets_sets_their_task_links_to_null(db_url: str) -> None:
    sessions = session_factory(db_url)
    org_id = _inventory(sessions, "links")
    _, first = _generate(sessions, org_id)
    _, second = _generate(sessions, org_id)  # a second plan: every version's tasks change
    with sessions() as s:
        before = _links(s, first)
        usage, asset = s.execute(
            select(CryptoUsage.id, CryptoUsage.asset_id).order_by(CryptoUsage.id).limit(1)
        ).one()
        other_asset = s.scalars(
            select(Asset.id).where(Asset.id != asset).order_by(Asset.id)
        ).first()
    assert all(u is not None and a is not None for u, a in before.values())
    with sessions.begin() as s:  # ORM delete of one usage
        s.delete(s.get(CryptoUsage, usage))
    with sessions.begin() as s:  # Core delete of an asset: its usages go by their cascade
        s.execute(delete(Asset).where(Asset.id == other_asset))
    with sessions() as s:
        asset_usages = set(
            s.scalars(select(CryptoUsage.id).where(CryptoUsage.asset_id == other_asset))
        )
        assert asset_usages == set()  # cascaded
        for version in (first, second):
            after = _links(s, version)
            assert after.keys() == before.keys()  # no task deleted
            for key, (u, a) in before.items():
                gone_usage = u == usage or a == other_asset
                assert after[key] == (None if gone_usage else u, None if a == other_asset else a)
            assert any(v == (None, asset) for v in after.values())  # the usage's task
            assert any(v == (None, None) for v in after.values())  # the asset's tasks
        assert dangling(s) == 0
    check(_Api(sessions), first)
    check(_Api(sessions), second)


def test_deleting_a_version_a_plan_or_an_organization_deletes_their_tasks(
    db_url: str,
) -> None:
    sessions = session_factory(db_url)
    org_id = _inventory(sessions, "gone")
    other_org = _inventory(sessions, "stays", assets=3)
    plan_id, v1 = _generate(sessions, org_id)
    with sessions.begin() as s:
        v2 = service.generate(s, org_id, "kr-2035", PARAMS, plan_id=plan_id).id
    other_plan, v3 = _generate(sessions, org_id)
    _, kept = _generate(sessions, other_org)
    with sessions() as s:
        counts = {v: _tasks(s, v) for v in (v1, v2, v3, kept)}
    assert all(counts.values())

    def remaining() -> dict[int, int]:
        with sessions() as s:
            return {v: _tasks(s, v) for v in counts}

    def cells(version_id: int) -> int:
        with sessions() as s:
            return s.scalar(select(func.count()).where(TimelineCell.version_id == version_id))

    with sessions.begin() as s:  # one version, by the database (Core)
        s.execute(delete(PlanVersion).where(PlanVersion.id == v1))
    assert remaining() == counts | {v1: 0}
    assert cells(v1) == 0 and cells(v2) > 0
    check(_Api(sessions), v2)
    with sessions.begin() as s:  # a plan, by the ORM (as the API deletes it)
        s.delete(s.get(Plan, plan_id))
    assert remaining() == counts | {v1: 0, v2: 0}
    check(_Api(sessions), v3)
    with sessions.begin() as s:  # the organization: its plans and versions by their cascades
        s.delete(s.get(Organization, org_id))
    assert remaining() == {v1: 0, v2: 0, v3: 0, kept: counts[kept]}
    assert cells(v3) == 0
    check(_Api(sessions), kept)
    with sessions() as s:
        assert s.get(Plan, other_plan) is None
        assert s.scalar(select(func.count()).select_from(PlanTask)) == counts[kept]
        assert dangling(s) == 0


def _planned(sessions: sessionmaker[Session], org_id: int):  # type: ignore[no-untyped-def]
    """The planner's result from a read of the organization, before anything is stored."""
    with sessions() as s:
        profile = service.resolve_profile(s, org_id, "kr-2035")
        return make_plan(profile, service.load_inventory(s, org_id), PARAMS)


def _store(session: Session, org_id: int, result) -> int:  # type: ignore[no-untyped-def]
    """What `generate` does after planning: a plan row, then the version and its tasks."""
    row = Plan(organization_id=org_id, name="raced", profile_id="kr-2035")
    session.add(row)
    session.flush()
    return service.store_version(session, row, 1, result, None, None).id


def test_a_usage_deleted_after_the_read_ends_null_on_the_stored_tasks(db_url: str) -> None:
    sessions = session_factory(db_url)
    org_id = _inventory(sessions, "raced")
    result = _planned(sessions, org_id)
    usage_id = result.tasks[0].usage_id
    with sessions() as s:
        asset_id = s.scalar(select(CryptoUsage.asset_id).where(CryptoUsage.id == usage_id))
    other_asset = next(t.asset_id for t in result.tasks if t.asset_id != asset_id)
    with sessions.begin() as s:  # committed before the plan writes its first task
        s.execute(delete(CryptoUsage).where(CryptoUsage.id == usage_id))
        s.execute(delete(Asset).where(Asset.id == other_asset))
    with sessions.begin() as s:
        version_id = _store(s, org_id, result)
    with sessions() as s:
        links = _links(s, version_id)
        assert len(links) == len(result.tasks)
        assert sum(u is None for u, _ in links.values()) >= 2  # the usage and the asset's
        assert not [u for u, _ in links.values() if u == usage_id]
        assert not [a for _, a in links.values() if a == other_asset]
        assert dangling(s) == 0
    check(_Api(sessions), version_id)


def _waiting_on_advisory_lock(sessions: sessionmaker[Session], seconds: float = 20) -> bool:
    with sessions() as s:
        for _ in range(int(seconds / 0.05)):
            if s.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ):
                return True
            s.rollback()
            time.sleep(0.05)
    return False


@pytest.mark.postgres
def test_a_plan_waits_for_a_usage_deletion_in_flight(pg_url: str) -> None:
    """The deleting transaction's trigger holds the organization's lock; the plan's store
    waits for it at its start, then finds the usage gone and stores NULL."""
    sessions = session_factory(pg_url)
    org_id = _inventory(sessions, "waits")
    result = _planned(sessions, org_id)
    usage_id = result.tasks[0].usage_id
    stored: list[int] = []
    errors: list[BaseException] = []

    def plan_store() -> None:
        try:
            with sessions.begin() as s:
                stored.append(_store(s, org_id, result))
        except BaseException as exc:
            errors.append(exc)

    with sessions.begin() as deleter:
        deleter.execute(text("DELETE FROM crypto_usages WHERE id = :u"), {"u": usage_id})
        thread = threading.Thread(target=plan_store)
        thread.start()
        assert _waiting_on_advisory_lock(sessions), "the plan's store did not wait"
        assert thread.is_alive() and not stored
    thread.join(60)
    assert not thread.is_alive() and errors == []
    with sessions() as s:
        links = _links(s, stored[0])
        assert len(links) == len(result.tasks)
        assert not [u for u, _ in links.values() if u == usage_id]
        assert dangling(s) == 0


@pytest.mark.postgres
def test_a_usage_deleted_while_a_plan_is_stored_ends_null(pg_url: str) -> None:
    """The plan holds the organization's lock from its first row to its commit; a
    transaction deleting a usage it links to (plain SQL: no lock taken before the DELETE)
    waits in its trigger, then sees the plan's committed tasks and sets their link to NULL."""
    sessions = session_factory(pg_url)
    org_id = _inventory(sessions, "deletes")
    result = _planned(sessions, org_id)
    usage_id = result.tasks[0].usage_id
    errors: list[BaseException] = []
    deleted = threading.Event()

    def delete_usage() -> None:
        try:
            with sessions.begin() as s:
                s.execute(text("DELETE FROM crypto_usages WHERE id = :u"), {"u": usage_id})
            deleted.set()
        except BaseException as exc:
            errors.append(exc)

    with sessions.begin() as s:
        version_id = _store(s, org_id, result)
        assert any(u == usage_id for u, _ in _links(s, version_id).values())
        thread = threading.Thread(target=delete_usage)
        thread.start()
        assert _waiting_on_advisory_lock(sessions), "the deletion did not wait for the plan"
        assert not deleted.is_set()
    thread.join(60)
    assert not thread.is_alive() and errors == [] and deleted.is_set()
    with sessions() as s:
        links = _links(s, version_id)
        assert len(links) == len(result.tasks)
        assert not [u for u, _ in links.values() if u == usage_id]
        assert any(u is None for u, _ in links.values())
        assert dangling(s) == 0
    check(_Api(sessions), version_id)


def _all_tasks(session: Session) -> list[tuple]:
    rows = session.execute(text("SELECT * FROM plan_tasks ORDER BY id")).mappings()
    return [tuple(sorted(row.items())) for row in rows]


def _all_cells(session: Session) -> list[tuple]:
    rows = session.execute(
        text("SELECT * FROM plan_timeline_cells ORDER BY version_id, wave, phase, sector, status")
    ).mappings()
    return [tuple(sorted(row.items(), key=lambda item: item[0] != "version_id")) for row in rows]


def _plan_task_triggers(url: str) -> list[tuple[str, str]]:
    with engine_for(url).connect() as c:
        if c.dialect.name == "postgresql":
            sql = (
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger"
                " WHERE tgrelid = 'plan_tasks'::regclass AND NOT tgisinternal ORDER BY 1"
            )
        else:
            sql = (
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'plan_tasks' ORDER BY 1"
            )
        return [tuple(row) for row in c.execute(text(sql))]


def _foreign_keys(url: str) -> set[tuple[str, str, str | None]]:
    engine = engine_for(url)
    return {
        (fk["constrained_columns"][0], fk["referred_table"], fk["options"].get("ondelete"))
        for fk in inspect(engine).get_foreign_keys("plan_tasks")
    }


def test_downgrade_to_0021_and_back_keeps_every_task(db_url: str) -> None:
    sessions = session_factory(db_url)
    org_id = _inventory(sessions, "round")
    _, version_id = _generate(sessions, org_id)
    _, doomed = _generate(sessions, org_id)  # loses its newest task, and so its cells
    with sessions.begin() as s:  # a NULL link, and the newest task's id used and gone
        s.execute(
            delete(CryptoUsage).where(CryptoUsage.id == s.scalar(select(func.min(CryptoUsage.id))))
        )
        newest = s.scalar(select(func.max(PlanTask.id)))
        s.execute(delete(PlanTask).where(PlanTask.id == newest))
    with sessions() as s:
        tasks = _all_tasks(s)
        cells = _all_cells(s)
    assert {row[0][1] for row in cells} == {version_id}
    triggers = _plan_task_triggers(db_url)
    assert {name for name, _ in triggers} == {
        "timeline_cells_status",
        "timeline_cells_insert",
        "timeline_cells_delete",
        "timeline_cells_change",
    }
    assert _foreign_keys(db_url) == set()
    engine_for(db_url).dispose()

    downgrade(db_url, "0021")
    assert _foreign_keys(db_url) == {
        ("usage_id", "crypto_usages", "SET NULL"),
        ("asset_id", "assets", "SET NULL"),
        ("version_id", "plan_versions", "CASCADE"),
        ("organization_id", "organizations", "CASCADE"),
    }
    assert _plan_task_triggers(db_url) == triggers
    with sessions() as s:
        assert _all_tasks(s) == tasks
        assert _all_cells(s) == cells
        assert "ix_plan_tasks_organization_id" in {
            ix["name"] for ix in inspect(s.connection()).get_indexes("plan_tasks")
        }
    engine_for(db_url).dispose()

    upgrade(db_url)
    assert _foreign_keys(db_url) == set()
    assert _plan_task_triggers(db_url) == triggers
    with sessions() as s:
        assert _all_tasks(s) == tasks
        assert _all_cells(s) == cells
        assert dangling(s) == 0
    check(_Api(sessions), version_id)
    check(_Api(sessions), doomed, cells=False)
    _, later = _generate(sessions, org_id)  # ids are never reused, across both rebuilds
    with sessions() as s:
        assert s.scalar(select(func.min(PlanTask.id)).where(PlanTask.version_id == later)) > newest
    with sessions.begin() as s:  # and the triggers work after the round trip
        s.execute(delete(PlanVersion).where(PlanVersion.id == version_id))
    with sessions() as s:
        assert _tasks(s, version_id) == 0 and dangling(s) == 0


def test_settling_a_version_that_is_not_there_fails(db_url: str) -> None:
    sessions = session_factory(db_url)
    org_id = _inventory(sessions, "nothere", assets=1)
    _, version_id = _generate(sessions, org_id)
    with sessions() as s:
        with pytest.raises(links.DanglingVersion):
            links.settle(s, version_id + 1, org_id, [], [])
        with pytest.raises(links.DanglingVersion):  # another organization's version
            links.settle(s, version_id, org_id + 1, [], [])
        assert links.settle(s, version_id, org_id, [None], [None]) == {
            "usage_id": 0,
            "asset_id": 0,
        }


@pytest.mark.parametrize("begin", ["IMMEDIATE", "DEFERRED"])
def test_sqlite_generate_skips_the_link_check_because_no_deletion_can_slip_in(
    sqlite_url: str, begin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`generate` on SQLite skips `settle`'s comparison (`read_in_this_transaction`): a
    usage deleted by another connection between the plan's read and its store either
    cannot be deleted (IMMEDIATE: the plan holds the write lock from its read on) or makes
    the store fail whole (DEFERRED: the read snapshot is stale, SQLite refuses the write).
    Never a stored task pointing at a deleted usage."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import migration.scheduler as scheduler

    sessions = session_factory(sqlite_url)
    org_id = _inventory(sessions, "slipped")
    path = sqlite_url.removeprefix("sqlite:///")
    real_plan = scheduler.plan
    deleted: list[str] = []

    def plan_then_delete(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_plan(*args, **kwargs)
        other = sqlite3.connect(path, timeout=0.2)
        try:
            other.execute("PRAGMA foreign_keys=ON")
            other.execute("DELETE FROM crypto_usages WHERE id = ?", (result.tasks[0].usage_id,))
            other.commit()
            deleted.append("committed")
        except sqlite3.OperationalError as error:
            deleted.append(str(error))
        finally:
            other.close()
        return result

    monkeypatch.setattr(scheduler, "plan", plan_then_delete)
    engine = engine_for(sqlite_url).execution_options(sqlite_begin=begin)
    stored: list[int] = []
    try:
        with Session(engine) as s, s.begin():
            stored.append(service.generate(s, org_id, "kr-2035", PARAMS).id)
    except OperationalError as error:
        assert begin == "DEFERRED" and deleted == ["committed"], error
    with sessions() as s:
        assert dangling(s) == 0
        if begin == "IMMEDIATE":
            assert deleted == ["database is locked"] and len(stored) == 1
            assert s.scalar(select(func.count()).select_from(PlanTask)) > 0
        else:
            assert stored == [] and s.scalar(select(func.count()).select_from(PlanTask)) == 0


def test_after_an_organization_goes_another_ones_deletions_still_null_links(
    db_url: str,
) -> None:
    """The organization trigger tells the link triggers of its own cascades that its tasks
    are gone (0023, PostgreSQL): in the same transaction, deleting another organization's
    usage and asset still sets that organization's task links to NULL; and a deletion
    rolled back to a savepoint forgets it."""
    sessions = session_factory(db_url)
    gone = _inventory(sessions, "goes")
    stays = _inventory(sessions, "stays2", assets=3)
    _generate(sessions, gone)
    _, kept = _generate(sessions, stays)
    with sessions() as s:
        before = _links(s, kept)
        usage, asset = s.execute(
            select(CryptoUsage.id, CryptoUsage.asset_id)
            .where(CryptoUsage.organization_id == stays)
            .order_by(CryptoUsage.id)
            .limit(1)
        ).one()
        other_asset = s.scalar(
            select(Asset.id)
            .where(Asset.organization_id == stays, Asset.id != asset)
            .order_by(Asset.id)
        )
    with sessions.begin() as s:
        s.execute(delete(Organization).where(Organization.id == gone))
        savepoint = s.begin_nested()
        s.execute(delete(Organization).where(Organization.id == stays))
        savepoint.rollback()  # the other organization stays, as do its tasks
        s.execute(delete(CryptoUsage).where(CryptoUsage.id == usage))
        s.execute(delete(Asset).where(Asset.id == other_asset))
    with sessions() as s:
        after = _links(s, kept)
        assert after.keys() == before.keys()
        for key, (u, a) in before.items():
            if u == usage or a == other_asset:
                assert after[key] == (None, None if a == other_asset else a)
            else:
                assert after[key] == (u, a)
        assert any(u is None for u, _ in after.values())
        assert dangling(s) == 0
        assert s.get(Organization, gone) is None
    check(_Api(sessions), kept)
