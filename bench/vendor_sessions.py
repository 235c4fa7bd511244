"""Vendor sessions against a real `pqcplan serve`: session-open latency per check kind, and
the wall time of a full honest run of every check kind for one algorithm.

    .venv/bin/python bench/vendor_sessions.py [--opens 20] [--warm 900] [--pg URL] [--quick]
                                              [--no-pool]

Starts `pqcplan serve` on a fresh SQLite file (or a scratch PostgreSQL database with `--pg`,
plus one `pqcplan worker`, which runs the pool keeper there), with the pool keeper on, and
waits up to `--warm` seconds until the pool holds every seeded kind. Then one vendor
organization opens `--opens` sessions of each kind, one after another, and answers each with
an honest product (the Go product of the tests, and the ACVP solvers of the tests): the
figure is the open request's latency as the client sees it, p50/p99 per kind; a 429's wait
is not counted in it, but every 429 is. Then a second organization runs every check kind
(and every ACVP mode, and the receiver in both answer modes) once for ML-KEM-768 and for
ML-DSA-65: its wall time, its 429s (0 means it fit one rate-limit budget) and how many
passed. `--quick` opens two kinds only, skips the warm-up and runs the receiver in both
modes alone (the CI size). `--no-pool` turns the keeper off: every session is prepared on
its open request, as when a burst outruns the pool.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from _common import record

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TINY_ARGS = ["--opens", "1", "--warm", "0", "--quick"]
API = "/api/v1/testbed"

#: (label, algorithm, check, mode)
KINDS = [
    ("kem_receiver", "ML-KEM-768", "kem_receiver", None),
    ("kem_sender", "ML-KEM-768", "kem_sender", None),
    ("sig_vendor_signs", "ML-DSA-65", "sig_vendor_signs", None),
    ("sig_vendor_verifies", "ML-DSA-65", "sig_vendor_verifies", None),
    ("acvp_mlkem keyGen", "ML-KEM-768", "acvp_mlkem", "keyGen"),
    ("acvp_mlkem encapDecap", "ML-KEM-768", "acvp_mlkem", "encapDecap"),
    ("acvp_mldsa keyGen", "ML-DSA-65", "acvp_mldsa", "keyGen"),
    ("acvp_mldsa sigGen", "ML-DSA-65", "acvp_mldsa", "sigGen"),
    ("acvp_mldsa sigVer", "ML-DSA-65", "acvp_mldsa", "sigVer"),
]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(url: str) -> list[dict[str, str]]:
    from core.apikeys import issue_key
    from core.choices import Role, Sector, Tier
    from core.db import engine_for, session_factory
    from core.models import Organization
    from core.schema import upgrade

    upgrade(url)
    headers = []
    with session_factory(url).begin() as session:
        for slug in ("vendor-latency", "vendor-full-run", "vendor-warm-up"):
            org = Organization(slug=slug, name=slug, sector=Sector.OTHER, tier=Tier.PRIVATE)
            session.add(org)
            session.flush()
            _, secret = issue_key(session, org.id, Role.VENDOR, slug)
            headers.append({"Authorization": f"Bearer {secret}"})
    engine_for(url).dispose()
    return headers


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    pqcplan = Path(sys.executable).with_name("pqcplan")
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(pqcplan), *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _wait_healthy(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"pqcplan serve exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("pqcplan serve did not answer /healthz within 120 s")


def _pool_count(url: str) -> int:
    from sqlalchemy import func, select

    from core.db import session_factory
    from testbed.conformance.models import PooledCase

    with session_factory(url)() as db:
        return int(db.scalar(select(func.count(PooledCase.id))) or 0)


def _solver(check: str, mode: str | None, product: Any, confirm: bool) -> Callable[..., dict]:
    from tests.testbed.conformance import test_vendor_acvp as acvp

    if check == "kem_receiver":
        return lambda s: product.receive(s["challenge"], s["nonce"], confirm=confirm)
    if check == "kem_sender":
        return lambda s: product.send(s["challenge"])
    if check == "sig_vendor_signs":
        return lambda s: product.sign(s["challenge"])
    if check == "sig_vendor_verifies":
        return lambda s: product.verify_items(s["challenge"])
    solve = {
        ("acvp_mlkem", "keyGen"): acvp.mlkem_keygen_liboqs,
        ("acvp_mlkem", "encapDecap"): acvp.mlkem_encap_decap_good,
    }.get((check, mode), acvp.mldsa_good)
    return lambda s: acvp._answer(s["challenge"]["vector_set"], solve)


class Vendor:
    def __init__(self, http: httpx.Client, headers: dict[str, str]) -> None:
        self.http, self.headers = http, headers
        self.waits_429 = 0
        self.product_id = self._post(
            f"{API}/products",
            {"name": "Bench", "version": "1", "algorithms": ["ML-KEM-768", "ML-DSA-65"]},
        )[1]["id"]

    def _post(self, path: str, body: dict) -> tuple[float, dict]:
        while True:
            started = time.perf_counter()
            resp = self.http.post(path, headers=self.headers, json=body)
            took = (time.perf_counter() - started) * 1000
            if resp.status_code == 429:
                self.waits_429 += 1
                time.sleep(int(resp.headers.get("Retry-After", "1")))
                continue
            if resp.status_code >= 400:
                raise SystemExit(f"{path}: {resp.status_code} {resp.text[:500]}")
            return took, resp.json()

    def run(self, alg: str, check: str, mode: str | None, product: Any, confirm: bool = False):
        body: dict[str, Any] = {"product_id": self.product_id, "algorithm": alg, "check": check}
        if mode:
            body["mode"] = mode
        if check == "kem_receiver":
            body["input"] = {"encapsulation_key": base64.b64encode(product.ek).decode()}
        took, session = self._post(f"{API}/sessions", body)
        answer = _solver(check, mode, product, confirm)(session)
        _, report = self._post(
            f"{API}/sessions/{session['id']}/answer", {"check": check, "answer": answer}
        )
        body = report["report"]
        return took, body["summary"]["verdict"], bool(body["reference"].get("prepared_ahead"))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=20, help="sessions opened per kind")
    parser.add_argument("--warm", type=float, default=900, help="seconds to wait for the pool")
    parser.add_argument("--pg", help="an admin PostgreSQL URL: run on a scratch database")
    parser.add_argument("--quick", action="store_true", help="two kinds, ML-KEM-768 only")
    parser.add_argument(
        "--no-pool", action="store_true", help="keeper off: every case made on the request"
    )
    args = parser.parse_args()
    from tests.testbed.conformance.go_product import GoProduct, binary

    binary()  # build the Go product before any clock runs
    print(f"machine load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        if args.pg:
            from _common import scratch_database

            print("database: PostgreSQL (a scratch database), keeper in a pqcplan worker")
            with scratch_database(args.pg) as url:
                _bench(url, Path(tmp), args, GoProduct, worker=True)
        else:
            print("database: SQLite file, keeper in a child process of pqcplan serve")
            _bench(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp), args, GoProduct, worker=False)


def _bench(url: str, tmp: Path, args: argparse.Namespace, product_cls: Any, worker: bool) -> None:
    from testbed.conformance.pool import SEED, depth

    headers = _prepare(url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    keeping = "false" if args.no_pool else "true"
    env = {**os.environ, "DATABASE_URL": url, "TESTBED_POOL_KEEPER": keeping}
    procs = [_start(["serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp / "serve.log")]
    if worker:
        procs.append(_start(["worker"], env, tmp / "worker.log"))
    try:
        _wait_healthy(procs[0], base, tmp / "serve.log")
        keeper = "a pqcplan worker" if worker else "a child process of pqcplan serve"
        with httpx.Client(base_url=base, timeout=300) as http:
            if not args.quick:
                warm = Vendor(http, headers[2])
                for _, alg, check, mode in KINDS:
                    warm.run(alg, check, mode, product_cls())  # first use of routes, engines
            if args.no_pool:
                print("pool: keeper off, every case prepared on its open request")
            else:
                _wait_for_pool(url, sum(depth(s) for s in SEED), args.warm, keeper)
            _latency(Vendor(http, headers[0]), args, product_cls)
            _full_run(Vendor(http, headers[1]), args, product_cls)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"machine load after: {os.getloadavg()[0]:.2f} (1 min)")


def _database(args: argparse.Namespace) -> str:
    return "PostgreSQL" if args.pg else "SQLite"


def _wait_for_pool(url: str, target: int, patience: float, keeper: str) -> None:
    started = time.monotonic()
    while _pool_count(url) < target and time.monotonic() - started < patience:
        time.sleep(2)
    print(
        f"pool: {_pool_count(url)} of {target} seeded cases ready after "
        f"{time.monotonic() - started:.0f} s more (keeper: {keeper})"
    )


def _latency(vendor: Vendor, args: argparse.Namespace, product_cls: Any) -> None:
    kinds = KINDS[:1] + KINDS[4:5] if args.quick else KINDS
    print(f"\nsession open, {args.opens} per kind (ms, as the client sees it)")
    print(f"{'kind':24} {'p50':>8} {'p99':>8} {'max':>8} {'pooled':>7} {'passed':>7}")
    for label, alg, check, mode in kinds:
        product = product_cls(kem=alg if "KEM" in alg else "ML-KEM-768")
        times, pooled, passed = [], 0, 0
        for n in range(args.opens):
            took, verdict, ahead = vendor.run(alg, check, mode, product, confirm=n % 2 == 1)
            times.append(took)
            pooled += ahead
            passed += verdict == "pass"
        print(
            f"{label:24} {statistics.median(times):8.1f} {_pct(times, 99):8.1f} "
            f"{max(times):8.1f} {pooled:>7} {passed:>7}"
        )
        p99 = _pct(times, 99)
        record(
            f"{_database(args)}: vendor session open p99, {label}",
            p99,
            "ms",
            target="< 300 ms",
            met=p99 < 300,
            size=f"{args.opens} opens" + (", no pool" if args.no_pool else ""),
        )
    print(f"429 answers while measuring (waited out, not counted above): {vendor.waits_429}")


def _full_run(vendor: Vendor, args: argparse.Namespace, product_cls: Any) -> None:
    runs = [(a, c, m) for _, a, c, m in KINDS]
    runs.insert(1, ("ML-KEM-768", "kem_receiver", "confirm"))
    if args.quick:
        runs = runs[:2]
    started = time.perf_counter()
    passed = 0
    product = product_cls()
    for alg, check, mode in runs:
        confirm = mode == "confirm"
        _, verdict, _ = vendor.run(alg, check, None if confirm else mode, product, confirm)
        passed += verdict == "pass"
    wall = time.perf_counter() - started
    algs = sorted({a for a, _, _ in runs})
    what = (
        "receiver in both answer modes"
        if args.quick
        else ("every check kind and ACVP mode, receiver in both answer modes")
    )
    print(
        f"\nfull honest run ({', '.join(algs)}: {len(runs)} sessions, {what}): {wall:.1f} s, "
        f"{passed}/{len(runs)} passed, {vendor.waits_429} answers 429"
    )
    size = f"{len(runs)} sessions ({', '.join(algs)})" + (", no pool" if args.no_pool else "")
    record(f"{_database(args)}: vendor full honest run, wall", wall, "s", size=size)
    record(
        f"{_database(args)}: vendor full honest run, sessions passed",
        passed,
        f"of {len(runs)}",
        target="all",
        met=passed == len(runs),
        size=size,
    )


if __name__ == "__main__":
    main()
