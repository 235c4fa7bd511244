"""The scheduler: migration tasks placed in profile phases and quarterly waves.

One task per quantum-vulnerable usage. Tasks of one asset move together, and the assets of
a dependency cycle move together as one unit. A unit starts in a wave strictly after every
provider unit it depends on (transitively), fits the organization's capacity of effort
points per wave, and is ordered earliest (propagated) deadline first, then by risk.
A deadline that cannot be met is flagged with the chain of tasks that blocks it.

Everything here is pure and deterministic: the same input gives the same plan.
"""

from __future__ import annotations

import gc
import heapq
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import networkx as nx

from core.errors import InputError
from core.field_limits import check_plan_date
from inventory.choices import Criticality, DataSensitivity, Exposure, QuantumStatus
from migration.graph import build_graph, condense, find_cycles, topological_units
from migration.graph import transitive_impact as compute_impact
from migration.legacy import RULE_ID as LEGACY_RULE
from migration.legacy import classical_break, migrate_now_rule
from migration.profiles.schema import Deadline, Profile
from migration.risk import RiskInput, RiskParams, RiskScore, Scorer
from migration.targets import Target, choose_target, known
from migration.uses import use_of

VULNERABLE = (QuantumStatus.BROKEN, QuantumStatus.WEAKENED, QuantumStatus.UNKNOWN)
# StrEnum members hash like their values: one lookup accepts either (faster than Enum()).
STATUS_OF: dict[str, QuantumStatus] = {s.value: s for s in QuantumStatus}
NEVER = 10**9  # "no deadline" as a wave index
# Waves are quarters counted from the start; past this horizon a plan means nothing, and
# the cap keeps every wave date far below year 9999 for any start in the plan window.
MAX_WAVES = 4 * 1000

# Effort points: what moving one usage costs, by the asset it lives in and by its use.
ASSET_EFFORT = {
    "hsm": 5,
    "ca_pki": 5,
    "library_firmware": 4,
    "device_iot": 4,
    "network_appliance": 3,
    "vendor_product": 3,
}
USE_EFFORT = {"certificate_signature": 2, "firmware_signing": 2, "code_signing": 1}


@dataclass(frozen=True, slots=True)
class AssetFacts:
    id: int
    name: str
    org_id: int
    sector: str
    tier: str
    asset_type: str = "application"
    exposure: Exposure = Exposure.INTERNAL
    criticality: Criticality = Criticality.MEDIUM
    data_sensitivity: DataSensitivity = DataSensitivity.INTERNAL
    secrecy_years: int = 0


@dataclass(frozen=True, slots=True)
class UsageFacts:
    id: int
    asset_id: int
    algorithm: str
    primitive: str
    function: str
    quantum_status: QuantumStatus
    ref: str = ""


@dataclass
class PlanInput:
    assets: list[AssetFacts]
    dependencies: list[tuple[int, int]]  # (provider_id, dependent_id)
    usages: list[UsageFacts]


@dataclass(frozen=True)
class PlanParams:
    start: date
    crqc_year: int = 2035
    capacity: int = 40  # effort points per wave (quarter) per organization
    migration_years: int = 3

    def __post_init__(self) -> None:
        try:
            check_plan_date(self.start, "start")
        except ValueError as exc:
            raise InputError(str(exc), "start") from None

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "crqc_year": self.crqc_year,
            "capacity": self.capacity,
            "migration_years": self.migration_years,
        }


@dataclass(slots=True)
class Task:
    key: str
    usage_id: int
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
    flags: list[str] = field(default_factory=list)
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


@dataclass
class PlanResult:
    profile_id: str
    profile_version: str
    params: PlanParams
    tasks: list[Task]
    cycles: list[list[str]]
    skipped_safe: int

    @property
    def flagged(self) -> list[Task]:
        return [t for t in self.tasks if t.flags]

    def summary(self) -> dict[str, Any]:
        flags: dict[str, int] = defaultdict(int)
        for task in self.tasks:
            for flag in task.flags:
                flags[flag] += 1
        waves = [t.wave for t in self.tasks if t.wave is not None]
        return {
            "profile": self.profile_id,
            "profile_version": self.profile_version,
            "params": self.params.as_dict(),
            "tasks": len(self.tasks),
            "skipped_quantum_safe": self.skipped_safe,
            "effort": sum(t.effort for t in self.tasks),
            "waves": (max(waves) + 1) if waves else 0,
            "last_wave": max((t.wave_label for t in self.tasks if t.wave_label), default=None),
            "flags": dict(sorted(flags.items())),
            "cycles": self.cycles,
        }


