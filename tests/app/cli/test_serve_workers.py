"""`pqcplan serve --workers 2 --log-json` on PostgreSQL: ready at the schema head, a request id
in the answer and on its JSON log line, metrics summed over both processes, clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx

from tests.app.api.live_server import free_port
from tests.conftest import ROOT


def test_serve_two_workers(pg_url, tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    env = {**os.environ, "DATABASE_URL": pg_url, "API_RUNS_JOBS": "false"}
    cmd = [sys.executable, "-m", "app.cli.main", "serve", "--port", str(port), "--workers", "2"]
    with open(log, "wb") as out:
        proc = subprocess.Popen([*cmd, "--log-json"], cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                ready = httpx.get(f"{base}/readyz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        r = httpx.get(f"{base}/api/v1/jobs", headers={"X-Request-ID": "trace-me-7"})
        assert r.status_code == 401 and r.headers["x-request-id"] == "trace-me-7"
        for _ in range(20):  # spread over both processes by the kernel
            httpx.get(f"{base}/healthz", headers={"Connection": "close"})
        metrics = httpx.get(f"{base}/metrics").text
        line = next(
            m for m in metrics.splitlines()
            if m.startswith("pqcplan_http_request_duration_seconds_count") and "/healthz" in m
        )  # fmt: skip
        assert float(line.rsplit(" ", 1)[1]) == 20.0
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    assert any(x["request_id"] == "trace-me-7" and "/api/v1/jobs" in x["message"] for x in lines)
    assert len({x["pid"] for x in lines if x["logger"] == "uvicorn.access"}) >= 1
