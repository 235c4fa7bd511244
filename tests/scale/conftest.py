"""Scaled-mode fixtures: a fresh PostgreSQL database and real `pqcplan worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import pg_clone

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_url(pg_admin_url: str, pg_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database alone (the queue needs PostgreSQL)."""
    with pg_clone(pg_admin_url, pg_template, "pqcplan_s") as url:
        yield url


@pytest.fixture
def workers(pg_url: str, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `pqcplan worker` processes on the test database; all are stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str, name: str = "w") -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"worker-{name}-{len(started)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli.main", "worker", "--name", name, *args],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": pg_url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in started:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
