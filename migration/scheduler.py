"""The scheduler: migration tasks placed in profile phases and quarterly waves.

One task per quantum-vulnerable usage and per quantum-safe usage the profile does not accept
(`migration.tasks`). Tasks of one asset move
together, and the assets of a dependency cycle move together as one `Unit`. A unit starts
in a wave strictly after every provider unit it depends on (transitively), fits the
organization's capacity of effort points per wave, and is ordered earliest (propagated)
deadline first, then by risk. A deadline that cannot be met is flagged with the chain of
tasks that blocks it.

`schedule` runs named stages, each a small pure function of the condensed graph and
per-unit figures: `unit_work`, `latest_waves`, `earliest_waves`, `place_units`, then
`assign_waves` and `flag_missed_deadlines` write the outcome into the tasks. Everything
is deterministic: the same input gives the same plan.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any, NamedTuple

import networkx as nx

from core.errors import InputError
from core.gc_pause import paused_gc
from core.i18n import N_
from migration import reasons as R
from migration.choices import OutsidePhase, TaskFlag, UnitKind
from migration.graph import (
    Condensation,
    build_graph,
    condensation_of,
    find_cycles,
    topological_units,
)
from migration.graph import transitive_impact as compute_impact
from migration.inputs import PlanInput, PlanParams
from migration.prerequisites import prerequisite_tasks
from migration.profiles.schema import Profile
from migration.tasks import Task, make_tasks
from migration.waves import MAX_WAVES, NEVER, deadline_wave, wave_bounds, wave_label

__all__ = ["PlanInput", "PlanParams", "PlanResult", "plan", "schedule"]  # the planner's API


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
                flags[str(flag)] += 1
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


def plan(profile: Profile, inputs: PlanInput, params: PlanParams) -> PlanResult:
    """Build the graph, score every usage to move and place it in a wave."""
    with paused_gc():
        # networkx's dependency graph and its cycles, then the condensation as plain dicts
        # of lists in the orders condense gives: a fraction of a second networkx DAG's cost
        # at 100,000 assets to make and walk
        graph = condensation_of(
            build_graph(sorted((a.id, a.name) for a in inputs.assets), sorted(inputs.dependencies))
        )
        order = topological_units(graph)
        impact = compute_impact(graph, order=order)
        tasks, safe = make_tasks(profile, inputs, params, impact, graph.unit_of)
        tasks += prerequisite_tasks(inputs, tasks, graph, graph.unit_of)
        cycles = find_cycles(graph)
        schedule(profile, graph, graph, tasks, params, order=order)
        plan_order(tasks)  # inside the pause too: it makes a key per task
    return PlanResult(profile.id, profile.version, params, tasks, cycles, safe)


def plan_order(tasks: list[Task]) -> None:
    """Sort tasks by wave, then highest risk first, then key. Three stable sorts on one
    plain key each give the order of one sort on (wave, -risk, key), in half the time.

    >>> from types import SimpleNamespace as T
    >>> tasks = [T(wave=1, risk=T(total=5.0), key="b"), T(wave=0, risk=T(total=1.0), key="c"),
    ...          T(wave=1, risk=T(total=9.0), key="a"), T(wave=1, risk=T(total=5.0), key="a")]
    >>> plan_order(tasks)  # type: ignore[arg-type]
    >>> [(t.wave, t.key) for t in tasks]
    [(0, 'c'), (1, 'a'), (1, 'a'), (1, 'b')]
    """
    tasks.sort(key=attrgetter("key"))
    tasks.sort(key=lambda t: -t.risk.total)
    tasks.sort(key=lambda t: NEVER if t.wave is None else t.wave)


def schedule(
    profile: Profile,
    graph: nx.DiGraph | Condensation,
    dag: nx.DiGraph | Condensation,
    tasks: list[Task],
    params: PlanParams,
    *,
    order: list[Hashable] | None = None,
) -> None:
    """Place each task's unit in a wave (mutates the tasks: wave, phase, flags, reasons).

    `graph` and `dag` are `build_graph`'s and `condense`'s, or one `Condensation` for both;
    `order` is `topological_units(dag)` when the caller has it already."""
    if order is None:
        order = topological_units(dag)
    by_unit: dict[Hashable, list[Task]] = defaultdict(list)
    for task in tasks:
        by_unit[task.unit].append(task)
    work = unit_work(by_unit)
    waves = {d: deadline_wave(params.start, d) for d in {w.deadline for w in work.values()} if d}
    own = {u: waves[w.deadline] if w.deadline else NEVER for u, w in work.items()}
    latest = latest_waves(dag, order, own, work)
    earliest, critical = earliest_waves(dag, order, work)
    placed = place_units(dag, order, work, latest, params.capacity)
    units = {u: unit_named(graph, dag, u) for u in by_unit}
    assign_waves(profile, params, units, by_unit, placed)
    flag_missed_deadlines(params, units, by_unit, placed, own, earliest, critical)


# --- units -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unit:
    """Assets that move in the same wave: one asset, or every asset of a dependency cycle.

    >>> Unit(7, ("portal",)).label, Unit(3, ("b", "a")).kind
    ('portal', <UnitKind.CYCLE: 'cycle'>)
    >>> Unit(3, ("a", "b")).label
    '{a, b}'
    """

    id: int
    names: tuple[str, ...]  # its assets' names, sorted

    @property
    def kind(self) -> UnitKind:
        return UnitKind.CYCLE if len(self.names) > 1 else UnitKind.ASSET

    @property
    def label(self) -> str:
        """How reasons name the unit: the asset's name, or the cycle's names in braces."""
        names = self.names
        return names[0] if len(names) == 1 else "{" + ", ".join(names) + "}"


def unit_named(
    graph: nx.DiGraph | Condensation, dag: nx.DiGraph | Condensation, unit: Hashable
) -> Unit:
    """The unit `condense` made, with its members' names from the asset graph.

    >>> from migration.graph import build_graph, condense
    >>> g = build_graph([(1, "b"), (2, "a"), (3, "c")], [(1, 2), (2, 1), (2, 3)])
    >>> dag, _ = condense(g)
    >>> unit_named(g, dag, 1), unit_named(g, dag, 3).kind
    (Unit(id=1, names=('a', 'b')), <UnitKind.ASSET: 'asset'>)
    >>> unit_named(c := condensation_of(build_graph([(1, "b"), (2, "a")], [(1, 2), (2, 1)])), c, 1)
    Unit(id=1, names=('a', 'b'))
    """
    if isinstance(dag, Condensation):
        members = dag.members[unit]  # type: ignore[index]
        if len(members) == 1:
            return Unit(unit, (dag.names[members[0]],))  # type: ignore[arg-type]
        return Unit(unit, tuple(sorted(dag.names[m] for m in members)))  # type: ignore[arg-type]
    members = dag.nodes[unit]["members"]
    return Unit(unit, tuple(sorted(str(graph.nodes[m].get("name", m)) for m in members)))  # type: ignore[arg-type]


class UnitWork(NamedTuple):
    """What a unit's tasks add up to, as far as placing it goes (a named tuple: one per
    unit, and a frozen dataclass costs four times as much to make)."""

    effort: int
    priority: float  # the highest risk among its tasks
    shares: tuple[tuple[int, int], ...]  # (organization, its effort points), by organization
    deadline: date | None  # the earliest deadline among its tasks


def unit_work(by_unit: dict[Hashable, list[Task]]) -> dict[Hashable, UnitWork]:
    """Sum each unit's tasks: effort (per organization: a dependency cycle may join assets of
    two organizations, and each spends its own capacity), highest risk, earliest deadline."""
    work = {}
    for unit, tasks in by_unit.items():
        org = tasks[0].org_id
        effort, priority, deadline, mixed = 0, tasks[0].risk.total, None, False
        for t in tasks:  # one pass (a unit has a few tasks, and there are 100,000 units)
            effort += t.effort
            if t.risk.total > priority:
                priority = t.risk.total
            if t.deadline is not None and (deadline is None or t.deadline < deadline):
                deadline = t.deadline
            mixed = mixed or t.org_id != org
        if mixed:  # a cycle across organizations: each one's share
            shares: dict[int, int] = {}
            for t in tasks:
                shares[t.org_id] = shares.get(t.org_id, 0) + t.effort
            work[unit] = UnitWork(effort, priority, tuple(sorted(shares.items())), deadline)
        else:
            work[unit] = UnitWork(effort, priority, ((org, effort),), deadline)
    return work


# --- stages ------------------------------------------------------------------------


def latest_waves(
    dag: nx.DiGraph | Condensation,
    order: list[Hashable],
    own: dict[Hashable, int],
    work: Collection[Hashable],
) -> dict[Hashable, int]:
    """The latest wave each unit may take: its own deadline wave, and a wave before the
    latest of any dependent (a provider must finish a wave before its dependents start).
    Units without work pass their dependents' bound through unchanged.

    >>> dag = nx.DiGraph([(1, 2), (2, 3), (0, 3)])
    >>> latest_waves(dag, [0, 1, 2, 3], {3: 8, 1: 9}, work={1, 2, 3})
    {3: 8, 2: 7, 1: 6, 0: 7}
    """
    latest: dict[Hashable, int] = {}
    bound: dict[Hashable, int] = {}  # what this unit imposes on its providers
    successors = dag.succ
    for unit in reversed(order):
        wave = own.get(unit, NEVER)
        for succ in successors[unit]:
            wave = min(wave, bound[succ])
        latest[unit] = wave
        bound[unit] = wave - 1 if unit in work and wave != NEVER else wave
    return latest


def earliest_waves(
    dag: nx.DiGraph | Condensation, order: list[Hashable], work: Collection[Hashable]
) -> tuple[dict[Hashable, int], dict[Hashable, Hashable | None]]:
    """Each unit's earliest wave with unlimited capacity (the longest chain of providers
    with work in front of it), and the provider just before it on that chain.

    >>> dag = nx.DiGraph([(1, 3), (2, 3), (3, 4)])
    >>> earliest_waves(dag, [1, 2, 3, 4], work={1, 3, 4})
    ({1: 0, 2: 0, 3: 1, 4: 2}, {1: None, 2: None, 3: 1, 4: 3})
    """
    earliest: dict[Hashable, int] = {}
    critical: dict[Hashable, Hashable | None] = {}
    predecessors = dag.pred
    for unit in order:
        best, before = 0, None
        for pred in predecessors[unit]:  # in the DAG's order: ties go to the first
            candidate = earliest[pred] + (1 if pred in work else 0)
            if candidate > best or (candidate == best and before is None and pred in work):
                best, before = candidate, pred
        earliest[unit], critical[unit] = best, before
    return earliest, critical


class WaveLoad:
    """The effort points one organization has placed in each wave.

    >>> load = WaveLoad(capacity=10)
    >>> load.take(0, 6), load.take(0, 6), load.take(0, 4), load.take(0, 25)
    ((0, False), (1, False), (0, False), (2, True))
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used: list[int] = []
        self.first_free = 0  # no wave before this one has room left
        # room needed -> {wave: a later wave}: every wave from the key up to the value has
        # less room than that. Waves only fill, so a wave passed over once for a need is
        # never looked at again for it (scanning thousands of nearly full waves for every
        # unit was most of the scheduler's time at 20,000 assets)
        self._skip: dict[int, dict[int, int]] = {}

    def first_fit(self, ready: int, effort: int) -> int:
        """The first wave >= ready with room for `effort`; an oversize effort (more than a
        wave holds) needs a wave with nothing else in it, as one of exactly a wave's size.

        >>> load = WaveLoad(capacity=10)
        >>> for wave in range(4):
        ...     load.add(wave, 8)
        >>> load.first_fit(0, 3), load.first_fit(1, 2), load.first_fit(2, 3)
        (4, 1, 4)
        """
        used = self.used
        need = min(effort, self.capacity)
        most = self.capacity - need  # the most a wave may hold already
        skip = self._skip.setdefault(need, {})
        wave = max(ready, self.first_free)
        passed: list[int] = []
        end = len(used)
        while wave < end:
            later = skip.get(wave)
            if later is None:
                if used[wave] <= most:
                    break
                later = wave + 1
            passed.append(wave)
            wave = later
        for earlier in passed:  # each of them, and all after it up to `wave`, lack room
            skip[earlier] = wave
        return wave

    def add(self, wave: int, effort: int) -> None:
        used = self.used
        while len(used) <= wave:
            used.append(0)
        used[wave] += effort
        while self.first_free < len(used) and used[self.first_free] >= self.capacity:
            self.first_free += 1

    def take(self, ready: int, effort: int) -> tuple[int, bool]:
        """The first wave >= ready with room for `effort` (now taken), and whether it is
        oversize."""
        wave = self.first_fit(ready, effort)
        self.add(wave, effort)
        return wave, effort > self.capacity


