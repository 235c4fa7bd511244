"""Products that answer the same thing whatever they are asked fail every check where that
is wrong, and a product without FIPS 203 implicit rejection fails the tampered ciphertexts.

Each faulty product is the honest one (PQClean, kyber-py internals) with one deliberate bug;
the expected failures are computed from the challenge's own item ids and check names.
"""

from __future__ import annotations

import base64

import pytest

ZERO_SS = base64.b64encode(bytes(32)).decode()
ENGINES = ["liboqs", "openssl", "pqclean"]


def _ids(report: dict, check: str) -> set[str]:
    """The item ids graded by ``check``: ids are opaque, so only the report tells."""
    return {c["id"] for c in report["report"]["cases"] if c["check"] == check}


def _tampered(report: dict) -> set[str]:
    ids = _ids(report, "kem-receiver/implicit-rejection")
    assert len(ids) == 3  # one per engine
    return ids


def _failed(report: dict) -> set[str]:
    return {c["id"] for c in report["report"]["cases"] if c["verdict"] == "fail"}


def _all(report: dict) -> set[str]:
    return {c["id"] for c in report["report"]["cases"]}


@pytest.mark.parametrize("fault", ["ir_zero", "ir_constant", "ir_echo", "ir_signal"])
def test_receiver_without_implicit_rejection_fails_the_tampered_items(
    sqlite_vendors, product_cls, helpers, fault
):
    v = sqlite_vendors()
    pid = v.product()
    product = product_cls(faults={fault})
    for confirm in (False, True):
        s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=helpers["b64"](product.ek))
        report = v.answer(s["id"], product.receive(s["challenge"], s["nonce"], confirm=confirm))
        assert _failed(report) == _tampered(report), report["report"]["cases"]
        assert report["report"]["summary"]["verdict"] == "fail"


def test_confirmation_cannot_hide_a_constant_rejection_secret(sqlite_vendors, product_cls, helpers):
    """A receiver answering the tampered items by confirmation cannot show they are not constant."""
    v = sqlite_vendors()
    pid = v.product()
    product = product_cls()
    s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=helpers["b64"](product.ek))
    assert "shared_secret" in s["challenge"]["answer_with"]["tampered"]
    answer = product.receive(s["challenge"], s["nonce"])
    for item_id, value in answer["items"].items():  # everything by confirmation
        if "shared_secret" in value:
            answer["items"][item_id] = {"confirmation": "00" * 32}
    report = v.answer(s["id"], answer)
    tampered = _tampered(report)
    assert tampered <= _failed(report)
    assert all(
        "cannot show" in c["detail"] for c in report["report"]["cases"] if c["id"] in tampered
    )


def test_two_tampered_items_with_one_secret_fail(sqlite_vendors, product_cls, helpers):
    v = sqlite_vendors()
    pid = v.product()
    product = product_cls()
    s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=helpers["b64"](product.ek))
    answer = product.receive(s["challenge"], s["nonce"])
    # the product's own rejection tells it which items it rejected; answer two alike
    rejected = [
        i["id"]
        for i in s["challenge"]["items"]
        if len(helpers["unb64"](i["ciphertext"])) == 1088
        and product.rejects(helpers["unb64"](i["ciphertext"]))
    ]
    assert len(rejected) == 3
    answer["items"][rejected[1]] = answer["items"][rejected[0]]
    report = v.answer(s["id"], answer)
    assert _failed(report) == set(rejected[:2]) and set(rejected) == _tampered(report)


