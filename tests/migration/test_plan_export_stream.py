"""A stored version streamed from the database equals the in-memory export, byte for byte.

`migration.export` reads tasks as rows in batches and computes what comes before them
(progress, the chart's totals, the JSON reason table) with the database; the reference is
`report.render` of every `service.task_dict`, as exports were made before. Some tasks are
done or blocked so progress has several statuses, and one version is rewritten the way
versions before migration 0012 stored risk (parts in full, no `risk_parts`).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from migration import export, report, service
from migration import progress as plan_progress
from migration.models import PlanTask, PlanVersion, TaskStatus
from tests.migration.test_plan_store_bulk import PARAMS, make_org


def _reference(session: Session, version: PlanVersion, fmt: str) -> str:
    tasks = [service.task_dict(t) for t in service.tasks_of(session, version.id)]
    return report.render(fmt, version.summary, tasks, plan_progress.progress(tasks))


@pytest.fixture
def stored(session_factory: sessionmaker[Session]) -> tuple[sessionmaker[Session], int]:
    org_id = make_org(session_factory)
    with session_factory.begin() as s:
        version = service.generate(s, org_id, "kr-2035", PARAMS)
        tasks = service.tasks_of(s, version.id)
        for n, task in enumerate(tasks[::5]):
            service.set_status(task, (TaskStatus.DONE, TaskStatus.BLOCKED)[n % 2], "checked")
        version_id = version.id
    return session_factory, version_id


def test_streamed_exports_equal_the_in_memory_ones(stored, monkeypatch) -> None:
    sessions, version_id = stored
    monkeypatch.setattr(export, "BATCH", 7)  # several fetches, chunk edges mid-plan
    monkeypatch.setattr(report, "CHUNK_ROWS", 5)
    with sessions() as s:
        version = s.get(PlanVersion, version_id)
        assert version is not None and version.risk_parts
        for fmt in report.FORMATS:
            pieces = list(export.export_chunks(s, version, fmt))
            assert len(pieces) > 3, fmt  # streamed, not one string
            assert "".join(pieces) == _reference(s, version, fmt), fmt


def test_a_version_stored_before_risk_parts_streams_the_same(stored) -> None:
    sessions, version_id = stored
    with sessions.begin() as s:  # as migration 0012's downgrade leaves a version
        version = s.get(PlanVersion, version_id)
        assert version is not None
        parts = version.risk_parts
        for task in service.tasks_of(s, version_id):
            full = service.shown_risk(task.risk, parts)
            s.execute(update(PlanTask).where(PlanTask.id == task.id).values(risk=full))
        version.risk_parts = None
    with sessions() as s:
        version = s.get(PlanVersion, version_id)
        assert version is not None and version.risk_parts is None
        text = "".join(export.export_chunks(s, version, "json"))
        assert text == _reference(s, version, "json")
        assert json.loads(text)["risk_parts"]


def test_an_unknown_format_is_refused(stored) -> None:
    sessions, version_id = stored
    with sessions() as s, pytest.raises(ValueError, match="unknown format"):
        next(export.export_chunks(s, s.get(PlanVersion, version_id), "pdf"))
