"""`pqcplan judge` on the user's path (a child process, no database): its verdict table under
every built-in profile, and its CPU time on an N-component CBOM.

    python bench/judge_cli.py                        # table of the crafted 33 + CPU at 56
    python bench/judge_cli.py --components 56 --runs 5 --table-out table.md

The table is the crafted CBOM (tests/migration/data/crafted-33.cdx.json) judged under all
built-in profiles: one row per component, one cell per profile (verdict, deadline year,
target). The timed CBOM is the crafted one with further classical and post-quantum rows up to
``--components`` (each a component of its own). CPU is user + system of the child process
(`resource.getrusage(RUSAGE_CHILDREN)`), which includes interpreter start-up and imports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import record

TINY_ARGS = ["--components", "34", "--runs", "1"]

ROOT = Path(__file__).resolve().parents[1]
CRAFTED = ROOT / "tests" / "migration" / "data" / "crafted-33.cdx.json"
PROFILES = (
    "us-nist-ir8547",
    "us-cnsa2",
    "us-eo14412",
    "au-asd-2030",
    "de-bsi-tr02102",
    "fr-anssi",
    "eu-2030-2035",
    "uk-ncsc-2035",
    "ca-cccs-2035",
    "kr-2035",
)
EXTRA = [  # (name, primitive, algorithmProperties extra): rows beyond the crafted 33
    ("RSA", "signature", {"parameterSetIdentifier": "3072"}),
    ("RSA", "pke", {"parameterSetIdentifier": "4096"}),
    ("ECDSA", "signature", {"curve": "secp384r1"}),
    ("ECDH", "key-agree", {"curve": "secp521r1"}),
    ("X25519", "key-agree", {}),
    ("Ed25519", "signature", {}),
    ("DH", "key-agree", {"parameterSetIdentifier": "2048"}),
    ("DSA", "signature", {"parameterSetIdentifier": "2048"}),
    ("SHA-384", "hash", {}),
    ("SHA-512", "hash", {}),
    ("SHA3-256", "hash", {}),
    ("3DES", "block-cipher", {}),
    ("AES-192-CBC", "block-cipher", {}),
    ("HMAC-SHA384", "mac", {}),
    ("HMAC-SHA1", "mac", {}),
    ("ML-KEM-1024", "kem", {}),
    ("ML-DSA-87", "signature", {}),
    ("SLH-DSA-SHA2-256s", "signature", {}),
    ("SecP384r1MLKEM1024", "key-agree", {}),
    ("XMSS", "signature", {}),
    ("NTRU+", "kem", {"parameterSetIdentifier": "768"}),
    ("AIMer", "signature", {"parameterSetIdentifier": "128f"}),
    ("ECDSA", "signature", {"curve": "brainpoolP256r1"}),
]


def cbom_of(size: int) -> dict:
    doc = json.loads(CRAFTED.read_text())
    comps = doc["components"]
    i = 0
    while len(comps) < size:
        name, prim, extra = EXTRA[i % len(EXTRA)]
        n = len(comps) + 1
        comps.append(
            {
                "type": "cryptographic-asset",
                "bom-ref": f"extra-{n:04d}",
                "name": name,
                "evidence": {"occurrences": [{"location": f"src/extra/E{n}.java", "line": n}]},
                "cryptoProperties": {
                    "assetType": "algorithm",
                    "algorithmProperties": {"primitive": prim, **extra},
                },
            }
        )
        i += 1
    doc["components"] = comps[:size]
    return doc


def run_judge(path: Path, extra: list[str]) -> tuple[subprocess.CompletedProcess[str], float]:
    args = [sys.executable, "-m", "app.cli.main", "judge", str(path), "--format", "json"]
    args += ["--as-of", "2026-11-27", *extra]
    for p in PROFILES:
        args += ["--profile", p]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/unused.sqlite3"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"judge failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
    return proc, cpu


def cell(v: dict) -> str:
    text = v["verdict"]
    if v.get("deadline"):
        text += f" {v['deadline'][:4]}"
    if v.get("target"):
        text += f" ->{v['target']}"
    return text


def table(report: dict, names: list[str]) -> str:
    """One row per usage (in component order: usage ids follow the file's order)."""
    ids = [p["id"] for p in report["profiles"]]
    head = "| # | component | algorithm (use) | " + " | ".join(ids) + " |"
    lines = [head, "|---|---|---|" + "---|" * len(ids)]
    for n, u in enumerate(report["usages"], start=1):
        cells = {v["profile"]: cell(v) for v in u["verdicts"]}
        name = names[n - 1] if len(names) == len(report["usages"]) else u["asset_name"]
        lines.append(
            f"| {n} | {name} | {u['algorithm']} ({u['use']}) | "
            + " | ".join(cells.get(i, "") for i in ids)
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--components", type=int, default=56)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--table-out", type=Path, default=None)
    args = ap.parse_args()

    # the judge may refuse unknown algorithms unless told otherwise (fail-closed gate)
    allow = ["--allow-unknown"] if "--allow-unknown" in _help() else []
    proc, _ = run_judge(CRAFTED, allow)
    report = json.loads(proc.stdout)
    names = []
    for comp in json.loads(CRAFTED.read_text())["components"]:
        props = comp["cryptoProperties"]["algorithmProperties"]
        extra = props.get("parameterSetIdentifier") or props.get("curve")
        names.append(comp["name"] + (f" {extra}" if extra else ""))
    text = table(report, names)
    if args.table_out:
        args.table_out.write_text(text + "\n")
    print(text)
    print(f"crafted CBOM: {len(report['usages'])} usages, exit code {proc.returncode}")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"judge-{args.components}.cdx.json"
        path.write_text(json.dumps(cbom_of(args.components)))
        cpus, walls = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            proc, cpu = run_judge(path, allow)
            walls.append(time.perf_counter() - start)
            cpus.append(cpu)
        usages = len(json.loads(proc.stdout)["usages"])
    cpus.sort()
    walls.sort()
    load = os.getloadavg()
    print(
        f"pqcplan judge, {args.components} components ({usages} usages), {len(PROFILES)} "
        f"profiles, {args.runs} runs: CPU median {cpus[len(cpus) // 2]:.2f} s "
        f"(min {cpus[0]:.2f} s), wall median {walls[len(walls) // 2]:.2f} s; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    size = f"{args.components} components, {len(PROFILES)} profiles, {args.runs} runs"
    record("pqcplan judge, CPU median (child process)", cpus[len(cpus) // 2], "s", size=size)
    record("pqcplan judge, CPU best (child process)", cpus[0], "s", size=size)
    record("pqcplan judge, wall median", walls[len(walls) // 2], "s", size=size)


def _help() -> str:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "judge", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
    )
    return out.stdout


if __name__ == "__main__":
    main()
