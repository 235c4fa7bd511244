"""The timeline page's one-pass reading of a version equals the service's own readings."""

from __future__ import annotations

from collections import defaultdict

from migration import service
from migration.models import PlanVersion
from migration.progress import progress
from migration.timeline import first_flagged, task_page, version_view
from tests.app.web.test_web_http import _asset


def test_version_view_matches_progress_tasks_and_flags(api):
    org = api.make_org()
    headers = api.headers(org)
    for i in range(12):
        _asset(api, headers, f"svc {i}", "RSA-2048" if i % 3 else "ECDSA-P256")
    r = api.client.post(
        "/api/v1/plans",
        json={"profile": "kr-2035", "capacity": 1, "start": "2034-10-01"},  # late: flags
        headers=headers,
    )
    assert r.status_code == 201, r.text
    with api.sessions() as s:
        version = s.query(PlanVersion).one()
        tasks = [service.task_dict(t) for t in service.tasks_of(s, version.id)]
        view = version_view(s, version.id)
        assert view.progress == service.version_progress(s, version.id) == progress(tasks)
        effort: dict[tuple[int, str], int] = defaultdict(int)
        for t in tasks:
            effort[(t["wave"], t["phase"])] += t["effort"]
        assert {(w["wave"], w["phase"]): w["effort"] for w in view.waves} == dict(effort)
        expected, count = service.first_tasks(s, version.id, 5, flagged=True)
        assert count > 0 and view.flagged == count
        assert [t.id for t in first_flagged(s, version.id, 5)] == [t.id for t in expected]
        assert [t.id for t in task_page(s, version.id, 2, 4)] == [t["id"] for t in tasks[2:6]]
