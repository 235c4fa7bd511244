"""The testbed tests run real crypto in every engine, liboqs included.

liboqs must have been built first (``scripts/build_liboqs.sh``; the test command runs
it). When it is missing, every test here FAILS with the reason; nothing is skipped.
"""

from __future__ import annotations

import pytest

from testbed.engines import Engine, EngineUnavailable, get_engine
from testbed.engines.oqs_loader import LiboqsUnavailable, load_oqs

ENGINE_NAMES = ("liboqs", "openssl", "pqclean", "kpqc")

#: Classic McEliece keygen is slow: only this parameter set runs in the test suite
MCELIECE_TESTED = "Classic-McEliece-348864"


def liboqs_problem() -> str | None:
    result = load_oqs()
    if isinstance(result, LiboqsUnavailable):
        return (
            f"liboqs is required by the testbed tests: {result.reason} "
            "(the test command runs scripts/build_liboqs.sh first)"
        )
    return None


def available_engines() -> dict[str, Engine]:
    """Engines that load; used at collection time (a missing one fails the fixture)."""
    out = {}
    for name in ENGINE_NAMES:
        try:
            out[name] = get_engine(name)
        except EngineUnavailable:
            continue
    return out


def tested(alg: str) -> bool:
    return not alg.startswith("Classic-McEliece-") or alg == MCELIECE_TESTED


@pytest.fixture(autouse=True, scope="session")
def _require_liboqs() -> None:
    problem = liboqs_problem()
    if problem is not None:
        pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def engines() -> dict[str, Engine]:
    out = {}
    for name in ENGINE_NAMES:
        try:
            out[name] = get_engine(name)
        except EngineUnavailable as exc:
            pytest.fail(f"engine {name} unavailable: {exc}", pytrace=False)
    return out


def _pairs(kind: str) -> list[tuple[str, str]]:
    out = []
    for name, eng in available_engines().items():
        algs = eng.kems() if kind == "kem" else eng.signatures()
        out += [(name, alg) for alg in algs if tested(alg)]
    return out


def _shared(kind: str) -> list[tuple[str, str, str]]:
    engs = available_engines()
    names = list(engs)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if kind == "kem":
                common = [x for x in engs[a].kems() if x in engs[b].kems()]
            else:
                common = [x for x in engs[a].signatures() if x in engs[b].signatures()]
            out += [(alg, a, b) for alg in common if tested(alg)]
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize over what the engines really offer (collected, not hard-coded)."""
    for fixture, values in (
        ("kem_case", lambda: _pairs("kem")),
        ("sig_case", lambda: _pairs("sig")),
        ("shared_kem", lambda: _shared("kem")),
        ("shared_sig", lambda: _shared("sig")),
    ):
        if fixture in metafunc.fixturenames:
            cases = values()
            ids = ["-".join(c) for c in cases]
            metafunc.parametrize(fixture, cases, ids=ids)