# --- waves -------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@lru_cache(maxsize=4096)
def wave_bounds(start: date, index: int) -> tuple[date, date]:
    """Wave 0 runs from the start date to the end of its quarter; then whole quarters.

    >>> wave_bounds(date(2026, 11, 24), 0)
    (datetime.date(2026, 11, 24), datetime.date(2026, 12, 31))
    >>> wave_bounds(date(2026, 11, 24), 1)
    (datetime.date(2027, 1, 1), datetime.date(2027, 3, 31))
    """
    first = quarter_start(start)
    months = first.month - 1 + 3 * index
    begin = date(first.year + months // 12, months % 12 + 1, 1)
    months_end = months + 3
    end = date(first.year + months_end // 12, months_end % 12 + 1, 1) - timedelta(days=1)
    return (max(begin, start) if index == 0 else begin), end


@lru_cache(maxsize=4096)
def wave_label(start: date, index: int) -> str:
    begin, _ = wave_bounds(start, index)
    return f"{begin.year}-Q{(begin.month - 1) // 3 + 1}"


def deadline_wave(start: date, deadline: date) -> int:
    """The last wave that ends on or before the deadline (-1: before the plan starts).

    >>> deadline_wave(date(2026, 11, 24), date(2027, 3, 31))
    1
    >>> deadline_wave(date(2026, 11, 24), date(2025, 12, 31))
    -1
    """
    first = quarter_start(start)
    months = (deadline.year - first.year) * 12 + deadline.month - first.month
    index = months // 3
    _, end = wave_bounds(start, index)
    if end > deadline:
        index -= 1
    return max(index, -1)


# --- deadlines ---------------------------------------------------------------------


def matching_deadline(
    profile: Profile, usage: UsageFacts, asset: AssetFacts, use: str
) -> tuple[date | None, Deadline | None]:
    """The earliest profile deadline that applies to this usage (None: no deadline).

    A usage broken by classical attacks today gets the profile's earliest date, whatever its
    quantum status (``migration.legacy``).
    """
    broken_now = classical_break(usage.algorithm)
    if broken_now is not None:
        rule = migrate_now_rule(profile, broken_now)
        return rule.date, rule
    status = STATUS_OF[usage.quantum_status]
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
        if rule.algorithms and usage.algorithm not in rule.algorithms:
            continue
        if best is None or rule.date < best.date:
            best = rule
    if best is not None:
        return best.date, best
    if as_status is QuantumStatus.BROKEN:
        return profile.final_deadline, None
    return None, None


# --- planning ----------------------------------------------------------------------


def make_tasks(
    profile: Profile,
    inputs: PlanInput,
    params: PlanParams,
    impact: dict[Hashable, int],
    unit_of: dict[Hashable, Hashable],
) -> tuple[list[Task], int]:
    """One task per vulnerable usage, scored and targeted; returns (tasks, safe usages).

    Inventories repeat the same facts many times over: what depends only on the usage's
    kind (algorithm, use, status) and on its asset's sector, tier, type and criticality is
    worked out once (`_Kind`), its risk without impact once per risk facts, and its whole
    risk once per (risk without impact, impact).
    """
    assets = {a.id: a for a in inputs.assets}
    scorer = Scorer(
        RiskParams.for_profile(profile, params.crqc_year, params.start.year, params.migration_years)
    )
    targets: dict[tuple[str, str], Target] = {}
    in_catalog: dict[str, bool | None] = {}
    kinds: dict[tuple[Any, ...], _Kind] = {}
    bases: dict[tuple[Any, ...], RiskScore] = {}  # risk without impact, by usage and facts
    facts_of: dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}  # asset id -> facts
    risk_of: dict[tuple[int, int], RiskScore] = {}  # (id of base score, impact) -> score
    tasks: list[Task] = []
    safe = 0
    for usage in sorted(inputs.usages, key=lambda u: u.id):
        status = STATUS_OF[usage.quantum_status]
        if status not in VULNERABLE:
            safe += 1
            continue
        asset = assets[usage.asset_id]
        facts = facts_of.get(asset.id)
        if facts is None:
            facts = facts_of[asset.id] = (
                (asset.sector, asset.tier, asset.asset_type, asset.criticality),
                (
                    asset.exposure,
                    asset.criticality,
                    asset.data_sensitivity,
                    asset.secrecy_years,
                    asset.sector,
                    asset.tier,
                ),
            )
        use = use_of(usage.primitive, usage.function)
        kind_key = (usage.algorithm, use, status, facts[0])
        kind = kinds.get(kind_key)
        if kind is None:
            kind = kinds[kind_key] = _kind(profile, targets, in_catalog, usage, asset, use, status)
        base_key = (usage.algorithm, use, status, facts[1])
        base = bases.get(base_key)
        if base is None:
            base = bases[base_key] = scorer.base(
                RiskInput(
                    usage.algorithm,
                    use,
                    status,
                    asset.exposure,
                    asset.criticality,
                    asset.data_sensitivity,
                    asset.secrecy_years,
                    asset.sector,
                    asset.tier,
                )
            )
        asset_impact = impact.get(asset.id, 0)
        risk = risk_of.get((id(base), asset_impact))
        if risk is None:
            risk = risk_of[(id(base), asset_impact)] = scorer.with_impact(base, asset_impact)
        tasks.append(
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
                int(unit_of[asset.id]),  # type: ignore[call-overload]
                kind.deadline,
                kind.deadline_rule,
                kind.deadline_source,
                kind.deadline_confirmed,
                flags=list(kind.flags),
                reasons=list(kind.reasons),
            )
        )
    return tasks, safe


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
    flags: tuple[str, ...]
    reasons: tuple[str, ...]


