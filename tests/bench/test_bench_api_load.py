"""bench/api_load.py at a tiny size: a real server, concurrent clients, and no lost write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "api_load.py"), "--json", *args],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "PQCPLAN_BENCH_RECORD"}
        | {"PYTHONUNBUFFERED": "1"},  # tiny figures never go to a results folder
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def test_two_server_processes_on_one_sqlite_file_lose_no_write():
    (r,) = _run("--clients", "6", "--seconds", "4", "--servers", "2", "--think", "0")
    assert r["servers"] == 2 and r["lost_writes"] == 0, r["lost_examples"]
    assert r["server_errors_not_503"] == 0 and r["503_without_retry_after"] == 0, r
    assert r["acknowledged_writes"] > 0, r


def test_api_load_tiny_loses_no_write_on_sqlite_and_postgresql(pg_admin_url):
    results = _run("--clients", "6", "--seconds", "4", "--pg", pg_admin_url, "--think", "0", "0.2")
    # a closed loop and a users model (think time between requests) on each database
    assert sorted((r["database"], r["think_s"]) for r in results) == [
        ("PostgreSQL", 0.0),
        ("PostgreSQL", 0.2),
        ("SQLite", 0.0),
        ("SQLite", 0.2),
    ]
    for r in results:
        assert r["lost_writes"] == 0, r["lost_examples"]
        assert r["server_errors_not_503"] == 0 and r["503_without_retry_after"] == 0, r
        assert r["acknowledged_writes"] > 0 and r["requests"] > 5, r
        # every kind of request really ran, and reads and writes mostly succeeded
        assert set(r["by_operation"]) >= {"create_asset", "patch_asset", "list_assets"}, r
        ok = sum(n for code, n in r["statuses"].items() if code.startswith("2"))
        assert ok >= 0.9 * r["requests"], r["statuses"]
