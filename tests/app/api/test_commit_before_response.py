"""A 2xx means committed: every write's transaction ends before its response is sent.

Issue 8: the request session used to commit after the response had gone out, so a commit
that failed (SQLite's write lock held elsewhere, a NUL byte PostgreSQL refuses) followed a
200 and the change silently vanished, and a read right after a 201 could miss the row.
"""

from __future__ import annotations

import base64
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import mldsa
from fastapi import FastAPI, status
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.api.deps import SessionDep
from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import READ_ONLY, engine_for
from core.models import Organization
from tests.app.api.live_server import serve
from tests.app.api.seed import ASSET, post_asset_with_rsa


def _app(url: str) -> FastAPI:
    return create_app(Settings(database_url=url))


def _tenant(app: FastAPI, slug: str, role: Role = Role.OFFICER) -> tuple[int, dict[str, str]]:
    with app.state.sessionmaker.begin() as session:
        org = Organization(slug=slug, name=slug.title(), sector=Sector.FINANCE, tier=Tier.PRIVATE)
        session.add(org)
        session.flush()
        _, secret = issue_key(session, org.id, role, f"{slug} key")
        return org.id, {"Authorization": f"Bearer {secret}"}


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables these tests write, read without waiting for any lock."""
    with engine_for(url).connect() as conn:
        conn = conn.execution_options(**READ_ONLY)
        return {
            table: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in ("organizations", "assets", "audit_log")
        }


@contextmanager
def _write_lock(url: str, release_after: float | None = None) -> Iterator[None]:
    """Hold SQLite's write lock from another connection (as another process would)."""
    path = make_url(url).database
    assert path
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    timer = None
    if release_after is not None:
        timer = threading.Timer(release_after, lambda: holder.execute("COMMIT"))
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.join()
        else:
            holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def _client(app: FastAPI, kind: str) -> Iterator[httpx.Client | TestClient]:
    if kind == "testclient":
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    else:
        with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
            yield client


@pytest.fixture(params=["testclient", "uvicorn"])
def client_kind(request: pytest.FixtureRequest) -> str:
    return request.param


def test_writes_while_sqlite_is_locked_answer_503_and_change_nothing(sqlite_url, client_kind):
    url = sqlite_url + "?timeout=0.3"  # a short busy timeout, so the lock outlasts it
    app = _app(url)
    with _client(app, client_kind) as client:
        _, h = _tenant(app, "bank")
        asset = client.post("/api/v1/assets", headers=h, json=ASSET).json()
        before = _snapshot(url)
        with _write_lock(url):
            answers = [
                client.patch(f"/api/v1/assets/{asset['id']}", headers=h, json={"owner": "Team B"}),
                client.delete(f"/api/v1/assets/{asset['id']}", headers=h),
                client.post("/api/v1/assets", headers=h, json={**ASSET, "name": "Other"}),
            ]
        for resp in answers:
            assert resp.status_code == 503, (resp.request.method, resp.status_code, resp.text)
            assert int(resp.headers["Retry-After"]) >= 1
            assert "busy" in resp.json()["detail"]
        assert _snapshot(url) == before
        # once the lock is gone the same writes land
        resp = client.patch(f"/api/v1/assets/{asset['id']}", headers=h, json={"owner": "Team B"})
        assert resp.status_code == 200 and resp.json()["owner"] == "Team B"


def test_writes_wait_for_a_short_lock_then_really_land(sqlite_url, client_kind):
    url = sqlite_url + "?timeout=10"
    app = _app(url)
    with _client(app, client_kind) as client:
        _, h = _tenant(app, "bank")
        asset = client.post("/api/v1/assets", headers=h, json=ASSET).json()
        audits = len(_snapshot(url)["audit_log"])
        with _write_lock(url, release_after=0.5):
            started = time.monotonic()
            patched = client.patch(
                f"/api/v1/assets/{asset['id']}", headers=h, json={"owner": "Team C"}
            )
            waited = time.monotonic() - started
        assert patched.status_code == 200, patched.text
        assert waited >= 0.4  # it waited for the lock instead of failing or pretending
        rows = _snapshot(url)
        assert next(r for r in rows["assets"] if r[0] == asset["id"]).count("Team C") == 1
        assert len(rows["audit_log"]) == audits + 1

        with _write_lock(url, release_after=0.5):
            deleted = client.delete(f"/api/v1/assets/{asset['id']}", headers=h)
        assert deleted.status_code == 204
        assert not [r for r in _snapshot(url)["assets"] if r[0] == asset["id"]]
        assert client.get(f"/api/v1/assets/{asset['id']}", headers=h).status_code == 404


