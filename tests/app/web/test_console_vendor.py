"""The vendor's whole job in the console, as a browser's forms do it: open a conformance
session of a product, download its challenge, answer it with the product's own crypto
(PQClean's ML-KEM-768 through pqcrypto, not the testbed's engines), upload the answer file,
read the graded result and download the signed report, which verifies offline; a bad
answer file leaves the session open with the problem named on the form; benchmarks of the
product are listed on its page and download as CSV and JSON."""

from __future__ import annotations

import base64
import csv
import io
import json
import re

import pytest
from pqcrypto.kem import ml_kem_768 as kem
from sqlalchemy import select

from core.choices import Role
from core.models import AuditEntry
from testbed.conformance import reports

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def product_answer(challenge: dict) -> dict:
    """A sound sender: encapsulates to every key of the right length, refuses the others."""
    items = {}
    for item in challenge["items"]:
        ek = base64.b64decode(item["encapsulation_key"])
        try:
            if len(ek) != kem.PUBLIC_KEY_SIZE:
                raise ValueError("wrong length")
            ct, ss = kem.encaps(ek)
        except ValueError:
            items[item["id"]] = {"rejected": True}
            continue
        items[item["id"]] = {
            "ciphertext": base64.b64encode(ct).decode(),
            "shared_secret": base64.b64encode(ss).decode(),
        }
    return {"items": items}


def _audit_count(api) -> int:
    with api.sessions() as s:
        return len(list(s.scalars(select(AuditEntry.id))))


def _post(api, path: str, csrf: str, files=None, **data: str):
    return api.client.post(path, data={"csrf": csrf, **data}, files=files, follow_redirects=False)


def test_a_vendor_opens_answers_and_reads_a_session_in_the_console(api, sign_in):
    org = api.make_org("hanbit")
    csrf = sign_in(org, Role.VENDOR)
    made = _post(api, "/testbed/products", csrf, name="VPN", version="3", algorithms="ML-KEM-768")
    product = made.headers["location"]
    page = api.client.get(product).text
    assert 'action="' + product + '/sessions"' in page
    # a refused opening comes back with the field marked and the session not made
    bad = _post(api, f"{product}/sessions", csrf, algorithm="ML-KEM-768", check="kem_sender",
                mode="keyGen")  # fmt: skip
    assert bad.status_code == 422 and 'id="session-mode-error"' in bad.text
    assert 'aria-invalid="true" aria-describedby="session-mode-error"' in bad.text
    opened = _post(api, f"{product}/sessions", csrf, algorithm="ML-KEM-768", check="kem_sender")
    assert opened.status_code == 303, opened.text[:400]
    session_page = opened.headers["location"]
    session_id = int(session_page.rsplit("/", 1)[1])
    shown = api.client.get(session_page).text
    assert 'id="flash"' in shown and "challenge.json" in shown
    got = api.client.get(f"{session_page}/challenge.json")
    assert got.headers["content-disposition"].startswith("attachment")
    session = got.json()
    assert session["id"] == session_id and session["state"] == "open"
    # a file that is not JSON, then one of the wrong shape: named, the session still open
    upload = f"{session_page}/answer"
    not_json = _post(api, upload, csrf, files={"file": ("a.json", b"{items", "application/json")})
    assert not_json.status_code == 422 and 'id="answer-file-error"' in not_json.text
    assert "line 1, column 2" in not_json.text
    shape = _post(api, upload, csrf, files={"file": ("a.json", b'{"items": 3}', "text/plain")})
    assert shape.status_code == 422 and "$.answer.items" in shape.text
    assert api.client.get(f"{session_page}/challenge.json").json()["state"] == "open"
    # the product's answer, graded once
    answer = json.dumps(product_answer(session["challenge"])).encode()
    graded = _post(api, upload, csrf, files={"file": ("answer.json", answer, "application/json")})
    assert graded.status_code == 303 and graded.headers["location"] == session_page
    result = api.client.get(session_page).text
    assert 'id="verdict"' in result and 'id="cases"' in result and 'id="flash"' in result
    n = len(session["challenge"]["items"])
    assert f"{n} of {n} cases passed, 0 failed." in result
    again = _post(api, upload, csrf, files={"file": ("answer.json", answer, "application/json")})
    assert again.status_code == 409  # graded once
    assert "already answered" in again.text
    signed = api.client.get(f"{session_page}/report.json").content
    key = api.client.get("/api/v1/testbed/report-key").json()
    assert reports.verify_bytes(signed, base64.b64decode(key["public_key"])).ok
    with api.sessions() as s:
        actions = [(e.action, e.entity) for e in s.scalars(select(AuditEntry))]
    assert ("create", "vendor_session") in actions and ("answer", "vendor_session") in actions
    # the report checked in the console against the testbed's key, as the API checks it
    key_page = api.client.get("/testbed/report-key").text
    assert 'action="/testbed/report-key/verify"' in key_page
    before = _audit_count(api)
    good = _post(api, "/testbed/report-key/verify", csrf,
                 files={"file": ("report.json", signed, "application/json")})  # fmt: skip
    assert good.status_code == 200 and "signed the report, byte for byte" in good.text
    changed = signed.replace(b'"verdict":"pass"', b'"verdict":"fail"', 1)
    bad = _post(api, "/testbed/report-key/verify?lang=ko", csrf,
                files={"file": ("report.json", changed, "application/json")})  # fmt: skip
    assert bad.status_code == 200 and "이 파일에 서명하지 않았습니다" in bad.text
    assert _audit_count(api) == before  # a check writes nothing
    # the product's page lists the session and its report
    listed = api.client.get(product).text
    assert f'href="/testbed/sessions/{session_id}"' in listed and "report.json" in listed


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pages, not SQL: one database
def test_a_products_benchmarks_are_listed_and_download(api, sign_in):
    org = api.make_org("hanbit2")
    csrf = sign_in(org, Role.VENDOR)
    made = _post(api, "/testbed/products", csrf, name="HSM", version="1", algorithms="ML-KEM-512")
    product = made.headers["location"]
    product_id = product.rsplit("/", 1)[1]
    started = _post(api, "/testbed/benchmarks", csrf, algorithm="ML-KEM-512",
                    time_budget_s="0.02", product_id=product_id)  # fmt: skip
    job = int(started.headers["location"].rsplit("=", 1)[1])
    api.client.app.state.jobs.wait(job, timeout=120)
    listed = api.client.get(product).text
    assert f'href="/testbed/runs?job={job}"' in listed
    run = api.client.get(f"/testbed/runs?job={job}").text
    assert f'href="{product}"' in run and "format=csv" in run
    data = api.client.get(f"/testbed/runs?job={job}&format=csv&lang=ko").content
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "알고리즘" and {r[0] for r in rows[1:]} == {"ML-KEM-512"}
    assert {r[4] for r in rows[1:]} >= {"keygen", "encaps", "decaps"}
    doc = api.client.get(f"/testbed/runs?job={job}&format=json").json()
    assert doc["job_id"] == job and {i["product_id"] for i in doc["items"]} == {int(product_id)}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pages, not SQL: one database