def take_shared(
    loads: dict[int, WaveLoad], shares: tuple[tuple[int, int], ...], ready: int, capacity: int
) -> tuple[int, bool]:
    """The first wave >= ready where every organization of a unit has room for its share
    (taken in each), and whether any share is oversize.

    >>> loads = {1: WaveLoad(10), 2: WaveLoad(10)}
    >>> loads[2].take(0, 8)
    (0, False)
    >>> take_shared(loads, ((1, 4), (2, 4)), 0, 10), loads[1].used, loads[2].used
    ((1, False), [0, 4], [8, 4])
    """
    for org, _ in shares:
        if org not in loads:
            loads[org] = WaveLoad(capacity)
    if len(shares) == 1:
        org, effort = shares[0]
        return loads[org].take(ready, effort)
    wave = ready
    while True:  # raise the wave until every share fits in it
        fitted = max(loads[org].first_fit(wave, effort) for org, effort in shares)
        if fitted == wave:
            break
        wave = fitted
    for org, effort in shares:
        loads[org].add(wave, effort)
    return wave, any(effort > capacity for _, effort in shares)


class Placement(NamedTuple):
    """Where `place_units` put a unit (a named tuple, as `UnitWork`)."""

    wave: int
    ready: int  # the first wave its providers allowed
    ready_by: Hashable | None  # the provider unit that set `ready` (None: none did)
    overflow: bool  # needs more than one wave's capacity: has a wave of its own


