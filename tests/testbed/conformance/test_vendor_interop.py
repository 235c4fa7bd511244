"""Interoperability over HTTP: a PQClean-based product checked against every engine."""

from __future__ import annotations

import base64

ENGINES = {"liboqs", "openssl", "pqclean"}


def test_kem_receiver_good_product_passes_with_secrets_and_confirmations(
    vendors, product_cls, helpers
):
    v = vendors()
    pid = v.product()
    product = product_cls()
    for confirm in (False, True):
        s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=helpers["b64"](product.ek))
        assert set(s["engines"]) == ENGINES and s["state"] == "open"
        assert "secret" not in s and "expected" not in str(s["challenge"])
        report = v.answer(s["id"], product.receive(s["challenge"], s["nonce"], confirm=confirm))
        checks = sorted((c["check"], c["engine"]) for c in report["report"]["cases"])
        assert checks == sorted(  # every ciphertext of the right length twice
            [("kem-receiver/decapsulate", e) for e in ENGINES] * 2
            + [("kem-receiver/implicit-rejection", e) for e in ENGINES] * 2
            + [("kem-receiver/reject-bad-length", None)] * 2
        )
        body = report["report"]
        assert body["summary"] == {"cases": 14, "passed": 14, "failed": 0, "verdict": "pass"}
        assert body["standing"]["level"] == "interoperable"  # no ACVP encapDecap yet
        assert body["product"]["name"] == "SecureGate" and body["product"]["version"] == "9.1"
        assert {e["name"] for e in body["engines"]} == ENGINES
        assert all(e["version"] for e in body["engines"])
        assert report["signature"]["algorithm"] == "ML-DSA-65"


def test_product_that_disagrees_with_openssl_only_is_caught(vendors, product_cls, helpers):
    v = vendors()
    pid = v.product()
    product = product_cls(faults={"wrong_ss_openssl"})
    s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=helpers["b64"](product.ek))
    report = v.answer(s["id"], product.receive(s["challenge"], s["nonce"]))
    failed = [
        (c["check"], c["engine"]) for c in report["report"]["cases"] if c["verdict"] == "fail"
    ]
    assert failed == [("kem-receiver/decapsulate", "openssl")] * 2
    assert report["report"]["summary"]["verdict"] == "fail"


def test_kem_sender_good_and_faulty(vendors, product_cls):
    v = vendors()
    pid = v.product()
    s = v.open(pid, "ML-KEM-768", "kem_sender")
    assert {i["engine"] for i in s["challenge"]["items"]} == ENGINES
    # a key per engine, a short one, a bad modulus: each three times
    assert len(s["challenge"]["items"]) == 15
    report = v.answer(s["id"], product_cls().send(s["challenge"]))
    assert report["report"]["summary"]["verdict"] == "pass", report["report"]["cases"]

    # a product without the FIPS 203 key checks fails exactly the two negative items
    s = v.open(pid, "ML-KEM-768", "kem_sender")
    report = v.answer(s["id"], product_cls(faults={"no_key_checks"}).send(s["challenge"]))
    failed = {c["check"] for c in report["report"]["cases"] if c["verdict"] == "fail"}
    assert failed == {"kem-sender/short-key", "kem-sender/modulus-key"}
    assert report["report"]["summary"]["failed"] == 6

    # a product whose shared secret is wrong fails against every engine, nothing else
    s = v.open(pid, "ML-KEM-768", "kem_sender")
    report = v.answer(s["id"], product_cls(faults={"wrong_ss"}).send(s["challenge"]))
    failed = [
        (c["check"], c["engine"]) for c in report["report"]["cases"] if c["verdict"] == "fail"
    ]
    assert sorted(failed) == [("kem-sender/encapsulate", e) for e in sorted(ENGINES) for _ in "abc"]


