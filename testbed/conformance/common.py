"""What every check shares: the prepared challenge, graded cases, and the engines to use."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from core.errors import InputError
from core.i18n import N_, say
from testbed.conformance.codec import field as json_field
from testbed.conformance.codec import obj
from testbed.engines.interface import Engine, Kind, Sizes
from testbed.engines.registry import get_engines

#: reference implementations that answer differently ("ML-KEM-768 keyGen: ...")
DISAGREE = N_("{what}: implementations disagree: {votes}")


class OracleDisagreement(RuntimeError):
    """Two reference implementations computed different answers: nothing can be graded."""


@dataclass
class Prepared:
    """A check ready to send: ``challenge`` goes to the vendor, ``secret`` stays here."""

    challenge: dict[str, Any]
    secret: dict[str, Any]
    engines: list[str]
    #: which implementations computed / cross-checked the expected answers (for the report)
    oracles: dict[str, Any] = field(default_factory=dict)


def opaque_ids(n: int) -> list[str]:
    """``n`` distinct random item ids, all 16 decimal digits.

    An id must not tell a product which items are the negative ones (``neg-tampered-...``
    did): the grader keeps what each id is in the session's secret. Digits only, so no id
    spells a word by chance.
    """
    ids: set[str] = set()
    while len(ids) < n:
        ids.add(f"{secrets.randbelow(10**16):016d}")
    return list(ids)


def opaque_items(
    items: list[dict[str, Any]], expected: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``items`` under random ids in random order, and ``expected`` re-keyed to match.

    Neither an id nor a position tells a product which items are the negative ones; the
    placeholder ids used while preparing survive only inside ``expected``'s values.
    """
    ids = opaque_ids(len(items))
    renamed = {item["id"]: new for item, new in zip(items, ids, strict=True)}
    out = [{**item, "id": renamed[item["id"]]} for item in items]
    secrets.SystemRandom().shuffle(out)
    return out, {renamed[k]: v for k, v in expected.items()}


def case(case_id: str, check: str, passed: bool, detail: str, engine: str | None = None) -> dict:
    """One graded test case, as it appears in the report."""
    return {
        "id": case_id,
        "check": check,
        "engine": engine,
        "verdict": "pass" if passed else "fail",
        "detail": detail,
    }


def engines_for_kind(alg: str, kind: Kind, path: str = "$.algorithm") -> list[Engine]:
    """Every available engine implementing ``alg`` as ``kind`` (422 if there is none)."""
    engines = [e for e in get_engines().values() if e.supports(alg, kind)]
    if not engines:
        what = N_("KEM") if kind is Kind.KEM else N_("signature algorithm")
        raise InputError(
            N_("no testbed engine implements {algorithm} as a {what}"),
            path,
            algorithm=repr(alg),
            what=say(what),
        )
    return engines


def wire_sizes(alg: str, engines: list[Engine]) -> Sizes:
    """The wire sizes (public key, ciphertext, shared secret, signature) every engine shares.

    Secret keys are engine-specific and are not compared.
    """
    first = engines[0].sizes(alg)
    for eng in engines[1:]:
        other = eng.sizes(alg)
        mine = (first.public_key, first.ciphertext, first.shared_secret)
        theirs = (other.public_key, other.ciphertext, other.shared_secret)
        if mine != theirs:
            raise OracleDisagreement(
                say(N_("{alg}: engines {first} and {second} disagree on wire sizes"), alg=alg,
                    first=engines[0].name, second=eng.name)
            )  # fmt: skip
    return first


def answer_items(answer: dict[str, Any], expected_ids: list[str], path: str) -> dict[str, Any]:
    """``answer["items"]`` as a dict whose keys are exactly the challenge's item ids."""
    items = obj(json_field(obj(answer, path), "items", path), f"{path}.items")
    unknown = sorted(set(items) - set(expected_ids))
    if unknown:
        raise InputError(N_("unknown item id(s) {ids}"), f"{path}.items", ids=unknown[:5])
    missing = [i for i in expected_ids if i not in items]
    if missing:
        raise InputError(N_("missing answer(s) for {ids}"), f"{path}.items", ids=missing[:5])
    return items