def place_units(
    dag: nx.DiGraph | Condensation,
    order: list[Hashable],
    work: dict[Hashable, UnitWork],
    latest: dict[Hashable, int],
    capacity: int,
) -> dict[Hashable, Placement]:
    """List scheduling: among units whose providers are placed, the earliest latest wave
    first, then the highest risk, then the smallest id; each takes the first wave after
    its providers' with room in its organization's capacity.

    >>> dag = nx.DiGraph([(1, 2)]); dag.add_node(3)
    >>> work = {u: UnitWork(3, p, ((1, 3),), None) for u, p in ((1, 10.0), (2, 10.0), (3, 20.0))}
    >>> placed = place_units(dag, [1, 2, 3], work, dict.fromkeys(work, NEVER), capacity=5)
    >>> {u: (p.wave, p.ready_by) for u, p in sorted(placed.items())}
    {1: (1, None), 2: (2, 1), 3: (0, None)}
    """
    predecessors, successors = dag.pred, dag.succ
    waiting = {u: len(predecessors[u]) for u in order}
    ready = dict.fromkeys(order, 0)
    ready_by: dict[Hashable, Hashable | None] = dict.fromkeys(order)
    loads: dict[int, WaveLoad] = {}
    placed: dict[Hashable, Placement] = {}
    rank = {u: -w.priority for u, w in work.items()}  # a unit without work ranks as 0
    push, pop = heapq.heappush, heapq.heappop

    heap = [(latest[u], rank.get(u, -0.0), u) for u in order if waiting[u] == 0]
    heapq.heapify(heap)
    while heap:
        _, _, unit = pop(heap)
        need = work.get(unit)
        if need is not None:
            shares = need.shares
            if len(shares) == 1:  # one organization (take_shared, without its loop)
                org, effort = shares[0]
                load = loads.get(org)
                if load is None:
                    load = loads[org] = WaveLoad(capacity)
                wave = load.first_fit(ready[unit], effort)
                load.add(wave, effort)
                overflow = effort > capacity
            else:
                wave, overflow = take_shared(loads, shares, ready[unit], capacity)
            if wave >= MAX_WAVES:
                raise InputError(
                    N_(
                        "the plan needs more than {waves} quarterly waves at a capacity of "
                        "{capacity} points per wave; raise the capacity"
                    ),
                    "capacity",
                    waves=MAX_WAVES,
                    capacity=capacity,
                )
            placed[unit] = Placement(wave, ready[unit], ready_by[unit], overflow)
            release, by = wave + 1, unit
        else:
            release, by = ready[unit], ready_by[unit]
        for succ in successors[unit]:
            before = ready[succ]
            if release > before or (release == before and ready_by[succ] is None):
                ready[succ], ready_by[succ] = release, by
            left = waiting[succ] - 1
            waiting[succ] = left
            if not left:
                push(heap, (latest[succ], rank.get(succ, -0.0), succ))
    return placed


