"""Request ids in and out and on log lines, /readyz beside /healthz, /metrics for Prometheus."""

from __future__ import annotations

import json
import logging

from sqlalchemy import text

from app.api.observability import JsonFormatter, RequestIdFilter, request_id


def test_request_id_is_echoed_or_made(api):
    r = api.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    made = api.client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert len(made.headers["x-request-id"]) == 32 and " " not in made.headers["x-request-id"]
    assert api.client.get("/api/v1/jobs").headers["x-request-id"]  # on a 401 too


def test_readyz_checks_database_and_schema(api):
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    with api.sessions.begin() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    behind = api.client.get("/readyz")
    assert behind.status_code == 503 and "schema not at head (at 0009" in behind.json()["reason"]
    assert api.client.get("/healthz").status_code == 200  # alive, just not ready


def test_an_app_on_a_database_never_upgraded_starts_and_says_what_to_run(tmp_path, caplog):
    from fastapi.testclient import TestClient

    from app.api.main import create_app
    from app.settings import Settings

    url = f"sqlite:///{tmp_path / 'never-upgraded.sqlite3'}"
    with caplog.at_level(logging.ERROR, logger="app.api.main"):
        app = create_app(Settings(database_url=url, bootstrap_admin_key="k" * 40))
        with TestClient(app) as client:  # lifespan runs: job recovery must not crash
            assert client.get("/healthz").json() == {"status": "ok"}
            ready = client.get("/readyz")
    said = "schema not at head (empty database): run pqcplan db upgrade"
    assert ready.status_code == 503 and ready.json()["reason"] == said
    assert any(said in r.getMessage() for r in caplog.records)


def test_metrics_report_latency_and_jobs(api):
    org = api.make_org("m")
    h = api.headers(org)
    api.client.post("/api/v1/plans", headers=h, json={"profile": "kr-2035", "background": True})
    body = api.client.get("/metrics").text
    assert 'pqcplan_http_request_duration_seconds_count{method="POST",route="/api/v1/plans"' in body
    assert 'pqcplan_jobs{kind="plan",status=' in body


def test_log_lines_carry_the_request_id_as_json():
    record = logging.LogRecord("pqcplan", logging.INFO, __file__, 1, "hello %s", ("x",), None)
    token = request_id.set("rid-7")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "rid-7" and line["message"] == "hello x"


def test_metric_files_of_stopped_processes_are_removed(tmp_path):
    import os
    import subprocess
    import sys

    from app.api.observability import remove_dead_process_metrics

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead, alive = int(gone.stdout), os.getppid()
    for name in (f"histogram_{dead}.db", f"gauge_livesum_{dead}.db", f"histogram_{alive}.db",
                 f"counter_{os.getpid()}.db", "notes.txt"):  # fmt: skip
        (tmp_path / name).write_bytes(b"x")
    removed = remove_dead_process_metrics(tmp_path)
    assert sorted(removed) == sorted([f"histogram_{dead}.db", f"gauge_livesum_{dead}.db"])
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {f"histogram_{alive}.db", f"counter_{os.getpid()}.db", "notes.txt"}
