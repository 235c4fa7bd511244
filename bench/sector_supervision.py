"""The sector completeness check and the supervisor's view at 100 reporting organizations
of 10,000 assets each (target: p95 under 300 ms on PostgreSQL), on the user's path: a real
`pqcplan serve` (uvicorn) on loopback, asked over HTTP with API keys and a console session.

    .venv/bin/python bench/sector_supervision.py --pg URL [--orgs 100] [--assets 10000]
    .venv/bin/python bench/sector_supervision.py [--orgs 5 --assets 2000]   # SQLite

Rows go in by COPY (`core.bulk`, one COPY per table per organization on PostgreSQL): each
organization's assets (names drawn so that some sector targets match and some do not),
3 usages per asset, and one stored plan version of one task per asset with its timeline
counts; then ANALYZE, as autovacuum would. Every organization's officer then starts
reporting to one supervising organization (`POST /api/v1/reporting`, which answers after
the shared figures are computed: completeness, procedure, plan progress, deadlines at
risk). Timed, each after two warm-up requests: the completeness check of an organization
(`GET /api/v1/sector-check`, a different one each time), the supervisor's view of all of
them (`GET /api/v1/supervision`) and of one (`GET /api/v1/supervision/{id}`), a tie by hand
(which rewrites that organization's shared figures) and the console's supervision page.
Each figure has the server's CPU per request beside it (from /proc), which a loaded
machine does not inflate the way it does wall time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from _common import (
    analyze,
    cpu_seconds,
    free_port,
    machine_load,
    record,
    scratch_database,
    start_server,
    stop_all,
)
from sqlalchemy import delete, func, inspect, select, text

from core.apikeys import issue_key
from core.bulk import insert_rows
from core.choices import Role, Sector, Tier
from core.db import engine_for, session_factory
from core.models import Organization
from core.schema import upgrade
from inventory.choices import AssetType, CryptoFunction, Exposure, Primitive, QuantumStatus
from inventory.models import Asset, CryptoUsage
from migration.models import Plan, PlanTask, PlanVersion
from migration.sectors.catalogs import expected_targets
from migration.sectors.models import ReportingRelation, SharedFigures, TargetTie
from migration.timeline import CellCounts, store_cells

TINY_ARGS = ["--orgs", "3", "--assets", "150", "--requests", "5"]
TARGET_MS = 300.0
SECTORS = [
    Sector.GOVERNMENT, Sector.PUBLIC_INSTITUTION, Sector.FINANCE, Sector.TELECOM,
    Sector.ENERGY, Sector.HEALTHCARE, Sector.TRANSPORT, Sector.DEFENSE, Sector.SPACE,
    Sector.MANUFACTURING, Sector.IOT,
]  # fmt: skip
# Words in asset names: some are catalog keywords (matched), the rest are not.
WORDS = [
    "portal", "billing", "HSM cluster", "VPN gateway", "records database", "SEPP roaming",
    "PACS gateway", "EMR service", "card authorization", "internet banking", "meter head-end",
    "OPC UA server", "ground station", "CCTV", "SCADA", "firmware build", "intranet",
    "document exchange", "identity gateway", "ticketing", "patient portal", "payroll",
    "warehouse", "crm", "data lake", "mail relay", "DNS resolver", "network management",
]  # fmt: skip
FUNCTIONS = [
    CryptoFunction.TLS_KEY_EXCHANGE, CryptoFunction.TLS_AUTHENTICATION,
    CryptoFunction.CERTIFICATE_SIGNATURE, CryptoFunction.DATA_AT_REST, CryptoFunction.VPN,
    CryptoFunction.SSH_HOST_KEY, CryptoFunction.TOKEN_SIGNING, CryptoFunction.FIRMWARE_SIGNING,
]  # fmt: skip
ALGS = [
    ("RSA-2048", QuantumStatus.BROKEN),
    ("ECDSA-P256", QuantumStatus.BROKEN),
    ("AES-128", QuantumStatus.WEAKENED),
    ("ML-KEM-768", QuantumStatus.RESISTANT),
]
TYPES = [t for t in AssetType]
PHASES = ["pilot", "transition"]


def _assets(org_id: int, n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    words = rng.sample(WORDS, k=len(WORDS) * 2 // 3)  # each organization lacks a third
    for i in range(n):
        yield {
            "organization_id": org_id,
            "ref": f"a{i}",
            "name": f"{rng.choice(words)} {i}",
            "asset_type": rng.choice(TYPES),
            "exposure": rng.choice(list(Exposure)),
        }


def populate(url: str, n_orgs: int, n_assets: int, rng: random.Random) -> dict[str, Any]:
    """The supervising organization and `n_orgs` organizations with their rows (by COPY)."""
    upgrade(url)
    sessions = session_factory(url)
    with sessions.begin() as s:
        s.add(
            Organization(
                slug="supervisor",
                name="Supervisor",
                sector=Sector.GOVERNMENT,
                tier=Tier.CENTRAL_GOVERNMENT,
            )
        )
    t0 = time.perf_counter()
    rows = 0
    for k in range(n_orgs):
        with sessions.begin() as s:
            org = Organization(
                slug=f"org-{k}",
                name=f"Organization {k}",
                sector=SECTORS[k % len(SECTORS)],
                tier=Tier.CRITICAL_PRIVATE_INFRASTRUCTURE,
            )
            s.add(org)
            s.flush()
            org_id = org.id
            conn = s.connection()
            insert_rows(conn, Asset.__table__, list(_assets(org_id, n_assets, rng)))
            ids = [
                r[0]
                for r in conn.execute(
                    text("SELECT id FROM assets WHERE organization_id = :o ORDER BY id"),
                    {"o": org_id},
                )
            ]
            usages = []
            for asset_id in ids:
                for j in range(3):
                    alg, status = rng.choice(ALGS)
                    usages.append({
                        "organization_id": org_id, "asset_id": asset_id, "ref": f"u{asset_id}-{j}",
                        "algorithm": alg, "algorithm_raw": alg, "primitive": Primitive.SIGNATURE,
                        "function": rng.choice(FUNCTIONS), "quantum_status": status,
                        "status_reason": "bench", "catalog_version": "bench",
                    })  # fmt: skip
            insert_rows(conn, CryptoUsage.__table__, usages)
            _plan(s, org_id, ids, rng)
            rows += len(ids) * 5
    return {"load_s": time.perf_counter() - t0, "rows": rows}


def prepare(url: str) -> dict[str, Any]:
    """Keys, each organization's first asset and a target it expects; no reporting, ties
    or shared figures yet (so a kept database starts each run as a fresh one does)."""
    sessions = session_factory(url)
    out: dict[str, Any] = {"orgs": [], "officer": {}, "first_asset": {}, "targets": {}}
    with sessions.begin() as s:
        for table in (SharedFigures, TargetTie, ReportingRelation):
            s.execute(delete(table))
        for org in s.scalars(select(Organization).order_by(Organization.id)):
            key = issue_key(s, org.id, Role.OFFICER, "bench")[1]
            if org.slug == "supervisor":
                out["supervisor_key"] = key
                continue
            out["orgs"].append(org.id)
            out["officer"][org.id] = key
            out["first_asset"][org.id] = s.scalar(
                select(func.min(Asset.id)).where(Asset.organization_id == org.id)
            )
            out["targets"][org.id] = expected_targets(s, org)[0].key
        out["assets"] = s.scalar(select(func.count()).select_from(Asset))
    return out


def _plan(s: Any, org_id: int, asset_ids: list[int], rng: random.Random) -> None:
    """One stored version of one task per asset, and its timeline counts."""
    plan = Plan(organization_id=org_id, name="bench plan", profile_id="kr-2035")
    s.add(plan)
    s.flush()
    version = PlanVersion(
        organization_id=org_id,
        plan_id=plan.id,
        number=1,
        profile_id="kr-2035",
        profile_version="bench",
        params={},
        summary={},
        risk_parts=[],
    )
    s.add(version)
    s.flush()
    cells = CellCounts()
    tasks = []
    start = date(2027, 1, 1)
    for position, asset_id in enumerate(asset_ids):
        wave = position * 40 // max(1, len(asset_ids))
        wave_start = start + timedelta(days=91 * wave)
        deadline = date(2030, 12, 31) if position % 7 else date(2027, 6, 30)
        status = "done" if rng.random() < 0.2 else "planned"
        phase = PHASES[0] if wave < 8 else PHASES[1]
        label = f"{wave_start.year}-Q{(wave_start.month - 1) // 3 + 1}"
        tasks.append({
            "organization_id": org_id, "version_id": version.id, "position": position,
            "key": f"usage:{asset_id}", "usage_id": None, "asset_id": asset_id,
            "asset_name": "bench", "sector": "bench", "algorithm": "RSA-2048",
            "use": "signature", "quantum_status": "broken", "target": "ML-DSA-65",
            "alternatives": [], "effort": 2, "score": 50.0, "risk": {"total": 50.0, "parts": []},
            "unit": position, "wave": wave, "wave_label": label, "wave_start": wave_start,
            "wave_end": wave_start + timedelta(days=90), "phase": phase, "deadline": deadline,
            "deadline_rule": "bench", "deadline_source": "bench", "flags": [], "reasons": [],
            "blocking_chain": [], "status": status,
        })  # fmt: skip
        cells.add((wave, label, phase, "bench", status), 2, deadline, False)
    insert_rows(s.connection(), PlanTask.__table__, tasks)
    store_cells(s, version.id, cells)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Timed:
    """Wall ms of each timed request; the server's and the database's CPU over all."""

    wall_ms: list[float] = field(default_factory=list)
    server_cpu_s: float = 0.0
    db_cpu_s: float | None = None  # PostgreSQL's backends for the bench database


@dataclass
class Meter:
    """CPU used so far by the server process and by the database's backends (PostgreSQL:
    every backend connected to the bench database but the meter's own)."""

    server_pid: int
    url: str

    def __post_init__(self) -> None:
        self._db = engine_for(self.url).connect() if self.url.startswith("postgresql") else None

    def read(self) -> tuple[float, float | None]:
        if self._db is None:
            return cpu_seconds(self.server_pid), None
        pids = self._db.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        return cpu_seconds(self.server_pid), sum(cpu_seconds(p) for p in pids)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def _timed(
    http: httpx.Client, meter: Meter, requests: int, make: Any, method: str = "GET"
) -> Timed:
    """Two warm-up requests, then `requests` timed ones (make(i) -> path, headers[, json])."""
    out = Timed()
    for i in range(requests + 2):
        path, headers, *body = make(i)
        if i == 2:
            server0, db0 = meter.read()
        t0 = time.perf_counter()
        resp = http.request(method, path, headers=headers, json=body[0] if body else None)
        elapsed = (time.perf_counter() - t0) * 1000
        assert resp.status_code < 300, (path, resp.status_code, resp.text[:200])
        if i >= 2:
            out.wall_ms.append(elapsed)
    server1, db1 = meter.read()
    out.server_cpu_s = server1 - server0
    if db0 is not None and db1 is not None:
        out.db_cpu_s = db1 - db0
    return out