def test_constant_kem_answers_fail(sqlite_vendors, product_cls, helpers):
    v = sqlite_vendors()
    pid = v.product()
    ek = helpers["b64"](product_cls().ek)

    # receiver: always the all-zero secret -> every item fails (the bad lengths were accepted)
    s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=ek)
    ids = [i["id"] for i in s["challenge"]["items"]]
    report = v.answer(s["id"], {"items": {i: {"shared_secret": ZERO_SS} for i in ids}})
    assert _failed(report) == set(ids)

    # receiver: always "rejected" -> only the two wrong-length ciphertexts pass
    s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=ek)
    ids = [i["id"] for i in s["challenge"]["items"]]
    report = v.answer(s["id"], {"items": {i: {"rejected": True} for i in ids}})
    assert _all(report) - _failed(report) == _ids(report, "kem-receiver/reject-bad-length")
    assert len(_ids(report, "kem-receiver/reject-bad-length")) == 2

    # receiver: echoes the ciphertext's first bytes as the secret -> everything fails
    s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=ek)
    echo = {
        i["id"]: {"shared_secret": helpers["b64"](helpers["unb64"](i["ciphertext"])[:32])}
        for i in s["challenge"]["items"]
    }
    assert _failed(v.answer(s["id"], {"items": echo})) == set(echo)

    # sender: always "rejected" -> only the malformed keys pass
    s = v.open(pid, "ML-KEM-768", "kem_sender")
    ids = [i["id"] for i in s["challenge"]["items"]]
    report = v.answer(s["id"], {"items": {i: {"rejected": True} for i in ids}})
    negatives = _ids(report, "kem-sender/short-key") | _ids(report, "kem-sender/modulus-key")
    assert len(negatives) == 2 and _all(report) - _failed(report) == negatives

    # sender: a constant ciphertext and the all-zero secret -> everything fails
    s = v.open(pid, "ML-KEM-768", "kem_sender")
    ct = helpers["b64"](bytes(1088))
    items = {i["id"]: {"ciphertext": ct, "shared_secret": ZERO_SS} for i in s["challenge"]["items"]}
    assert _failed(v.answer(s["id"], {"items": items})) == set(items)


def test_constant_signature_answers_fail(sqlite_vendors, helpers):
    v = sqlite_vendors()
    pid = v.product()
    for verdict, wrong in (("accept", "bad"), ("reject", "good")):
        s = v.open(pid, "ML-DSA-65", "sig_vendor_verifies")
        ids = [i["id"] for i in s["challenge"]["items"]]
        report = v.answer(s["id"], {"items": {i: verdict for i in ids}})
        failed_checks = {c["check"] for c in report["report"]["cases"] if c["verdict"] == "fail"}
        good = {"sig-vendor-verifies/good"}
        assert failed_checks == (good if wrong == "good" else _bad_checks())
        assert len(_failed(report)) == (3 if wrong == "good" else 9)

    # signs: echoes the challenge message as the signature under an all-zero key
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    echo = {"public_key": helpers["b64"](bytes(1952)), "signature": s["challenge"]["message"]}
    report = v.answer(s["id"], echo)
    assert _failed(report) == _all(report) and len(_all(report)) == 3


def _bad_checks() -> set[str]:
    return {f"sig-vendor-verifies/{k}" for k in ("bit-flip", "truncated", "other-message")}


def _acvp(vs: dict, solve) -> dict:
    groups = [
        {"tgId": g["tgId"], "tests": [{"tcId": t["tcId"], **solve(g, t)} for t in g["tests"]]}
        for g in vs["testGroups"]
    ]
    return {"vsId": vs["vsId"], "testGroups": groups}


def test_constant_acvp_answers_fail(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    for passed in (True, False):  # sigVer: always "valid" / always "invalid"
        s = v.open(pid, "ML-DSA-65", "acvp_mldsa", mode="sigVer", tests_per_group=1)
        report = v.answer(
            s["id"], _acvp(s["challenge"]["vector_set"], lambda g, t, p=passed: {"testPassed": p})
        )
        cases = report["report"]["cases"]
        valid = {c["id"] for c in cases if c["detail"].startswith("valid signature")}
        assert _failed(report) == (_all(report) - valid if passed else valid)

    # encapDecap: all-zero c and k, every key check "passed"
    s = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="encapDecap", tests_per_group=1)

    def lazy(group, test):
        fn = group["function"]
        if fn == "encapsulation":
            return {"c": "00" * 1088, "k": "00" * 32}
        if fn == "decapsulation":
            return {"k": "00" * 32}
        return {"testPassed": True}

    report = v.answer(s["id"], _acvp(s["challenge"]["vector_set"], lazy))
    cases = report["report"]["cases"]
    right = {c["id"] for c in cases if c["detail"].startswith("valid") and "Check" in c["check"]}
    assert len(right) == 2 and _failed(report) == _all(report) - right
