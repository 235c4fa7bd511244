"""BOOTSTRAP_ADMIN_KEY: the first admin key of a fresh database, made at start-up."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import BOOTSTRAP_ORG_SLUG
from core.errors import InputError
from core.models import ApiKey, AuditEntry, Organization

SECRET = "bootstrap-" + "k7Qx2mZp" * 5


def _count(app, stmt) -> int:
    with app.state.sessionmaker() as s:
        return s.scalar(stmt)


def test_the_key_works_as_admin_and_a_restart_adds_nothing(db_url):
    settings = Settings(database_url=db_url, bootstrap_admin_key=SECRET)
    app = create_app(settings)
    admin = {"Authorization": f"Bearer {SECRET}"}
    with TestClient(app) as client:
        keys = client.get("/api/v1/api-keys", headers=admin)  # admins only
        assert keys.status_code == 200, keys.text
        [row] = keys.json()
        assert row["role"] == "admin" and row["prefix"] == SECRET[:6]
        org = client.post(
            "/api/v1/organizations",
            headers=admin,
            json={
                "slug": "mois",
                "name": "MOIS",
                "sector": "government",
                "tier": "central_government",
            },
        )
        assert org.status_code == 201, org.text

    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    with app.state.sessionmaker() as s:
        stored = s.scalars(select(ApiKey)).all()
        assert [k.secret_hash for k in stored] == [digest]  # the digest, never the secret
        assert s.get(Organization, stored[0].organization_id).slug == BOOTSTRAP_ORG_SLUG

    again = create_app(settings)  # a restart
    with TestClient(again) as client:
        assert client.get("/api/v1/api-keys", headers=admin).status_code == 200
    assert _count(again, select(func.count()).select_from(ApiKey)) == 1
    assert _count(again, select(func.count()).where(Organization.slug == BOOTSTRAP_ORG_SLUG)) == 1
    assert _count(again, select(func.count()).where(AuditEntry.entity == "api_key")) == 1


@pytest.mark.parametrize("bad", ["short", "x" * 31, "has spaces " * 4, "é" * 40])
def test_a_weak_or_unsendable_key_is_refused_and_nothing_is_written(sqlite_url, bad):
    with pytest.raises(InputError) as err:
        create_app(Settings(database_url=sqlite_url, bootstrap_admin_key=bad))
    assert err.value.location == "BOOTSTRAP_ADMIN_KEY" and "32" in err.value.message
    app = create_app(Settings(database_url=sqlite_url))
    assert _count(app, select(func.count()).select_from(Organization)) == 0
    assert _count(app, select(func.count()).select_from(ApiKey)) == 0


def test_serve_refuses_a_short_key_with_one_red_line(sqlite_url):
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_url,
        "BOOTSTRAP_ADMIN_KEY": "too-short",
        "COLUMNS": "400",  # rich wraps at 80 columns when stderr is not a terminal
    }
    run = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "BOOTSTRAP_ADMIN_KEY" in lines[0], run.stderr
    assert "Traceback" not in run.stderr
