"""Plans stored in bulk and summarised by the database read back exactly as planned.

The inventory is a spreadsheet imported with the real CSV importer: layered dependencies,
a cycle, and a capacity small enough that deadlines are missed (flags, blocking chains).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.cli.common import console
from app.cli.plan import _print_summary, plan_app
from app.settings import get_settings
from core.choices import Sector, Tier
from core.db import engine_for
from core.db import session_factory as sessions_for
from core.models import Organization
from inventory.exchange.csv_io import COLUMNS, import_csv
from migration import progress as plan_progress
from migration import report, scheduler, service
from migration.inputs import PlanParams
from migration.models import TaskStatus

PARAMS = PlanParams(start=date(2030, 1, 1), crqc_year=2032, capacity=8)
KINDS = (
    ("RSA-2048", "signature", "certificate_signature"),
    ("ECDH-P256", "key_exchange", "tls_key_exchange"),
    ("AES-128", "symmetric", "data_at_rest"),
    ("ACME-CIPHER", "encryption", "other"),
    ("ML-KEM-768", "key_exchange", "tls_key_exchange"),
)


def sheet(n_assets: int = 40) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for i in range(n_assets):
        kind = "ca_pki" if i < 3 else "service" if i < 15 else "application"
        depends = [] if i < 3 else [f"a{i % 3}=certificates_from"]
        if i >= 15:
            depends.append(f"a{3 + i % 12}=calls_service")
        if i in (5, 6):  # a cycle between two services
            depends.append(f"a{11 - i}=calls_service")
        for k in range(3):
            algorithm, primitive, function = KINDS[(i + k) % len(KINDS)]
            writer.writerow(
                {
                    "asset_ref": f"a{i}",
                    "asset_name": f"{kind} {i}",
                    "asset_type": kind,
                    "exposure": ("internet_facing", "internal", "isolated")[i % 3],
                    "secrecy_years": str(i % 4 * 5),
                    "usage_ref": f"a{i}/u{k}",
                    "algorithm": algorithm,
                    "primitive": primitive,
                    "function": function,
                    "depends_on": ";".join(depends) if k == 0 else "",
                }
            )
    return out.getvalue()


def make_org(sessions: sessionmaker[Session], slug: str = "ministry") -> int:
    with sessions.begin() as s:
        org = Organization(
            slug=slug, name=slug, sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        s.add(org)
        s.flush()
        import_csv(s, org.id, sheet())
        return org.id


def test_stored_tasks_equal_the_plan(session_factory: sessionmaker[Session]) -> None:
    org_id = make_org(session_factory)
    with session_factory.begin() as s:
        version = service.generate(s, org_id, "kr-2035", PARAMS)
        expected = scheduler.plan(
            service.resolve_profile(s, org_id, "kr-2035"),
            service.load_inventory(s, org_id),
            PARAMS,
        )
        version_id = version.id
    assert any(t.blocking_chain for t in expected.tasks), "the fixture should miss deadlines"
    assert any("cycle" in t.flags for t in expected.tasks)
    with session_factory() as s:
        stored = [service.task_dict(t) for t in service.tasks_of(s, version_id)]
    assert len(stored) == len(expected.tasks)
    for got, task in zip(stored, expected.tasks, strict=True):
        want = task.as_dict()
        for field in ("organization_id", "deadline_confirmed"):
            want.pop(field, None)
        got = {k: v for k, v in got.items() if k not in ("id", "status", "status_note")}
        assert got == want


def test_version_progress_equals_progress_of_all_tasks(
    session_factory: sessionmaker[Session],
) -> None:
    org_id = make_org(session_factory)
    with session_factory.begin() as s:
        version = service.generate(s, org_id, "kr-2035", PARAMS)
        tasks = service.tasks_of(s, version.id)
        for i, task in enumerate(tasks[:9]):
            service.set_status(task, [TaskStatus.DONE, TaskStatus.IN_PROGRESS, "blocked"][i % 3])
        s.flush()
        full = plan_progress.progress(
            [service.task_dict(t) for t in service.tasks_of(s, version.id)]
        )
        assert service.version_progress(s, version.id) == full
        assert full["overall"]["done"] == 3 and full["overall"]["blocked"] == 3


def test_first_tasks_are_the_head_of_the_full_list(
    session_factory: sessionmaker[Session],
) -> None:
    org_id = make_org(session_factory)
    with session_factory.begin() as s:
        version_id = service.generate(s, org_id, "kr-2035", PARAMS).id
    with session_factory() as s:
        every = [service.task_dict(t) for t in service.tasks_of(s, version_id)]
        first, total = service.first_tasks(s, version_id, 7)
        assert [service.task_dict(t) for t in first] == every[:7] and total == len(every)
        flagged = [t for t in every if t["flags"]]
        first, total = service.first_tasks(s, version_id, 4, flagged=True)
        assert [service.task_dict(t) for t in first] == flagged[:4]
        assert total == len(flagged) > 4


@pytest.fixture
def cli_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    make_org(sessions_for(sqlite_url))
    yield sqlite_url
    get_settings.cache_clear()


def _statements(url: str) -> tuple[list[str], Any]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine_for(url), "before_cursor_execute", record)
    return seen, record


def test_cli_summary_equals_the_full_read_and_reads_no_task_back(cli_db: str) -> None:
    seen, record = _statements(cli_db)
    try:
        result = CliRunner().invoke(
            plan_app,
            ["generate", "--profile", "kr-2035", "--org", "ministry", "--start", "2030-01-01",
             "--crqc-year", "2032", "--capacity", "8", "--timings"],
        )  # fmt: skip
    finally:
        event.remove(engine_for(cli_db), "before_cursor_execute", record)
    assert result.exit_code == 0, result.output
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT") and "plan_tasks" in s]
    assert not [s for s in reads if "reasons" in s or "risk" in s], reads
    with sessions_for(cli_db)() as s:
        version = service.latest_version(s, 1)
        assert version is not None
        tasks = [service.task_dict(t) for t in service.tasks_of(s, version.id)]
        with console.capture() as captured:
            _print_summary(
                version.plan_id, version.number, version.summary, plan_progress.progress(tasks)
            )
    assert captured.get() in result.output
    assert "progress by sector" in captured.get()


def test_cli_show_lists_the_first_tasks_only(cli_db: str) -> None:
    runner = CliRunner()
    args = ["generate", "--profile", "kr-2035", "--org", "ministry", "--capacity", "8"]
    assert runner.invoke(plan_app, args).exit_code == 0
    with sessions_for(cli_db)() as s:
        total = service.task_count(s, 1)
    seen, record = _statements(cli_db)
    try:
        result = runner.invoke(plan_app, ["show", "1", "--limit", "3", "--why"])
    finally:
        event.remove(engine_for(cli_db), "before_cursor_execute", record)
    assert result.exit_code == 0, result.output
    assert f"... {total - 3} more (use --limit)" in result.output
    full = [s for s in seen if "plan_tasks.reasons" in s]
    assert full and all("LIMIT" in s.upper() for s in full), full


def test_exports_write_each_sentence_once_and_lose_nothing(sqlite_url: str) -> None:
    sessions = sessions_for(sqlite_url)
    org_id = make_org(sessions)
    with sessions.begin() as s:
        version = service.generate(s, org_id, "kr-2035", PARAMS)
        summary, version_id = version.summary, version.id
    with sessions() as s:
        tasks = [service.task_dict(t) for t in service.tasks_of(s, version_id)]
        progress = service.version_progress(s, version_id)
    text = report.render("json", summary, tasks, progress)
    doc = report.read_json(text)
    assert doc == {
        "format": report.JSON_FORMAT,
        "summary": summary,
        "progress": progress,
        "tasks": json.loads(json.dumps(tasks, default=str)),
    }
    sentences = [r for t in tasks for r in t["reasons"]]
    assert len(set(sentences)) < len(sentences) / 3, "the fixture should repeat reasons"
    raw = json.loads(text)
    assert sorted(raw["reasons"]) == sorted(set(sentences))
    # The layout before: every task carried its own copy, indented.
    before = json.dumps({"summary": summary, "progress": progress, "tasks": tasks}, indent=2)
    assert len(text) < len(before) / 2, (len(text), len(before))

    html = report.render("html", summary, tasks, progress)
    listed = re.search(r'<script type="application/json" id="plan-reasons">(.*?)</script>', html)
    assert listed is not None
    page_reasons = json.loads(listed.group(1))
    rows = re.findall(r'<td data-r="([0-9 ]*)">why</td>', html)
    assert [[page_reasons[int(i)] for i in r.split()] for r in rows] == [
        t["reasons"] for t in tasks
    ]
    assert len(page_reasons) == len(set(sentences))


def test_bulk_columns_are_the_tables() -> None:
    from migration.models import PlanTask
    from migration.service import _TASK_COLUMNS

    names = [c.name for c in PlanTask.__table__.columns if c.name != "id"]
    assert sorted(_TASK_COLUMNS) == sorted(names) and len(set(_TASK_COLUMNS)) == len(names)


def test_load_inventory_reads_what_the_orm_reads(session_factory: sessionmaker[Session]) -> None:
    from inventory.models import Asset, CryptoUsage
    from migration.inputs import AssetFacts, UsageFacts

    org_id = make_org(session_factory)
    with session_factory() as s:
        facts = service.load_inventory(s, org_id)
        org = s.get(Organization, org_id)
        assert org is not None
        assets = [
            AssetFacts(a.id, a.name, org_id, str(org.sector), str(org.tier), str(a.asset_type),
                       a.exposure, a.criticality, a.data_sensitivity, a.secrecy_years or 0)
            for a in s.query(Asset).filter_by(organization_id=org_id).order_by(Asset.id)
        ]  # fmt: skip
        usages = [
            UsageFacts(u.id, u.asset_id, u.algorithm, str(u.primitive), str(u.function),
                       u.quantum_status, u.ref)
            for u in s.query(CryptoUsage).filter_by(organization_id=org_id).order_by(CryptoUsage.id)
        ]  # fmt: skip
    assert facts.assets == assets and facts.usages == usages
    assert all(
        type(a.exposure) is type(b.exposure) for a, b in zip(facts.assets, assets, strict=True)
    )
    assert all(
        type(a.quantum_status) is type(b.quantum_status)
        for a, b in zip(facts.usages, usages, strict=True)
    )
