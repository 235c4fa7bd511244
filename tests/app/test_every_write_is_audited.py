"""Every write leaves an audit row naming its actor, from the API and from the CLI.

Both faces are walked from the app itself: every FastAPI route that is not a GET, and every
command of the Typer tree (walked through click, so sub-apps loaded lazily are found too).
Each must have an entry below: an example that writes, or a reason it writes nothing. A
route or command added later without one fails `test_*_has_an_entry`. Each example then
runs against a real SQLite database; a change to any table (every row hashed, the audit log
aside) with no new audit row fails, and so does an example that changes nothing (it would
prove nothing). The web console's forms are checked by their own tests.
"""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from app.api.main import create_app
from app.cli.main import app as cli_app
from app.settings import Settings, get_settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import engine_for
from core.models import AuditEntry, Job, Organization
from core.models.base import Base

SKIPPED_TABLES = {"audit_log", "rate_limit_buckets", "web_sessions"}  # bookkeeping, not writes
V1 = "/api/v1"
CSV = "asset_name,asset_type,algorithm,primitive\nPortal,application,RSA-2048,signature\n"


def state(url: str) -> dict[str, str]:
    """A digest of every table's rows (the audit log and bookkeeping tables aside)."""
    out = {}
    with engine_for(url).connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def last_audit(url: str) -> int:
    with engine_for(url).connect() as conn:
        return conn.execute(select(func.max(AuditEntry.id))).scalar() or 0


def audit_rows(url: str, after: int) -> list[Any]:
    """Audit rows written since id ``after`` (ids are never reused)."""
    with engine_for(url).connect() as conn:
        stmt = select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id)
        return list(conn.execute(stmt).all())


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in after if before.get(t) != after[t])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def profile_doc(profile_id: str) -> dict:
    """A valid user-defined profile: a built-in one under another id."""
    from migration.profiles import get_profile, profile_to_dict

    doc = profile_to_dict(get_profile("kr-2035"))
    doc["id"] = profile_id
    return doc


def catalog_doc(catalog_id: str) -> dict:
    """A valid user-defined sector catalog: the built-in finance one under another id."""
    from migration.sectors.loader import catalog_to_dict, get_catalog_by_sector_or_id

    return catalog_to_dict(get_catalog_by_sector_or_id("finance")) | {"id": catalog_id}


# ---------------------------------------------------------------------- API
@dataclass
class ApiCtx:
    client: TestClient
    url: str
    org_id: int
    admin: dict[str, str]
    admin_name: str
    made: dict[str, Any] = field(default_factory=dict)

    def post(self, path: str, **kw) -> Any:
        resp = self.client.post(V1 + path, headers=self.admin, **kw)
        assert resp.status_code in (200, 201, 202), (path, resp.text)
        return resp.json()

    def wait(self, job_id: int) -> None:
        self.client.app.state.jobs.wait(job_id, timeout=120)

    def asset(self) -> int:
        return self.post("/assets", json={"name": "a", "asset_type": "service"})["id"]

    def usage(self) -> int:
        body = {"asset_id": self.asset(), "algorithm": "RSA-2048", "primitive": "signature"}
        return self.post("/usages", json=body)["id"]

    def plan(self) -> dict:
        return self.post("/plans", json={"profile": "kr-2035"})

    def product(self) -> int:
        self.made["products"] = self.made.get("products", 0) + 1
        version = str(self.made["products"])
        body = {"name": "Gate", "version": version, "algorithms": ["ML-DSA-65"]}
        return self.post("/testbed/products", json=body)["id"]

    def vendor_session(self) -> dict:
        body = {"product_id": self.product(), "algorithm": "ML-DSA-65"}
        return self.post("/testbed/sessions", json=body | {"check": "sig_vendor_verifies"})


Call = Callable[[], Any]


def _delete(c: ApiCtx, path: str) -> Call:
    return lambda: c.client.delete(V1 + path, headers=c.admin)