def _kind(
    profile: Profile,
    targets: dict[tuple[str, str], Target],
    in_catalog: dict[str, bool | None],
    usage: UsageFacts,
    asset: AssetFacts,
    use: str,
    status: QuantumStatus,
) -> _Kind:
    target = targets.get((use, usage.algorithm))
    if target is None:
        target = targets[(use, usage.algorithm)] = choose_target(profile, use, usage.algorithm)
    when, rule = matching_deadline(profile, usage, asset, use)
    flags: list[str] = []
    reasons = [f"target {target.algorithm}: {target.reason}"]
    if usage.algorithm not in in_catalog:
        in_catalog[usage.algorithm] = known(usage.algorithm)
    if not in_catalog[usage.algorithm] and status is not QuantumStatus.UNKNOWN:
        reasons.append(
            f"{usage.algorithm} is not in the catalog; its stored status {status} is used"
        )
    if rule is not None and rule.id == LEGACY_RULE:
        flags.append(LEGACY_RULE)
        reasons.append(str(rule.note))
    if status is QuantumStatus.UNKNOWN:
        flags.append("unknown_algorithm")
        reasons.append(
            f"{usage.algorithm} is not classified by the catalog: review it; planned as if "
            "quantum-vulnerable"
        )
    return _Kind(
        sector=str(asset.sector),
        status=str(status),
        target=target.algorithm,
        alternatives=target.alternatives,
        effort=ASSET_EFFORT.get(str(asset.asset_type), 2) + USE_EFFORT.get(use, 0),
        deadline=when,
        deadline_rule=rule.id if rule else ("final" if when else None),
        deadline_source=(rule.source if rule else profile.final_deadline_source) if when else None,
        deadline_confirmed=rule.confirmed if rule else True,
        flags=tuple(flags),
        reasons=tuple(reasons),
    )


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of acyclic objects
    are made: it would otherwise rescan them again and again (a 2x cost at 100k assets)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def plan(profile: Profile, inputs: PlanInput, params: PlanParams) -> PlanResult:
    """Build the graph, score every vulnerable usage and place it in a wave."""
    with paused_gc():
        graph = build_graph(
            sorted((a.id, a.name) for a in inputs.assets), sorted(inputs.dependencies)
        )
        dag, unit_of = condense(graph)
        order = topological_units(dag)
        impact = compute_impact(graph, dag, order)
        tasks, safe = make_tasks(profile, inputs, params, impact, unit_of)
        cycles = find_cycles(graph, dag)
        schedule(profile, graph, dag, tasks, params, order=order)
        # Inside the pause too: a key tuple per task would otherwise set off full collections.
        tasks.sort(key=lambda t: (t.wave if t.wave is not None else NEVER, -t.risk.total, t.key))
    return PlanResult(profile.id, profile.version, params, tasks, cycles, safe)


