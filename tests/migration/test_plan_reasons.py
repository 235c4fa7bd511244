"""Reason sentences stored once per version (migration 0021) read exactly as before.

A version's tasks keep numbers into `plan_reasons`; versions stored before 0021 keep the
sentences in each task. Through the real app, on both databases: a plan's task listing,
comparison and every export (each format, English and Korean) are the same text before a
downgrade to 0020 and after the upgrade back; at 0020 the tasks hold what 0020's store
wrote (`json.dumps` of the sentences); and a version stored after the upgrade beside one
stored before reads the same and compares with it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, inspect, text

from core.models import Organization
from core.schema import downgrade, upgrade
from migration import report
from tests.migration.test_plan_store_bulk import make_org

BODY = {"profile": "kr-2035", "start": "2030-01-01", "crqc_year": 2032, "capacity": 8}


def _seen(api: Any, headers: dict[str, str], plan_id: int, number: int) -> dict[str, Any]:
    """Everything the API shows of a version's tasks: the listing and every export."""
    base = f"/api/v1/plans/{plan_id}/versions/{number}"
    listing = api.client.get(f"{base}/tasks?limit=500", headers=headers)
    assert listing.status_code == 200, listing.text
    shown: dict[str, Any] = {"tasks": listing.json()}
    for fmt in report.FORMATS:
        for lang in ("en", "ko"):
            r = api.client.get(f"{base}/export?format={fmt}&lang={lang}", headers=headers)
            assert r.status_code == 200, r.text
            shown[f"{fmt}-{lang}"] = r.content
    return shown


def _stored_reasons(url: str) -> dict[int, Any]:
    engine = create_engine(url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, CAST(reasons AS TEXT) FROM plan_tasks")).all()
        tables = set(inspect(c).get_table_names())
        owners = set()
        if "plan_reasons" in tables:  # a plan row: each belongs to the plan's organization
            owners = set(c.scalars(text("SELECT DISTINCT organization_id FROM plan_reasons")))
    engine.dispose()
    return {"tables": tables, "reasons": dict(rows), "owners": owners}


def test_versions_read_the_same_across_0021_down_and_up(api: Any, db_url: str) -> None:
    org_id = make_org(api.sessions)
    with api.sessions() as s:
        org = s.get_one(Organization, org_id)
    h = api.headers(org)
    r = api.client.post("/api/v1/plans", json=BODY, headers=h)
    assert r.status_code == 201, r.text
    plan_id = r.json()["id"]
    tasks = _seen(api, h, plan_id, 1)["tasks"]["items"]
    assert len(tasks) > 90 and all(t["reasons"] for t in tasks)
    for task in tasks[::7]:  # statuses carry to the next version
        r = api.client.patch(
            f"/api/v1/plans/tasks/{task['id']}", json={"status": "done"}, headers=h
        )
        assert r.status_code == 200, r.text
    before = _seen(api, h, plan_id, 1)
    assert before["json-en"] != before["json-ko"] and b"target " in before["html-en"]
    sentences = {t["id"]: t["reasons"] for t in before["tasks"]["items"]}

    stored = _stored_reasons(db_url)
    assert "plan_reasons" in stored["tables"] and stored["owners"] == {org_id}
    numbers = [json.loads(v) for v in stored["reasons"].values() if v != "[]"]
    assert numbers and all(isinstance(n, int) for ns in numbers for n in ns)

    api.sessions.kw["bind"].dispose()
    downgrade(db_url, "0020")
    stored = _stored_reasons(db_url)
    assert "plan_reasons" not in stored["tables"]
    as_0020_wrote = {i: json.dumps(r) for i, r in sentences.items()}
    if db_url.startswith("postgresql"):  # JSON's text as the server gives it back
        stored["reasons"] = {i: json.dumps(json.loads(v)) for i, v in stored["reasons"].items()}
    assert stored["reasons"] == as_0020_wrote

    upgrade(db_url)
    assert _seen(api, h, plan_id, 1) == before  # a version stored at 0020, read at 0021

    r = api.client.post(f"/api/v1/plans/{plan_id}/versions", json=BODY, headers=h)
    assert r.status_code == 201, r.text
    after = _seen(api, h, plan_id, 2)  # the same plan, stored with numbers
    old_rows = [{k: v for k, v in t.items() if k != "id"} for t in before["tasks"]["items"]]
    new_rows = [{k: v for k, v in t.items() if k != "id"} for t in after["tasks"]["items"]]
    assert new_rows == old_rows
    for key in before:
        if key.startswith(("csv", "md", "html")):  # no task ids in these
            assert after[key] == before[key], key
    diff = api.client.get(f"/api/v1/plans/{plan_id}/compare?from=1&to=2", headers=h).json()
    assert diff["changed"] == [] and diff["unchanged"] == len(old_rows)


def _key_collation(url: str) -> str | None:
    engine = create_engine(url)
    with engine.connect() as c:
        collation = c.scalar(
            text(
                "SELECT collation_name FROM information_schema.columns"
                " WHERE table_name = 'plan_tasks' AND column_name = 'key'"
            )
        )
    engine.dispose()
    return collation


def test_task_keys_compare_bytewise_on_postgresql(pg_url: str) -> None:
    """0021 gives `plan_tasks.key` the "C" collation (Alembic's comparison of models and
    migrations does not look at collations, so this does); downgrade gives it back the
    database's own."""
    assert _key_collation(pg_url) == "C"
    downgrade(pg_url, "0020")
    assert _key_collation(pg_url) is None
    upgrade(pg_url)
    assert _key_collation(pg_url) == "C"
