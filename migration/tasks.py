"""Migration tasks, with their target, effort, deadline and risk, before they are placed in
a wave: one per quantum-vulnerable usage, and one per quantum-safe usage the profile does not
accept (ML-KEM-768 under CNSA 2.0, which lists only ML-KEM-1024), judged exactly as
`migration.compare` judges it (`judged`), so a plan and a judgement never disagree on
whether a usage must move, or by when.

Inventories repeat the same facts many times over, so what depends only on a usage's kind
and its asset's facts is worked out once per distinct combination (`_Kind`), and risk
once per distinct risk facts and impact.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from inventory.choices import AssetType, QuantumStatus
from migration import reasons as R
from migration.choices import FINAL_RULE, TaskFlag
from migration.inputs import AssetFacts, PlanInput, PlanParams, TargetFacts, UsageFacts
from migration.legacy import RULE_ID as LEGACY_RULE
from migration.legacy import classical_break, migrate_now_rule
from migration.policy import ACCEPTABLE, Ruling, ruling
from migration.profiles.schema import Deadline, Profile
from migration.risk import RiskInput, RiskParams, RiskScore, Scorer
from migration.targets import DEFAULTS, Target, choose_target, known
from migration.uses import policy_use, use_of

VULNERABLE = (QuantumStatus.BROKEN, QuantumStatus.WEAKENED, QuantumStatus.UNKNOWN)
# StrEnum members hash like their values: one lookup accepts either (faster than Enum()).
STATUS_OF: dict[str, QuantumStatus] = {s.value: s for s in QuantumStatus}

# Effort points: what moving one usage costs, by the asset it lives in and by its use.
ASSET_EFFORT: dict[str, int] = {
    AssetType.HSM: 5,
    AssetType.CA_PKI: 5,
    AssetType.LIBRARY_FIRMWARE: 4,
    AssetType.DEVICE_IOT: 4,
    AssetType.NETWORK_APPLIANCE: 3,
    AssetType.VENDOR_PRODUCT: 3,
}
DEFAULT_ASSET_EFFORT = 2
USE_EFFORT = {"certificate_signature": 2, "firmware_signing": 2, "code_signing": 1}


@dataclass(slots=True)
class Task:
    key: str
    usage_id: int | None  # None: a prerequisite upgrade (migration.prerequisites)
    asset_id: int
    asset_name: str
    org_id: int
    sector: str
    algorithm: str
    use: str
    quantum_status: str
    target: str
    alternatives: tuple[str, ...]
    effort: int
    risk: RiskScore
    unit: int
    deadline: date | None = None
    deadline_rule: str | None = None
    deadline_source: str | None = None
    deadline_confirmed: bool = True
    wave: int | None = None
    wave_label: str | None = None
    wave_start: date | None = None
    wave_end: date | None = None
    phase: str | None = None
    flags: list[TaskFlag] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    blocking_chain: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "usage_id": self.usage_id,
            "asset_id": self.asset_id,
            "asset_name": self.asset_name,
            "organization_id": self.org_id,
            "sector": self.sector,
            "algorithm": self.algorithm,
            "use": self.use,
            "quantum_status": self.quantum_status,
            "target": self.target,
            "alternatives": list(self.alternatives),
            "effort": self.effort,
            "score": self.risk.total,
            "risk": self.risk.as_dict(),
            "unit": self.unit,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_rule": self.deadline_rule,
            "deadline_source": self.deadline_source,
            "wave": self.wave,
            "wave_label": self.wave_label,
            "wave_start": self.wave_start.isoformat() if self.wave_start else None,
            "wave_end": self.wave_end.isoformat() if self.wave_end else None,
            "phase": self.phase,
            "flags": list(self.flags),
            "reasons": list(self.reasons),
            "blocking_chain": list(self.blocking_chain),
        }


def matching_deadline(
    profile: Profile, usage: UsageFacts, asset: AssetFacts, use: str
) -> tuple[date | None, Deadline | None]:
    """The earliest profile deadline that applies to this usage (None: no deadline).

    A usage broken by classical attacks today is scheduled by the profile's earliest date,
    whatever its quantum status (``migration.legacy``); its verdict shows the rule's own date.
    """
    broken_now = classical_break(usage.algorithm)
    if broken_now is not None:
        rule = migrate_now_rule(profile, broken_now)
        return rule.date, rule
    return scheduled(profile, usage.algorithm, STATUS_OF[usage.quantum_status], asset, use)


def scheduled(
    profile: Profile, algorithm: str, status: QuantumStatus, asset: AssetFacts, use: str
) -> tuple[date | None, Deadline | None]:
    """The profile's schedule for a usage with this status (unknown counts as broken): the
    earliest matching deadline, else the final deadline for a quantum-broken one."""
    as_status = QuantumStatus.BROKEN if status is QuantumStatus.UNKNOWN else status
    best: Deadline | None = None
    for rule in profile.deadlines:
        if rule.kind in ("inventory", "plan"):
            continue
        if as_status not in rule.statuses:
            continue
        if rule.uses and use not in rule.uses:
            continue
        if rule.sectors and asset.sector not in rule.sectors:
            continue
        if rule.tiers and asset.tier not in rule.tiers:
            continue
        if rule.asset_types and asset.asset_type not in rule.asset_types:
            continue
        if rule.criticalities and asset.criticality not in rule.criticalities:
            continue
        if rule.algorithms and algorithm not in rule.algorithms:
            continue
        if best is None or rule.date < best.date:
            best = rule
    if best is not None:
        return best.date, best
    if as_status is QuantumStatus.BROKEN:
        return profile.final_deadline, None
    return None, None


def judged(
    profile: Profile,
    algorithm: str,
    use: str,
    status: QuantumStatus,
    asset: AssetFacts,
    today: date,
) -> tuple[Ruling, Deadline | None]:
    """What ``profile`` says about this usage (`migration.policy.ruling`), and the schedule
    rule its date may come from. The one judgement judge and the planner share.

    The schedule is the profile's date for the usage read as quantum-vulnerable: an algorithm
    safe against a quantum computer that the profile does not allow is scheduled out like a
    vulnerable one (a Grover-weakened one keeps the dates for weakened usages).
    """
    as_status = status if status is QuantumStatus.WEAKENED else QuantumStatus.BROKEN
    when, rule = scheduled(profile, algorithm, as_status, asset, use)
    rule_id = rule.id if rule else FINAL_RULE if when else None
    return ruling(profile, algorithm, use, status, (when, rule_id), today), rule


def make_tasks(
    profile: Profile,
    inputs: PlanInput,
    params: PlanParams,
    impact: dict[Hashable, int],
    unit_of: dict[Hashable, Hashable],
) -> tuple[list[Task], int]:
    """One task per vulnerable usage and per quantum-safe usage the profile does not accept
    (as of the plan's start), in usage id order; returns (tasks, safe usages left alone).

    What depends only on the usage's kind (algorithm, use, status) and on its asset's
    sector, tier, type and criticality is worked out once (`_Kind`), its risk without
    impact once per risk facts, and its whole risk once per (risk without impact, impact).
    """
    assets = {a.id: a for a in inputs.assets}
    scorer = Scorer(
        RiskParams.for_profile(profile, params.crqc_year, params.start.year, params.migration_years)
    )
    kinds = _Kinds(profile, params.start)
    bases: dict[tuple[Any, ...], RiskScore] = {}  # risk without impact, by usage and facts
    # asset id -> (its facts' number, impact, unit); facts -> number
    asset_of: dict[int, tuple[int, int, int]] = {}
    numbers: dict[tuple[tuple[Any, ...], tuple[Any, ...]], int] = {}
    facts_of: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []  # by number
    # (algorithm, primitive, function, stored status, facts' number) -> (kind, base risk)
    sorts: dict[tuple[Any, ...], tuple[_Kind | None, RiskScore | None, str]] = {}
    risk_of: dict[tuple[int, int], RiskScore] = {}  # (id of base score, impact) -> score
    # the same and the impact -> (kind, risk, use): what a usage needs worked out, looked
    # up with one key (most usages repeat one)
    seen: dict[tuple[Any, ...], tuple[_Kind | None, RiskScore | None, str]] = {}
    tasks: list[Task] = []
    append = tasks.append
    safe = 0
    targets = inputs.targets  # asset id -> sector target (migration.sectors); often empty
    asset_id = None
    for usage in sorted(inputs.usages, key=attrgetter("id")):
        if usage.asset_id != asset_id:  # an asset's usages mostly come one after another
            asset_id = usage.asset_id
            asset = assets[asset_id]
            known = asset_of.get(asset_id)
            if known is None:
                facts = _asset_facts(asset, targets.get(asset_id))
                number = numbers.get(facts)
                if number is None:
                    number = numbers[facts] = len(facts_of)
                    facts_of.append(facts)
                known = asset_of[asset_id] = (
                    number,
                    impact.get(asset_id, 0),
                    int(unit_of[asset_id]),  # type: ignore[call-overload]
                )
            number, asset_impact, unit = known
        key = (
            usage.algorithm,
            usage.primitive,
            usage.function,
            usage.quantum_status,
            number,
            asset_impact,
        )
        hit = seen.get(key)
        if hit is None:
            sort = sorts.get(key[:5])
            if sort is None:
                sort = sorts[key[:5]] = _sort(kinds, scorer, bases, usage, asset, facts_of[number])
            kind, base, use = sort
            risk = None
            if base is not None:
                risk = risk_of.get((id(base), asset_impact))
                if risk is None:
                    risk = risk_of[(id(base), asset_impact)] = scorer.with_impact(
                        base, asset_impact
                    )
            hit = seen[key] = (kind, risk, use)
        kind, risk, use = hit
        if kind is None:  # quantum-safe, and the profile accepts it
            safe += 1
            continue
        append(
            Task(
                f"usage:{usage.ref or usage.id}",
                usage.id,
                asset.id,
                asset.name,
                asset.org_id,
                kind.sector,
                usage.algorithm,
                use,
                kind.status,
                kind.target,
                kind.alternatives,
                kind.effort,
                risk,
                unit,
                kind.deadline,
                kind.deadline_rule,
                kind.deadline_source,
                kind.deadline_confirmed,
                flags=list(kind.flags),
                reasons=list(kind.reasons),
            )
        )
    return tasks, safe


def _sort(
    kinds: _Kinds,
    scorer: Scorer,
    bases: dict[tuple[Any, ...], RiskScore],
    usage: UsageFacts,
    asset: AssetFacts,
    facts: tuple[tuple[Any, ...], tuple[Any, ...]],
) -> tuple[_Kind | None, RiskScore | None, str]:
    """A usage's kind of task (None: no task), its risk without impact and its use: the
    same for every usage of its algorithm, primitive, function and status on assets with
    the same facts."""
    status = STATUS_OF[usage.quantum_status]
    use = use_of(usage.primitive, usage.function, usage.algorithm)
    kind = kinds.of(usage, asset, use, status, facts[0])
    if kind is None:
        return None, None, use
    base_key = (usage.algorithm, use, status, facts[1])
    base = bases.get(base_key)
    if base is None:
        *risk_facts, tie = facts[1]
        base = bases[base_key] = scorer.base(
            RiskInput(usage.algorithm, use, status, *risk_facts, target=tie)
        )
    return kind, base, use


def _asset_facts(
    asset: AssetFacts, tie: TargetFacts | None = None
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(what a task's kind depends on, what its risk without impact depends on: the asset
    fields of `RiskInput`, in its order, then the sector target the asset stands for)."""
    return (
        (asset.sector, asset.tier, asset.asset_type, asset.criticality, tie),
        (
            asset.exposure,
            asset.criticality,
            asset.data_sensitivity,
            asset.secrecy_years,
            asset.sector,
            asset.tier,
            tie,
        ),
    )


@dataclass(frozen=True, slots=True)
class _Kind:
    """What every usage of one kind on assets with the same facts shares."""

    sector: str
    status: str
    target: str
    alternatives: tuple[str, ...]
    effort: int
    deadline: date | None
    deadline_rule: str | None
    deadline_source: str | None
    deadline_confirmed: bool
    flags: tuple[TaskFlag, ...]
    reasons: tuple[str, ...]


_NO_TASK = object()  # a kind the profile accepts: no task (cached like a kind)


class _Kinds:
    """`_Kind`s made once per (algorithm, use, status, asset facts), targets once per
    (use, algorithm), catalog look-ups once per algorithm."""

    def __init__(self, profile: Profile, today: date) -> None:
        self.profile = profile
        self.today = today  # the plan's start: what the profile accepts then
        self.kinds: dict[tuple[Any, ...], Any] = {}
        self.targets: dict[tuple[str, str], Target] = {}
        self.in_catalog: dict[str, bool] = {}

    def of(
        self,
        usage: UsageFacts,
        asset: AssetFacts,
        use: str,
        status: QuantumStatus,
        asset_facts: tuple[Any, ...],
    ) -> _Kind | None:
        """The kind of task this usage needs, or None: quantum-safe and accepted."""
        key = (usage.algorithm, use, status, asset_facts)
        kind = self.kinds.get(key)
        if kind is None:
            if status in VULNERABLE:
                kind = self._make(usage, asset, use, status, asset_facts)
            else:
                kind = self._not_accepted(usage, asset, use, status) or _NO_TASK
            self.kinds[key] = kind
        return None if kind is _NO_TASK else kind

    def _target(self, use: str, algorithm: str) -> Target:
        target = self.targets.get((use, algorithm))
        if target is None:
            target = self.targets[(use, algorithm)] = choose_target(self.profile, use, algorithm)
        return target

    def _not_accepted(
        self, usage: UsageFacts, asset: AssetFacts, use: str, status: QuantumStatus
    ) -> _Kind | None:
        """A quantum-safe usage the profile does not accept: a task to what it accepts, by
        the date its verdict names (None when the verdict is `acceptable`)."""
        profile = self.profile
        r, rule = judged(profile, usage.algorithm, use, status, asset, self.today)
        if r.verdict == ACCEPTABLE:
            return None
        if rule is not None and r.rule == rule.id:  # the date is the profile's schedule
            source, confirmed = rule.source, rule.confirmed
        elif r.rule == FINAL_RULE:
            source = profile.final_deadline_source
            confirmed = profile.source(source).confirmed
        else:  # a row or the unlisted rule of the profile's table
            source, confirmed = r.source, r.confirmed
        dated = r.deadline is not None
        return self._kind(
            usage,
            asset,
            use,
            status,
            (r.deadline, r.rule if dated else None, source if dated else None, confirmed),
            (),
            [R.VERDICT.format(verdict=r.verdict, reason=r.reason)],
        )

    def _make(
        self,
        usage: UsageFacts,
        asset: AssetFacts,
        use: str,
        status: QuantumStatus,
        asset_facts: tuple[Any, ...],
    ) -> _Kind:
        profile = self.profile
        when, rule = matching_deadline(profile, usage, asset, use)
        flags: list[TaskFlag] = []
        reasons: list[str] = []
        tie = asset_facts[-1]
        if tie is not None:
            reasons.append(
                R.SECTOR_TARGET.format(name=tie.name, key=tie.key, priority=tie.priority)
            )
        if usage.algorithm not in self.in_catalog:
            self.in_catalog[usage.algorithm] = known(usage.algorithm)
        if not self.in_catalog[usage.algorithm] and status is not QuantumStatus.UNKNOWN:
            reasons.append(R.STORED_STATUS.format(algorithm=usage.algorithm, status=status))
        if rule is not None and rule.id == LEGACY_RULE:
            flags.append(TaskFlag.CLASSICALLY_BROKEN)
            reasons.append(str(rule.note))
        if status is QuantumStatus.UNKNOWN:
            flags.append(TaskFlag.UNKNOWN_ALGORITHM)
            reasons.append(R.UNCLASSIFIED.format(algorithm=usage.algorithm))
        deadline = (
            when,
            rule.id if rule else (FINAL_RULE if when else None),
            (rule.source if rule else profile.final_deadline_source) if when else None,
            rule.confirmed if rule else profile.source(profile.final_deadline_source).confirmed,
        )
        if rule is None or rule.id != LEGACY_RULE:
            # plans follow judge: a row of the profile's table may date the usage earlier
            # than its schedule names (NIST IR 8547's 112-bit row reaches every 112-bit
            # algorithm, whatever its name: DH-2048-SHA1 as well as DH-2048)
            r, _ = judged(profile, usage.algorithm, use, status, asset, self.today)
            if r.verdict != ACCEPTABLE and r.deadline and (when is None or r.deadline < when):
                deadline = (r.deadline, r.rule, r.source, r.confirmed)
        return self._kind(usage, asset, use, status, deadline, tuple(flags), reasons)

    def _kind(
        self,
        usage: UsageFacts,
        asset: AssetFacts,
        use: str,
        status: QuantumStatus,
        deadline: tuple[date | None, str | None, str | None, bool],
        flags: tuple[TaskFlag, ...],
        reasons: list[str],
    ) -> _Kind:
        """A kind with its target (the planner's default where the profile accepts none),
        effort and ``deadline`` (date, rule, source, confirmed); the target's reason first."""
        target = self._target(use, usage.algorithm)
        planned = target.algorithm or DEFAULTS.get(policy_use(use), ("ML-KEM-768",))[0]
        when, rule_id, source, confirmed = deadline
        return _Kind(
            sector=str(asset.sector),
            status=str(status),
            target=planned,
            alternatives=target.alternatives,
            effort=ASSET_EFFORT.get(str(asset.asset_type), DEFAULT_ASSET_EFFORT)
            + USE_EFFORT.get(use, 0),
            deadline=when,
            deadline_rule=rule_id,
            deadline_source=source,
            deadline_confirmed=confirmed,
            flags=flags,
            reasons=(R.TARGET.format(target=planned, reason=target.reason), *reasons),
        )
