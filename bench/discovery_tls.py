"""TLS discovery at 1,000 loopback endpoints (target: under 30 s on 2 cores), a hanging
target's cost, and sslyze / ssh-audit beside the scanner on the same endpoints.

    .venv/bin/python bench/discovery_tls.py [--endpoints 1000] [--hanging 20] [--timeout 3]
        [--concurrency 32] [--compare 10]

How: one Go crypto/tls process (tests/peers/tlsserver, built once and cached) listens on
--endpoints loopback ports, offering X25519MLKEM768, X25519 and P-256 with an ECDSA
certificate; --hanging more ports accept and never answer. The scan is the one users run
(`service.prepare` with a registered scope, the scanner, `record_scan` filing every result
into a fresh SQLite inventory); its figures are printed for the scan (versions, groups in
server order, certificate chain) and for filing separately. sslyze and ssh-audit (from the
tools virtualenv ~/.cache/pqcplan/tools, PyPI) run on --compare of the same endpoints when
installed; otherwise the bench says they were skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.db import session_factory  # noqa: E402
from core.models import Organization  # noqa: E402
from core.schema import upgrade  # noqa: E402
from inventory.discovery import service  # noqa: E402
from inventory.discovery.ssh import scan_ssh_endpoint  # noqa: E402
from inventory.discovery.tls import ScanOptions, scan_many  # noqa: E402
from tests.inventory.discovery import pki  # noqa: E402
from tests.peers.gobuild import go_binary  # noqa: E402

TINY_ARGS = ["--endpoints", "5", "--hanging", "1", "--timeout", "1", "--compare", "1"]
TOOLS = Path.home() / ".cache" / "pqcplan" / "tools" / "bin"


def start_tls_peer(count: int, folder: Path) -> tuple[subprocess.Popen, list[int]]:
    key = pki.ecdsa_key()
    cert = pki.make_cert(key, "bench.test", sans=("bench.test",))
    cert_path, key_path = pki.write_pair(folder, "bench", [cert], key)
    binary = go_binary(ROOT / "tests" / "peers" / "tlsserver")
    proc = subprocess.Popen(
        [
            str(binary),
            "-cert",
            str(cert_path),
            "-key",
            str(key_path),
            "-groups",
            "X25519MLKEM768,X25519,P256",
            "-count",
            str(count),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, json.loads(proc.stdout.readline())


def start_hanging(count: int) -> list[int]:
    """Ports that accept a connection and never say a word."""
    ports: list[int] = []
    ready = threading.Event()

    async def hang(reader, writer) -> None:
        await asyncio.sleep(3600)

    def run() -> None:
        loop = asyncio.new_event_loop()
        for _ in range(count):
            server = loop.run_until_complete(asyncio.start_server(hang, "127.0.0.1", 0))
            ports.append(server.sockets[0].getsockname()[1])
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    return ports


def scan_and_file(db: str, targets: list[str], timeout: float, concurrency: int):
    sessions = session_factory(db)
    with sessions.begin() as s:
        org = Organization(slug="bench", name="Bench", sector="finance", tier="private")
        s.add(org)
        s.flush()
        org_id = org.id
        service.add_scope(s, org_id, "network", "127.0.0.1", None, "bench")
        req = service.prepare(s, org_id, "tls", targets, timeout=timeout, concurrency=concurrency)
    options = ScanOptions(timeout=timeout, cipher_suites=False, signature_schemes=False)
    pairs = [(e.host, e.port) for e in req.endpoints]
    t0 = time.perf_counter()
    results = asyncio.run(scan_many(pairs, options, concurrency=concurrency))
    scan_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    with sessions.begin() as s:
        scan = service.record_scan(s, org_id, req, results, "bench")
        summary = scan.summary
    file_s = time.perf_counter() - t1
    return results, scan_s, file_s, summary


def time_tool(args: list[str]) -> float | None:
    exe = TOOLS / args[0]
    if not exe.exists():
        return None
    t0 = time.perf_counter()
    subprocess.run([str(exe), *args[1:]], capture_output=True, timeout=600)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoints", type=int, default=1000)
    ap.add_argument("--hanging", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--concurrency", type=int, default=32)
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
            results, scan_s, file_s, summary = scan_and_file(
                db, targets, args.timeout, args.concurrency
            )
            ok = [r for r in results if r.status == "ok"]
            hung = [r for r in results if r.status == "timeout"]
            right = sum(
                r.groups == ["X25519MLKEM768", "x25519", "secp256r1"]
                and r.versions == ["TLSv1.3", "TLSv1.2"]
                and len(r.certificates) == 1
                for r in ok
            )
            conns = sum(r.connections for r in results)
            print(
                f"TLS scan (versions, groups, certificate): {len(ok)} endpoints ok, "
                f"{right} exactly right, {len(hung)} hanging timed out"
            )
            print(
                f"  scan: {scan_s:.2f} s for {len(results)} targets = "
                f"{len(ok) / scan_s:.1f} endpoints/s ({conns} connections, "
                f"{conns / scan_s:.0f} connections/s, concurrency {args.concurrency})"
            )
            print(
                f"  filing into SQLite: {file_s:.2f} s ({len(summary['usages_appeared'])} "
                f"usages, {summary['assets_created']} assets)"
            )
            print(
                f"  total (scan + filing): {scan_s + file_s:.2f} s "
                f"(target for 1,000 endpoints: under 30 s)"
            )
            if hung:
                worst = max(r.seconds for r in hung)
                print(f"  hanging target: worst {worst:.2f} s with timeout {args.timeout:g} s")

            n = min(args.compare, len(ports))
            sample = [f"127.0.0.1:{p}" for p in ports[:n]]
            t0 = time.perf_counter()
            asyncio.run(scan_many([("127.0.0.1", p) for p in ports[:n]], ScanOptions(timeout=10)))
            ours = time.perf_counter() - t0
            print(
                f"same {n} endpoint(s), full pqcplan scan (suites and signature schemes too): "
                f"{ours:.2f} s"
            )
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
