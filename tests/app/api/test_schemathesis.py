"""Schemathesis against the app's own /openapi.json: the document and the app agree.

A real server on loopback and a SQLite file; schemathesis (its CLI, as a user runs it)
generates requests from the document (its examples, and its coverage phase in negative
mode: each parameter and field just past its bounds - integers past what the database
stores, `0` for booleans, wrong types, missing keys and bodies, wrong media types) and fails
on any answer that is a 5xx, has a status the operation does not list, or a body or media
type other than the one documented. Bounded: the coverage phase is deterministic (~2,500
requests for 73 operations), a fixed seed, no fuzzing phase, no example database. The
values at the bounds (which must reach the database and answer 404, on PostgreSQL too) are
tried by test_openapi_answers.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy.orm import sessionmaker

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import engine_for
from core.models import Organization
from tests.app.api.live_server import serve

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
SEED = "20261207"
EXAMPLES_PER_OPERATION = "3"  # the examples phase; the coverage phase makes its own


def _admin_key(url: str) -> str:
    """An administrator's key (every route open to it) in a fresh organization."""
    sessions = sessionmaker(bind=engine_for(url), expire_on_commit=False)
    with sessions.begin() as session:
        org = Organization(
            slug="schemathesis",
            name="Schemathesis",
            sector=Sector.GOVERNMENT,
            tier=Tier.CENTRAL_GOVERNMENT,
        )
        session.add(org)
        session.flush()
        _, secret = issue_key(session, org.id, Role.ADMIN, "schemathesis")
    return secret


def test_schemathesis_finds_no_mismatch(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "schemathesis.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    key = _admin_key(url)
    app = create_app(Settings(database_url=url, job_workers=1, max_upload_bytes=1024 * 1024))
    with serve(app) as base:
        # the document is built once and kept by the app: built here, with time to spare on a
        # loaded machine, schemathesis's own 10 s schema timeout only waits for bytes
        assert httpx.get(f"{base}/openapi.json", timeout=300).status_code == 200
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                f"{base}/openapi.json",
                "--header",
                f"Authorization: Bearer {key}",
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage",
                "--mode",
                "negative",
                "--max-examples",
                EXAMPLES_PER_OPERATION,
                "--seed",
                SEED,
                "--workers",
                "1",
                "--no-shrink",
                "--request-timeout",
                "30",
                "--generation-database",
                "none",
                "--output-truncate",
                "false",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"},
            stdin=subprocess.DEVNULL,
            cwd=tmp_path,  # its cache (.schemathesis/) goes there, not into the checkout
        )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-20000:]
    assert "Tested: " in out and "failures" not in out.split("SUMMARY")[-1].lower(), out[-5000:]
