"""Security headers on every answer, no-store on API answers, and docs that need no CDN."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.settings import Settings
from core.choices import Role

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_secure(resp, *, no_store: bool = True) -> None:
    for name, value in EXPECTED.items():
        assert resp.headers.get(name) == value, (resp.status_code, name, dict(resp.headers))
    csp = resp.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert not re.search(r"https?:|\*", csp), csp  # this origin only
    if no_store:  # everything but static assets: answers carry tenants' data or secrets
        assert resp.headers.get("cache-control") == "no-store", dict(resp.headers)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("src", "href", "spec-url", "data-openapi-url"):
            if a.get(key):
                self.refs.append(a[key] or "")
        self._in_script_without_src = tag == "script" and not a.get("src")
        if self._in_script_without_src:
            self.inline_scripts += 1
        if any(k.startswith("on") for k in a):
            self.inline_scripts += 1  # event handler attributes are inline script too

    def handle_endtag(self, tag: str) -> None:
        self._in_script_without_src = False


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=sqlite_url, max_json_bytes=1024))
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_only_local_assets(client, page):
    resp = client.get(page)
    assert resp.status_code == 200
    assert_secure(resp)
    parser = _Refs()
    parser.feed(resp.text)
    assert parser.inline_scripts == 0, "inline script would be blocked by script-src 'self'"
    assert parser.refs, resp.text
    assert "//" not in resp.text.replace("<!DOCTYPE html>", ""), "an external URL in the page"
    scripts = 0
    for ref in parser.refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert_secure(asset, no_store=ref == "/openapi.json")  # assets may be cached
        if ref.endswith(".js"):
            scripts += 1
            assert "javascript" in asset.headers["content-type"], ref
            assert len(asset.content) > 1000 or "SwaggerUIBundle" in asset.text, ref
        elif ref.endswith(".css"):
            assert asset.headers["content-type"].startswith("text/css"), ref
        elif ref == "/openapi.json":
            assert asset.json()["info"]["title"] == "pqcplan"
    assert scripts >= 1


def test_headers_on_200_4xx_413_and_secrets_are_not_stored(client):
    sessions = client.app.state.sessionmaker
    from core.apikeys import issue_key
    from core.choices import Sector, Tier
    from core.models import Organization

    with sessions.begin() as s:
        org = Organization(slug="o", name="O", sector=Sector.OTHER, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        admin = {"Authorization": f"Bearer {issue_key(s, org.id, Role.ADMIN, 'a')[1]}"}
        auditor = {"Authorization": f"Bearer {issue_key(s, org.id, Role.AUDITOR, 'b')[1]}"}

    assert_secure(client.get("/healthz"))
    ok = client.get("/api/v1/assets", headers=auditor)
    assert ok.status_code == 200
    assert_secure(ok)
    created = client.post(
        "/api/v1/api-keys",
        headers=admin,
        json={"organization_id": org.id, "role": "officer", "name": "new"},
    )
    assert created.status_code == 201 and created.json()["secret"]
    assert_secure(created)

    for resp, status in (
        (client.get("/api/v1/assets"), 401),
        (client.post("/api/v1/assets", headers=auditor, json={}), 403),
        (client.get("/api/v1/assets/424242", headers=auditor), 404),
        (client.get("/api/v1/assets", headers=auditor, params={"limit": -1}), 422),
        (client.post("/api/v1/assets", headers=admin, content=b"{" + b" " * 4096 + b"}"), 413),
        (client.get("/no/such/page"), 404),
    ):
        assert resp.status_code == status, resp.text
        assert_secure(resp)
