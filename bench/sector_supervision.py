"""The sector completeness check and the supervisor's view at 100 reporting organizations
of 10,000 assets each (target: p95 under 300 ms on PostgreSQL).

    .venv/bin/python bench/sector_supervision.py --pg URL [--orgs 100] [--assets 10000]
    .venv/bin/python bench/sector_supervision.py [--orgs 5 --assets 2000]   # SQLite

Rows go in by COPY (`core.bulk`, one COPY per table per organization on PostgreSQL): each
organization's assets (names drawn so that some sector targets match and some do not),
3 usages per asset, and one stored plan version of one task per asset with its timeline
counts. Then every organization starts reporting to one supervising organization through
`migration.sectors.supervision.start_reporting` (which computes its shared figures: the
completeness check, the procedure, plan progress and deadlines at risk; timed). Requests
then go through the whole app in-process (API key, middleware, JSON): the completeness
check of a random organization (`GET /api/v1/sector-check`), the supervisor's view of all
of them (`GET /api/v1/supervision`) and of one (`GET /api/v1/supervision/{id}`), and the
console's supervision page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.bulk import insert_rows
from core.choices import Role, Sector, Tier
from core.db import engine_for, session_factory
from core.models import Organization
from core.schema import upgrade
from core.tenancy import Principal
from inventory.choices import AssetType, CryptoFunction, Exposure, Primitive, QuantumStatus
from inventory.models import Asset, CryptoUsage
from migration.models import Plan, PlanTask, PlanVersion
from migration.sectors.supervision import start_reporting
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
    upgrade(url)
    sessions = session_factory(url)
    out: dict[str, Any] = {"orgs": [], "officer": {}}
    with sessions.begin() as s:
        sup = Organization(
            slug="supervisor",
            name="Supervisor",
            sector=Sector.GOVERNMENT,
            tier=Tier.CENTRAL_GOVERNMENT,
        )
        s.add(sup)
        s.flush()
        out["supervisor"] = sup.id
        out["supervisor_key"] = issue_key(s, sup.id, Role.OFFICER, "bench")[1]
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
            out["officer"][org_id] = issue_key(s, org_id, Role.OFFICER, "bench")[1]
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
        out["orgs"].append(org_id)
    out["load_s"] = time.perf_counter() - t0
    out["rows"] = rows
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


def _timed(client: TestClient, requests: int, make: Any) -> list[float]:
    times = []
    for i in range(requests + 2):
        path, headers = make(i)
        t0 = time.perf_counter()
        resp = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - t0) * 1000
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:200])
        if i >= 2:  # two warm-up requests
            times.append(elapsed)
    return times


def run(url: str, label: str, n_orgs: int, n_assets: int, requests: int) -> None:
    rng = random.Random(2035)
    data = populate(url, n_orgs, n_assets, rng)
    with engine_for(url).connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
            conn.commit()
    sessions = session_factory(url)
    refresh = []
    for org_id in data["orgs"]:
        t0 = time.perf_counter()
        with sessions.begin() as s:
            start_reporting(s, Principal(org_id, Role.OFFICER, "bench"), org_id, "supervisor")
        refresh.append((time.perf_counter() - t0) * 1000)
    app = create_app(Settings(database_url=url))
    sup = {"Authorization": f"Bearer {data['supervisor_key']}"}
    orgs = data["orgs"]

    def check(i: int) -> tuple[str, dict[str, str]]:
        org_id = orgs[(i * 7) % len(orgs)]
        return "/api/v1/sector-check", {"Authorization": f"Bearer {data['officer'][org_id]}"}

    with TestClient(app) as client:
        figures = {
            "completeness check (GET /api/v1/sector-check)": _timed(client, requests, check),
            "supervisor view, all (GET /api/v1/supervision)": _timed(
                client, requests, lambda i: ("/api/v1/supervision", sup)
            ),
            "supervisor view, one (GET /api/v1/supervision/{id})": _timed(
                client, requests, lambda i: (f"/api/v1/supervision/{orgs[i % len(orgs)]}", sup)
            ),
        }
        client.cookies.clear()
        form = client.get("/signin").text
        csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        client.post("/signin", data={"api_key": data["supervisor_key"], "csrf": csrf})
        figures["console supervision page (GET /supervision)"] = _timed(
            client, requests, lambda i: ("/supervision", {})
        )
        body = client.get("/api/v1/supervision", headers=sup).json()
    load = os.getloadavg()
    print(
        f"\n{label}: {n_orgs} reporting organizations x {n_assets} assets "
        f"({data['rows']:,} rows by COPY in {data['load_s']:.1f} s); "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs"
    )
    reporting = len(body["organizations"])
    print(f"  supervisor sees {reporting} organizations in {len(body['sectors'])} sectors")
    print(
        f"  start reporting + shared figures, per organization: p50 {_p(refresh, 0.5):.0f} ms, "
        f"p95 {_p(refresh, 0.95):.0f} ms"
    )
    for name, times in figures.items():
        p95 = _p(times, 0.95)
        print(
            f"  {name}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms "
            f"({p95 / TARGET_MS:.2f}x the {TARGET_MS:.0f} ms target, {len(times)} requests)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per route")
    parser.add_argument("--pg", help="PostgreSQL admin URL (a scratch database is created)")
    args = parser.parse_args()
    sizes = (args.orgs, args.assets, args.requests)
    if args.pg:
        name = f"pqcplan_sectorbench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
        try:
            run(url, "PostgreSQL", *sizes)
        finally:
            engine_for(url).dispose()
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'sectors.sqlite3'}", "SQLite", *sizes)


if __name__ == "__main__":
    main()
