"""The agency works a plan's task list in the console: filtered, searched and sorted as a
plain reading of the tasks says, asset names that link to the asset, "deadlines at risk"
links that reach tasks far down the list, saving confirmed, and every plan change (generation,
new version, task status) in the audit log with who made it."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

from sqlalchemy import select

from core.choices import Role
from core.models import AuditEntry
from migration import service
from migration.models import PlanTask, PlanVersion
from tests.app.web.test_web_flows import _wait_job
from tests.app.web.test_web_http import _asset

FLASH = re.compile(r'id="flash"[^>]*>([^<]+)<')


def _task_ids(html: str) -> list[int]:
    body = html.split('<table id="tasks"')[1].split("</tbody>")[0]
    return [int(i) for i in re.findall(r'<tr id="task-(\d+)"', body)]


def _walk(api, url: str) -> tuple[list[int], str]:
    ids: list[int] = []
    first = None
    while url:
        html = api.client.get(url).text
        first = first or html
        ids += _task_ids(html)
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        url = unescape(nxt.group(1)) if nxt else None
    return ids, first or ""


def test_the_task_list_is_worked_in_the_console_and_every_plan_change_is_audited(
    api, sign_in, monkeypatch
):
    from app.web import pages_agency

    monkeypatch.setattr(pages_agency, "TASKS_PER_PAGE", 4)
    org = api.make_org()
    headers = api.headers(org)
    for i in range(9):
        _asset(
            api,
            headers,
            f"{'Gateway' if i % 3 else 'ledger'} {i}",
            "RSA-2048" if i % 2 else "ECDSA-P256",
        )
    csrf = sign_in(org, Role.OFFICER)
    made = api.client.post(
        "/plans",
        data={
            "csrf": csrf,
            "profile": "kr-2035",
            "name": "national",
            "capacity": "1",
            "start": "2034-01-01",
        },
        follow_redirects=False,
    )  # fmt: skip  (late and small: deadlines at risk)
    job_page = _wait_job(api.client, made.headers["location"])
    link = re.search(r'href="(/plans/(\d+)/versions/1)"', job_page)
    version_url, plan_id = link.group(1), int(link.group(2))
    with api.sessions() as s:
        version = s.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan_id))
        tasks = service.tasks_of(s, version.id)
    assert len(tasks) == 9

    # filters and search, against a plain reading of the tasks
    ids, page = _walk(api, f"{version_url}?q=GATEWAY&algorithm=x")
    assert ids == [t.id for t in tasks if "gateway" in t.asset_name.lower()]
    assert 'class="count">6<' in page
    ids, _ = _walk(api, f"{version_url}?q=ecdsa")
    assert ids == [t.id for t in tasks if t.algorithm == "ECDSA-P256"]
    ids, _ = _walk(api, f"{version_url}?sort=asset&dir=desc")
    assert ids == [t.id for t in sorted(tasks, key=lambda t: (t.asset_name, -t.id), reverse=True)]
    ids, page = _walk(api, f"{version_url}?flagged=1")
    flagged = [t for t in tasks if t.flags]
    assert flagged and ids == [t.id for t in flagged]
    # the list's CSV is the list: its filter, its order, every page
    href = unescape(re.search(r'href="([^"]+)" download id="tasks-csv"', page).group(1))
    got = api.client.get(href)
    assert got.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["Plan order", "Asset", "Sector"]
    assert [int(r[0]) for r in table[1:]] == [t.position + 1 for t in flagged]
    first = api.client.get(version_url).text
    task = tasks[0]
    assert f'<a href="/assets/{task.asset_id}">{task.asset_name}</a>' in first

    # "deadlines at risk" reach their task wherever it is in the list
    for t in flagged:
        href = re.search(rf'href="([^"]*at={t.id}[^"]*)"', first)
        if href is None:
            continue  # only the first 20 are listed
        target = api.client.get(unescape(href.group(1)).split("#")[0]).text
        assert f'id="task-{t.id}"' in target

    # saving is confirmed, the filters are kept, and a second save of the same says so
    later = tasks[-1]
    back = f"{version_url}?q=gateway"
    saved = api.client.post(
        f"/plans/tasks/{later.id}",
        data={"csrf": csrf, "status": "in_progress", "back": back},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{back}#task-{later.id}"
    shown = api.client.get(saved.headers["location"].split("#")[0]).text
    assert FLASH.search(shown).group(1) == (
        f"Saved: {later.asset_name} · {later.algorithm} is now “In progress”."
    )
    ids, _ = _walk(api, f"{version_url}?status=in_progress")
    assert ids == [later.id]
    unknown = api.client.get(f"{version_url}?status=finished")
    assert unknown.status_code == 422 and "query.status" in unknown.text

    # a new version from the console; every plan change is audited with its actor
    again = api.client.post(
        f"/plans/{plan_id}/versions", data={"csrf": csrf}, follow_redirects=False
    )
    assert again.status_code == 303
    with api.sessions() as s:
        entries = list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity.in_(["plan_version", "plan_task"]))
                .order_by(AuditEntry.id)
            )
        )
        carried = s.scalar(
            select(PlanTask.status).where(
                PlanTask.key == later.key, PlanTask.version_id != version.id
            )
        )
    assert [(e.action, e.entity, e.actor) for e in entries] == [
        ("generate", "plan_version", "test officer"),
        ("status", "plan_task", "test officer"),
        ("generate", "plan_version", "test officer"),
    ]
    assert entries[1].detail == {"from": "planned", "to": "in_progress", "note": None}
    assert entries[2].detail["number"] == 2 and carried.value == "in_progress"


def test_the_timeline_spans_the_whole_plan_and_marks_every_deadline_of_the_profile(api, sign_in):
    org = api.make_org()
    headers = api.headers(org)
    _asset(api, headers, "ledger", "RSA-2048")
    made = api.client.post(
        "/api/v1/plans",
        json={"profile": "us-cnsa2", "start": "2026-01-01", "capacity": 40},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    sign_in(org, Role.AUDITOR)
    page = api.client.get(f"/plans/{made.json()['id']}/versions/1").text
    # the plan's only task is in its first quarter; the axis still runs to 2035
    svg = page.split('<div id="timeline">')[1].split("</svg>")[0]
    assert "2026-Q1" in svg and ("2035-Q" in svg or "2036-Q1" in svg)
    table = page.split('<table id="deadlines"')[1].split("</table>")[0]
    from migration.profiles import builtin_profiles

    profile = builtin_profiles()["us-cnsa2"]
    for deadline in profile.deadlines:  # every deadline of the profile, numbered
        assert deadline.date.isoformat() in table and deadline.id in table
    marks = re.findall(r'stroke-dasharray="5 3"><title>(\d+): ', svg)
    assert (
        len(marks) == len(re.findall(r"<tr><td data-label=\"#\"", table)) >= len(profile.deadlines)
    )
