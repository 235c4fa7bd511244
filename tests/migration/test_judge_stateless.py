"""The stateless judgement: what satisfies all profiles, the CI gate, and sameness with the
stored path (import into a real database, then judge) on the public CBOM fixtures."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from app.cli.judge import load_file
from core.choices import Sector, Tier
from core.db import engine_for
from core.models import Organization
from inventory.choices import QuantumStatus
from inventory.exchange.cbom_import import import_cbom
from migration.compare import judge
from migration.inputs import AssetFacts, PlanInput, UsageFacts
from migration.profiles import builtin_profiles, get_profile, parse_profile, profile_to_dict
from migration.profiles.schema import Profile
from migration.service import load_inventory
from migration.stateless import gate, satisfy_all

DATA = Path(__file__).resolve().parents[1] / "inventory" / "exchange" / "data"
FIXTURES = sorted(p.name for p in DATA.glob("*.json"))


def _one(
    algorithm: str, primitive: str, function: str, status: QuantumStatus, **asset
) -> PlanInput:
    facts = AssetFacts(id=1, name="svc", org_id=1, sector="other", tier="private", **asset)
    usage = UsageFacts(1, 1, algorithm, primitive, function, status, ref="u1")
    return PlanInput([facts], [], [usage])


def test_a_hybrid_on_the_cnsa_kem_satisfies_anssi_and_cnsa() -> None:
    # CNSA 2.0 allows a hybrid whose post-quantum part is ML-KEM-1024; ANSSI wants a hybrid
    profiles = [get_profile("fr-anssi"), get_profile("us-cnsa2")]
    inv = _one("X25519", "key_exchange", "tls_key_exchange", QuantumStatus.BROKEN)
    [j] = judge(inv, profiles)
    sat = satisfy_all(j, profiles)
    assert sat.conflict is None and sat.target == "SecP384r1MLKEM1024"


def _kpqc_only() -> Profile:
    """kr-2035 without the rows that accept NIST's algorithms: the Korean algorithms only (as
    an agency reading only the KpqC selection would write it)."""
    data = profile_to_dict(get_profile("kr-2035"))
    data["id"] = "xx-kpqc-only"
    for policy in data["uses"].values():
        policy["rules"] = [r for r in policy["rules"] if r["source"] != "kr-nist-algorithms"]
    return parse_profile(data)


def test_disjoint_algorithm_lists_are_said_plainly() -> None:
    # a KpqC-only list against CNSA 2.0's ML-KEM-1024: no algorithm is on both
    profiles = [_kpqc_only(), get_profile("us-cnsa2")]
    inv = _one("ECDH-P256", "key_exchange", "other", QuantumStatus.BROKEN)
    [j] = judge(inv, profiles)
    sat = satisfy_all(j, profiles)
    assert sat.conflict is not None
    assert "no single construction satisfies all for key establishment" in sat.conflict
    assert (
        "xx-kpqc-only accepts SMAUG-T" in sat.conflict
        and "us-cnsa2 accepts ML-KEM-1024" in sat.conflict
    )


def test_a_tls_key_exchange_moves_only_to_what_tls_negotiates() -> None:
    # draft-ietf-tls-ecdhe-mlkem and draft-ietf-tls-mlkem register the only post-quantum TLS
    # groups; SMAUG-T and NTRU+ have no codepoint, so kr-2035 (which accepts FIPS 203 too)
    # moves TLS to the hybrid, and a KpqC-only list leaves TLS with no target at all
    inv = _one("ECDH-P256", "key_exchange", "tls_key_exchange", QuantumStatus.BROKEN)
    [j] = judge(inv, [get_profile("kr-2035"), _kpqc_only()])
    kr, kpqc = j.verdicts
    assert kr.target == "X25519MLKEM768"
    assert kpqc.target is None
    other = _one("ECDH-P256", "key_exchange", "other", QuantumStatus.BROKEN)
    [k] = judge(other, [get_profile("kr-2035")])
    assert k.verdicts[0].target == "SMAUG-T-192"


def test_korea_and_cnsa_meet_on_ml_kem_1024() -> None:
    # kr-2035 accepts NIST's algorithms as well (kr-nist-algorithms): CNSA's set fits both
    profiles = [get_profile("kr-2035"), get_profile("us-cnsa2")]
    inv = _one("ECDH-P256", "key_exchange", "tls_key_exchange", QuantumStatus.BROKEN)
    [j] = judge(inv, profiles)
    sat = satisfy_all(j, profiles)
    assert sat.conflict is None and sat.target in ("ML-KEM-1024", "SecP384r1MLKEM1024")


def test_hybrid_required_against_forbidden_for_signatures() -> None:
    data = profile_to_dict(get_profile("uk-ncsc-2035"))
    # a profile that forbids hybrid signatures and lists no signature algorithm at all
    data.update(id="xx-no-hybrid")
    data["uses"] = {"signature": {"hybrid": "forbidden", "unlisted": "review", "rules": []}}
    strict = parse_profile(data)
    inv = _one("RSA-2048", "signature", "certificate_signature", QuantumStatus.BROKEN)
    [j] = judge(inv, [get_profile("fr-anssi"), strict])
    sat = satisfy_all(j, [get_profile("fr-anssi"), strict])
    assert sat.conflict is not None
    assert "fr-anssi requires hybrid signatures while xx-no-hybrid forbids hybrids" in sat.conflict


def test_strictest_parameter_set_and_earliest_date() -> None:
    profiles = [
        get_profile("us-nist-ir8547"),
        get_profile("au-asd-2030"),
        get_profile("uk-ncsc-2035"),
    ]
    inv = _one("RSA-2048", "signature", "certificate_signature", QuantumStatus.BROKEN)
    [j] = judge(inv, profiles)
    sat = satisfy_all(j, profiles)
    # NIST lists every ML-DSA set, the ISM only ML-DSA-87 past 2030: the stronger set
    assert sat.target == "ML-DSA-87" and sat.conflict is None
    assert (sat.deadline, sat.deadline_profile) == (date(2030, 12, 31), "au-asd-2030")


def test_ml_kem_768_under_cnsa_and_asd_moves_to_1024() -> None:
    profiles = [get_profile("us-cnsa2"), get_profile("au-asd-2030")]
    inv = _one("ML-KEM-768", "key_exchange", "tls_key_exchange", QuantumStatus.RESISTANT)
    [j] = judge(inv, profiles)
    assert {v.verdict for v in j.verdicts} == {"migrate"}
    sat = satisfy_all(j, profiles)
    assert sat.target == "ML-KEM-1024" and sat.deadline == date(2030, 12, 31)


def test_key_exchange_with_a_common_hybrid() -> None:
    profiles = [get_profile("us-nist-ir8547"), get_profile("fr-anssi")]
    inv = _one("ECDH-P256", "key_exchange", "tls_key_exchange", QuantumStatus.BROKEN)
    [j] = judge(inv, profiles)
    sat = satisfy_all(j, profiles)
    # the strictest hybrid both accept (NIST: any ML-KEM; ANSSI: ML-KEM only in a hybrid)
    assert sat.conflict is None and sat.target == "SecP384r1MLKEM1024"


def test_gate_fails_on_passed_or_near_deadlines_and_classical_breaks() -> None:
    profiles = [get_profile("au-asd-2030")]
    rsa = judge(
        _one("RSA-2048", "signature", "certificate_signature", QuantumStatus.BROKEN), profiles
    )
    assert gate(rsa, profiles, today=date(2026, 1, 1)).exit_code == 0
    assert gate(rsa, profiles, today=date(2026, 1, 1), fail_within_years=5).exit_code == 1
    assert gate(rsa, profiles, today=date(2031, 1, 1)).exit_code == 1
    md5 = judge(_one("MD5", "hash", "other", QuantumStatus.WEAKENED), profiles)
    result = gate(md5, profiles, today=date(2026, 1, 1))
    assert result.exit_code == 1 and "replace now" in result.failed[0].why
    fine = judge(_one("AES-256", "symmetric", "other", QuantumStatus.RESISTANT), profiles)
    assert gate(fine, profiles, today=date(2040, 1, 1)).findings == []


def _shape(judgements):  # type: ignore[no-untyped-def]
    return sorted(
        (
            j.asset_name,
            j.algorithm,
            j.use,
            tuple(tuple(sorted(v.as_dict().items())) for v in j.verdicts),
            tuple(j.disagreements),
        )
        for j in judgements
    )


@cache
def _stateless(name: str):  # type: ignore[no-untyped-def]
    loaded = load_file(
        (DATA / name).read_bytes(), name=name, sector=Sector.FINANCE, tier=Tier.PRIVATE
    )
    return _shape(judge(loaded.inventory, list(builtin_profiles().values())))


@pytest.mark.parametrize("name", FIXTURES)
def test_stateless_and_stored_paths_give_the_same_verdicts(db_url: str, name: str) -> None:
    profiles = list(builtin_profiles().values())
    sessions = sessionmaker(bind=engine_for(db_url), expire_on_commit=False)
    with sessions.begin() as session:
        org = Organization(slug="bank", name="Bank", sector=Sector.FINANCE, tier=Tier.PRIVATE)
        session.add(org)
        session.flush()
        import_cbom(session, org.id, (DATA / name).read_bytes(), source_name=name)
    with sessions.begin() as session:
        stored = _shape(judge(load_inventory(session, org.id), profiles))
    assert stored, name
    assert _stateless(name) == stored