def phase_of(profile: Profile, begin: date, end: date) -> str:
    """The profile phase a wave from `begin` to `end` falls in, or where it lies outside.

    >>> from migration.profiles import get_profile
    >>> kr = get_profile("kr-2035")
    >>> phase_of(kr, date(2027, 1, 1), date(2027, 3, 31))
    'pilot'
    >>> phase_of(kr, date(2040, 1, 1), date(2040, 3, 31))
    'after-profile'
    """
    phase = profile.phase_for(begin) or profile.phase_for(end)
    if phase is not None:
        return phase.id
    if profile.phases and end < min(p.start for p in profile.phases):
        return OutsidePhase.BEFORE_PROFILE.value
    return OutsidePhase.AFTER_PROFILE.value


# --- writing the outcome into the tasks ----------------------------------------------


def assign_waves(
    profile: Profile,
    params: PlanParams,
    units: dict[Hashable, Unit],
    by_unit: dict[Hashable, list[Task]],
    placed: dict[Hashable, Placement],
) -> None:
    """Give every task its unit's wave and phase, the flags that placement raises, and the
    reasons for both (mutates the tasks)."""
    start = params.start
    tails: dict[tuple[Any, ...], tuple[str, ...]] = {}  # shared ends of reasons, see _tail
    waves: dict[int, tuple[date, date, str, str]] = {}  # wave -> begin, end, label, phase
    providers: dict[Hashable, str] = {}  # unit -> `_at`
    for unit, tasks in by_unit.items():
        where = placed[unit]
        wave = where.wave
        dated = waves.get(wave)
        if dated is None:
            begin, end = wave_bounds(start, wave)
            phase = phase_of(profile, begin, end)
            dated = waves[wave] = (begin, end, wave_label(start, wave), phase)
        begin, end, label, phase = dated
        by = where.ready_by
        provider = None
        if by is not None and by in placed:  # a provider holds up many units: named once
            provider = providers.get(by)
            if provider is None:
                provider = providers[by] = _at(by, units, placed, start)
        head = _head(params, phase, where, provider)
        named = units[unit]
        cycle = named.label if named.kind is UnitKind.CYCLE else None
        raised = ((TaskFlag.CAPACITY_OVERFLOW,) if where.overflow else ()) + (
            (TaskFlag.CYCLE,) if cycle is not None else ()
        )
        for task in tasks:
            task.wave = wave
            task.wave_label = label
            task.wave_start = begin
            task.wave_end = end
            task.phase = phase
            if raised:
                task.flags.extend(raised)
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
            reasons = task.reasons
            reasons.extend(head)
            reasons.extend(tail)