def _probe_app(url: str) -> FastAPI:
    """The real app plus two routes whose only write is flushed by the commit itself."""
    app = _app(url)

    @app.post("/probe/orgs", status_code=status.HTTP_201_CREATED)
    def add_org(slug: str, name: str, session: SessionDep) -> dict[str, str]:
        session.add(
            Organization(slug=slug, name=name, sector=Sector.OTHER, tier=Tier.PRIVATE)
        )  # no flush: the INSERT runs at commit, after this function returned
        return {"slug": slug}

    return app


def test_a_commit_that_fails_is_never_a_2xx(db_url):
    """Duplicate key at commit -> 409; NUL byte refused by PostgreSQL at commit -> 422."""
    app = _probe_app(db_url)
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert client.post("/probe/orgs", params={"slug": "one", "name": "One"}).status_code == 201
        before = _snapshot(db_url)
        dup = client.post("/probe/orgs", params={"slug": "one", "name": "Again"})
        assert dup.status_code == 409, dup.text
        assert _snapshot(db_url) == before

        nul = client.post("/probe/orgs", params={"slug": "nul", "name": "a\x00b"})
        stored = [r for r in _snapshot(db_url)["organizations"] if "nul" in r]
        if db_url.startswith("postgresql"):
            assert nul.status_code == 422, nul.text
            assert not stored
        else:  # SQLite stores the NUL; then, and only then, 201 is the truth
            assert (nul.status_code == 201) == bool(stored)


def test_a_nul_byte_in_an_asset_patch_is_stored_or_refused_never_lost(db_url):
    app = _app(db_url)
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        _, h = _tenant(app, "bank")
        asset = client.post("/api/v1/assets", headers=h, json=ASSET).json()
        before = _snapshot(db_url)
        resp = client.patch(
            f"/api/v1/assets/{asset['id']}", headers=h, json={"description": "line\x00two"}
        )
        got = client.get(f"/api/v1/assets/{asset['id']}", headers=h).json()
        if 200 <= resp.status_code < 300:
            assert got["description"] == "line\x00two"
        else:
            assert 400 <= resp.status_code < 500, resp.text
            assert _snapshot(db_url) == before


def test_a_signed_report_can_be_read_back_at_once(db_url):
    app = _app(db_url)
    with serve(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        _, h = _tenant(app, "acme", Role.VENDOR)
        product = client.post(
            "/api/v1/testbed/products",
            headers=h,
            json={"name": "Gate", "version": "1", "algorithms": ["ML-DSA-65"]},
        ).json()
        sk = mldsa.MLDSA65PrivateKey.generate()
        pk = sk.public_key().public_bytes_raw()
        for _ in range(12):
            opened = client.post(
                "/api/v1/testbed/sessions",
                headers=h,
                json={
                    "product_id": product["id"],
                    "algorithm": "ML-DSA-65",
                    "check": "sig_vendor_signs",
                },
            )
            assert opened.status_code == 201, opened.text
            s = opened.json()
            message = base64.b64decode(s["challenge"]["message"])
            context = base64.b64decode(s["challenge"]["context"])
            answer = {
                "public_key": base64.b64encode(pk).decode(),
                "signature": base64.b64encode(sk.sign(message)).decode(),
                "context_signature": base64.b64encode(sk.sign(message, context)).decode(),
            }
            report = client.post(
                f"/api/v1/testbed/sessions/{s['id']}/answer",
                headers=h,
                json={"check": "sig_vendor_signs", "answer": answer},
            )
            assert report.status_code == 200, report.text
            again = client.get(f"/api/v1/testbed/sessions/{s['id']}/report", headers=h)
            assert again.status_code == 200, again.text
            assert again.content == report.content


def test_a_new_plan_exports_at_once(db_url):
    app = _app(db_url)
    with serve(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        _, h = _tenant(app, "ministry")
        post_asset_with_rsa(client, h)
        for _ in range(8):
            plan = client.post(
                "/api/v1/plans", headers=h, json={"profile": "kr-2035", "start": "2026-12-01"}
            )
            assert plan.status_code == 201, plan.text
            export = client.get(f"/api/v1/plans/{plan.json()['id']}/versions/1/export", headers=h)
            assert export.status_code == 200, export.text
            assert client.get(f"/api/v1/plans/{plan.json()['id']}", headers=h).status_code == 200
