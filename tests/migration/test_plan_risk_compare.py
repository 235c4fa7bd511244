"""Risk parts and multi-profile judgement."""

from __future__ import annotations

from inventory.choices import Criticality, DataSensitivity, Exposure, QuantumStatus
from migration.compare import judge
from migration.inputs import PlanInput
from migration.profiles import get_profile
from migration.risk import RiskInput, RiskParams, score
from tests.migration.planning_helpers import asset, usage


def _item(**kw: object) -> RiskInput:
    base: dict[str, object] = {
        "algorithm": "ECDH-P256",
        "use": "tls_key_exchange",
        "quantum_status": QuantumStatus.BROKEN,
        "exposure": Exposure.INTERNET_FACING,
        "criticality": Criticality.HIGH,
        "data_sensitivity": DataSensitivity.SECRET,
        "secrecy_years": 10,
        "sector": "government",
        "tier": "central_government",
    }
    base.update(kw)
    return RiskInput(**base)  # type: ignore[arg-type]


def _parts(result: object) -> dict[str, float]:
    return {p.name: p.points for p in result.parts}  # type: ignore[attr-defined]


def test_score_is_the_sum_of_its_explained_parts() -> None:
    result = score(_item(), RiskParams(crqc_year=2035, now_year=2026))
    assert result.total == round(sum(p.points for p in result.parts), 1)
    assert all(p.reason for p in result.parts)
    assert "harvest now, decrypt later" in result.explain()


def test_shor_outranks_grover() -> None:
    p = RiskParams()
    broken = _parts(score(_item(), p))["quantum"]
    weak = _parts(score(_item(quantum_status=QuantumStatus.WEAKENED), p))["quantum"]
    assert broken > weak > 0


def test_hndl_only_for_confidentiality() -> None:
    p = RiskParams()
    assert _parts(score(_item(), p))["hndl"] > 0
    assert _parts(score(_item(use="certificate_signature"), p))["hndl"] == 0
    assert _parts(score(_item(data_sensitivity=DataSensitivity.PUBLIC), p))["hndl"] == 0


def test_mosca_inequality() -> None:
    # x=10, y=3 against z=2035-2026=9: violated by 4 years.
    violated = score(_item(), RiskParams(crqc_year=2035, now_year=2026))
    mosca = next(p for p in violated.parts if p.name == "mosca")
    assert "exceeds" in mosca.reason and "by 4 y" in mosca.reason
    relaxed = score(_item(), RiskParams(crqc_year=2050, now_year=2026))
    assert "fits" in next(p for p in relaxed.parts if p.name == "mosca").reason
    assert _parts(violated)["mosca"] > _parts(relaxed)["mosca"]


def test_sector_and_tier_follow_the_profile_order() -> None:
    kr = RiskParams.for_profile(get_profile("kr-2035"), 2035, 2026)
    gov = _parts(score(_item(sector="government"), kr))["sector"]
    iot = _parts(score(_item(sector="iot"), kr))["sector"]
    assert gov > iot
    central = _parts(score(_item(tier="central_government"), kr))["tier"]
    private = _parts(score(_item(tier="private"), kr))["tier"]
    assert central > private


def test_impact_raises_priority() -> None:
    p = RiskParams()
    assert score(_item(impact=50), p).total > score(_item(impact=0), p).total


def test_profiles_side_by_side_with_disagreements() -> None:
    inv = PlanInput(
        [asset(1, "portal", criticality=Criticality.HIGH)],
        [],
        [usage(1, 1), usage(2, 1, "ML-KEM-768", status=QuantumStatus.RESISTANT)],
    )
    profiles = [get_profile(p) for p in ("kr-2035", "au-asd-2030", "us-cnsa2")]
    first, second = judge(inv, profiles)
    assert [v.profile_id for v in first.verdicts] == ["kr-2035", "au-asd-2030", "us-cnsa2"]
    assert [str(v.deadline) for v in first.verdicts] == ["2035-12-31", "2030-12-31", "2033-12-31"]
    text = "\n".join(first.disagreements)
    assert "deadlines 5 years apart" in text
    assert "targets differ: kr-2035 X25519MLKEM768, au-asd-2030 ML-KEM-1024" in text
    # ML-KEM-768: the ISM allows it until 2030, CNSA 2.0 not at all, kr-2035 accepts NIST's
    # algorithms as well (kr-nist-algorithms, a secondary source)
    assert [v.verdict for v in second.verdicts] == ["acceptable", "migrate", "migrate"]
