"""Plan snapshots in the database (SQLite and PostgreSQL), through the service layer."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from core.choices import Sector, Tier
from core.models import Organization
from inventory.models import CryptoUsage
from migration import progress as plan_progress
from migration import service
from migration.inputs import PlanParams
from migration.models import PlanTask, TaskStatus
from tests.migration.test_plan_api import seed

PARAMS = PlanParams(start=date(2026, 11, 24))


def _org(sessions: sessionmaker[Session], slug: str) -> Organization:
    with sessions.begin() as s:
        org = Organization(
            slug=slug, name=slug, sector=Sector.FINANCE, tier=Tier.CRITICAL_PRIVATE_INFRASTRUCTURE
        )
        s.add(org)
    seed(SimpleNamespace(sessions=sessions), org)
    return org


def test_versions_are_snapshots(session_factory: sessionmaker[Session]) -> None:
    org = _org(session_factory, "bank")
    with session_factory.begin() as s:
        v1 = service.generate(s, org.id, "eu-2030-2035", PARAMS, name="bank plan")
        plan_id, v1_id = v1.plan_id, v1.id
        first = service.tasks_of(s, v1_id)[0]
        service.set_status(first, TaskStatus.IN_PROGRESS, "started")
        key = first.key
    # The inventory changes: one usage disappears. Version 1 keeps it (link nulled).
    with session_factory.begin() as s:
        s.execute(delete(CryptoUsage).where(CryptoUsage.ref == key.removeprefix("usage:")))
    with session_factory.begin() as s:
        v2 = service.generate(s, org.id, "eu-2030-2035", PARAMS, plan_id=plan_id)
        assert v2.number == 2
        old = [service.task_dict(t) for t in service.tasks_of(s, v1_id)]
        new = [service.task_dict(t) for t in service.tasks_of(s, v2.id)]
        assert len(old) == 5 and len(new) == 4
        gone = next(t for t in old if t["key"] == key)
        assert gone["usage_id"] is None and gone["status"] == "in_progress"
        diff = service.compare(old, new)
        assert diff["removed"] == [key] and diff["added"] == []


def test_status_carries_over_and_progress_counts(session_factory: sessionmaker[Session]) -> None:
    org = _org(session_factory, "carry")
    with session_factory.begin() as s:
        v1 = service.generate(s, org.id, "uk-ncsc-2035", PARAMS)
        for task in service.tasks_of(s, v1.id)[:2]:
            service.set_status(task, TaskStatus.DONE)
        plan_id = v1.plan_id
    with session_factory.begin() as s:
        v2 = service.generate(
            s, org.id, "uk-ncsc-2035", PlanParams(start=date(2027, 1, 1)), plan_id=plan_id
        )
        tasks = [service.task_dict(t) for t in service.tasks_of(s, v2.id)]
        progress = plan_progress.progress(tasks)
        assert progress["overall"]["done"] == 2
        assert set(progress["by_sector"]) == {"finance"}
        assert sum(p["tasks"] for p in progress["by_phase"].values()) == 5


def test_custom_profile_is_per_organization(session_factory: sessionmaker[Session]) -> None:
    from migration.profiles import ProfileError, UnknownProfile, get_profile, profile_to_dict

    a, b = _org(session_factory, "org-a"), _org(session_factory, "org-b")
    data: dict[str, Any] = profile_to_dict(get_profile("au-asd-2030")) | {"id": "a-only"}
    with session_factory.begin() as s:
        service.save_custom_profile(s, a.id, data)
        with pytest.raises(ProfileError) as info:
            service.save_custom_profile(s, a.id, data | {"version": ""})
        assert info.value.field == "version"
    with session_factory.begin() as s:
        assert service.resolve_profile(s, a.id, "a-only").id == "a-only"
        with pytest.raises(UnknownProfile):
            service.resolve_profile(s, b.id, "a-only")
        rows = s.scalars(select(PlanTask)).all()
        assert rows == []
