"""Signature checks with FIPS 204 contexts, HashML-DSA and external mu: the honest product
passes, a product that ignores the context does not.

The product is the Go one (Cloudflare CIRCL for pure ML-DSA with contexts) with OpenSSL's
``verify_mu`` for HashML-DSA and external mu (mu computed by the product's own code).
"""

from __future__ import annotations

from tests.testbed.conformance.go_product import GoProduct


def _failed_checks(report: dict) -> set[str]:
    return {c["check"] for c in report["report"]["cases"] if c["verdict"] == "fail"}


def test_verifier_with_contexts_hash_and_mu(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    options = {"hash_ml_dsa": True, "external_mu": True}
    s = v.open(pid, "ML-DSA-65", "sig_vendor_verifies", **options)
    items = s["challenge"]["items"]
    assert {i["interface"] for i in items} == {"pure", "hash", "external_mu"}
    contexts = [len(i["context"]) for i in items]
    assert max(contexts) == 340  # a 255-byte context, base64
    report = v.answer(s["id"], GoProduct().verify_items(s["challenge"]))
    assert report["report"]["summary"]["verdict"] == "pass", report["report"]["cases"]
    assert "HashML-DSA" in s["challenge"]["covers"] and "external mu" in s["challenge"]["covers"]

    s = v.open(pid, "ML-DSA-65", "sig_vendor_verifies", **options)
    product = GoProduct(faults={"verify_ignore_ctx"})
    report = v.answer(s["id"], product.verify_items(s["challenge"]))
    failed = _failed_checks(report)
    # a context-ignoring verifier rejects good context signatures and accepts one signed with
    # no context but shown with one
    assert {"sig-vendor-verifies/context", "sig-vendor-verifies/context-255"} <= failed
    assert "sig-vendor-verifies/context-added" in failed
    assert not failed & {"sig-vendor-verifies/good", "sig-vendor-verifies/external-mu"}

    s = v.open(pid, "ML-DSA-65", "sig_vendor_verifies", **options)
    report = v.answer(s["id"], GoProduct(faults={"accept_all"}).verify_items(s["challenge"]))
    assert _failed_checks(report) == {
        f"sig-vendor-verifies/{what}"
        for what in (
            "bit-flip",
            "truncated",
            "other-message",
            "wrong-context",
            "context-dropped",
            "context-added",
            "hash-other-function",
            "hash-as-pure",
            "pure-as-hash",
            "external-mu-other",
        )
    }


def test_signer_must_sign_under_the_context(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product()
    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    assert s["challenge"]["context"] and "context_signature" in s["challenge"]["answer_with"]
    report = v.answer(s["id"], GoProduct().sign(s["challenge"]))
    assert report["report"]["summary"]["verdict"] == "pass"

    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    report = v.answer(s["id"], GoProduct(faults={"sign_ignore_ctx"}).sign(s["challenge"]))
    assert _failed_checks(report) == {"sig-vendor-signs/context"}

    s = v.open(pid, "ML-DSA-65", "sig_vendor_signs")
    answer = GoProduct().sign(s["challenge"])
    del answer["context_signature"]
    resp = v.answer(s["id"], answer, expect=422).json()
    assert resp["location"] == "$.answer.context_signature"


def test_options_are_for_ml_dsa_only(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product(algorithms=["ML-DSA-65", "SLH-DSA-SHA2-128f"])
    resp = v.open(pid, "SLH-DSA-SHA2-128f", "sig_vendor_verifies", expect=422, hash_ml_dsa=True)
    assert resp["location"] == "$.input.hash_ml_dsa"
