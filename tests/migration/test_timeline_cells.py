"""A version's timeline cells give the page what a fresh count of its tasks gives, after
status changes (API and bulk SQL), regeneration, tasks written outside the planner, and
migration 0011's upgrade over versions stored before it; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from core.schema import downgrade, upgrade
from migration import service
from migration.inputs import PlanParams
from migration.models import PlanTask, PlanVersion, TaskStatus, TimelineCell
from migration.progress import progress
from migration.timeline import FLAGGED_COUNT_CAP, version_view


def _asset(api, headers, name: str, algorithm: str) -> None:
    r = api.client.post(
        "/api/v1/assets",
        json={"name": name, "asset_type": "service", "exposure": "internet_facing"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    r = api.client.post(
        "/api/v1/usages",
        json={"asset_id": r.json()["id"], "algorithm": algorithm, "primitive": "signature"},
        headers=headers,
    )
    assert r.status_code == 201, r.text


def fresh_view(session, version_id: int) -> tuple[list, dict, int]:
    """Waves, progress and flagged count read from every task, as the page must show them."""
    waves: dict[tuple, dict] = {}
    flagged = 0
    shown = []
    for t in service.tasks_of(session, version_id):
        shown.append(
            {"phase": t.phase, "sector": t.sector, "status": str(t.status), "effort": t.effort}
        )
        w = waves.setdefault(
            (t.wave, t.wave_label, t.phase),
            {
                "wave": t.wave,
                "wave_label": t.wave_label,
                "phase": t.phase,
                "effort": 0,
                "tasks": 0,
                "deadline": None,
            },
        )
        w["effort"] += t.effort
        w["tasks"] += 1
        if t.deadline is not None:
            w["deadline"] = min(w["deadline"] or t.deadline.isoformat(), t.deadline.isoformat())
        flagged += bool(t.flags)
    counted = progress(shown)  # in Python, from the tasks themselves
    assert service.version_progress(session, version_id) == counted  # the CLI's and API's
    return [waves[k] for k in sorted(waves)], counted, min(flagged, FLAGGED_COUNT_CAP + 1)


def check(api, version_id: int, cells: bool = True) -> None:
    with api.sessions() as s:
        view = version_view(s, version_id)
        assert (view.waves, view.progress, view.flagged) == fresh_view(s, version_id)
        n = s.scalar(select(func.count()).where(TimelineCell.version_id == version_id))
        assert bool(n) is cells  # read from cells, or from the tasks when they were dropped


def _plan(api):
    org = api.make_org()
    h = api.headers(org)
    for i in range(14):
        _asset(api, h, f"svc {i}", ["RSA-2048", "ECDSA-P256", "AES-128"][i % 3])
    r = api.client.post(
        "/api/v1/plans",
        json={"profile": "kr-2035", "capacity": 2, "start": "2034-10-01"},  # late: flags
        headers=h,
    )
    assert r.status_code == 201, r.text
    return h, r.json()["id"]


def test_status_changes_move_counts_between_cells(api):
    h, plan_id = _plan(api)
    with api.sessions() as s:
        version = s.scalars(select(PlanVersion)).one()
        tasks = service.tasks_of(s, version.id)
        ids = [t.id for t in tasks]
        assert any(t.flags for t in tasks) and len({t.wave for t in tasks}) > 1
    check(api, version.id)
    for task_id, status in zip(
        ids[:5], ["done", "in_progress", "blocked", "done", "done"], strict=True
    ):
        r = api.client.patch(f"/api/v1/plans/tasks/{task_id}", json={"status": status}, headers=h)
        assert r.status_code == 200, r.text
        check(api, version.id)
    r = api.client.patch(f"/api/v1/plans/tasks/{ids[0]}", json={"status": "planned"}, headers=h)
    assert r.status_code == 200, r.text
    check(api, version.id)
    with api.sessions.begin() as s:  # many rows in one statement
        s.execute(update(PlanTask).where(PlanTask.id.in_(ids[::2])).values(status=TaskStatus.DONE))
    check(api, version.id)
    # a new version carries the statuses over and gets cells of its own
    r = api.client.post(f"/api/v1/plans/{plan_id}/versions", json={}, headers=h)
    assert r.status_code == 201, r.text
    with api.sessions() as s:
        newer = s.scalar(select(PlanVersion.id).where(PlanVersion.number == 2))
    check(api, newer)
    check(api, version.id)


def test_tasks_written_outside_the_planner_drop_the_cells(api):
    _plan(api)
    with api.sessions() as s:
        version = s.scalars(select(PlanVersion)).one()
        first = service.tasks_of(s, version.id)[0]
        row = {c.name: getattr(first, c.key) for c in PlanTask.__table__.columns if c.name != "id"}
    with api.sessions.begin() as s:
        s.execute(insert(PlanTask), [row | {"key": "extra", "position": 999, "effort": 7}])
    check(api, version.id, cells=False)
    with api.sessions.begin() as s:
        s.execute(update(PlanTask).where(PlanTask.key == "extra").values(status=TaskStatus.DONE))
    check(api, version.id, cells=False)  # a status change does not bring partial cells back
    with api.sessions.begin() as s:
        s.execute(delete(PlanTask).where(PlanTask.key == "extra"))
    check(api, version.id, cells=False)


def test_upgrade_counts_versions_stored_before_it(api, db_url):
    _plan(api)
    with api.sessions() as s:
        version_id = s.scalars(select(PlanVersion.id)).one()
    with api.sessions.begin() as s:
        s.execute(update(PlanTask).where(PlanTask.position < 5).values(status=TaskStatus.DONE))
    api.sessions.kw["bind"].dispose()
    downgrade(db_url, "0010")
    upgrade(db_url)
    check(api, version_id)
    effort: dict[str, int] = defaultdict(int)
    with api.sessions() as s:
        for status, e in s.execute(
            select(TimelineCell.status, TimelineCell.effort).where(
                TimelineCell.version_id == version_id
            )
        ):
            effort[str(status)] += e
        assert effort["done"] == s.scalar(
            select(func.sum(PlanTask.effort)).where(PlanTask.position < 5)
        )


def test_a_store_that_fails_leaves_no_tasks_and_the_insert_trigger_in_place(api, monkeypatch):
    """On SQLite the per-row insert trigger is dropped while a version's tasks are written
    (`timeline.insert_trigger_suspended`); a store failing after its rows are written must
    leave the schema and the data as before."""
    org = api.make_org()
    h = api.headers(org)
    for i in range(6):
        _asset(api, h, f"svc {i}", "RSA-2048")
    real = service._task_rows

    def rows_then_fail(*args):
        yield from real(*args)
        raise RuntimeError("disk full, say")

    monkeypatch.setattr(service, "_task_rows", rows_then_fail)
    with api.sessions() as s, pytest.raises(RuntimeError, match="disk full"), s.begin():
        service.generate(s, org.id, "kr-2035", PlanParams(start=date(2030, 1, 1)))
    with api.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlanTask)) == 0
        assert s.scalar(select(func.count()).select_from(PlanVersion)) == 0
        if s.get_bind().dialect.name == "sqlite":
            names = s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            assert "timeline_cells_insert" in set(names)
    monkeypatch.undo()
    _, plan_id = _plan(api)  # and the next store keeps the cells right
    with api.sessions() as s:
        version_id = s.scalar(select(PlanVersion.id).where(PlanVersion.plan_id == plan_id))
    check(api, version_id)