def _sign_in(http: httpx.Client, secret: str) -> None:
    form = http.get("/signin").text
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    resp = http.post("/signin", data={"api_key": secret, "csrf": csrf})
    assert resp.status_code in (200, 303), (resp.status_code, resp.text[:200])


def run(url: str, label: str, n_orgs: int, n_assets: int, requests: int) -> None:
    loaded: dict[str, Any] = {"rows": 0, "load_s": 0.0}
    if not _populated(url):
        loaded = populate(url, n_orgs, n_assets, random.Random(2035))
        analyze(url)
    data = prepare(url) | loaded
    engine_for(url).dispose()
    orgs = data["orgs"]
    sup = {"Authorization": f"Bearer {data['supervisor_key']}"}

    def officer(org_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {data['officer'][org_id]}"}

    env = os.environ | {"DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    env.pop("BOOTSTRAP_ADMIN_KEY", None)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(env, port, Path(tmp) / "serve.log")
        meter = Meter(server.pid, url)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=120) as http:
                # every organization starts reporting as its officer would: the answer comes
                # after its shared figures (completeness, procedure, plan) are computed
                start = _timed(
                    http, meter, len(orgs) - 2,
                    lambda i: ("/api/v1/reporting", officer(orgs[i]), {"supervisor": "supervisor"}),
                    "POST",
                )  # fmt: skip
                figures = {
                    "completeness check (GET /api/v1/sector-check)": _timed(
                        http, meter, requests,
                        lambda i: ("/api/v1/sector-check", officer(orgs[(i * 7) % len(orgs)])),
                    ),
                    "supervisor view, all (GET /api/v1/supervision)": _timed(
                        http, meter, requests, lambda i: ("/api/v1/supervision", sup)
                    ),
                    "supervisor view, one (GET /api/v1/supervision/{id})": _timed(
                        http, meter, requests,
                        lambda i: (f"/api/v1/supervision/{orgs[i % len(orgs)]}", sup),
                    ),
                    "tie by hand, figures rewritten (POST /api/v1/sector-ties)": _timed(
                        http, meter, requests,
                        lambda i: (
                            "/api/v1/sector-ties", officer(orgs[i % len(orgs)]),
                            {"asset_id": _asset_of(data, orgs[i % len(orgs)], i),
                             "target": data["targets"][orgs[i % len(orgs)]]},
                        ),
                        "POST",
                    ),
                }  # fmt: skip
                body = http.get("/api/v1/supervision", headers=sup).json()
            with httpx.Client(base_url=base, timeout=120) as browser:
                _sign_in(browser, data["supervisor_key"])
                figures["console supervision page (GET /supervision)"] = _timed(
                    browser, meter, requests, lambda i: ("/supervision", {})
                )
        finally:
            meter.close()
            stop_all([server], grace=10)
    how = "COPY" if label == "PostgreSQL" else "bulk insert"
    loaded = f"{data['rows']:,} rows by {how} in {data['load_s']:.1f} s" if data["rows"] else "kept"
    print(
        f"\n{label}: {len(orgs)} reporting organizations x {data['assets'] // len(orgs)} "
        f"assets ({loaded}); {machine_load()}"
    )
    print(f"  supervisor sees {len(body['organizations'])} organizations in "
          f"{len(body['sectors'])} sectors; timed over `pqcplan serve` on loopback")  # fmt: skip
    for name, timed in {"start reporting (POST /api/v1/reporting)": start, **figures}.items():
        times = timed.wall_ms
        p95 = _p(times, 0.95)
        print(
            f"  {name}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms "
            f"({p95 / TARGET_MS:.2f}x the {TARGET_MS:.0f} ms target); CPU per request: server "
            f"{timed.server_cpu_s * 1000 / len(times):.1f} ms"
            + (
                f", database {timed.db_cpu_s * 1000 / len(times):.1f} ms"
                if timed.db_cpu_s is not None
                else ""
            )
            + f"; {len(times)} requests"
        )
        size = f"{len(orgs)} organizations x {data['assets'] // len(orgs):,} assets"
        judged = {"target": f"< {TARGET_MS:.0f} ms", "met": p95 < TARGET_MS}
        cpu_ms = timed.server_cpu_s * 1000 / len(times)
        record(
            f"{label}: {name}, p95",
            p95,
            "ms",
            **(judged if label == "PostgreSQL" else {}),
            size=size,
        )
        record(f"{label}: {name}, server CPU per request", cpu_ms, "ms", size=size)


def _populated(url: str) -> bool:
    """A kept database (`--db`) that a run filled already."""
    with engine_for(url).connect() as conn:
        if not inspect(conn).has_table("organizations"):
            return False
        return bool(conn.scalar(select(func.count()).select_from(Organization)))


def _asset_of(data: dict[str, Any], org_id: int, i: int) -> int:
    """A different asset of the organization for each request (its first id + i)."""
    return data["first_asset"][org_id] + i


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per route")
    parser.add_argument("--pg", help="PostgreSQL admin URL (a scratch database is created)")
    parser.add_argument(
        "--db",
        help="a database URL kept between runs: filled on the first, reused after (sizes "
        "then come from what it holds)",
    )
    args = parser.parse_args()
    sizes = (args.orgs, args.assets, args.requests)
    if args.db:
        label = "PostgreSQL" if args.db.startswith("postgresql") else "SQLite"
        run(args.db, label, *sizes)
        return
    if args.pg:
        with scratch_database(args.pg, "pqcplan_sectorbench") as url:
            try:
                run(url, "PostgreSQL", *sizes)
            finally:
                engine_for(url).dispose()
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'sectors.sqlite3'}", "SQLite", *sizes)


if __name__ == "__main__":
    main()
