"""Sessions expire, are answered once, check every input first, and are rate-limited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from testbed.conformance.models import VendorSession

API = "/api/v1/testbed"


def test_expired_session_cannot_be_answered(vendors, product_cls):
    v = vendors()
    pid = v.product()
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    expires = datetime.fromisoformat(s["expires_at"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    with v.sessions.begin() as db:
        db.execute(
            update(VendorSession)
            .where(VendorSession.id == s["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    resp = v.answer(s["id"], product_cls().sign(s["challenge"]), expect=410)
    assert "expired" in resp.json()["detail"]
    got = v.client.get(f"{API}/sessions/{s['id']}", headers=v.headers).json()
    assert got["state"] == "expired" and got["verdict"] is None
    with v.sessions() as db:
        assert "discarded_after_expiry" not in db.get(VendorSession, s["id"]).secret
    v.open(pid, "ML-DSA-65", "sig_vendor_signs")  # opening any session sweeps expired ones
    with v.sessions() as db:
        kept = db.get(VendorSession, s["id"]).secret
    assert kept["discarded_after_expiry"] is True and set(kept) == {
        "_oracles",
        "discarded_after_expiry",
    }


def test_answered_once_and_answers_cannot_be_replayed(vendors, product_cls, helpers):
    v = vendors()
    pid = v.product()
    product = product_cls()
    first = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    answer = product.sign(first["challenge"])
    assert v.answer(first["id"], answer)["report"]["summary"]["verdict"] == "pass"
    again = v.answer(first["id"], answer, expect=409)
    assert "already answered" in again.json()["detail"]
    # the same (valid) signature replayed into a new session signs the wrong challenge
    second = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    assert second["challenge"]["message"] != first["challenge"]["message"]
    report = v.answer(second["id"], answer)
    assert set(helpers["verdicts"](report).values()) == {"fail"}
    got = v.client.get(f"{API}/sessions/{first['id']}", headers=v.headers).json()
    assert got["state"] == "finished" and got["verdict"] == "pass"
    with v.sessions() as db:  # once judged, the testbed keeps no secret material
        assert set(db.get(VendorSession, first["id"]).secret) == {
            "_oracles",
            "discarded_after_grading",
        }


def test_inputs_are_size_and_format_checked_and_a_422_keeps_the_session(
    sqlite_vendors, product_cls, helpers
):
    v = sqlite_vendors()
    pid = v.product()
    product = product_cls()
    ek = helpers["b64"](product.ek)
    for bad, words in (
        ("not base64!", "not valid base64"),
        ("QUFB" * 2000, "too long"),
        (12, "must be a base64 string"),
    ):
        resp = v.open(pid, "ML-KEM-768", "kem_receiver", expect=422, encapsulation_key=bad)
        assert resp["location"] == "$.input.encapsulation_key" and words in resp["detail"]
    modulus = bytearray(product.ek)
    modulus[0], modulus[1] = 0xFF, modulus[1] | 0x0F
    resp = v.open(
        pid, "ML-KEM-768", "kem_receiver", expect=422, encapsulation_key=helpers["b64"](modulus)
    )
    assert "modulus check" in resp["detail"]
    resp = v.open(pid, "ML-KEM-1024", "kem_receiver", expect=422, encapsulation_key=ek)
    assert resp["location"] == "$.algorithm" and "does not claim" in resp["detail"]
    resp = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="sigGen", expect=422)
    assert resp["location"] == "$.mode"

    s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=ek)
    good = product.receive(s["challenge"], s["nonce"])
    some_id = next(i["id"] for i in s["challenge"]["items"] if i["engine"] == "liboqs")
    for items, location in (
        (
            {**good["items"], some_id: {"shared_secret": "AAAA"}},
            f"$.answer.items.{some_id}.shared_secret",
        ),
        (
            {**good["items"], some_id: {"confirmation": "zz"}},
            f"$.answer.items.{some_id}.confirmation",
        ),
        ({**good["items"], some_id: {}}, f"$.answer.items.{some_id}"),
        ({**good["items"], "bogus": {"rejected": True}}, "$.answer.items"),
        ({k: x for k, x in good["items"].items() if k != some_id}, "$.answer.items"),
    ):
        resp = v.answer(s["id"], {"items": items}, expect=422).json()
        assert resp["location"] == location, resp
    assert v.answer(s["id"], good)["report"]["summary"]["verdict"] == "pass"


def test_expensive_algorithms_have_a_quota_with_retry_after(sqlite_vendors):
    acme, other = sqlite_vendors("acme"), sqlite_vendors("other")
    pid = acme.product(algorithms=["SLH-DSA-SHA2-128f"])
    for _ in range(3):
        s = acme.open(pid, "SLH-DSA-SHA2-128f", "sig_vendor_verifies")
        assert s["engines"] == ["pqclean"]
    resp = acme.client.post(
        f"{API}/sessions",
        headers=acme.headers,
        json={"product_id": pid, "algorithm": "SLH-DSA-SHA2-128f", "check": "sig_vendor_verifies"},
    )
    assert resp.status_code == 429, resp.text
    assert 1 <= int(resp.headers["Retry-After"]) <= 120
    assert "quota" in resp.json()["detail"]
    # cheap checks of the same algorithm and other organizations are not held back
    acme.open(pid, "SLH-DSA-SHA2-128f", "sig_vendor_signs")
    other_pid = other.product(algorithms=["SLH-DSA-SHA2-128f"])
    other.open(other_pid, "SLH-DSA-SHA2-128f", "sig_vendor_verifies")


def test_request_rate_limit_answers_429(sqlite_vendors):
    from testbed.conformance.quotas import TokenBuckets, VendorLimits

    v = sqlite_vendors()
    pid = v.product()
    v.client.app.state.vendor_limits = VendorLimits(requests=TokenBuckets(2, 0.5, "request rate"))
    v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    resp = v.client.post(
        f"{API}/sessions",
        headers=v.headers,
        json={"product_id": pid, "algorithm": "ML-DSA-65", "check": "sig_vendor_signs"},
    )
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "2"


def test_vendors_see_only_their_own_and_no_inventory(vendors, product_cls):
    acme, rival = vendors("acme"), vendors("rival")
    pid = acme.product()
    s = acme.open(pid, "ML-DSA-65", "sig_vendor_signs")
    acme.answer(s["id"], product_cls().sign(s["challenge"]))
    for path in (f"/sessions/{s['id']}", f"/sessions/{s['id']}/report", f"/products/{pid}"):
        assert rival.client.get(API + path, headers=rival.headers).status_code == 404
    empty = {"items": [], "next_cursor": None}
    assert rival.client.get(f"{API}/sessions", headers=rival.headers).json() == empty
    assert rival.client.get(f"{API}/reports", headers=rival.headers).json() == empty
    resp = rival.client.post(
        f"{API}/sessions",
        headers=rival.headers,
        json={"product_id": pid, "algorithm": "ML-DSA-65", "check": "sig_vendor_signs"},
    )
    assert resp.status_code == 404
    resp = rival.client.post(
        f"{API}/sessions/{s['id']}/answer",
        headers=rival.headers,
        json={"check": "sig_vendor_signs", "answer": {}},
    )
    assert resp.status_code == 404
    listed = acme.client.get(f"{API}/reports", headers=acme.headers).json()["items"]
    assert [r["session_id"] for r in listed] == [s["id"]]
    assert acme.client.get("/api/v1/assets", headers=acme.headers).status_code == 403


def test_two_concurrent_answers_grade_once(vendors, product_cls):
    from concurrent.futures import ThreadPoolExecutor

    v = vendors()
    pid = v.product()
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    answer = {"check": "sig_vendor_signs", "answer": product_cls().sign(s["challenge"])}

    def post(_):
        return v.client.post(f"{API}/sessions/{s['id']}/answer", headers=v.headers, json=answer)

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(r.status_code for r in pool.map(post, range(4)))
    assert codes == [200, 409, 409, 409]
    reports = v.client.get(f"{API}/reports", headers=v.headers).json()["items"]
    assert len(reports) == 1


def test_a_session_prepared_by_an_earlier_testbed_is_not_graded(sqlite_vendors, product_cls):
    """Its secret has another shape: answering says so (410) instead of failing inside."""
    v = sqlite_vendors()
    pid = v.product()
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    with v.sessions.begin() as db:
        row = db.get(VendorSession, s["id"])
        row.secret = {k: val for k, val in row.secret.items() if k != "_format"}
    resp = v.answer(s["id"], product_cls().sign(s["challenge"]), expect=410)
    assert "earlier version" in resp.json()["detail"]