def _patch(c: ApiCtx, path: str, body: dict) -> Call:
    return lambda: c.client.patch(V1 + path, headers=c.admin, json=body)


def _new_org(c: ApiCtx, slug: str) -> dict:
    body = {"slug": slug, "name": slug.title(), "sector": "other", "tier": "private"}
    return c.post("/organizations", json=body)


def _dependency(c: ApiCtx) -> dict:
    body = {"dependent_id": c.asset(), "provider_id": c.asset(), "kind": "runs_on"}
    return c.post("/dependencies", json=body)


def _key(c: ApiCtx, name: str) -> dict:
    return c.post("/api-keys", json={"organization_id": c.org_id, "role": "auditor", "name": name})


def _answer(c: ApiCtx) -> Call:
    s = c.vendor_session()
    items = {i["id"]: "accept" for i in s["challenge"]["items"]}
    body = {"check": s["check"], "answer": {"items": items}}
    return lambda: c.post(f"/testbed/sessions/{s['id']}/answer", json=body)


def _scan(c: ApiCtx) -> Call:
    c.post("/scan-scopes", json={"value": "127.0.0.1"})
    body = {"kind": "tls", "targets": [f"127.0.0.1:{free_port()}"], "timeout": 2}
    return lambda: c.post("/scans", json=body)


TARGET = "finance/hsm-key-management"
STEP = "/procedure/kr-pilot/select-system"


def _tagged(c: ApiCtx) -> int:
    asset = c.asset()
    c.post(f"/asset-tags/{asset}", json={"tags": ["hsm"]})
    return asset


def _tied(c: ApiCtx) -> int:
    asset = c.asset()
    c.post("/sector-ties", json={"asset_id": asset, "target": TARGET})
    return asset


def _reports_to(c: ApiCtx, slug: str) -> int:
    """The tenant starts reporting to a new supervising organization: the relation's id."""
    _new_org(c, slug)
    return c.post("/reporting", json={"supervisor": slug})["id"]


def _evidence(c: ApiCtx) -> int:
    return c.post(f"{STEP}/evidence", json={"url": "https://example.org/e", "label": "e"})["id"]


def _absent(c: ApiCtx) -> Call:
    c.post("/sector-absences", json={"target": TARGET, "reason": "no HSM here"})
    return _delete(c, f"/sector-absences?target={TARGET}")


def _evidence_file(c: ApiCtx) -> Call:
    return lambda: c.post(f"{STEP}/evidence/file?filename=minutes.txt", content=b"minutes")