def schedule(
    profile: Profile,
    graph: nx.DiGraph,
    dag: nx.DiGraph,
    tasks: list[Task],
    params: PlanParams,
    *,
    order: list[Hashable] | None = None,
) -> None:
    """Place each task's unit in a wave (mutates the tasks: wave, phase, flags, reasons).

    `order` is `topological_units(dag)` when the caller has it already."""
    start = params.start
    by_unit: dict[Hashable, list[Task]] = defaultdict(list)
    for task in tasks:
        by_unit[task.unit].append(task)
    if order is None:
        order = topological_units(dag)
    name = {u: _unit_name(graph, dag, u) for u in by_unit}

    # Own and propagated deadlines: a provider must finish a wave before its dependents.
    own_dl: dict[Hashable, int] = {}
    for unit, unit_tasks in by_unit.items():
        dates = [t.deadline for t in unit_tasks if t.deadline is not None]
        own_dl[unit] = deadline_wave(start, min(dates)) if dates else NEVER
    eff_dl: dict[Hashable, int] = {}  # latest wave a task of this unit may take
    bound: dict[Hashable, int] = {}  # what this unit imposes on its providers
    for unit in reversed(order):
        latest = own_dl.get(unit, NEVER)
        for succ in dag.successors(unit):
            latest = min(latest, bound[succ])
        eff_dl[unit] = latest
        bound[unit] = latest - 1 if unit in by_unit and latest != NEVER else latest

    # Earliest wave with unlimited capacity (longest provider chain), and its critical pred.
    asap: dict[Hashable, int] = {}
    asap_pred: dict[Hashable, Hashable | None] = {}
    for unit in order:
        best, critical = 0, None
        for pred in dag.predecessors(unit):
            candidate = asap[pred] + (1 if pred in by_unit else 0)
            if candidate > best or (candidate == best and critical is None and pred in by_unit):
                best, critical = candidate, pred
        asap[unit], asap_pred[unit] = best, critical

    priority = {u: max(t.risk.total for t in ts) for u, ts in by_unit.items()}
    effort = {u: sum(t.effort for t in ts) for u, ts in by_unit.items()}
    org = {u: min(t.org_id for t in ts) for u, ts in by_unit.items()}
    waiting = {u: dag.in_degree(u) for u in order}
    ready = dict.fromkeys(order, 0)
    ready_by: dict[Hashable, Hashable | None] = dict.fromkeys(order)
    used: dict[int, list[int]] = defaultdict(list)
    first_free: dict[int, int] = defaultdict(int)
    placed: dict[Hashable, int] = {}
    heap: list[tuple[int, float, Any]] = []
    tails: dict[tuple[Any, ...], tuple[str, ...]] = {}  # shared ends of reasons, see _tail
    for unit in order:
        if waiting[unit] == 0:
            heapq.heappush(heap, (eff_dl[unit], -priority.get(unit, 0.0), unit))
    while heap:
        _, _, unit = heapq.heappop(heap)
        if unit in by_unit:
            wave, overflow = _place(
                used[org[unit]], first_free, org[unit], ready[unit], effort[unit], params.capacity
            )
            if wave >= MAX_WAVES:
                raise InputError(
                    f"the plan needs more than {MAX_WAVES} quarterly waves at a capacity of "
                    f"{params.capacity} points per wave; raise the capacity",
                    "capacity",
                )
            placed[unit] = wave
            release = wave + 1
            _describe(
                profile,
                unit,
                by_unit[unit],
                wave,
                ready[unit],
                ready_by[unit],
                overflow,
                name,
                placed,
                params,
                tails,
            )
        else:
            release = ready[unit]
        for succ in dag.successors(unit):
            if release > ready[succ] or (release == ready[succ] and ready_by[succ] is None):
                ready[succ], ready_by[succ] = release, unit if unit in by_unit else ready_by[unit]
            waiting[succ] -= 1
            if waiting[succ] == 0:
                heapq.heappush(heap, (eff_dl[succ], -priority.get(succ, 0.0), succ))

    for unit, unit_tasks in by_unit.items():
        wave = placed[unit]
        if own_dl[unit] == NEVER or wave <= own_dl[unit]:
            continue
        chain = _chain(unit, asap_pred, name, placed, start, by_unit)
        deadline = min(t.deadline for t in unit_tasks if t.deadline is not None)
        if own_dl[unit] < 0:
            flag = "impossible_deadline"
            why = f"deadline {deadline} is before the plan starts ({start})"
        elif asap[unit] > own_dl[unit]:
            flag = "impossible_deadline"
            why = (
                f"deadline {deadline} cannot be met even with unlimited capacity: "
                f"{asap[unit]} provider waves must come first"
            )
        else:
            flag = "deadline_missed"
            why = (
                f"deadline {deadline} missed by {wave - own_dl[unit]} waves: capacity of "
                f"{params.capacity} points per wave is used by earlier or more urgent tasks"
            )
        for task in unit_tasks:
            if task.deadline is not None and deadline_wave(start, task.deadline) < wave:
                task.flags.append(flag)
                task.reasons.append(why)
                task.blocking_chain = chain


