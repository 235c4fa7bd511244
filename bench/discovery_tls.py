"""TLS discovery at 1,000 loopback endpoints plus 20 that accept and hang, scanned and filed
on the path users run (target: under 30 s on 2 cores with the default 10 s timeout), and
sslyze / ssh-audit beside the scanner on the same endpoints.

    .venv/bin/python bench/discovery_tls.py [--endpoints 1000] [--hanging 20] [--timeout 10]
        [--concurrency 64] [--compare 10]

How: one Go crypto/tls process (tests/peers/tlsserver, built once and cached) listens on
--endpoints loopback ports, offering X25519MLKEM768, X25519 and P-256 with an ECDSA
certificate, TLS 1.2 and 1.3; --hanging more ports accept and never answer. The scan is
`pqcplan scan tls`'s: `service.prepare` against a registered scope, `service.run` with every
probe (every IANA suite per version, groups, signature schemes of 1.3 and 1.2, the chain,
preference checks; one event loop per core above 200 targets) and `record_scan` filing every
fact into a fresh SQLite inventory. Printed: wall seconds of the scan and of filing, the
machine's load (`os.getloadavg`), and CPU seconds of the scanner (its worker processes
included) and of the Go peer, so a figure taken on a busy machine can be read against an
idle one: wall on idle 2 cores is about max(scanner CPU / workers, all CPU / 2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import cpu_seconds, record, start_hanging  # noqa: E402

from core.db import session_factory  # noqa: E402
from core.models import Organization  # noqa: E402
from core.schema import upgrade  # noqa: E402
from inventory.discovery import parallel, service  # noqa: E402
from inventory.discovery.ssh import scan_ssh_endpoint  # noqa: E402
from inventory.discovery.tls import ScanOptions, scan_many  # noqa: E402
from tests.inventory.discovery import pki  # noqa: E402
from tests.peers.gobuild import go_binary  # noqa: E402

TINY_ARGS = ["--endpoints", "5", "--hanging", "1", "--timeout", "1", "--compare", "1"]
TOOLS = Path.home() / ".cache" / "pqcplan" / "tools" / "bin"
GO_GROUPS = ["X25519MLKEM768", "x25519", "secp256r1"]


def start_tls_peer(count: int, folder: Path) -> tuple[subprocess.Popen, list[int]]:
    key = pki.ecdsa_key()
    cert = pki.make_cert(key, "bench.test", sans=("bench.test",))
    cert_path, key_path = pki.write_pair(folder, "bench", [cert], key)
    binary = go_binary(ROOT / "tests" / "peers" / "tlsserver")
    proc = subprocess.Popen(
        [
            *(str(binary), "-cert", str(cert_path), "-key", str(key_path)),
            *("-groups", "X25519MLKEM768,X25519,P256", "-count", str(count)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, json.loads(proc.stdout.readline())


def scan_and_file(db: str, targets: list[str], timeout: float, concurrency: int) -> dict:
    sessions = session_factory(db)
    with sessions.begin() as s:
        org = Organization(slug="bench", name="Bench", sector="finance", tier="private")
        s.add(org)
        s.flush()
        org_id = org.id
        service.add_scope(s, org_id, "network", "127.0.0.1", None, "bench")
        req = service.prepare(s, org_id, "tls", targets, timeout=timeout, concurrency=concurrency)
    parallel.last_run.clear()
    cpu0, t0 = time.process_time(), time.perf_counter()
    results = service.run(req)  # what `pqcplan scan tls` runs: every probe, default options
    scan_s = time.perf_counter() - t0
    scan_cpu = time.process_time() - cpu0 + parallel.last_run.get("worker_cpu", 0.0)
    cpu1, t1 = time.process_time(), time.perf_counter()
    with sessions.begin() as s:
        summary = service.record_scan(s, org_id, req, results, "bench").summary
    return {
        "results": results,
        "scan_s": scan_s,
        "scan_cpu": scan_cpu,
        "workers": int(parallel.last_run.get("workers", 1)),
        "file_s": time.perf_counter() - t1,
        "file_cpu": time.process_time() - cpu1,
        "summary": summary,
    }


def exactly_right(r) -> bool:
    return (
        r.status == "ok"
        and r.groups == GO_GROUPS
        and r.versions == ["TLSv1.3", "TLSv1.2"]
        and len(r.tls13_suites) == 3
        and len(r.tls12_suites) >= 3
        and r.signature_schemes == ["ecdsa_secp256r1_sha256"]
        and len(r.certificates) == 1
    )


def time_tool(args: list[str]) -> float | None:
    exe = TOOLS / args[0]
    if not exe.exists():
        return None
    t0 = time.perf_counter()
    subprocess.run([str(exe), *args[1:]], capture_output=True, timeout=600)
    return time.perf_counter() - t0


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoints", type=int, default=1000)
    ap.add_argument("--hanging", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=10.0, help="per target (the default)")
    ap.add_argument("--concurrency", type=int, default=64, help="the CLI's default")
    ap.add_argument("--compare", type=int, default=10, help="endpoints for sslyze/ssh-audit")
    args = ap.parse_args()
    if shutil.which("go") is None:
        sys.exit("Go is needed to build the TLS peer")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = f"sqlite:///{folder / 'bench.sqlite3'}"
        upgrade(db)
        proc, ports = start_tls_peer(args.endpoints, folder)
        hanging = start_hanging(args.hanging)
        try:
            targets = [f"127.0.0.1:{p}" for p in ports + hanging]
            print(f"before: {load()}")
            peer_cpu = cpu_seconds(proc.pid)
            run = scan_and_file(db, targets, args.timeout, args.concurrency)
            peer_cpu = cpu_seconds(proc.pid) - peer_cpu
            results, summary = run["results"], run["summary"]
            ok = [r for r in results if r.status == "ok"]
            hung = [r for r in results if r.status == "timeout"]
            right = sum(exactly_right(r) for r in ok)
            conns = sum(r.connections for r in results)
            total = run["scan_s"] + run["file_s"]
            print(
                f"TLS scan (every probe): {len(ok)} endpoints ok, {right} exactly right, "
                f"{len(hung)} of {len(hanging)} hanging timed out"
            )
            print(
                f"  scan: {run['scan_s']:.2f} s wall for {len(results)} targets, "
                f"{run['workers']} process(es), concurrency {args.concurrency}; {conns} "
                f"connections ({conns / max(1, len(ok)):.1f} per endpoint)"
            )
            print(
                f"  CPU: scanner {run['scan_cpu']:.1f} s "
                f"({1000 * run['scan_cpu'] / max(1, conns):.2f} ms per connection), "
                f"Go peer {peer_cpu:.1f} s"
            )
            print(
                f"  filing into SQLite: {run['file_s']:.2f} s wall, {run['file_cpu']:.1f} s CPU "
                f"({len(summary['usages_appeared'])} usages, {summary['assets_created']} assets)"
            )
            idle = (
                max(run["scan_cpu"] / run["workers"], (run["scan_cpu"] + peer_cpu) / 2)
                + run["file_cpu"]
            )
            print(
                f"  total (scan + filing): {total:.2f} s wall, {load()} "
                f"(target: under 30 s; from CPU, on idle 2 cores about {idle:.1f} s)"
            )
            size = (
                f"{args.endpoints:,} endpoints + {args.hanging} hanging, timeout {args.timeout:g} s"
            )
            record(
                "pqcplan scan tls, scan + filing: wall",
                total,
                "s",
                target="< 30 s",
                met=total < 30,
                size=size,
            )
            record("scan tls: scanner CPU (workers included)", run["scan_cpu"], "s", size=size)
            record("scan tls: wall on idle 2 cores, estimated from CPU", idle, "s", size=size)
            record(
                "scan tls: endpoints answered exactly right",
                right,
                f"of {args.endpoints:,}",
                target="all",
                met=right == args.endpoints,
                size=size,
            )
            if hung:
                worst = max(r.seconds for r in hung)
                print(f"  hanging target: worst {worst:.2f} s with timeout {args.timeout:g} s")

            n = min(args.compare, len(ports))
            if n == 0:  # --compare 0: the scale figure alone
                return
            sample = [f"127.0.0.1:{p}" for p in ports[:n]]
            t0 = time.perf_counter()
            asyncio.run(scan_many([("127.0.0.1", p) for p in ports[:n]], ScanOptions(timeout=10)))
            ours = time.perf_counter() - t0
            print(f"same {n} endpoint(s), one loop, full pqcplan scan: {ours:.2f} s")
            sslyze = time_tool(["sslyze", "--quiet", *sample])
            if sslyze is None:
                print(f"  sslyze: skipped, not installed in {TOOLS}")
            else:
                print(f"  sslyze on the same {n}: {sslyze:.2f} s ({n / sslyze:.2f} endpoints/s)")
        finally:
            proc.stdin.close()
            proc.wait(10)
        ssh_bench(args.compare)


def ssh_bench(n: int) -> None:
    binary = go_binary(ROOT / "tests" / "peers" / "sshserver")
    proc = subprocess.Popen([str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = json.loads(proc.stdout.readline())[0]
        t0 = time.perf_counter()
        for _ in range(n):
            asyncio.run(scan_ssh_endpoint("127.0.0.1", port, 10))
        ours = time.perf_counter() - t0
        print(
            f"SSH: pqcplan {n} scan(s) of a Go x/crypto/ssh server: {ours:.2f} s "
            f"({n / ours:.1f} scans/s)"
        )
        audit = 0.0
        for _ in range(n):
            one = time_tool(["ssh-audit", "-j", "-p", str(port), "127.0.0.1"])
            if one is None:
                print(f"  ssh-audit: skipped, not installed in {TOOLS}")
                return
            audit += one
        print(f"  ssh-audit on the same server, {n} time(s): {audit:.2f} s ({n / audit:.1f}/s)")
    finally:
        proc.stdin.close()
        proc.wait(10)


if __name__ == "__main__":
    main()
