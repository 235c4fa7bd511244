"""The web console over HTTP (no browser): sessions, CSRF, tenancy, roles, errors, languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from core.choices import Role
from core.models import ApiKey, WebSession

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _key(api, org, role=Role.OFFICER) -> str:
    return api.headers(org, role)["Authorization"].removeprefix("Bearer ")


def sign_in(client, key: str, next_path: str = "/") -> str:
    """Sign in through the form; returns the CSRF token of the first page after it."""
    form = client.get("/signin")
    token = CSRF.search(form.text).group(1)
    resp = client.post(
        "/signin", data={"api_key": key, "csrf": token, "next": next_path}, follow_redirects=False
    )
    assert resp.status_code == 303, resp.text
    page = client.get(resp.headers["location"])
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


def _asset(api, headers, name: str, algorithm: str = "RSA-2048") -> int:
    r = api.client.post(
        "/api/v1/assets",
        json={"name": name, "asset_type": "service", "exposure": "internet_facing"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    r = api.client.post(
        "/api/v1/usages",
        json={"asset_id": aid, "algorithm": algorithm, "primitive": "signature"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return aid


def test_sign_in_sets_a_strict_httponly_cookie_and_a_session_row(api):
    org = api.make_org()
    client = api.client
    assert client.get("/", follow_redirects=False).headers["location"] == "/signin"
    assert (
        client.get("/overview", follow_redirects=False)
        .headers["location"]
        .startswith("/signin?next=%2Foverview")
    )
    form = client.get("/signin")
    token = CSRF.search(form.text).group(1)
    bad = client.post("/signin", data={"api_key": "pqc_nope", "csrf": token})
    assert bad.status_code == 401 and "Invalid or revoked API key." in bad.text
    token = CSRF.search(bad.text).group(1)
    resp = client.post(
        "/signin", data={"api_key": _key(api, org), "csrf": token}, follow_redirects=False
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/overview"
    cookie = resp.headers["set-cookie"]
    assert "pqcplan_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback; behind HTTPS it is set
    with api.sessions() as s:
        rows = list(s.scalars(select(WebSession)))
    assert len(rows) == 1 and rows[0].organization_id == org.id and rows[0].ended_at is None
    token_value = cookie.split("pqcplan_session=")[1].split(";")[0]
    assert token_value not in rows[0].token_hash  # only a digest is stored
    page = client.get("/overview")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    assert page.headers["cache-control"] == "no-store"  # tenant data stays out of caches


def test_sign_in_form_without_its_csrf_token_is_refused(api):
    org = api.make_org()
    api.client.get("/signin")
    resp = api.client.post("/signin", data={"api_key": _key(api, org), "csrf": "forged"})
    assert resp.status_code == 403
    with api.sessions() as s:
        assert s.scalar(select(WebSession.id)) is None


def test_sign_out_ends_the_session_server_side(api):
    org = api.make_org()
    client = api.client
    csrf = sign_in(client, _key(api, org))
    cookie = client.cookies.get("pqcplan_session")
    refused = client.post("/signout", data={"csrf": "wrong"})
    assert refused.status_code == 403
    assert client.get("/overview").status_code == 200  # still signed in
    out = client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("pqcplan_session", cookie)  # replay the old cookie
    again = client.get("/overview", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/signin")
    with api.sessions() as s:
        assert s.scalar(select(WebSession.ended_at)) is not None


def test_revoking_the_key_ends_its_browser_sessions(api):
    org = api.make_org()
    key = _key(api, org)
    sign_in(api.client, key)
    with api.sessions.begin() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.organization_id == org.id))
        row.revoked_at = datetime.now(UTC)
    resp = api.client.get("/assets", follow_redirects=False)
    assert resp.status_code == 303


def test_another_organizations_asset_and_job_answer_404(api):
    mine, theirs = api.make_org("mine"), api.make_org("theirs")
    their_asset = _asset(api, api.headers(theirs), "their secret service")
    my_asset = _asset(api, api.headers(mine), "my service")
    sign_in(api.client, _key(api, mine))
    assert api.client.get(f"/assets/{my_asset}").status_code == 200
    resp = api.client.get(f"/assets/{their_asset}")
    assert resp.status_code == 404
    assert "their secret service" not in resp.text
    listing = api.client.get("/assets")
    assert "my service" in listing.text and "their secret service" not in listing.text


def test_overview_and_asset_pages_show_counts_reasons_and_graph(api):
    org = api.make_org()
    headers = api.headers(org)
    ca = _asset(api, headers, "root CA", "RSA-4096")
    web = _asset(api, headers, "web portal", "ECDSA-P256")
    r = api.client.post(
        "/api/v1/dependencies",
        json={"dependent_id": web, "provider_id": ca, "kind": "certificates_from"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    sign_in(api.client, _key(api, org))
    overview = api.client.get("/overview").text
    assert 'id="count-assets">2<' in overview and 'id="count-usages">2<' in overview
    assert "<svg" in overview and "<table>" in overview.replace("<table><caption>", "<table>")
    assert "web portal" in overview  # what breaks first: internet-facing broken usages
    page = api.client.get(f"/assets/{web}").text
    assert "ECDSA-P256" in page and "Shor" in page  # the catalog's reason, in words
    assert f'href="/assets/{ca}"' in page and "root CA" in page  # graph + table


def test_asset_filters_and_cursor_paging(api, monkeypatch):
    from app.web import pages_officer

    monkeypatch.setattr(pages_officer, "PAGE_SIZE", 2)
    org = api.make_org()
    headers = api.headers(org)
    for i in range(3):
        _asset(api, headers, f"rsa {i}", "RSA-2048")
    _asset(api, headers, "pq service", "ML-KEM-768")
    sign_in(api.client, _key(api, org))
    first = api.client.get("/assets", params={"quantum_status": "broken"}).text
    assert "rsa 0" in first and "rsa 1" in first and "rsa 2" not in first
    nxt = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = api.client.get(nxt).text
    assert "rsa 2" in second and "rsa 0" not in second and "pq service" not in second
    searched = api.client.get("/assets", params={"q": "pq"}).text
    assert "pq service" in searched and "rsa 0" not in searched
    bad = api.client.get("/assets", params={"exposure": "outer-space"})
    assert bad.status_code == 422 and "query.exposure" in bad.text


def test_roles_vendor_sees_no_inventory_and_auditor_cannot_import(api):
    org = api.make_org()
    sign_in(api.client, _key(api, org, Role.VENDOR))
    assert api.client.get("/overview").status_code == 403
    api.client.cookies.clear()
    sign_in(api.client, _key(api, org, Role.AUDITOR))
    page = api.client.get("/imports")
    assert page.status_code == 200 and 'type="file"' not in page.text


def test_next_never_leaves_the_site(api):
    org = api.make_org()
    form = api.client.get("/signin?next=//evil.example/x")
    token = CSRF.search(form.text).group(1)
    resp = api.client.post(
        "/signin",
        data={"api_key": _key(api, org), "csrf": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/overview"


def test_korean_switch_keeps_the_choice(api):
    """Every message translated, every page in Korean: tests/app/web/test_i18n.py."""
    org = api.make_org()
    sign_in(api.client, _key(api, org))
    page = api.client.get("/overview?lang=ko")
    assert 'lang="ko"' in page.text and "개요" in page.text
    assert api.client.get("/assets").text.count("자산") > 0  # the cookie keeps the choice


def test_web_import_form_takes_files_up_to_the_upload_limit(api):
    """The import form is an upload like /api/v1/imports: the 2 MiB JSON cap must not apply
    (the test app allows 5 MiB uploads)."""
    org = api.make_org()
    csrf = sign_in(api.client, _key(api, org))
    three_mib = b"asset_name,asset_type\n" + b"x" * (3 * 1024 * 1024)
    resp = api.client.post(
        "/imports",
        data={"kind": "csv", "csrf": csrf},
        files={"file": ("big.csv", three_mib, "text/csv")},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and "/jobs/" in resp.headers["location"], resp.text[:300]
    six_mib = b"x" * (6 * 1024 * 1024)
    resp = api.client.post(
        "/imports",
        data={"kind": "csv", "csrf": csrf},
        files={"file": ("huge.csv", six_mib, "text/csv")},
        follow_redirects=False,
    )
    assert resp.status_code == 413
