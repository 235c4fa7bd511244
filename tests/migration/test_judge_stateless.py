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
from migration.profiles import builtin_profiles, get_profile
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


def test_hybrid_required_against_discouraged_is_said_plainly() -> None:
    profiles = [get_profile("fr-anssi"), get_profile("us-cnsa2")]
    inv = _one("X25519", "key_exchange", "tls_key_exchange", QuantumStatus.BROKEN)
    [j] = judge(inv, profiles)
    sat = satisfy_all(j, profiles)
    assert sat.conflict is not None
    assert "no single construction satisfies all" in sat.conflict
    assert "fr-anssi requires hybrid key exchange" in sat.conflict
    assert "us-cnsa2 discourages hybrids" in sat.conflict


def test_strictest_parameter_set_and_earliest_date() -> None:
    profiles = [get_profile("kr-2035"), get_profile("au-asd-2030"), get_profile("uk-ncsc-2035")]
    inv = _one("RSA-2048", "signature", "certificate_signature", QuantumStatus.BROKEN)
    [j] = judge(inv, profiles)
    sat = satisfy_all(j, profiles)
    # kr and uk name ML-DSA-65, au only ML-DSA-87: the stronger set satisfies all three
    assert sat.target == "ML-DSA-87" and sat.conflict is None
    assert (sat.deadline, sat.deadline_profile) == (date(2030, 12, 31), "au-asd-2030")


def test_key_exchange_with_a_common_hybrid() -> None:
    profiles = [get_profile("kr-2035"), get_profile("fr-anssi")]
    inv = _one("ECDH-P256", "key_exchange", "tls_key_exchange", QuantumStatus.BROKEN)
    [j] = judge(inv, profiles)
    sat = satisfy_all(j, profiles)
    # the strictest hybrid that both accept (kr lists X25519MLKEM768, fr also the P-384 one)
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
    assert result.exit_code == 1 and "classically broken" in result.failed[0].why
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
