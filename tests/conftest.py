"""Shared fixtures: real SQLite files and a real PostgreSQL server, migrated by Alembic.

`db_url` runs each test that uses it twice: on a fresh SQLite file and on a fresh PostgreSQL
database. The server is started by scripts/postgres.sh (which installs it when missing) unless
PQCPLAN_TEST_PG_URL names one already running.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import engine_for
from core.models import Organization
from core.schema import upgrade
from tests.answer_check import AnswerLog, undeclared

ROOT = Path(__file__).resolve().parent.parent
# no pool keeper process beside every test app: tests that need pooled cases fill the pool
os.environ.setdefault("TESTBED_POOL_KEEPER", "false")
# CycloneDX and CSV files from other tools, shared by the exchange, CLI and web tests.
EXCHANGE_DATA = ROOT / "tests" / "inventory" / "exchange" / "data"


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = os.environ.get("PQCPLAN_TEST_PG_URL")
    if not url:
        out = subprocess.run(
            ["bash", str(ROOT / "scripts" / "postgres.sh")],
            check=True,
            capture_output=True,
            text=True,
        )
        url = out.stdout.strip().splitlines()[-1]
    return url


def _pg_exec(admin_url: str, sql: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _database_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def pg_clone(admin_url: str, template: str, prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database cloned from ``template`` (fast); dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _pg_exec(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = _database_url(admin_url, name)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        _pg_exec(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> str:
    """A migrated template database; each test clones it (fast) instead of re-migrating."""
    name = f"pqcplan_tpl_{uuid.uuid4().hex[:8]}"
    _pg_exec(pg_admin_url, f'CREATE DATABASE "{name}"')
    url = _database_url(pg_admin_url, name)
    upgrade(url)
    engine_for(url).dispose()
    yield name
    _pg_exec(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine_for(url).dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        yield url
        engine_for(url).dispose()
        return
    admin = request.getfixturevalue("pg_admin_url")
    with pg_clone(admin, request.getfixturevalue("pg_template"), "pqcplan_t") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only, for tests that do not need to run on both databases."""
    path = tmp_path / "only.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def session_factory(db_url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(db_url), expire_on_commit=False)


@dataclass
class Api:
    """A test client on the whole app plus helpers to make tenants and keys."""

    client: TestClient
    sessions: sessionmaker[Session]
    _orgs: int = field(default=0)

    def make_org(
        self,
        slug: str | None = None,
        sector: Sector = Sector.GOVERNMENT,
        tier: Tier = Tier.CENTRAL_GOVERNMENT,
    ) -> Organization:
        self._orgs += 1
        slug = slug or f"org-{self._orgs}"
        with self.sessions.begin() as session:
            org = Organization(slug=slug, name=slug.title(), sector=sector, tier=tier)
            session.add(org)
        return org

    def headers(self, org: Organization, role: Role = Role.OFFICER) -> dict[str, str]:
        with self.sessions.begin() as session:
            _, secret = issue_key(session, org.id, role, f"test {role.value}")
        return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="session")
def openapi_spec(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The app's /openapi.json, made once per process (~1 s CPU each time it is made)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('spec')}/spec.sqlite3"
    return create_app(Settings(database_url=url)).openapi()


@pytest.fixture
def api(db_url: str, openapi_spec: dict) -> Iterator[Api]:
    """The app on `db_url`; the test fails if an answer's status is not in /openapi.json."""
    app = create_app(Settings(database_url=db_url, max_upload_bytes=5 * 1024 * 1024))
    answers: list[tuple[str, str, int]] = []
    app.add_middleware(AnswerLog, answers=answers)  # outermost: sees every answer
    with TestClient(app) as client:
        yield Api(client=client, sessions=app.state.sessionmaker)
    missing = undeclared(openapi_spec, answers)
    assert not missing, f"answers whose status /openapi.json does not list: {missing}"


@pytest.fixture
def pg_url(pg_admin_url: str, pg_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database alone (the queue needs PostgreSQL)."""
    with pg_clone(pg_admin_url, pg_template, "pqcplan_s") as url:
        yield url


@pytest.fixture
def workers(pg_url: str, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `pqcplan worker` processes on the test database; all are stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(
        *args: str, name: str = "w", env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"worker-{name}-{len(started)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli.main", "worker", "--name", name, *args],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": pg_url, **(env or {})},
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