BENCH = {"algorithms": ["Ed25519"], "engines": ["openssl"], "time_budget_s": 0.05}
# (method, path) -> prepare(ctx): makes what the write needs, returns the call that writes
API_WRITES: dict[tuple[str, str], Callable[[ApiCtx], Call]] = {
    ("POST", "/organizations"): lambda c: lambda: _new_org(c, "new-org"),
    ("PATCH", "/organizations/{org_id}"): lambda c: _patch(
        c, f"/organizations/{c.org_id}", {"name": "Renamed"}
    ),
    ("DELETE", "/organizations/{org_id}"): lambda c: _delete(
        c, f"/organizations/{_new_org(c, 'gone')['id']}"
    ),
    ("POST", "/assets"): lambda c: c.asset,
    ("PATCH", "/assets/{asset_id}"): lambda c: _patch(c, f"/assets/{c.asset()}", {"owner": "o"}),
    ("DELETE", "/assets/{asset_id}"): lambda c: _delete(c, f"/assets/{c.asset()}"),
    ("POST", "/usages"): lambda c: c.usage,
    ("PATCH", "/usages/{usage_id}"): lambda c: _patch(c, f"/usages/{c.usage()}", {"notes": "n"}),
    ("DELETE", "/usages/{usage_id}"): lambda c: _delete(c, f"/usages/{c.usage()}"),
    ("POST", "/dependencies"): lambda c: lambda: _dependency(c),
    ("DELETE", "/dependencies/{dep_id}"): lambda c: _delete(
        c, f"/dependencies/{_dependency(c)['id']}"
    ),
    ("POST", "/imports/{kind}"): lambda c: lambda: c.post("/imports/csv", content=CSV),
    ("POST", "/api-keys"): lambda c: lambda: _key(c, "k2"),
    ("DELETE", "/api-keys/{key_id}"): lambda c: _delete(c, f"/api-keys/{_key(c, 'k3')['id']}"),
    ("POST", "/jobs/{job_id}/cancel"): lambda c: (
        lambda j=_queued_job(c): c.post(f"/jobs/{j}/cancel")
    ),
    ("POST", "/plans"): lambda c: c.plan,
    ("DELETE", "/plans/{plan_id}"): lambda c: _delete(c, f"/plans/{c.plan()['id']}"),
    ("POST", "/plans/{plan_id}/versions"): lambda c: (
        lambda p=c.plan()["id"]: c.post(f"/plans/{p}/versions", json={})
    ),
    ("PATCH", "/plans/tasks/{task_id}"): lambda c: _patch(
        c, f"/plans/tasks/{_a_task(c)}", {"status": "in_progress"}
    ),
    ("POST", "/profiles"): lambda c: lambda: c.post("/profiles", json=profile_doc("own-1")),
    ("DELETE", "/profiles/{profile_id}"): lambda c: (
        c.post("/profiles", json=profile_doc("own-2")) and _delete(c, "/profiles/own-2")
    ),
    ("POST", "/testbed/products"): lambda c: c.product,
    ("POST", "/testbed/benchmarks"): lambda c: lambda: c.post("/testbed/benchmarks", json=BENCH),
    ("POST", "/testbed/sessions"): lambda c: c.vendor_session,
    ("POST", "/testbed/sessions/{session_id}/answer"): _answer,
    ("POST", "/scan-scopes"): lambda c: (
        lambda: c.post("/scan-scopes", json={"value": "10.9.0.0/24", "ports": "443"})
    ),
    ("DELETE", "/scan-scopes/{scope_id}"): lambda c: _delete(
        c, f"/scan-scopes/{c.post('/scan-scopes', json={'value': '10.8.0.1'})['id']}"
    ),
    ("POST", "/scans"): _scan,
    ("POST", "/sectors/catalogs"): lambda c: (
        lambda: c.post("/sectors/catalogs", json=catalog_doc("own-fin-1"))
    ),
    ("DELETE", "/sectors/catalogs/{catalog_id}"): lambda c: (
        c.post("/sectors/catalogs", json=catalog_doc("own-fin-2"))
        and _delete(c, "/sectors/catalogs/own-fin-2")
    ),
    ("POST", "/sector-ties"): lambda c: (
        lambda a=c.asset(): c.post("/sector-ties", json={"asset_id": a, "target": TARGET})
    ),
    ("DELETE", "/sector-ties"): lambda c: _delete(
        c, f"/sector-ties?asset_id={_tied(c)}&target={TARGET}"
    ),
    ("POST", "/sector-absences"): lambda c: (
        lambda: c.post("/sector-absences", json={"target": TARGET, "reason": "none kept"})
    ),
    ("DELETE", "/sector-absences"): _absent,
    ("POST", "/asset-tags/{asset_id}"): lambda c: (
        lambda a=c.asset(): c.post(f"/asset-tags/{a}", json={"tags": ["hsm"]})
    ),
    ("DELETE", "/asset-tags/{asset_id}/{tag}"): lambda c: _delete(
        c, f"/asset-tags/{_tagged(c)}/hsm"
    ),
    ("PATCH", "/procedure/{procedure_id}/{step_id}"): lambda c: _patch(
        c, STEP, {"status": "in_progress", "owner": "CISO"}
    ),
    ("POST", "/procedure/{procedure_id}/{step_id}/evidence"): lambda c: lambda: _evidence(c),
    ("POST", "/procedure/{procedure_id}/{step_id}/evidence/file"): _evidence_file,
    ("DELETE", "/procedure/evidence/{evidence_id}"): lambda c: _delete(
        c, f"/procedure/evidence/{_evidence(c)}"
    ),
    ("POST", "/reporting"): lambda c: lambda: _reports_to(c, "regulator-1"),
    ("POST", "/reporting/{relation_id}/stop"): lambda c: (
        lambda r=_reports_to(c, "regulator-2"): c.post(f"/reporting/{r}/stop")
    ),
    ("POST", "/reporting/shared/refresh"): lambda c: (
        _reports_to(c, "regulator-3") and (lambda: c.post("/reporting/shared/refresh"))
    ),
    # signing makes the report key on first use: this runs before the testbed's signing
    # routes (sorted), so the example writes that key as well as its audit row
    ("POST", "/reporting/report"): lambda c: (
        lambda: c.client.post(f"{V1}/reporting/report", headers=c.admin, json={})
    ),
}
# routes that are not GET but write nothing: they compute an answer from what they are sent
API_READS: dict[tuple[str, str], Callable[[ApiCtx], Call]] = {
    ("POST", "/plans/judge"): lambda c: (
        lambda: c.post("/plans/judge", json={"profiles": ["kr-2035"]})
    ),
    ("POST", "/profiles/validate"): lambda c: (
        lambda: c.post("/profiles/validate", json=profile_doc("checked"))
    ),
    ("POST", "/testbed/reports/verify"): lambda c: (
        lambda: c.post("/testbed/reports/verify", json={"report": {}, "signature": {}})
    ),
    ("POST", "/sectors/catalogs/validate"): lambda c: (
        lambda: c.post("/sectors/catalogs/validate", json=catalog_doc("checked"))
    ),
}