def test_an_expired_session_says_so_and_grades_nothing(api, sign_in):
    from datetime import UTC, datetime, timedelta

    from testbed.conformance.models import VendorSession

    org = api.make_org("hanbit3")
    csrf = sign_in(org, Role.VENDOR)
    made = _post(api, "/testbed/products", csrf, name="Box", version="1", algorithms="ML-KEM-768")
    opened = _post(
        api, f"{made.headers['location']}/sessions", csrf, algorithm="ML-KEM-768",
        check="kem_sender",
    )  # fmt: skip
    session_page = opened.headers["location"]
    session_id = int(session_page.rsplit("/", 1)[1])
    challenge = api.client.get(f"{session_page}/challenge.json").json()["challenge"]
    with api.sessions.begin() as s:  # fifteen minutes later
        s.get(VendorSession, session_id).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    page = api.client.get(f"{session_page}?lang=ko").text
    assert "만료됨" in page and 'id="answer-file"' not in page
    answer = json.dumps(product_answer(challenge)).encode()
    late = _post(api, f"{session_page}/answer", csrf, files={"file": ("a.json", answer, "x")})
    assert late.status_code == 410 and '<html lang="ko">' in late.text  # the reader's choice
    assert f'세션 <span translate="no">{session_id}</span>은(는)' in late.text
    assert "에 만료되었습니다. 새 세션을 여십시오" in late.text
    with api.sessions() as s:
        assert s.get(VendorSession, session_id).verdict is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pages, not SQL: one database
def test_the_receiver_check_takes_the_products_key_from_the_form(api, sign_in):
    """The product decapsulates: its encapsulation key goes in the form (a wrong one comes
    back on that field); the graded page says the standing the grader gives."""
    org = api.make_org("hanbit4")
    csrf = sign_in(org, Role.VENDOR)
    made = _post(api, "/testbed/products", csrf, name="HSM", version="2", algorithms="ML-KEM-768")
    sessions = f"{made.headers['location']}/sessions"
    ek, dk = kem.keygen()
    form = {"algorithm": "ML-KEM-768", "check": "kem_receiver"}
    short = _post(api, sessions, csrf, encapsulation_key=base64.b64encode(ek[:-1]).decode(), **form)
    assert short.status_code == 422 and 'id="session-encapsulation_key-error"' in short.text
    assert "1184 bytes" in short.text
    # pasted as a text area wraps it: the spaces and line breaks are not part of the key
    pasted = base64.b64encode(ek).decode()
    pasted = "\n".join(pasted[i : i + 76] for i in range(0, len(pasted), 76))
    opened = _post(api, sessions, csrf, encapsulation_key=pasted, **form)
    assert opened.status_code == 303, opened.text[:400]
    raw_file = {"key_file": ("ek.bin", ek, "application/octet-stream")}
    as_file = _post(api, sessions, csrf, files=raw_file, **form)  # the raw bytes as a file
    assert as_file.status_code == 303, as_file.text[:400]
    twice = _post(api, sessions, csrf, files=raw_file, encapsulation_key=pasted, **form)
    assert twice.status_code == 422 and "not both" in twice.text
    session_page = opened.headers["location"]
    challenge = api.client.get(f"{session_page}/challenge.json").json()["challenge"]
    items = {}
    for item in challenge["items"]:
        ct = base64.b64decode(item["ciphertext"])
        if len(ct) != kem.CIPHERTEXT_SIZE:
            items[item["id"]] = {"rejected": True}
        else:
            ss = kem.decaps(dk, ct)
            items[item["id"]] = {"shared_secret": base64.b64encode(ss).decode()}
    answer = json.dumps({"check": "kem_receiver", "answer": {"items": items}}).encode()
    graded = _post(api, f"{session_page}/answer", csrf, files={"file": ("a.json", answer, "x")})
    assert graded.status_code == 303
    page = api.client.get(session_page).text
    assert "Interoperable only" in page and 'id="verdict"' in page
