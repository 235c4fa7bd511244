"""Which faulty products each vendor check catches, and how often an honest one passes.

    .venv/bin/python bench/grader_faults.py [--runs 5] [--quick]

The product is the tests' Go product (Go crypto/mlkem, X25519MLKEM768 on it, CIRCL ML-DSA)
with one fault flag at a time (see tests/testbed/peers/vendorproduct/main.go), and the tests'
ACVP solvers with their deliberate faults. Each check's prepare and grade functions run
directly (the graders of the API, without HTTP: this measures verdicts, not speed). A cell is
"caught" when the report's verdict is fail, "-" when the fault does not touch that check and
the verdict is pass, and "MISSED" when a fault that touches it passes. Then `--runs` sessions
of every kind with the honest product, in both answer modes: the pass rate.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
from pathlib import Path

from _common import record

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TINY_ARGS = ["--runs", "1", "--quick"]

RECEIVER = ["ir_sha3", "ir_j0", "ir_hek", "ir_random", "ir_zero", "ir_constant", "ir_echo"]
RECEIVER += ["ir_signal", "wrong_ss"]
SENDER = ["m_zero", "m_ff", "reuse", "x25519_fixed", "no_key_checks", "wrong_ss"]
SIGS = ["sign_ignore_ctx", "verify_ignore_ctx", "accept_all", "flip_sig"]
#: which faults touch which column (a fault elsewhere must leave the verdict at pass)
TOUCHES = {
    "receiver": set(RECEIVER),
    "receiver/confirm": set(RECEIVER),
    "sender": set(SENDER) - {"x25519_fixed"},
    "sender/hybrid": set(SENDER),
    "signs": {"sign_ignore_ctx", "flip_sig"},
    "verifies": {"verify_ignore_ctx", "accept_all"},
}


def _grade(check: str, alg: str, data: dict, answer_of, mode: str | None = None) -> str:
    from testbed.conformance.kinds import CHECKS, prepare
    from testbed.conformance.models import CheckKind

    kind = CheckKind(check)
    nonce = os.urandom(32)
    prepared = prepare(kind, alg, mode, data, nonce)
    if "vector_set" in prepared.challenge:
        prepared.challenge["vector_set"]["vsId"] = 0
    answer = answer_of(prepared.challenge, nonce)
    cases = CHECKS[kind][1](alg, prepared.challenge, prepared.secret, answer, nonce)
    return "pass" if cases and all(c["verdict"] == "pass" for c in cases) else "fail"


def _column(name: str, product):
    """(check, algorithm, input, answer function) of one matrix column."""
    ek = {"encapsulation_key": base64.b64encode(product.ek).decode()}
    if name.startswith("receiver"):
        confirm = name.endswith("confirm")
        return "kem_receiver", product.kem, ek, lambda c, n: product.receive(c, n.hex(), confirm)
    if name.startswith("sender"):
        return "kem_sender", product.kem, {}, lambda c, n: product.send(c)
    if name == "signs":
        return "sig_vendor_signs", product.sig, {}, lambda c, n: product.sign(c)
    options = {"hash_ml_dsa": True, "external_mu": True}
    return "sig_vendor_verifies", product.sig, options, lambda c, n: product.verify_items(c)


def _acvp_rows(quick: bool) -> list[tuple[str, str, str, str, object]]:
    from tests.testbed.conformance import test_vendor_acvp as acvp

    rows = [
        (
            "explicit rejection, no modulus check",
            "acvp_mlkem",
            "ML-KEM-768",
            "encapDecap",
            acvp.mlkem_encap_decap_faulty,
        ),
    ]
    if not quick:
        rows += [
            (
                "ignores rnd, accepts every signature",
                "acvp_mldsa",
                "ML-DSA-65",
                "sigGen",
                acvp.mldsa_faulty,
            ),
            (
                "ignores rnd, accepts every signature",
                "acvp_mldsa",
                "ML-DSA-65",
                "sigVer",
                acvp.mldsa_faulty,
            ),
            (
                "ignores the context",
                "acvp_mldsa",
                "ML-DSA-65",
                "sigGen",
                acvp.mldsa_ignores_context,
            ),
            (
                "ignores the context",
                "acvp_mldsa",
                "ML-DSA-65",
                "sigVer",
                acvp.mldsa_ignores_context,
            ),
        ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="honest sessions per kind and mode")
    parser.add_argument("--quick", action="store_true", help="ML-KEM-768 receiver only")
    args = parser.parse_args()
    from tests.testbed.conformance import test_vendor_acvp as acvp
    from tests.testbed.conformance.go_product import GoProduct

    print(f"machine load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    columns = ["receiver", "receiver/confirm"] if args.quick else list(TOUCHES)
    faults = RECEIVER[:2] if args.quick else sorted(set(RECEIVER + SENDER + SIGS))
    print(f"\n{'fault':18}" + "".join(f"{c:>18}" for c in columns))
    missed = 0
    for fault in faults:
        cells = []
        for column in columns:
            kem = "X25519MLKEM768" if column == "sender/hybrid" else "ML-KEM-768"
            product = GoProduct(kem=kem, faults={fault})
            verdict = _grade(*_column(column, product))
            touches = fault in TOUCHES[column]
            if verdict == "fail":
                cells.append("caught" if touches else "FAILED HONEST")
            else:
                cells.append("MISSED" if touches else "-")
                missed += touches
        print(f"{fault:18}" + "".join(f"{c:>18}" for c in cells))
    for label, check, alg, mode, solve in _acvp_rows(args.quick):
        answer = (lambda s: lambda c, n: acvp._answer(c["vector_set"], s))(solve)
        verdict = _grade(check, alg, {}, answer, mode)
        print(f"{check} {mode}, {label}: {'caught' if verdict == 'fail' else 'MISSED'}")
        missed += verdict != "fail"
    print(f"\nfaults missed: {missed}")
    size = "quick: ML-KEM-768 receiver" if args.quick else f"{len(faults)} faults, every check"
    record("vendor checks: faults missed", missed, "", target="0", met=missed == 0, size=size)
    honest = [0, 0]  # passed, sessions

    print(f"\nhonest product, {args.runs} sessions each")
    for column in [c for c in columns if c != "sender/hybrid"]:  # "sender" runs both KEMs
        kems = ["ML-KEM-768"] if args.quick else ["ML-KEM-768", "X25519MLKEM768"]
        for kem in kems if column.startswith(("receiver", "sender")) else ["ML-KEM-768"]:
            passed = sum(
                _grade(*_column(column, GoProduct(kem=kem))) == "pass" for _ in range(args.runs)
            )
            what = f"{column} {kem if column.startswith(('receiver', 'sender')) else 'ML-DSA-65'}"
            print(f"  {what:40} {passed}/{args.runs} passed")
            honest = [honest[0] + passed, honest[1] + args.runs]
    if not args.quick:
        for check, alg, mode, solve in (
            ("acvp_mlkem", "ML-KEM-768", "keyGen", acvp.mlkem_keygen_liboqs),
            ("acvp_mlkem", "ML-KEM-768", "encapDecap", acvp.mlkem_encap_decap_good),
            ("acvp_mldsa", "ML-DSA-65", "keyGen", acvp.mldsa_good),
            ("acvp_mldsa", "ML-DSA-65", "sigGen", acvp.mldsa_good),
            ("acvp_mldsa", "ML-DSA-65", "sigVer", acvp.mldsa_good),
        ):
            answer = (lambda s: lambda c, n: acvp._answer(c["vector_set"], s))(solve)
            passed = sum(_grade(check, alg, {}, answer, mode) == "pass" for _ in range(args.runs))
            print(f"  {check + ' ' + mode:40} {passed}/{args.runs} passed")
            honest = [honest[0] + passed, honest[1] + args.runs]
    record(
        f"vendor checks: honest sessions passed ({honest[0]} of {honest[1]})",
        100 * honest[0] / max(1, honest[1]),
        "%",
        target="100%",
        met=honest[0] == honest[1],
        size=f"{args.runs} sessions per kind and mode" + (", quick" if args.quick else ""),
    )


if __name__ == "__main__":
    main()