def _queued_job(c: ApiCtx) -> int:
    """A job that waits in the queue (never handed to the runner), so it can be cancelled."""
    with c.client.app.state.sessionmaker.begin() as s:
        job = Job(organization_id=c.org_id, kind="import", created_by="test", params={})
        s.add(job)
        s.flush()
        return job.id


def _a_task(c: ApiCtx) -> int:
    c.usage()
    plan = c.plan()
    tasks = c.client.get(f"{V1}/plans/{plan['id']}/versions/1/tasks", headers=c.admin).json()
    return tasks["items"][0]["id"]


def _write_routes(app) -> set[tuple[str, str]]:
    from tests.app.api.test_access import _routes

    out = set()
    for path, route in _routes(app):
        methods = getattr(route, "methods", None) or set()
        if path.startswith(V1):
            out |= {(m, path.removeprefix(V1)) for m in methods - {"GET", "HEAD"}}
    return out


@pytest.fixture
def api_ctx(sqlite_url: str) -> Iterator[ApiCtx]:
    app = create_app(Settings(database_url=sqlite_url))
    with TestClient(app) as client:
        with app.state.sessionmaker.begin() as s:
            org = Organization(slug="tenant", name="T", sector=Sector.FINANCE, tier=Tier.PRIVATE)
            s.add(org)
            s.flush()
            _, secret = issue_key(s, org.id, Role.ADMIN, "audited admin")
            org_id = org.id
        headers = {"Authorization": f"Bearer {secret}"}
        yield ApiCtx(client, sqlite_url, org_id, headers, "audited admin")
    engine_for(sqlite_url).dispose()


def test_every_api_write_route_has_an_entry(api_ctx):
    routes = _write_routes(api_ctx.client.app)
    known = API_WRITES.keys() | API_READS.keys()
    assert routes - known == set(), "routes that write (or may) with no entry here"
    assert known - routes == set(), "entries for routes the app does not have"


