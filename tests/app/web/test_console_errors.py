"""A browser gets HTML error pages (404, 405, 403, 422 with the form kept, 503 when the
database is busy) in its language; an API client keeps the JSON."""

from __future__ import annotations

import re
import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.api.main import create_app
from app.settings import Settings
from core.choices import Role
from core.models import AuditEntry
from migration.models import Plan

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def test_unknown_urls_and_methods_answer_html_to_browsers_and_json_to_api_clients(api, sign_in):
    org = api.make_org()
    page = api.client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in page.text and 'href="/signin"' in page.text
    assert api.client.get("/no/such/page").json()["detail"] == "Not Found"  # curl, scripts
    assert (
        api.client.get("/api/v1/nothing", headers=HTML)
        .headers["content-type"]
        .startswith("application/json")
    )  # the API's paths stay JSON whoever asks
    sign_in(org, Role.OFFICER)
    korean = api.client.get("/no/such/page?lang=ko", headers=HTML)
    assert korean.status_code == 404 and "이 주소에는 페이지가 없습니다." in korean.text
    assert 'href="/overview"' in korean.text  # signed in: the menu is there
    wrong = api.client.put("/overview", headers=HTML)
    assert wrong.status_code == 405 and wrong.headers["content-type"].startswith("text/html")
    bad_query = api.client.get("/assets?exposure=orbit", headers=HTML)
    assert bad_query.status_code == 422 and "query.exposure" in bad_query.text
    deep = api.client.get("/assets?cursor=not-a-cursor", headers=HTML)
    assert deep.status_code == 422 and deep.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # middleware, not SQL: one database
def test_a_body_over_the_limit_is_a_page_for_browsers_and_json_for_api_clients(api, sign_in):
    """The size limit refuses before any route runs (ASGI middleware): a browser posting a
    console form reads the error page in its language, a client of the API keeps JSON."""
    org = api.make_org()
    csrf = sign_in(org, Role.OFFICER)
    api.client.get("/overview?lang=ko")  # the language cookie, as the switch sets it
    six_mib = b"x" * (6 * 1024 * 1024)
    upload = {"data": {"kind": "csv", "csrf": csrf},
              "files": {"file": ("huge.csv", six_mib, "text/csv")}}  # fmt: skip
    page = api.client.post("/imports", headers=HTML, **upload)
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "보낸 내용이 이 양식이 받는 크기(최대 5.0 MiB)보다 큽니다" in page.text
    assert 'lang="ko"' in page.text and 'href="/overview"' in page.text  # the menu: signed in
    english = api.client.post("/imports?lang=en", headers=HTML, **upload)
    assert "larger than this form takes (5.0 MiB at most)" in english.text
    script = api.client.post("/imports", **upload)  # no Accept: text/html
    assert script.status_code == 413 and script.json()["location"] == "body"
    headers = {**HTML, **api.headers(org)}
    api_path = api.client.post("/api/v1/imports/csv", headers=headers, **upload)
    assert api_path.status_code == 413 and api_path.json()["location"] == "body"
    with api.sessions() as s:  # refused before anything ran
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_form_on_a_busy_database_is_a_503_page_with_its_input_kept(tmp_path, sqlite_template):
    """A real write lock held by another connection; the app waits 0.2 s for it, then
    answers 503 and changes nothing (the API: JSON, the console: its form again)."""
    import shutil

    path = tmp_path / "busy.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(Settings(database_url=f"sqlite:///{path}?timeout=0.2"))
    with TestClient(app) as client:
        from core.apikeys import issue_key
        from core.choices import Sector, Tier
        from core.models import Organization

        with app.state.sessionmaker.begin() as s:
            org = Organization(slug="o", name="O", sector=Sector.FINANCE, tier=Tier.PRIVATE)
            s.add(org)
            s.flush()
            _, secret = issue_key(s, org.id, Role.OFFICER, "busy officer")
        token = CSRF.search(client.get("/signin").text).group(1)
        client.post("/signin", data={"api_key": secret, "csrf": token})
        csrf = CSRF.search(client.get("/plans").text).group(1)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process writing
        try:
            form = client.post(
                "/plans",
                data={"csrf": csrf, "profile": "kr-2035", "name": "kept name"},
                headers=HTML,
            )
            api_answer = client.post(
                "/api/v1/plans",
                json={"profile": "kr-2035"},
                headers={"Authorization": f"Bearer {secret}"},
            )
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert form.status_code == 503 and form.headers["content-type"].startswith("text/html")
        assert form.headers["retry-after"]
        assert "The database is busy; nothing was changed." in form.text
        assert 'value="kept name"' in form.text  # the form is back with its input
        assert api_answer.status_code == 503
        assert api_answer.headers["content-type"].startswith("application/json")
        with app.state.sessionmaker() as s:
            assert s.scalar(select(func.count(Plan.id))) == 0


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_refused_forms_keep_their_input_and_mark_the_field_in_the_readers_language(
    api, sign_in, lang
):
    org = api.make_org()
    csrf = sign_in(org, Role.ADMIN)
    api.client.get(f"/admin?lang={lang}")
    long_name = "x" * 150
    answer = api.client.post(
        "/admin/keys",
        data={"csrf": csrf, "organization_id": org.id, "role": "officer", "name": long_name},
    )
    assert answer.status_code == 422
    assert f'value="{long_name}"' in answer.text and 'aria-invalid="true"' in answer.text
    error = re.search(r'id="key-name-error">(.+?)</span></', answer.text).group(1)
    error = re.sub(r"<[^>]+>", "", error)  # the limit is a value, kept as written
    assert (
        error == {"en": "Enter at most 100 characters.", "ko": "100자 이하로 입력하십시오."}[lang]
    )
    duplicate = api.client.post(
        "/admin/organizations",
        data={
            "csrf": csrf,
            "slug": org.slug,
            "name": "Again",
            "sector": "finance",
            "tier": "private",
        },
    )
    assert duplicate.status_code == 409 and 'value="Again"' in duplicate.text
    assert 'id="org-problem"' in duplicate.text
