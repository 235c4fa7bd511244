"""Concurrent clients against a real `pqcplan serve`: throughput, latency, errors, lost writes.

    .venv/bin/python bench/api_load.py [--clients 50] [--seconds 60] [--servers 1 2]
        [--think 0 1] [--pg URL] [--no-sqlite]

Starts `pqcplan serve` (uvicorn) on loopback on a fresh SQLite file (and, with `--pg`, on a
scratch PostgreSQL database), `--servers` of them sharing the database, runs N clients doing
mixed reads and writes for a bounded time, prints requests/s, p50/p95/p99, server CPU per
request and counts per status code, and then checks the database itself: every write
answered 2xx must be there (the last acknowledged owner of each asset, each created usage,
each deleted asset gone). Exit code 1 on a 5xx other than 503, on a 503 without
Retry-After, or on a lost write.

Two load models (`--think`, mean seconds between one client's requests):
- 0, closed loop: each client sends its next request the moment the last one answers, the
  worst case. Latency then is queueing: with N clients, p50 is about N / throughput
  whatever the server does, so it measures capacity, not what a user waits.
- T > 0, users: each client waits an exponential think time of mean T between requests
  (a Poisson arrival stream per user), so N clients offer about N / (T + latency)
  requests/s, and latency shows what each of them waits at that load.
Every run starts with a warm-up (each operation once per server: routes, mappers, the
catalog) that neither the clock nor the server CPU figure counts. With several
`--servers` counts, the throughput of each is also given as a ratio to the first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import cpu_seconds, free_port, scratch_database, start_server
from sqlalchemy import create_engine, select, text

TINY_ARGS = ["--clients", "4", "--seconds", "2", "--think", "0.2"]
ROOT = Path(__file__).resolve().parent.parent
ORGS = 4
# operation -> weight: two thirds reads, one third writes
MIX = {
    "list_assets": 30,
    "get_asset": 15,
    "summary": 10,
    "list_usages": 10,
    "create_asset": 12,
    "patch_asset": 12,
    "create_usage": 7,
    "delete_asset": 4,
}
ALGORITHMS = [
    ("RSA-2048", "signature"),
    ("ECDSA-P256", "signature"),
    ("ML-KEM-768", "key_exchange"),
    ("AES-256", "symmetric"),
    ("ML-DSA-65", "signature"),
]


@dataclass
class Ledger:
    """What the server acknowledged (2xx), to check against the database afterwards."""

    owners: dict[int, str] = field(default_factory=dict)  # asset id -> last acknowledged owner
    usages: dict[int, int] = field(default_factory=dict)  # usage id -> its asset id
    deleted: set[int] = field(default_factory=set)
    unknown: set[int] = field(default_factory=set)  # assets with a write of unknown outcome
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    by_op: Counter[str] = field(default_factory=Counter)
    op_latencies: dict[str, list[float]] = field(default_factory=dict)
    bad_503: int = 0
    acknowledged: int = 0  # writes answered 2xx


def _prepare(url: str) -> list[dict[str, str]]:
    """Schema, organizations and officer keys, written by the library in this process."""
    from core.apikeys import issue_key
    from core.choices import Role, Sector, Tier
    from core.db import engine_for, session_factory
    from core.models import Organization
    from core.schema import upgrade

    upgrade(url)
    headers = []
    with session_factory(url).begin() as session:
        for i in range(ORGS):
            org = Organization(
                slug=f"load-{i}", name=f"Load {i}", sector=Sector.FINANCE, tier=Tier.PRIVATE
            )
            session.add(org)
            session.flush()
            _, secret = issue_key(session, org.id, Role.OFFICER, "load")
            headers.append({"Authorization": f"Bearer {secret}"})
    engine_for(url).dispose()
    return headers


async def _client(
    n: int,
    http: httpx.AsyncClient,
    headers: dict[str, str],
    until: float,
    led: Ledger,
    think: float = 0.0,
) -> None:
    rng = random.Random(n)
    ops, weights = list(MIX), list(MIX.values())
    mine: list[int] = []  # this client's live assets: only it writes them, one at a time
    seq = 0
    while True:
        if think:  # a user reading the last answer (or arriving) before the next request
            pause = rng.expovariate(1 / think)
            await asyncio.sleep(min(pause, max(0.0, until - time.monotonic())))
        if time.monotonic() >= until:
            break
        op = rng.choices(ops, weights)[0]
        if op in ("get_asset", "patch_asset", "create_usage", "delete_asset") and not mine:
            op = "create_asset"
        seq += 1
        target = rng.choice(mine) if mine else None
        if op == "list_assets":
            req = http.build_request("GET", "/api/v1/assets", params={"limit": 50})
        elif op == "list_usages":
            req = http.build_request("GET", "/api/v1/usages", params={"limit": 50})
        elif op == "summary":
            req = http.build_request("GET", "/api/v1/inventory/summary")
        elif op == "get_asset":
            req = http.build_request("GET", f"/api/v1/assets/{target}")
        elif op == "create_asset":
            body = {"name": f"c{n}-a{seq}", "asset_type": "service", "owner": f"c{n}-{seq}"}
            req = http.build_request("POST", "/api/v1/assets", json=body)
        elif op == "patch_asset":
            owner = f"c{n}-{seq}"
            req = http.build_request("PATCH", f"/api/v1/assets/{target}", json={"owner": owner})
        elif op == "create_usage":
            algorithm, primitive = rng.choice(ALGORITHMS)
            body = {"asset_id": target, "algorithm": algorithm, "primitive": primitive}
            req = http.build_request("POST", "/api/v1/usages", json=body)
        else:
            req = http.build_request("DELETE", f"/api/v1/assets/{target}")
        req.headers.update(headers)
        started = time.perf_counter()
        try:
            resp = await http.send(req)
        except httpx.HTTPError as exc:
            led.statuses[type(exc).__name__] += 1
            if target is not None and req.method != "GET":
                led.unknown.add(target)  # no answer: the write may or may not have landed
            continue
        led.latencies.append(time.perf_counter() - started)
        led.op_latencies.setdefault(op, []).append(led.latencies[-1])
        led.statuses[str(resp.status_code)] += 1
        led.by_op[op] += 1
        if resp.status_code == 503 and "retry-after" not in resp.headers:
            led.bad_503 += 1
        if not 200 <= resp.status_code < 300:
            continue
        if req.method != "GET":
            led.acknowledged += 1
        if op == "create_asset":
            asset = resp.json()
            mine.append(asset["id"])
            led.owners[asset["id"]] = asset["owner"]
        elif op == "patch_asset":
            led.owners[target] = owner
        elif op == "create_usage":
            led.usages[resp.json()["id"]] = target
        elif op == "delete_asset":
            mine.remove(target)
            led.deleted.add(target)
            led.owners.pop(target, None)


def _lost_writes(url: str, led: Ledger) -> list[str]:
    from inventory.models import Asset, CryptoUsage

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    lost = []
    try:
        with engine.connect() as conn:
            owners = dict(conn.execute(select(Asset.id, Asset.owner)).all())
            usages = set(conn.scalars(select(CryptoUsage.id)))
    finally:
        engine.dispose()
    for asset_id, owner in led.owners.items():
        if asset_id in led.unknown:
            continue
        if asset_id not in owners:
            lost.append(f"asset {asset_id}: acknowledged but missing")
        elif owners[asset_id] != owner:
            lost.append(f"asset {asset_id}: owner {owners[asset_id]!r}, acknowledged {owner!r}")
    for asset_id in led.deleted - led.unknown:
        if asset_id in owners:
            lost.append(f"asset {asset_id}: delete acknowledged but still there")
    for usage_id, asset_id in led.usages.items():
        if asset_id in led.deleted or asset_id in led.unknown:
            continue  # a deleted asset takes its usages along
        if usage_id not in usages:
            lost.append(f"usage {usage_id}: acknowledged but missing")
    return lost


async def _warm_up(http: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """Each operation once (routes, mappers, the catalog load), outside the clock and ledger."""

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        resp = await http.request(method, path, headers=headers, **kwargs)
        if resp.status_code >= 400:
            raise SystemExit(f"warm-up {method} {path} answered {resp.status_code}: {resp.text}")
        return resp

    body = {"name": f"warm-up-{uuid.uuid4().hex[:8]}", "asset_type": "service", "owner": "w"}
    asset = (await call("POST", "/api/v1/assets", json=body)).json()["id"]
    await call("GET", f"/api/v1/assets/{asset}")
    await call("PATCH", f"/api/v1/assets/{asset}", json={"owner": "w2"})
    usage = {"asset_id": asset, "algorithm": "RSA-2048", "primitive": "signature"}
    await call("POST", "/api/v1/usages", json=usage)
    await call("GET", "/api/v1/assets", params={"limit": 50})
    await call("GET", "/api/v1/usages", params={"limit": 50})
    await call("GET", "/api/v1/inventory/summary")
    await call("DELETE", f"/api/v1/assets/{asset}")


def _pg_sessions(url: str) -> int | None:
    """Sessions PostgreSQL has opened on this database so far (None on SQLite)."""
    if not url.startswith("postgresql"):
        return None
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            query = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            return int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(
    url: str,
    label: str,
    clients: int,
    seconds: float,
    workdir: Path,
    servers: int = 1,
    think: float = 0.0,
) -> dict[str, Any]:
    env = os.environ | {"DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    env.pop("BOOTSTRAP_ADMIN_KEY", None)
    headers = _prepare(url)
    procs: list[subprocess.Popen[bytes]] = []
    led = Ledger()
    measured: dict[str, float] = {}
    try:
        ports = []
        for n in range(servers):  # N API processes on one database, as when scaled out
            ports.append(free_port())
            log = workdir / f"serve-{label}-{servers}x-think{think:g}-{n}.log"
            procs.append(start_server(env, ports[-1], log))

        async def load() -> None:
            per = max(1, clients // servers + 1)
            limits = httpx.Limits(
                max_connections=per, max_keepalive_connections=per, keepalive_expiry=2.0
            )  # closes idle connections before the server does (5 s): no reuse race
            timeout = httpx.Timeout(120.0)
            https = [
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", limits=limits, timeout=timeout)
                for p in ports
            ]
            try:
                for http in https:
                    await _warm_up(http, headers[0])
                sessions = _pg_sessions(url)
                server_cpu = sum(cpu_seconds(proc.pid) for proc in procs)
                client_cpu = _own_cpu_seconds()
                started = time.monotonic()
                until = started + seconds
                await asyncio.gather(
                    *(
                        _client(i, https[i % servers], headers[i % ORGS], until, led, think)
                        for i in range(clients)
                    )
                )
                measured["elapsed"] = time.monotonic() - started
                measured["server_cpu"] = sum(cpu_seconds(p.pid) for p in procs) - server_cpu
                measured["client_cpu"] = _own_cpu_seconds() - client_cpu
                if sessions is not None:
                    after = _pg_sessions(url)
                    measured["pg_sessions"] = (after or 0) - sessions - 1  # not our own
            finally:
                for http in https:
                    await http.aclose()

        asyncio.run(load())
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    lost = _lost_writes(url, led)
    lat = sorted(led.latencies) or [0.0]

    def pct(p: float, values: list[float] = lat) -> float:
        return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000

    server_errors = sum(v for k, v in led.statuses.items() if k.startswith("5") and k != "503")
    elapsed, requests = measured["elapsed"], max(1, len(led.latencies))
    return {
        "database": label,
        "clients": clients,
        "servers": servers,
        "think_s": think,
        "seconds": round(elapsed, 1),
        "requests": len(led.latencies),
        "requests_per_s": round(len(led.latencies) / elapsed, 1),
        "p50_ms": round(pct(50), 1),
        "p95_ms": round(pct(95), 1),
        "p99_ms": round(pct(99), 1),
        "mean_ms": round(statistics.fmean(lat) * 1000, 1),
        "server_cpu_ms_per_request": round(measured["server_cpu"] * 1000 / requests, 1),
        "client_cpu_ms_per_request": round(measured["client_cpu"] * 1000 / requests, 1),
        "pg_sessions_opened": measured.get("pg_sessions"),
        "load_average": round(os.getloadavg()[0], 1),
        "statuses": dict(sorted(led.statuses.items())),
        "by_operation": dict(sorted(led.by_op.items())),
        "p50_p99_ms_by_operation": {
            op: (round(pct(50, v), 1), round(pct(99, v), 1))
            for op, v in sorted((op, sorted(v)) for op, v in led.op_latencies.items())
        },
        "acknowledged_writes": led.acknowledged,
        "server_errors_not_503": server_errors,
        "503_without_retry_after": led.bad_503,
        "unknown_outcome_writes": len(led.unknown),
        "lost_writes": len(lost),
        "lost_examples": lost[:10],
    }


def _model(think: float) -> str:
    if not think:
        return "closed loop, no think time (worst case)"
    return f"users, exponential think time of mean {think:g} s"


def _print(result: dict[str, Any]) -> None:
    print(
        f"{result['database']}: {result['clients']} clients ({_model(result['think_s'])}) on "
        f"{result['servers']} server process(es) for {result['seconds']} s: "
        f"{result['requests']} requests, {result['requests_per_s']} requests/s"
    )
    print(
        f"  latency p50 {result['p50_ms']} ms  p95 {result['p95_ms']} ms  "
        f"p99 {result['p99_ms']} ms  mean {result['mean_ms']} ms"
    )
    sessions = result["pg_sessions_opened"]
    print(
        f"  server CPU {result['server_cpu_ms_per_request']} ms per request "
        f"(bench client {result['client_cpu_ms_per_request']} ms); "
        + (f"PostgreSQL sessions opened {sessions}; " if sessions is not None else "")
        + f"machine load average {result['load_average']} on {os.cpu_count()} CPUs"
    )
    print(f"  status codes: {result['statuses']}")
    print(f"  operations: {result['by_operation']}")
    print(
        "  p50/p99 ms by operation: "
        + ", ".join(f"{op} {a}/{b}" for op, (a, b) in result["p50_p99_ms_by_operation"].items())
    )
    print(
        f"  acknowledged writes {result['acknowledged_writes']}, "
        f"lost writes {result['lost_writes']}, "
        f"5xx other than 503: {result['server_errors_not_503']}, "
        f"503 without Retry-After: {result['503_without_retry_after']}"
    )
    for line in result["lost_examples"]:
        print(f"  LOST: {line}")


def _print_ratios(results: list[dict[str, Any]]) -> None:
    """Throughput of each --servers count beside the first, per database and load model."""
    groups: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for result in results:
        groups.setdefault((result["database"], result["think_s"]), []).append(result)
    for (database, think), runs in groups.items():
        if len(runs) < 2:
            continue
        first = runs[0]
        for other in runs[1:]:
            ratio = other["requests_per_s"] / max(first["requests_per_s"], 1e-9)
            print(
                f"{database}, {_model(think)}: {other['servers']} processes "
                f"{other['requests_per_s']} requests/s, {first['servers']} process(es) "
                f"{first['requests_per_s']}: ratio {ratio:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pg", help="PostgreSQL admin URL (a scratch database is created)")
    parser.add_argument("--no-sqlite", action="store_true", help="with --pg: PostgreSQL only")
    parser.add_argument("--json", action="store_true", help="also print one JSON line per run")
    parser.add_argument(
        "--servers", type=int, nargs="+", default=[1], help="API processes sharing the database"
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs="+",
        default=[0.0, 1.0],
        help="mean think time per client in seconds; 0 is a closed loop (default: 0 1)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work dir (server logs)")
    args = parser.parse_args()
    if args.no_sqlite and not args.pg:
        parser.error("--no-sqlite needs --pg")
    results: list[dict[str, Any]] = []

    def record(result: dict[str, Any]) -> None:
        results.append(result)
        _print(result)
        if args.json:
            print(json.dumps(result))
        sys.stdout.flush()

    workdir = Path(tempfile.mkdtemp(prefix="pqcplan-load-"))
    runs = [(think, servers) for think in args.think for servers in args.servers]
    try:
        if not args.no_sqlite:
            for n, (think, servers) in enumerate(runs):
                url = f"sqlite:///{workdir / f'load-{n}.sqlite3'}"
                record(run(url, "SQLite", args.clients, args.seconds, workdir, servers, think))
        if args.pg:
            pg_admin = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
            for think, servers in runs:
                with scratch_database(pg_admin, "pqcplan_load") as url:
                    record(
                        run(url, "PostgreSQL", args.clients, args.seconds, workdir, servers, think)
                    )
    finally:
        if args.keep:
            print(f"work dir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    _print_ratios(results)
    failed = any(
        r["lost_writes"] or r["server_errors_not_503"] or r["503_without_retry_after"]
        for r in results
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