def test_every_api_write_is_audited_with_its_actor(api_ctx):
    c = api_ctx
    for (method, path), prepare in sorted(API_WRITES.items()):
        call = prepare(c)
        before, audits = state(c.url), last_audit(c.url)
        answer = call()
        if hasattr(answer, "status_code"):
            assert answer.status_code < 300, (method, path, answer.text)
            answer = answer.json() if answer.content else {}
        job = answer.get("job_id") if isinstance(answer, dict) else None
        if job is not None:
            c.wait(job)
        after, new = state(c.url), audit_rows(c.url, audits)
        assert changed(before, after), f"{method} {path}: the example wrote nothing"
        assert new, f"{method} {path} changed {changed(before, after)} with no audit row"
        assert {(r.actor, r.api_key_id is not None) for r in new} == {(c.admin_name, True)}, (
            method, path, [(r.actor, r.action, r.entity) for r in new]
        )  # fmt: skip
    for (method, path), prepare in sorted(API_READS.items()):
        call = prepare(c)
        before = state(c.url)
        call()
        assert changed(before, state(c.url)) == [], f"{method} {path} wrote"


# ---------------------------------------------------------------------- CLI
def commands(group: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every leaf command of the tree, by its words (``("scan", "scope", "add")``), asked
    of each group as click asks it (Typer ships its own click, so by duck type)."""
    ctx = group.context_class(group)
    out: dict[tuple[str, ...], Any] = {}
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if hasattr(cmd, "list_commands"):
            out |= commands(cmd, (*prefix, name))
        else:
            out[(*prefix, name)] = cmd
    return out


@dataclass
class CliCtx:
    url: str
    tmp: Path
    runner: CliRunner = field(default_factory=CliRunner)

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        result = self.runner.invoke(cli_app, list(args), catch_exceptions=False)
        assert result.exit_code in ok, (args, result.exit_code, result.output)
        return result.output

    def scalar(self, sql: str) -> Any:
        with engine_for(self.url).connect() as conn:
            return conn.execute(text(sql)).scalar()

    def file(self, name: str, content: str) -> str:
        path = self.tmp / name
        path.write_text(content)
        return str(path)


def _plan_id(c: CliCtx) -> str:
    return str(c.scalar("SELECT max(id) FROM plans"))


def _task_id(c: CliCtx) -> str:
    return str(c.scalar("SELECT max(id) FROM plan_tasks"))


def _job_id(c: CliCtx) -> str:
    """A job that waits in the queue, so `pqcplan job cancel` has one to cancel."""
    from sqlalchemy.orm import Session

    with Session(engine_for(c.url)) as s, s.begin():
        org = s.scalar(select(Organization.id).where(Organization.slug == "lab"))
        job = Job(organization_id=org, kind="import", created_by="test", params={})
        s.add(job)
        s.flush()
        return str(job.id)


def _store(c: CliCtx) -> str:
    """A directory in a path scope, holding one certificate."""
    from tests.inventory.discovery import pki

    c.run("scan", "scope", "add", str(c.tmp), "--kind", "path", *ORG)
    folder = c.tmp / "store"
    folder.mkdir(exist_ok=True)
    (folder / "c.pem").write_bytes(pki.pem(pki.make_cert(pki.ecdsa_key(), "cli.test")))
    return str(folder)


def _source(c: CliCtx) -> str:
    """A directory in a path scope, holding one Python file that makes an RSA key."""
    folder = c.tmp / "src"
    folder.mkdir(exist_ok=True)
    c.run("scan", "scope", "add", str(folder), "--kind", "path", *ORG)
    (folder / "keys.py").write_text(
        "from cryptography.hazmat.primitives.asymmetric import rsa\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
    )
    return str(folder)


ORG = ("--org", "lab")
CBOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "components": [{"type": "cryptographic-asset", "name": "AES-128", "bom-ref": "a"}],
}
BENCH_ARGS = ["--alg", "Ed25519", "--engine", "openssl", "--seconds", "0.05", "--no-baseline"]


def _scope_id(c: CliCtx) -> str:
    c.run("scan", "scope", "add", "10.7.0.0/24", *ORG)
    return str(c.scalar("SELECT max(id) FROM scan_scopes"))


# words -> argument list (functions receive the context), run in this order; each writes
CLI_WRITES: dict[tuple[str, ...], Callable[[CliCtx], list[str]]] = {
    ("org", "create"): lambda c: ["lab", "Lab", "--sector", "finance", "--tier", "private"],
    ("key", "create"): lambda c: [*ORG, "--role", "officer"],
    ("import", "csv"): lambda c: [c.file("in.csv", CSV), *ORG],
    ("import", "cbom"): lambda c: [c.file("in.cdx.json", json.dumps(CBOM)), *ORG],
    ("plan", "generate"): lambda c: ["--profile", "kr-2035", *ORG],
    ("plan", "status"): lambda c: [_task_id(c), "--set", "in_progress"],
    ("profiles", "add"): lambda c: [c.file("own.yaml", yaml.safe_dump(profile_doc("own"))), *ORG],
    ("scan", "scope", "add"): lambda c: ["127.0.0.1", *ORG],
    ("scan", "scope", "remove"): lambda c: [*ORG, _scope_id(c)],
    ("scan", "tls"): lambda c: [f"127.0.0.1:{free_port()}", *ORG, "--timeout", "2"],
    ("scan", "ssh"): lambda c: [f"127.0.0.1:{free_port()}", *ORG, "--timeout", "2"],
    ("scan", "certs"): lambda c: [_store(c), *ORG],
    ("scan", "code"): lambda c: [_source(c), *ORG],
    ("job", "cancel"): lambda c: [_job_id(c)],
    ("bench",): lambda c: [*BENCH_ARGS, *ORG],
    ("sector", "catalog", "add"): lambda c: [
        c.file("cat.yaml", yaml.safe_dump(catalog_doc("own"))),
        *ORG,
    ],
    ("sector", "catalog", "remove"): lambda c: ["own", *ORG],
    ("sector", "tag"): lambda c: [*ORG, "--asset", _asset_id(c), "hsm"],
    ("sector", "tie"): lambda c: [*ORG, "--asset", _asset_id(c), "--target", TARGET],
    ("sector", "absent"): lambda c: [*ORG, "--target", TARGET, "--reason", "none kept"],
    ("procedure", "set"): lambda c: [*ORG, "kr-pilot", "select-system", "--status", "done"],
    ("procedure", "evidence"): lambda c: [
        *ORG,
        "kr-pilot",
        "select-system",
        "--link",
        "https://example.org/m",
    ],
    ("supervision", "start"): lambda c: [*ORG, "--to", _org(c, "regulator")],
    ("supervision", "report"): lambda c: [*ORG, "--format", "json", "-o", str(c.tmp / "r.json")],
    ("supervision", "stop"): lambda c: [
        *ORG,
        str(c.scalar("SELECT max(id) FROM reporting_relations")),
    ],
    ("demo",): lambda c: ["--keys-file", str(c.tmp / "keys.json")],
}
EXIT_CODES = {("scan", "tls"): (1,), ("scan", "ssh"): (1,)}  # every target refused: exit 1
# words -> arguments of commands that only read (run too: they must change nothing)
CLI_READS: dict[tuple[str, ...], Callable[[CliCtx], list[str]]] = {
    ("db", "current"): lambda c: [],
    ("export", "cbom"): lambda c: [*ORG],
    ("export", "csv"): lambda c: [*ORG],
    ("inventory", "summary"): lambda c: [*ORG],
    ("org", "list"): lambda c: [],
    ("plan", "list"): lambda c: [*ORG],
    ("plan", "show"): lambda c: [_plan_id(c)],
    ("plan", "export"): lambda c: [_plan_id(c), "--format", "csv"],
    ("plan", "compare"): lambda c: [_plan_id(c), "--from", "1", "--to", "1"],
    ("plan", "judge"): lambda c: [*ORG, "--profile", "kr-2035"],
    ("profiles", "list"): lambda c: [],
    ("profiles", "show"): lambda c: ["kr-2035"],
    ("profiles", "validate"): lambda c: [
        c.file("v.yaml", yaml.safe_dump(profile_doc("checked-one")))
    ],
    ("scan", "scope", "list"): lambda c: [*ORG],
    ("job", "show"): lambda c: [_job_id_readonly(c)],
    ("testbed", "engines"): lambda c: [],
    ("judge",): lambda c: [c.file("j.csv", CSV)],
    ("verify-report",): lambda c: ["--help"],  # files only, no database
    ("sector", "list"): lambda c: [],
    ("sector", "show"): lambda c: ["finance", "--format", "json"],
    ("sector", "check"): lambda c: [*ORG, "--format", "json"],
    ("sector", "catalog", "validate"): lambda c: [
        c.file("v-cat.yaml", yaml.safe_dump(catalog_doc("checked")))
    ],
    ("procedure", "show"): lambda c: [*ORG, "--format", "json"],
    ("supervision", "list"): lambda c: [*ORG],
    ("supervision", "view"): lambda c: ["--org", "regulator", "--format", "json"],
    ("supervision", "verify"): lambda c: ["--help"],  # files only, no database
}
READ_EXIT_CODES = {("judge",): (0, 1)}  # exit 1: the gate found something to replace
# commands that are not run here, and why
NOT_RUN = {
    ("serve",): "runs the API: its writes are the API's, checked above",
    ("worker",): "runs queued jobs: their writes are the routes' that queued them",
    ("db", "upgrade"): "changes the schema, not an organization's data",
    ("db", "downgrade"): "changes the schema, not an organization's data",
}


def _asset_id(c: CliCtx) -> str:
    return str(c.scalar("SELECT max(id) FROM assets"))


def _org(c: CliCtx, slug: str) -> str:
    c.run(
        "org", "create", slug, slug.title(), "--sector", "finance", "--tier", "public_institution"
    )
    return slug


def _job_id_readonly(c: CliCtx) -> str:
    return str(c.scalar("SELECT max(id) FROM jobs"))


@pytest.fixture
def cli_ctx(sqlite_url: str, tmp_path: Path, monkeypatch) -> Iterator[CliCtx]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield CliCtx(sqlite_url, tmp_path)
    get_settings.cache_clear()
    engine_for(sqlite_url).dispose()


def test_every_cli_command_has_an_entry():
    found = set(commands(typer.main.get_command(cli_app)))
    known = CLI_WRITES.keys() | CLI_READS.keys() | NOT_RUN.keys()
    assert found - known == set(), "commands with no entry here"
    assert known - found == set(), "entries for commands the CLI does not have"


def test_every_cli_write_is_audited_as_the_operator(cli_ctx):
    c = cli_ctx
    for words, args in CLI_WRITES.items():
        arguments = args(c)
        before, audits = state(c.url), last_audit(c.url)
        c.run(*words, *arguments, ok=EXIT_CODES.get(words, (0,)))
        after, new = state(c.url), audit_rows(c.url, audits)
        where = " ".join(words)
        assert changed(before, after), f"pqcplan {where}: the example wrote nothing"
        assert new, f"pqcplan {where} changed {changed(before, after)} with no audit row"
        assert {r.actor for r in new} == {"cli"}, (where, [(r.actor, r.action) for r in new])
    for words, args in CLI_READS.items():
        arguments = args(c)
        before = state(c.url)
        c.run(*words, *arguments, ok=READ_EXIT_CODES.get(words, (0,)))
        assert changed(before, state(c.url)) == [], f"pqcplan {' '.join(words)} wrote"
