"""The ACVP JSON shape shared by the ML-KEM and ML-DSA vector sets, and their grading.

A prompt is ``{"vsId", "algorithm", "mode", "revision", "isSample", "testGroups": [{"tgId",
..., "tests": [{"tcId", ...}]}]}``; the vendor answers ``{"vsId", "testGroups": [{"tgId",
"tests": [{"tcId", <result fields>}]}]}``, as ACVP clients do. The expected result fields
stay in the session's secret, keyed ``"<tgId>:<tcId>"``: ``{"function", "reason",
"fields": {name: HEX or bool}}``. A test the vendor leaves out fails ("no answer").
"""

from __future__ import annotations

import secrets
from typing import Any

from core.errors import ONE_OF, InputError
from core.i18n import N_
from testbed.conformance import details as D
from testbed.conformance.codec import boolean, field, hex_bytes, obj
from testbed.conformance.common import Prepared, case


def hexu(data: bytes) -> str:
    """Upper-case hex, as ACVP writes it."""
    return data.hex().upper()


def answer_with(results: dict[str, str]) -> dict[str, Any]:
    """The hint every challenge carries: how to shape the answer, and each result field."""
    return {
        "vsId": "the vector set's vsId",
        "testGroups": "[{'tgId': int, 'tests': [{'tcId': int, <result fields>}]}]; a test left "
        "out fails",
        "results": results,
    }


def shuffle_tests(groups: list[dict], expected: dict[str, Any]) -> dict[str, Any]:
    """Shuffle each group's tests and number them anew (``tcId`` 1..n in the new order), so
    neither a test's position nor its id says whether it is a valid or a modified case.
    Returns ``expected`` re-keyed to the new ``"<tgId>:<tcId>"``."""
    rng = secrets.SystemRandom()
    out = dict(expected)
    for group in groups:
        tests = list(group["tests"])
        rng.shuffle(tests)
        tg = group["tgId"]
        for new_tc, test in enumerate(tests, start=1):
            out[f"{tg}:{new_tc}"] = expected[f"{tg}:{test['tcId']}"]
        group["tests"] = [{**test, "tcId": n} for n, test in enumerate(tests, start=1)]
    return out


def check_mode(mode: str | None, modes: tuple[str, ...]) -> str:
    """The session's ACVP ``mode``, one of ``modes`` (else 422 naming ``$.mode``)."""
    if mode is None or mode not in modes:
        raise InputError(ONE_OF, "$.mode", choices=list(modes))
    return mode


def tests_per_group(data: dict[str, Any], default: int, maximum: int) -> int:
    """The session input's ``tests_per_group``: an integer from 1 to ``maximum``."""
    n = data.get("tests_per_group", default)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= maximum:
        raise InputError(
            N_("must be an integer from 1 to {most}"), "$.input.tests_per_group", most=maximum
        )
    return n


def prepared(
    vector_set: tuple[str, str, str],
    results: dict[str, str],
    groups: list[dict],
    expected: dict[str, Any],
    agreed: set[str],
    computed_by: str,
) -> Prepared:
    """One vector set's challenge and secret; ``vector_set`` is (algorithm, mode, revision),
    ``agreed`` the engines that reproduced the expected results of the oracle ``computed_by``."""
    engines = sorted(agreed)
    oracles = {"computed_by": computed_by, "cross_checked_with": engines}
    challenge = {
        "vector_set": prompt(0, *vector_set, groups),
        "answer_with": answer_with(results),
    }
    return Prepared(challenge, {"expected": expected}, engines, oracles)


def prompt(vs_id: int, algorithm: str, mode: str, revision: str, groups: list[dict]) -> dict:
    return {
        "vsId": vs_id,
        "algorithm": algorithm,
        "mode": mode,
        "revision": revision,
        "isSample": False,
        "testGroups": groups,
    }


def _answers(answer: Any, expected: dict[str, Any], vs_id: int) -> dict[str, dict[str, Any]]:
    """Parse and size-check the vendor's response; no crypto, 422 on any malformed field."""
    body = obj(answer, "$.answer")
    if "vsId" in body and body["vsId"] != vs_id:
        raise InputError(N_("must be {id}, the session's vector set"), "$.answer.vsId", id=vs_id)
    groups = field(body, "testGroups", "$.answer")
    if not isinstance(groups, list):
        raise InputError(N_("must be a list"), "$.answer.testGroups")
    out: dict[str, dict[str, Any]] = {}
    for gi, group in enumerate(groups):
        gpath = f"$.answer.testGroups[{gi}]"
        group = obj(group, gpath)
        tg = field(group, "tgId", gpath)
        tests = field(group, "tests", gpath)
        if not isinstance(tests, list):
            raise InputError(N_("must be a list"), f"{gpath}.tests")
        for ti, test in enumerate(tests):
            tpath = f"{gpath}.tests[{ti}]"
            test = obj(test, tpath)
            key = f"{tg}:{field(test, 'tcId', tpath)}"
            exp = expected.get(key)
            if exp is None:
                raise InputError(
                    N_("no test {key} (tgId:tcId) in this vector set"), f"{tpath}.tcId", key=key
                )
            if key in out:
                raise InputError(N_("test {key} answered twice"), f"{tpath}.tcId", key=key)
            got: dict[str, Any] = {}
            for name, want in exp["fields"].items():
                fpath = f"{tpath}.{name}"
                value = field(test, name, tpath)
                if isinstance(want, bool):
                    got[name] = boolean(value, fpath)
                else:
                    got[name] = hex_bytes(value, fpath, length=len(want) // 2)
            out[key] = got
    return out


def grade(prefix: str, answer: Any, secret: dict[str, Any], vs_id: int) -> list[dict[str, Any]]:
    expected = secret["expected"]
    answers = _answers(answer, expected, vs_id)
    cases = []
    for key, exp in expected.items():
        tg, tc = key.split(":")
        cid = f"tg{tg}/tc{tc}"
        check = f"{prefix}/{exp['function']}"
        got = answers.get(key)
        if got is None:
            cases.append(case(cid, check, False, D.NO_ANSWER.format(reason=exp["reason"])))
            continue
        wrong = []
        for name, want in exp["fields"].items():
            if isinstance(want, bool):
                if got[name] is not want:
                    got_said, want_said = str(got[name]).lower(), str(want).lower()
                    wrong.append(D.FIELD_IS.format(field=name, got=got_said, want=want_said))
            elif got[name] != bytes.fromhex(want):
                wrong.append(D.FIELD_DIFFERS.format(field=name))
        detail = exp["reason"]
        if wrong:
            detail = D.WRONG.format(reason=detail, wrong="; ".join(wrong))
        cases.append(case(cid, check, not wrong, detail))
    return cases
