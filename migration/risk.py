"""The risk model: a priority for each crypto usage, decomposed into parts stated in words.

Parts: quantum status (Shor-broken vs Grover-weakened), harvest-now-decrypt-later for
confidentiality uses, Mosca's inequality (x + y > z: years the data must stay secret plus
years the migration takes, against years until a CRQC), exposure, criticality, the sector
and tier order of the policy profile, whether classical attacks break the algorithm today
(MD5, SHA-1, DES, RSA-1024 ...), and how much the asset unblocks in the graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from inventory.choices import Criticality, DataSensitivity, Exposure, QuantumStatus
from migration import reasons as R
from migration.inputs import TargetFacts
from migration.legacy import classical_break
from migration.profiles.schema import Profile
from migration.uses import is_confidentiality

QUANTUM_POINTS = {
    QuantumStatus.BROKEN: 40,
    QuantumStatus.UNKNOWN: 20,
    QuantumStatus.WEAKENED: 10,
    QuantumStatus.HYBRID: 0,
    QuantumStatus.RESISTANT: 0,
}
EXPOSURE_POINTS = {Exposure.INTERNET_FACING: 10, Exposure.INTERNAL: 5, Exposure.ISOLATED: 0}
CRITICALITY_POINTS = {
    Criticality.LOW: 0,
    Criticality.MEDIUM: 4,
    Criticality.HIGH: 8,
    Criticality.CRITICAL: 12,
}
SENSITIVITY_FACTOR = {
    DataSensitivity.PUBLIC: 0.0,
    DataSensitivity.INTERNAL: 0.4,
    DataSensitivity.CONFIDENTIAL: 0.7,
    DataSensitivity.SECRET: 0.9,
    DataSensitivity.TOP_SECRET: 1.0,
}
_STATUS: dict[str, QuantumStatus] = {s.value: s for s in QuantumStatus}
HNDL_MAX = 20
MOSCA_MAX = 15
SECTOR_MAX = 10
TIER_MAX = 8
IMPACT_MAX = 10
CLASSICAL_POINTS = 40  # broken by classical attacks today: as urgent as a Shor-broken use


@dataclass(frozen=True, slots=True)
class RiskPart:
    name: str
    points: float
    reason: str


@dataclass(frozen=True, slots=True)
class RiskScore:
    total: float
    parts: tuple[RiskPart, ...]

    def explain(self) -> str:
        return "; ".join(f"{p.name} +{p.points:g}: {p.reason}" for p in self.parts if p.points)

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "parts": [{"name": p.name, "points": p.points, "reason": p.reason} for p in self.parts],
        }


@dataclass(frozen=True, slots=True)
class RiskInput:
    """What the risk model needs to know about one usage (plain values, no ORM)."""

    algorithm: str
    use: str
    quantum_status: QuantumStatus
    exposure: Exposure
    criticality: Criticality
    data_sensitivity: DataSensitivity
    secrecy_years: int
    sector: str
    tier: str
    impact: int = 0
    target: TargetFacts | None = None  # the sector target the asset stands for, if any


@dataclass(frozen=True)
class RiskParams:
    crqc_year: int = 2035
    now_year: int = 2026
    migration_years: int = 3
    sector_rank: dict[str, int] = field(default_factory=dict)
    tier_rank: dict[str, int] = field(default_factory=dict)
    sector_count: int = 12
    tier_count: int = 4

    @classmethod
    def for_profile(
        cls, profile: Profile, crqc_year: int, now_year: int, migration_years: int = 3
    ) -> RiskParams:
        return cls(
            crqc_year=crqc_year,
            now_year=now_year,
            migration_years=migration_years,
            sector_rank={str(s): i for i, s in enumerate(profile.sector_order)},
            tier_rank={str(t): i for i, t in enumerate(profile.tier_order)},
            sector_count=max(1, len(profile.sector_order)),
            tier_count=max(1, len(profile.tier_order)),
        )


def _rank_points(rank: int | None, count: int, top: int) -> float:
    if rank is None:
        return 0.0
    return round(top * (count - rank) / count, 1)


def _rank_part(name: str, value: str, ranks: dict[str, int], count: int, top: int) -> RiskPart:
    """Points for where the profile's sector (or tier) order puts `value`.

    >>> part = _rank_part("tier", "public_institution", {"public_institution": 1}, 2, 8)
    >>> part.points, part.reason
    (4.0, "tier public_institution is #2 in the profile's tier order")
    """
    rank = ranks.get(str(value))
    if rank is None:
        return RiskPart(name, 0.0, R.RANK_NONE.format(kind=name, value=value))
    return RiskPart(
        name,
        _rank_points(rank, count, top),
        R.RANK.format(kind=name, value=value, rank=rank + 1),
    )


class Scorer:
    """`score` with memory: inventories repeat the same facts many times over.

    The impact part is kept apart so the rest is computed once per distinct combination
    (algorithm, use, status, exposure, criticality, sensitivity, secrecy, sector, tier).
    """

    def __init__(self, params: RiskParams) -> None:
        self.params = params
        self._base: dict[tuple[object, ...], RiskScore] = {}
        self._impact: dict[int, RiskPart] = {}

    def __call__(self, item: RiskInput) -> RiskScore:
        return self.with_impact(self.base(item), item.impact)

    def base(self, item: RiskInput) -> RiskScore:
        """The score without its impact part (shared by every usage with these facts)."""
        key = (
            item.algorithm,
            item.use,
            item.quantum_status,
            item.exposure,
            item.criticality,
            item.data_sensitivity,
            item.secrecy_years,
            item.sector,
            item.tier,
            item.target,
        )
        base = self._base.get(key)
        if base is None:
            full = score(item, self.params)
            base = self._base[key] = RiskScore(
                round(full.total - full.parts[-1].points, 1), full.parts[:-1]
            )
        return base

    def with_impact(self, base: RiskScore, impact: int) -> RiskScore:
        """`base` completed with the part for an asset that unblocks `impact` others."""
        part = self._impact.get(impact)
        if part is None:
            part = self._impact[impact] = impact_part(impact)
        return RiskScore(round(base.total + part.points, 1), (*base.parts, part))


def impact_part(impact: int) -> RiskPart:
    points = round(min(IMPACT_MAX, 2.5 * math.log2(1 + max(0, impact))), 1)
    reason = R.IMPACT.format(count=impact) if impact else R.NO_IMPACT
    return RiskPart("impact", points, reason)


TARGET_PRIORITY_POINTS = {"critical": 10, "high": 7, "medium": 4, "low": 2}
TARGET_LIFETIME_MAX = 10  # points for devices that outlive the CRQC year, at most
TARGET_SECRECY_MAX = 5  # points for secrets that outlive it (confidentiality uses only)


def target_part(target: TargetFacts, params: RiskParams, confidential: bool) -> RiskPart:
    """Points for the sector target an asset stands for: its catalog priority, and how far
    its devices (or, for confidentiality uses, its secrets) outlive the CRQC year.

    >>> esim = TargetFacts("telecom/esim-rsp-pki", "eSIM provisioning PKI", "critical", 15)
    >>> part = target_part(esim, RiskParams(crqc_year=2035, now_year=2026), False)
    >>> part.points
    16.0
    >>> part.reason.split("; ")  # doctest: +NORMALIZE_WHITESPACE
    ['eSIM provisioning PKI: devices in the field until 2041, 6 y past a CRQC in 2035',
     'sector target telecom/esim-rsp-pki, priority critical']
    """
    points = TARGET_PRIORITY_POINTS.get(target.priority, 0)
    said: list[str] = []
    if target.device_lifetime_years:
        until = params.now_year + target.device_lifetime_years
        past = until - params.crqc_year
        if past > 0:
            points += min(TARGET_LIFETIME_MAX, past)
            said.append(R.DEVICES_PAST.format(until=until, past=past, crqc=params.crqc_year))
        else:
            said.append(R.DEVICES_BEFORE.format(until=until, crqc=params.crqc_year))
    if target.secrecy_years and confidential:
        until = params.now_year + target.secrecy_years
        past = until - params.crqc_year
        if past > 0:
            points += min(TARGET_SECRECY_MAX, past)
            said.append(R.SECRETS_PAST.format(until=until, past=past))
    said.append(R.TARGET_KEY.format(key=target.key, priority=target.priority))
    return RiskPart("target", float(points), f"{target.name}: {'; '.join(said)}")


def score(item: RiskInput, params: RiskParams) -> RiskScore:
    """Score one usage; every part carries a sentence saying why.

    >>> s = score(RiskInput("RSA-2048", "tls_key_exchange", QuantumStatus.BROKEN,
    ...     Exposure.INTERNET_FACING, Criticality.HIGH, DataSensitivity.SECRET, 10,
    ...     "government", "central_government"), RiskParams(crqc_year=2035, now_year=2026))
    >>> [p.name for p in s.parts if p.points]
    ['quantum', 'hndl', 'mosca', 'exposure', 'criticality']
    """
    status = _STATUS[item.quantum_status]
    parts: list[RiskPart] = []
    quantum = QUANTUM_POINTS[status]
    quantum_reason = {
        QuantumStatus.BROKEN: R.SHOR,
        QuantumStatus.WEAKENED: R.GROVER,
        QuantumStatus.UNKNOWN: R.SUSPECT,
        QuantumStatus.HYBRID: R.HYBRID_SAFE,
        QuantumStatus.RESISTANT: R.RESISTANT,
    }[status].format(algorithm=item.algorithm)
    parts.append(RiskPart("quantum", quantum, quantum_reason))

    vulnerable = status in (QuantumStatus.BROKEN, QuantumStatus.UNKNOWN)
    confidential = is_confidentiality(item.use)
    sensitivity = SENSITIVITY_FACTOR[item.data_sensitivity]  # type: ignore[index]
    if vulnerable and confidential and sensitivity > 0:
        years = max(0, item.secrecy_years)
        hndl = round(HNDL_MAX * sensitivity * min(1.0, (5 + years) / 20), 1)
        reason = R.HARVEST.format(
            use=item.use.replace("_", " "), sensitivity=item.data_sensitivity, years=years
        )
    else:
        hndl = 0.0
        reason = R.NOT_CONFIDENTIAL if not confidential else R.NO_LONG_SECRETS
    parts.append(RiskPart("hndl", hndl, reason))

    x = max(0, item.secrecy_years) if confidential else 0
    y = params.migration_years
    z = params.crqc_year - params.now_year
    if status is QuantumStatus.RESISTANT or status is QuantumStatus.HYBRID:
        mosca, reason = 0.0, R.MOSCA_SAFE
    elif x + y > z:
        overshoot = x + y - z
        mosca = round(min(MOSCA_MAX, 8 + overshoot), 1)
        reason = R.MOSCA_OVER.format(
            x=x, y=y, total=x + y, z=z, crqc=params.crqc_year, over=overshoot
        )
    else:
        margin = z - (x + y)
        mosca = round(max(0.0, 6 - margin), 1)
        reason = R.MOSCA_FITS.format(
            x=x, y=y, total=x + y, z=z, crqc=params.crqc_year, margin=margin
        )
    if status is QuantumStatus.WEAKENED:
        mosca = round(mosca / 3, 1)
    parts.append(RiskPart("mosca", mosca, reason))

    exposure = item.exposure
    parts.append(
        RiskPart(
            "exposure",
            EXPOSURE_POINTS[exposure],  # StrEnum keys accept the plain string values too
            R.EXPOSED.format(exposure=str(exposure).replace("_", " ")),
        )
    )
    criticality = item.criticality
    parts.append(
        RiskPart(
            "criticality",
            CRITICALITY_POINTS[criticality],
            R.CRITICALITY.format(criticality=criticality),
        )
    )
    parts.append(
        _rank_part("sector", item.sector, params.sector_rank, params.sector_count, SECTOR_MAX)
    )
    parts.append(_rank_part("tier", item.tier, params.tier_rank, params.tier_count, TIER_MAX))
    broken_now = classical_break(item.algorithm)
    parts.append(
        RiskPart("classical", CLASSICAL_POINTS, broken_now)
        if broken_now
        else RiskPart("classical", 0.0, R.NOT_CLASSICAL.format(algorithm=item.algorithm))
    )
    if item.target is not None:  # only then: plans without sector targets stay as they were
        parts.append(target_part(item.target, params, confidential))
    parts.append(impact_part(item.impact))  # last, by contract with Scorer
    total = round(sum(p.points for p in parts), 1)
    return RiskScore(total, tuple(parts))
