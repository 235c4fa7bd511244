"""What several bench scripts need: a scratch PostgreSQL database, bulk-inserted inventory
rows, fresh planner statistics, and stopping the processes a bench started.

A helper module, not a bench (its name starts with "_", so tests/bench skips it). Scripts
run as ``python bench/NAME.py``, which puts this folder first on ``sys.path``:
``from _common import scratch_database``.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.db import engine_for
from inventory.choices import Primitive, QuantumStatus


@contextmanager
def scratch_database(admin_url: str, prefix: str = "pqcplan_bench") -> Iterator[str]:
    """An empty PostgreSQL database for one run (no schema yet); dropped on exit.

    ``admin_url`` names a database on the server (e.g. ``postgres``) as a user allowed to
    create databases; the URL yielded names the new database with the same credentials.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def usage_row(
    org_id: int, asset_id: int, ref: str, algorithm: str, status: QuantumStatus, reason: str
) -> dict[str, Any]:
    """One crypto usage for ``insert(CryptoUsage)``: a signature named as the catalog does."""
    return {
        "organization_id": org_id,
        "asset_id": asset_id,
        "ref": ref,
        "algorithm": algorithm,
        "algorithm_raw": algorithm,
        "primitive": Primitive.SIGNATURE,
        "quantum_status": status,
        "status_reason": reason,
        "catalog_version": "bench",
    }


def analyze(url: str) -> None:
    """Fresh planner statistics after a bulk insert, as autovacuum would keep them."""
    with engine_for(url).connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def stop_all(procs: list[subprocess.Popen[bytes]], grace: float) -> None:
    """Ask every process to stop (SIGTERM), then kill whichever is not gone after ``grace``."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
