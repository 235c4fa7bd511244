"""The task list's pages in deadline order are a plain sort of the tasks (undated ones
last), however the page is reached: page after page, from a far task, in both directions,
with and without filters (the unfiltered ascending order reads the deadline index)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from core.choices import Sector, Tier
from core.db import session_factory
from core.models import Organization
from migration.models import Plan, PlanTask, PlanVersion, TaskStatus
from migration.task_list import FAR, TaskQuery, task_list


def _version(url: str) -> tuple[int, list[PlanTask]]:
    rng = random.Random(5)
    with session_factory(url).begin() as s:
        org = Organization(
            slug="o", name="O", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        s.add(org)
        s.flush()
        plan = Plan(organization_id=org.id, name="p", profile_id="kr-2035")
        s.add(plan)
        s.flush()
        version = PlanVersion(
            organization_id=org.id, plan_id=plan.id, number=1, profile_id="kr-2035",
            profile_version="t", params={}, summary={},
        )  # fmt: skip
        s.add(version)
        s.flush()
        for position in range(57):
            deadline = rng.choice([None, date(2030, 12, 31), date(2028, 6, 30), date(2035, 1, 1)])
            start = date(2027, 1, 1) + timedelta(days=91 * (position // 10))
            s.add(
                PlanTask(
                    organization_id=org.id, version_id=version.id, position=position,
                    key=f"usage:u-{position}", asset_name=f"asset {position}", sector="government",
                    algorithm="RSA-2048", use="signature", quantum_status="broken",
                    target="ML-DSA-65", alternatives=[], effort=1, score=0.5, risk={},
                    unit=position, wave=position // 10, wave_label=f"{start.year}-Q1",
                    wave_start=start, wave_end=start + timedelta(days=90),
                    phase="inventory" if position % 3 else "high-priority", deadline=deadline,
                    flags=[], reasons=[], blocking_chain=[],
                    status=TaskStatus.DONE if position % 4 == 0 else TaskStatus.PLANNED,
                )
            )  # fmt: skip
        s.flush()
        tasks = list(s.query(PlanTask).filter(PlanTask.version_id == version.id))
        return version.id, tasks


def _walk(
    s, version_id: int, query: TaskQuery, limit: int, at: PlanTask | None = None
) -> list[int]:
    ids: list[int] = []
    page = task_list(s, version_id, query, limit, at_task=at)
    for _ in range(100):  # 57 tasks: a cursor that does not move on fails, not hangs
        ids += [t.id for t in page.rows]
        if page.next_cursor is None:
            return ids
        page = task_list(s, version_id, query, limit, page.next_cursor)
    raise AssertionError(f"the pages never end: {ids[:20]}...")


def test_deadline_order_is_a_plain_sort_of_the_tasks(db_url) -> None:
    version_id, tasks = _version(db_url)

    def key(t: PlanTask) -> date:
        return t.deadline or FAR

    ascending = [t.id for t in sorted(tasks, key=lambda t: (key(t), t.id))]
    descending = [t.id for t in sorted(tasks, key=lambda t: (-key(t).toordinal(), t.id))]
    assert len({t.deadline for t in tasks}) == 4  # undated, and dates shared by many tasks
    with session_factory(db_url)() as s:
        for limit in (1, 4, 7, 100):
            assert _walk(s, version_id, TaskQuery(sort="deadline"), limit) == ascending, limit
            got = _walk(s, version_id, TaskQuery(sort="deadline", descending=True), limit)
            assert got == descending, limit
            for phase in ("inventory", "high-priority"):
                q = TaskQuery(sort="deadline", phase=phase)
                want = [i for i in ascending if next(t for t in tasks if t.id == i).phase == phase]
                assert _walk(s, version_id, q, limit) == want, (limit, phase)
        by_id = {t.id: t for t in tasks}
        for start in (ascending[0], ascending[20], ascending[-5], ascending[-1]):
            at = s.get(PlanTask, start)
            got = _walk(s, version_id, TaskQuery(sort="deadline"), 6, at=at)
            assert got == ascending[ascending.index(start) :], by_id[start].deadline