def _head(params: PlanParams, phase: str, where: Placement, provider: str | None) -> list[str]:
    """The reasons for a unit's wave: the provider it waits for (`_at`), full waves,
    oversize."""
    start = params.start
    label = wave_label(start, where.wave)
    why_when = R.WAITS.format(provider=provider) if provider else R.NO_PROVIDER
    head = [R.WAVE.format(wave=label, phase=phase, why=why_when)]
    if where.wave > where.ready:
        head.append(
            R.FULL.format(
                first=wave_label(start, where.ready),
                last=wave_label(start, where.wave - 1),
                capacity=params.capacity,
            )
        )
    if where.overflow:
        head.append(R.OVERSIZE.format(capacity=params.capacity))
    return head


def _tail(profile: Profile, task: Task, cycle: str | None) -> tuple[str, ...]:
    """A task's reasons after its wave's (deadline, pilots, cycle, risk): many tasks share
    them, so they are made once per distinct combination."""
    reasons = []
    if task.deadline is not None:
        template = R.DEADLINE if task.deadline_confirmed else R.DEADLINE_UNCONFIRMED
        reasons.append(
            template.format(
                deadline=task.deadline,
                profile=profile.id,
                rule=task.deadline_rule,
                source=task.deadline_source or "",
            )
        )
    for pilot in profile.pilots:
        if task.sector in pilot.sectors:
            reasons.append(R.PILOT.format(sector=task.sector, basis=pilot.basis, year=pilot.year))
    if cycle is not None:
        reasons.append(R.CYCLE.format(cycle=cycle))
    reasons.append(R.RISK.format(total=f"{task.risk.total:g}"))
    return tuple(reasons)