def test_signatures_both_ways_good_product(sqlite_vendors, product_cls, helpers):
    v = sqlite_vendors()
    pid = v.product()
    product = product_cls()
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    report = v.answer(s["id"], product.sign(s["challenge"]))
    assert helpers["verdicts"](report) == {f"verify-{e}": "pass" for e in ENGINES} | {
        "verify-context": "pass"
    }

    s = v.open(pid, "ML-DSA-65", "sig_vendor_verifies")
    # 3 engines x (good + 3 bad), and OpenSSL's five context items
    assert len(s["challenge"]["items"]) == 17
    report = v.answer(s["id"], product.verify_items(s["challenge"]))
    assert report["report"]["summary"] == {
        "cases": 17,
        "passed": 17,
        "failed": 0,
        "verdict": "pass",
    }


def test_faulty_signatures_fail_exactly_what_they_should(sqlite_vendors, product_cls, helpers):
    v = sqlite_vendors()
    pid = v.product()
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    report = v.answer(s["id"], product_cls(faults={"flip_sig_bit"}).sign(s["challenge"]))
    assert set(helpers["verdicts"](report).values()) == {"fail"}

    s = v.open(pid, "ML-DSA-65", "sig_vendor_verifies")
    report = v.answer(s["id"], product_cls(faults={"accept_all"}).verify_items(s["challenge"]))
    by_check = {}
    for c in report["report"]["cases"]:
        by_check.setdefault(c["check"], set()).add(c["verdict"])
    assert by_check == {
        "sig-vendor-verifies/good": {"pass"},
        "sig-vendor-verifies/bit-flip": {"fail"},
        "sig-vendor-verifies/truncated": {"fail"},
        "sig-vendor-verifies/other-message": {"fail"},
        "sig-vendor-verifies/context": {"pass"},
        "sig-vendor-verifies/context-255": {"pass"},
        "sig-vendor-verifies/wrong-context": {"fail"},
        "sig-vendor-verifies/context-dropped": {"fail"},
        "sig-vendor-verifies/context-added": {"fail"},
    }


def test_wrong_key_length_is_refused_before_any_crypto(sqlite_vendors, product_cls, helpers):
    v = sqlite_vendors()
    pid = v.product()
    product = product_cls(faults={"short_key"})
    resp = v.open(
        pid, "ML-KEM-768", "kem_receiver", expect=422, encapsulation_key=helpers["b64"](product.ek)
    )
    assert resp["location"] == "$.input.encapsulation_key" and "1184 bytes" in resp["detail"]
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    resp = v.answer(s["id"], product.sign(s["challenge"]), expect=422).json()
    assert resp["location"] == "$.answer.public_key" and "1952 bytes" in resp["detail"]


def test_classic_mceliece_sender_and_its_keygen_quota(sqlite_vendors):
    from pqcrypto.kem import mceliece_348864 as mce

    from testbed.conformance.quotas import TokenBuckets, VendorLimits

    v = sqlite_vendors()
    v.client.app.state.vendor_limits = VendorLimits(expensive=TokenBuckets(1, 1 / 120, "quota"))
    pid = v.product(algorithms=["Classic-McEliece-348864"], name="Vault")
    s = v.open(pid, "Classic-McEliece-348864", "kem_sender")
    assert set(s["engines"]) == {"liboqs", "pqclean"}
    items = {}
    for item in s["challenge"]["items"]:
        ek = base64.b64decode(item["encapsulation_key"])
        if len(ek) != mce.PUBLIC_KEY_SIZE:
            items[item["id"]] = {"rejected": True}
            continue
        ct, ss = mce.encaps(ek)
        items[item["id"]] = {
            "ciphertext": base64.b64encode(ct).decode(),
            "shared_secret": base64.b64encode(ss).decode(),
        }
    report = v.answer(s["id"], {"items": items})
    assert report["report"]["summary"] == {"cases": 9, "passed": 9, "failed": 0, "verdict": "pass"}
    resp = v.client.post(
        "/api/v1/testbed/sessions",
        headers=v.headers,
        json={"product_id": pid, "algorithm": "Classic-McEliece-348864", "check": "kem_sender"},
    )
    assert resp.status_code == 429 and 110 <= int(resp.headers["Retry-After"]) <= 120
    # receiving (the testbed only encapsulates) is cheap and not under the quota
    v.open(
        pid,
        "Classic-McEliece-348864",
        "kem_receiver",
        encapsulation_key=base64.b64encode(mce.keygen()[0]).decode(),
    )
