"""No faulty KEM product passes, and the honest one passes in both answer modes.

The product is independent code: Go's crypto/mlkem (and X25519MLKEM768 on it) in
``tests/testbed/peers/vendorproduct``, with each fault a flag of its own (see main.go). The
expected failures come from the report's own check names: ids are opaque.
"""

from __future__ import annotations

import base64

import pytest

from tests.testbed.conformance.go_product import GoProduct
from tests.testbed.conformance.test_vendor_acvp import _answer, mlkem_encap_decap_good

ZERO_SS = base64.b64encode(bytes(32)).decode()
#: receiver faults (the value returned when FIPS 203 re-encryption fails) and what says so
RECEIVER_FAULTS = {
    "ir_sha3": "computable from public data: SHA3-256(c)",
    "ir_j0": "computable from public data: J(0^32 || c)",
    "ir_hek": "H(ek)",  # or "the same secret as item ...": a constant within the session
    "ir_random": "not deterministic",
    "ir_zero": "constant secret (every byte 0x00)",
    "ir_constant": "constant secret (every byte 0x5a)",
    "ir_echo": "",  # bytes of the ciphertext (secret mode) / its first bytes (confirmation)
    "ir_signal": "must return a pseudo-random secret",
}
SENDER_FAULTS = {
    "m_zero": ("kem-sender/unpredictable", "m = 0^32"),
    "m_ff": ("kem-sender/unpredictable", "m = 0xFF^32"),
    "reuse": ("kem-sender/unpredictable", "not randomized"),
    "no_key_checks": ("kem-sender/", "encapsulated to a malformed key"),
    "wrong_ss": ("kem-sender/encapsulate", "decapsulates a different secret"),
}


def _ids(report: dict, check: str) -> set[str]:
    return {c["id"] for c in report["report"]["cases"] if c["check"] == check}


def _failed(report: dict) -> set[str]:
    return {c["id"] for c in report["report"]["cases"] if c["verdict"] == "fail"}


def _all(report: dict) -> set[str]:
    return {c["id"] for c in report["report"]["cases"]}


@pytest.mark.parametrize("kem", ["ML-KEM-768", "X25519MLKEM768"])
def test_the_honest_product_passes_both_ways_in_both_answer_modes(sqlite_vendors, kem):
    v = sqlite_vendors()
    pid = v.product(algorithms=[kem])
    product = GoProduct(kem=kem)
    ek = base64.b64encode(product.ek).decode()
    for confirm in (False, True):
        s = v.open(pid, kem, "kem_receiver", encapsulation_key=ek)
        report = v.answer(s["id"], product.receive(s["challenge"], s["nonce"], confirm=confirm))
        body = report["report"]
        assert body["summary"]["verdict"] == "pass", body["cases"]
        tampered = [c for c in body["cases"] if c["check"] == "kem-receiver/implicit-rejection"]
        assert len(tampered) >= 4  # at least two tampered ciphertexts, each shown twice
        assert all("not verifiable without the decapsulation key" in c["detail"] for c in tampered)
    s = v.open(pid, kem, "kem_sender")
    report = v.answer(s["id"], product.send(s["challenge"]))
    assert report["report"]["summary"]["verdict"] == "pass", report["report"]["cases"]


@pytest.mark.parametrize("kem", ["ML-KEM-768", "X25519MLKEM768"])
def test_every_faulty_receiver_fails_exactly_the_tampered_items(sqlite_vendors, kem):
    v = sqlite_vendors()
    pid = v.product(algorithms=[kem])
    for fault, words in RECEIVER_FAULTS.items():
        product = GoProduct(kem=kem, faults={fault})
        ek = base64.b64encode(product.ek).decode()
        for confirm in (False, True):
            s = v.open(pid, kem, "kem_receiver", encapsulation_key=ek)
            report = v.answer(s["id"], product.receive(s["challenge"], s["nonce"], confirm))
            tampered = _ids(report, "kem-receiver/implicit-rejection")
            assert _failed(report) == tampered, (fault, confirm, report["report"]["cases"])
            details = [c["detail"] for c in report["report"]["cases"] if c["id"] in tampered]
            assert all(words in d or "the same secret as item" in d for d in details), details
            assert report["report"]["standing"]["level"] == "failed"


@pytest.mark.parametrize("kem", ["ML-KEM-768", "X25519MLKEM768"])
def test_every_faulty_sender_fails(sqlite_vendors, kem):
    v = sqlite_vendors()
    pid = v.product(algorithms=[kem])
    faults = dict(SENDER_FAULTS)
    if kem == "X25519MLKEM768":
        faults["x25519_fixed"] = ("kem-sender/unpredictable", "X25519 ephemeral key")
    for fault, (check, words) in faults.items():
        s = v.open(pid, kem, "kem_sender")
        report = v.answer(s["id"], GoProduct(kem=kem, faults={fault}).send(s["challenge"]))
        failed = [c for c in report["report"]["cases"] if c["verdict"] == "fail"]
        assert failed and report["report"]["summary"]["verdict"] == "fail", fault
        assert all(c["check"].startswith(check) for c in failed), failed
        assert any(words in c["detail"] for c in failed), failed


def test_a_receiver_is_conformant_only_after_acvp_encap_decap(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    product = GoProduct()
    ek = base64.b64encode(product.ek).decode()
    s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=ek)
    standing = v.answer(s["id"], product.receive(s["challenge"], s["nonce"]))["report"]["standing"]
    assert standing["level"] == "interoperable" and "encapDecap" in standing["basis"]

    acvp = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="encapDecap", tests_per_group=1)
    report = v.answer(acvp["id"], _answer(acvp["challenge"]["vector_set"], mlkem_encap_decap_good))
    assert report["report"]["summary"]["verdict"] == "pass"
    s = v.open(pid, "ML-KEM-768", "kem_receiver", encapsulation_key=ek)
    standing = v.answer(s["id"], product.receive(s["challenge"], s["nonce"]))["report"]["standing"]
    assert standing == {
        "level": "conformant",
        "basis": f"this check passed, and ACVP encapDecap session {acvp['id']} (ML-KEM-768) "
        "passed on testbed-given keys",
        "acvp_session_id": acvp["id"],
    }
    # another product's ACVP pass does not count
    other = v.product(name="Other")
    s = v.open(other, "ML-KEM-768", "kem_receiver", encapsulation_key=ek)
    standing = v.answer(s["id"], product.receive(s["challenge"], s["nonce"]))["report"]["standing"]
    assert standing["level"] == "interoperable"


def test_constant_kem_answers_fail(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    ek = base64.b64encode(GoProduct().ek).decode()

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

    # sender: always "rejected" -> only the malformed keys pass
    s = v.open(pid, "ML-KEM-768", "kem_sender")
    ids = [i["id"] for i in s["challenge"]["items"]]
    report = v.answer(s["id"], {"items": {i: {"rejected": True} for i in ids}})
    negatives = _ids(report, "kem-sender/short-key") | _ids(report, "kem-sender/modulus-key")
    assert len(negatives) == 6 and _all(report) - _failed(report) == negatives

    # sender: a constant ciphertext and the all-zero secret -> everything fails
    s = v.open(pid, "ML-KEM-768", "kem_sender")
    ct = base64.b64encode(bytes(1088)).decode()
    items = {i["id"]: {"ciphertext": ct, "shared_secret": ZERO_SS} for i in s["challenge"]["items"]}
    assert _failed(v.answer(s["id"], {"items": items})) == set(items)
