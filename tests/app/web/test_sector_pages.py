"""The console's sector pages, in English and Korean: the check with its forms, the
procedure, reporting (start, the signed report) and the supervisor's pages; an auditor's
forms are refused and change nothing."""

from __future__ import annotations

import base64

import pytest
from markupsafe import escape

from app import supervision_report
from core.choices import Role, Sector, Tier
from migration.sectors.loader import builtin_catalogs, procedures
from tests.app.web.test_i18n import declared_english


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pages, not SQL: one database
def test_sector_pages_in_both_languages(api, sign_in) -> None:
    desk = api.make_org("desk", Sector.GOVERNMENT, Tier.CENTRAL_GOVERNMENT)
    bank = api.make_org("bank", Sector.FINANCE, Tier.CRITICAL_PRIVATE_INFRASTRUCTURE)
    officer = api.headers(bank)
    body = {"name": "Card authorization switch", "asset_type": "service"}
    asset = api.client.post("/api/v1/assets", json=body, headers=officer).json()["id"]

    csrf = sign_in(bank, Role.OFFICER)
    assert f'href="/sector?asset={asset}#h-tie"' in api.client.get(f"/assets/{asset}").text
    prefilled = api.client.get(f"/sector?asset={asset}").text
    assert f'name="asset_id" type="text" value="{asset}"' in prefilled
    page = api.client.get("/sector")
    assert page.status_code == 200 and "Card authorization switch" in page.text
    assert "finance/customer-certificate-pki" in page.text
    done = api.client.post(
        "/sector/absences",
        data={
            "csrf": csrf,
            "target": "finance/customer-certificate-pki",
            "reason": "customers use the national certificate service",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    tied = api.client.post(
        "/sector/ties",
        data={"csrf": csrf, "asset_id": str(asset), "target": "finance/app-signing"},
        follow_redirects=False,
    )
    assert tied.status_code == 303, tied.text
    korean = api.client.get("/sector?lang=ko")
    assert "부재 신고" in korean.text and "national certificate service" in korean.text
    # a target not found yet: why it matters and how to look, in the page's language
    hsm = next(t for t in builtin_catalogs()["finance"].targets if t.id == "hsm-key-management")
    english = api.client.get("/sector?lang=en").text
    for ko, en in [(hsm.why.text_ko, hsm.why.text), *((h.how_ko, h.how) for h in hsm.look)]:
        assert escape(ko) in korean.text and escape(en) not in korean.text
        assert escape(en) in english and escape(ko) not in english
    assert f'<p lang="en">{escape(hsm.why.text)}</p>' in english  # English pages unchanged
    assert declared_english(korean.text) == []  # only source titles stay English
    step = api.client.post(
        "/procedure/gsma-pq03/capability",
        data={"csrf": csrf, "status": "done", "owner": "CISO"},
        follow_redirects=False,
    )
    assert step.status_code == 303, step.text
    assert "CISO" in api.client.get("/procedure").text
    steps = api.client.get("/procedure?lang=ko").text
    assert "역량 및 기술 개발" in steps and declared_english(steps) == []
    pilot = procedures()["kr-pilot"]
    assert escape(pilot.notes_ko[0]) in steps and escape(pilot.steps[0].description_ko) in steps
    assert escape(pilot.steps[0].description) not in steps
    start = api.client.post(
        "/reporting", data={"csrf": csrf, "supervisor": "desk"}, follow_redirects=False
    )
    assert start.status_code == 303, start.text
    shared = api.client.get("/reporting?lang=en")
    assert (
        "Stop reporting" in shared.text and "CISO" not in shared.text.split("What supervisors")[1]
    )
    report = api.client.post(
        "/reporting/report", data={"csrf": csrf, "format": "html", "lang": "ko"}
    )
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    key = base64.b64decode(api.client.get("/api/v1/testbed/report-key").json()["public_key"])
    assert supervision_report.check(report.text, key).ok

    # the desk's officer sees the bank's figures, in Korean too
    sign_in(desk, Role.OFFICER)
    view = api.client.get("/supervision?lang=ko")
    assert view.status_code == 200 and "분야별 집계" in view.text and "Bank" in view.text
    assert declared_english(view.text) == []
    korean_one = api.client.get(f"/supervision/{bank.id}?lang=ko").text
    assert "HSM 키 관리" in korean_one and declared_english(korean_one) == []
    one = api.client.get(f"/supervision/{bank.id}?lang=en")
    assert one.status_code == 200 and "declared absent" in one.text
    assert "Card authorization switch" not in one.text and "CISO" not in one.text

    # an auditor of the bank may read and download, not write
    csrf = sign_in(bank, Role.AUDITOR)
    assert api.client.get("/sector").status_code == 200
    refused = api.client.post(
        "/sector/ties",
        data={"csrf": csrf, "asset_id": str(asset), "target": "finance/card-payment"},
    )
    assert refused.status_code == 403
    check = api.client.get("/api/v1/sector-check", headers=officer).json()
    card = next(t for t in check["targets"] if t["key"] == "finance/card-payment")
    assert card["by_hand"] == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sector_forms_come_back_with_their_input_and_announce_what_they_did(api, sign_in):
    bank = api.make_org("bank", Sector.FINANCE, Tier.CRITICAL_PRIVATE_INFRASTRUCTURE)
    csrf = sign_in(bank, Role.OFFICER)
    target = "finance/customer-certificate-pki"
    short = api.client.post(
        "/sector/absences", data={"csrf": csrf, "target": target, "reason": "no"}
    )
    assert short.status_code == 422 and 'id="absence-reason-error"' in short.text
    assert f'<option value="{target}" selected' in short.text  # the input kept
    made = api.client.post(
        "/sector/absences", data={"csrf": csrf, "target": target, "reason": "a shared service"}
    )
    assert made.status_code == 200 and f"Declared {target} absent." in made.text
    assert f"Withdraw the declaration for {target}" in made.text  # named, with a question
    gone = api.client.get("/sector/ties?lang=ko")
    assert gone.status_code == 405
    tied = api.client.post(
        "/sector/ties", data={"csrf": csrf, "target": target, "asset_id": "999999"}
    )
    assert tied.status_code == 404 and 'id="tie-asset_id"' in tied.text  # no such asset
    withdrawn = api.client.post(
        "/sector/absences?lang=ko", data={"csrf": csrf, "target": target, "remove": "yes"}
    )
    assert withdrawn.status_code == 200 and "부재 신고를 철회했습니다" in withdrawn.text
    stop = api.client.post("/reporting", data={"csrf": csrf, "supervisor": "nobody"})
    assert stop.status_code == 404 and 'aria-describedby="reporting-supervisor-error"' in stop.text