def missed_deadline(
    deadline: date, own: int, earliest: int, wave: int, params: PlanParams
) -> tuple[TaskFlag, str]:
    """Why a unit placed in `wave` misses its deadline (`own` is the deadline's wave).

    >>> p = PlanParams(start=date(2027, 1, 1), capacity=40)
    >>> print(missed_deadline(date(2027, 6, 30), own=1, earliest=0, wave=3, params=p)[1][:40])
    deadline 2027-06-30 missed by 2 waves: c
    >>> missed_deadline(date(2027, 6, 30), own=1, earliest=2, wave=3, params=p)[0]
    <TaskFlag.IMPOSSIBLE_DEADLINE: 'impossible_deadline'>
    """
    if own < 0:
        why = R.BEFORE_START.format(deadline=deadline, start=params.start)
        return TaskFlag.IMPOSSIBLE_DEADLINE, why
    if earliest > own:
        why = R.UNREACHABLE.format(deadline=deadline, waves=earliest)
        return TaskFlag.IMPOSSIBLE_DEADLINE, why
    why = R.MISSED.format(deadline=deadline, waves=wave - own, capacity=params.capacity)
    return TaskFlag.DEADLINE_MISSED, why


def flag_missed_deadlines(
    params: PlanParams,
    units: dict[Hashable, Unit],
    by_unit: dict[Hashable, list[Task]],
    placed: dict[Hashable, Placement],
    own: dict[Hashable, int],
    earliest: dict[Hashable, int],
    critical: dict[Hashable, Hashable | None],
) -> None:
    """Flag each task placed after its deadline's wave, with why and the chain of
    providers in front of it (mutates the tasks)."""
    start = params.start
    known: dict[Hashable, tuple[str, ...]] = {}  # chains met so far (see blocking_chain)
    waves: dict[date, int] = {}  # deadline -> its wave
    for unit, tasks in by_unit.items():
        wave = placed[unit].wave
        if own[unit] == NEVER or wave <= own[unit]:
            continue
        chain = blocking_chain(unit, critical, units, placed, start, known)
        deadline = min(t.deadline for t in tasks if t.deadline is not None)
        flag, why = missed_deadline(deadline, own[unit], earliest[unit], wave, params)
        for task in tasks:
            if task.deadline is None:
                continue
            by = waves.get(task.deadline)
            if by is None:
                by = waves[task.deadline] = deadline_wave(start, task.deadline)
            if by < wave:
                task.flags.append(flag)
                task.reasons.append(why)
                task.blocking_chain = chain


def blocking_chain(
    unit: Hashable,
    critical: dict[Hashable, Hashable | None],
    units: dict[Hashable, Unit],
    placed: dict[Hashable, Placement],
    start: date,
    known: dict[Hashable, tuple[str, ...]] | None = None,
) -> list[str]:
    """The longest chain of provider units with work in front of `unit`, first provider
    first, each with its wave.

    `known`, when given, keeps the chain of every unit walked through for the next call:
    units late behind the same providers share the start of their chains (80,000 units
    missed their deadlines at 100,000 assets, each chain made anew cost a second).

    >>> units = {1: Unit(1, ("ca",)), 3: Unit(3, ("portal",))}
    >>> placed = {1: Placement(0, 0, None, False), 3: Placement(2, 1, 1, False)}
    >>> known = {}
    >>> blocking_chain(3, {3: 2, 2: 1, 1: None}, units, placed, date(2027, 1, 1), known)
    ['ca (2027-Q1)', 'portal (2027-Q3)']
    >>> known[2], blocking_chain(2, {3: 2, 2: 1, 1: None}, units, placed, date(2027, 1, 1))
    (('ca (2027-Q1)',), ['ca (2027-Q1)'])
    """
    if known is None:
        known = {}
    path = []  # from `unit` back to the first unit whose chain is known
    current: Hashable | None = unit
    while current is not None and current not in known:
        path.append(current)
        current = critical.get(current)
    chain = () if current is None else known[current]
    for current in reversed(path):
        if current in units:
            chain = (*chain, _at(current, units, placed, start))
        known[current] = chain
    return list(chain)


def _at(
    unit: Hashable, units: dict[Hashable, Unit], placed: dict[Hashable, Placement], start: date
) -> str:
    """A placed unit as reasons name it: its label and its wave's quarter."""
    return f"{units[unit].label} ({wave_label(start, placed[unit].wave)})"