def _place(
    used: list[int], first_free: dict[int, int], org: int, ready: int, effort: int, capacity: int
) -> tuple[int, bool]:
    """First wave >= ready with room for `effort`; an oversize unit takes an empty wave."""
    wave = max(ready, first_free[org])
    oversize = effort > capacity
    while True:
        while len(used) <= wave:
            used.append(0)
        if (oversize and used[wave] == 0) or (not oversize and used[wave] + effort <= capacity):
            break
        wave += 1
    used[wave] += effort
    while first_free[org] < len(used) and used[first_free[org]] >= capacity:
        first_free[org] += 1
    return wave, oversize


def _unit_name(graph: nx.DiGraph, dag: nx.DiGraph, unit: Hashable) -> str:
    members = dag.nodes[unit]["members"]
    names = sorted(str(graph.nodes[m].get("name", m)) for m in members)
    return names[0] if len(names) == 1 else "{" + ", ".join(names) + "}"


def _chain(
    unit: Hashable,
    asap_pred: dict[Hashable, Hashable | None],
    name: dict[Hashable, str],
    placed: dict[Hashable, int],
    start: date,
    by_unit: dict[Hashable, list[Task]],
) -> list[str]:
    """The longest chain of provider units in front of `unit`, first provider first."""
    chain: list[str] = []
    current: Hashable | None = unit
    while current is not None:
        if current in by_unit:
            chain.append(f"{name[current]} ({wave_label(start, placed[current])})")
        current = asap_pred.get(current)
    return list(reversed(chain))


def _describe(
    profile: Profile,
    unit: Hashable,
    tasks: Iterable[Task],
    wave: int,
    ready: int,
    ready_by: Hashable | None,
    overflow: bool,
    name: dict[Hashable, str],
    placed: dict[Hashable, int],
    params: PlanParams,
    tails: dict[tuple[Any, ...], tuple[str, ...]],
) -> None:
    start = params.start
    begin, end = wave_bounds(start, wave)
    label = wave_label(start, wave)
    phase = profile.phase_for(begin) or profile.phase_for(end)
    if phase is not None:
        phase_id = phase.id
    elif profile.phases and end < min(p.start for p in profile.phases):
        phase_id = "before-profile"
    else:
        phase_id = "after-profile"
    if ready_by is not None and ready_by in placed:
        why_when = f"waits for provider {name[ready_by]} ({wave_label(start, placed[ready_by])})"
    else:
        why_when = "no provider to wait for"
    head = [f"wave {label} in phase {phase_id}: {why_when}"]
    if wave > ready:
        head.append(
            f"waves {wave_label(start, ready)} to {wave_label(start, wave - 1)} were full "
            f"({params.capacity} effort points per wave)"
        )
    if overflow:
        head.append(
            f"this unit needs more than the {params.capacity} points of one wave; "
            "it takes a wave of its own"
        )
    cycle = name.get(unit, "") if "{" in name.get(unit, "") else None
    for task in tasks:
        task.wave, task.wave_label, task.wave_start, task.wave_end = wave, label, begin, end
        task.phase = phase_id
        if overflow:
            task.flags.append("capacity_overflow")
        if cycle is not None:
            task.flags.append("cycle")
        key = (
            task.deadline,
            task.deadline_rule,
            task.deadline_source,
            task.deadline_confirmed,
            task.sector,
            task.risk.total,
            cycle,
        )
        tail = tails.get(key)
        if tail is None:
            tail = tails[key] = _tail(profile, task, cycle)
        task.reasons.extend(head)
        task.reasons.extend(tail)


def _tail(profile: Profile, task: Task, cycle: str | None) -> tuple[str, ...]:
    """A task's reasons after its wave's (deadline, pilots, cycle, risk): many tasks share
    them, so they are made once per distinct combination."""
    reasons = []
    if task.deadline is not None:
        source = task.deadline_source or ""
        unconfirmed = "" if task.deadline_confirmed else ", date not confirmed"
        reasons.append(
            f"deadline {task.deadline} ({profile.id} {task.deadline_rule}, source {source}"
            f"{unconfirmed})"
        )
    for pilot in profile.pilots:
        if task.sector in pilot.sectors:
            reasons.append(f"sector {task.sector} has a {pilot.basis} pilot in {pilot.year}")
    if cycle is not None:
        reasons.append(f"dependency cycle {cycle} is migrated as one unit")
    reasons.append(f"risk {task.risk.total:g}: the parts and their reasons are in `risk`")
    return tuple(reasons)
