"""One import function behind every door: the API (at once and as a job), the web console's
form and `pqcplan import` read a file the same way and leave the same audit entry; a file
that is not UTF-8 is refused with where, and leaves nothing behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from core.models import AuditEntry, Organization
from inventory.models import Asset, CryptoUsage
from tests.app.api.test_imports_api import GOOD_CSV as CSV

NOT_UTF8 = b"name\n\xff\xfe bad\n"


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _web_upload(api, org, data: bytes) -> str:
    """Sign in as an officer and upload through the import form; returns the job page."""
    api.client.cookies.clear()
    key = api.headers(org)["Authorization"].removeprefix("Bearer ")
    csrf = re.compile(r'name="csrf" value="([^"]+)"')
    token = csrf.search(api.client.get("/signin").text).group(1)
    api.client.post("/signin", data={"api_key": key, "csrf": token})
    token = csrf.search(api.client.get("/imports").text).group(1)
    done = api.client.post(
        "/imports",
        data={"kind": "csv", "csrf": token},
        files={"file": ("inventory.csv", data)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return done.headers["location"]


def _wait(api, org, job_path: str) -> dict:
    headers = api.headers(org)
    job_id = job_path.rsplit("/", 1)[-1]
    for _ in range(600):
        job = api.client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)  # the job runs on the app's own threads meanwhile
    raise AssertionError(f"job {job_id} did not finish: {job}")


def _imports_of(api, org_id: int) -> list[tuple[str, str, dict]]:
    with api.sessions() as s:
        rows = s.scalars(
            select(AuditEntry).where(
                AuditEntry.organization_id == org_id, AuditEntry.action == "import"
            )
        )
        return [(a.entity, a.actor, a.detail) for a in rows]


def _assets(api, org_id: int) -> int:
    with api.sessions() as s:
        return s.scalar(select(func.count(Asset.id)).where(Asset.organization_id == org_id))


def test_every_door_imports_and_audits_the_same_way(api, tmp_path: Path):
    doors = {name: api.make_org() for name in ("api", "job", "web", "cli")}
    counts = {"assets_created": 2, "usages_created": 2, "dependencies_created": 1}

    answer = api.client.post("/api/v1/imports/csv", headers=api.headers(doors["api"]), content=CSV)
    assert answer.status_code == 200, answer.text
    queued = api.client.post(
        "/api/v1/imports/csv?background=true", headers=api.headers(doors["job"]), content=CSV
    )
    assert queued.status_code == 202, queued.text
    job = _wait(api, doors["job"], queued.json()["follow"])
    assert job["status"] == "succeeded" and job["result"]["report"] == answer.json()["report"]
    web_job = _wait(api, doors["web"], _web_upload(api, doors["web"], CSV.encode()))
    assert web_job["result"]["report"] == answer.json()["report"]
    file = tmp_path / "inventory.csv"
    file.write_text(CSV)
    db_url = api.sessions.kw["bind"].url.render_as_string(hide_password=False)
    cli = _cli(db_url, "import", "csv", str(file), "--org", doors["cli"].slug)
    assert cli.returncode == 0, cli.stderr

    for door, org in doors.items():
        entries = _imports_of(api, org.id)
        assert len(entries) == 1, (door, entries)
        entity, actor, detail = entries[0]
        assert entity == "csv", door
        assert actor == ("cli" if door == "cli" else "test officer"), door
        assert {k: detail[k] for k in counts} == counts, (door, detail)
        assert _assets(api, org.id) == 2, door


def test_a_file_that_is_not_utf8_is_refused_where_it_came_from_and_leaves_nothing(
    api, tmp_path: Path
):
    org = api.make_org()
    answer = api.client.post("/api/v1/imports/csv", headers=api.headers(org), content=NOT_UTF8)
    assert answer.status_code == 422
    assert answer.json()["detail"] == "not UTF-8 text (byte 5)"
    assert answer.json()["location"] == "body"
    file = tmp_path / "latin1.csv"
    file.write_bytes(NOT_UTF8)
    db_url = api.sessions.kw["bind"].url.render_as_string(hide_password=False)
    cli = _cli(db_url, "import", "csv", str(file), "--org", org.slug)
    assert cli.returncode == 2
    assert "not UTF-8 text (byte 5)" in cli.stderr and str(file) in cli.stderr
    web_job = _wait(api, org, _web_upload(api, org, NOT_UTF8))
    assert web_job["status"] == "failed" and "not UTF-8 text (byte 5)" in web_job["error"]
    assert _imports_of(api, org.id) == [] and _assets(api, org.id) == 0
    with api.sessions() as s:
        assert s.scalar(select(func.count(CryptoUsage.id))) == 0
        assert s.get(Organization, org.id) is not None
