"""Property tests: precedence is never violated, every vulnerable usage and every usage the
profile does not accept is planned, and the same input always gives the same plan."""

from __future__ import annotations

from datetime import date

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.choices import Criticality, QuantumStatus
from migration.compare import judge
from migration.inputs import PlanInput
from migration.profiles import builtin_profiles, get_profile
from migration.scheduler import plan
from migration.tasks import VULNERABLE
from migration.waves import deadline_wave
from tests.migration.planning_helpers import asset, params, usage

STATUSES = list(QuantumStatus)
FUNCTIONS = [
    ("key_exchange", "tls_key_exchange"),
    ("signature", "certificate_signature"),
    ("signature", "firmware_signing"),
    ("encryption", "data_in_transit"),
    ("symmetric", "data_at_rest"),
]


@st.composite
def inventories(draw: st.DrawFn) -> PlanInput:
    n = draw(st.integers(1, 25))
    assets = [
        asset(
            i,
            org_id=draw(st.sampled_from([1, 2])),
            criticality=draw(st.sampled_from(list(Criticality))),
            asset_type=draw(st.sampled_from(["application", "hsm", "ca_pki", "host"])),
            secrecy_years=draw(st.integers(0, 30)),
        )
        for i in range(1, n + 1)
    ]
    edges = draw(
        st.lists(st.tuples(st.integers(1, n), st.integers(1, n)), max_size=3 * n, unique=True)
    )
    usages = []
    uid = 0
    for a in assets:
        for _ in range(draw(st.integers(0, 3))):
            uid += 1
            primitive, function = draw(st.sampled_from(FUNCTIONS))
            usages.append(
                usage(uid, a.id, "RSA-2048", primitive, function, draw(st.sampled_from(STATUSES)))
            )
    return PlanInput(assets, edges, usages)


COMMON = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(
    inventories(),
    st.sampled_from(sorted(builtin_profiles())),
    st.integers(1, 30),
    st.integers(2027, 2045),
)
def test_precedence_is_never_violated(
    inv: PlanInput, profile_id: str, capacity: int, crqc_year: int
) -> None:
    result = plan(get_profile(profile_id), inv, params(capacity=capacity, crqc_year=crqc_year))
    graph = nx.DiGraph()
    graph.add_nodes_from(a.id for a in inv.assets)
    graph.add_edges_from((p, d) for p, d in inv.dependencies if p != d)
    wave_of: dict[int, int] = {}
    for task in result.tasks:
        assert task.wave is not None
        wave_of.setdefault(task.asset_id, task.wave)
        assert wave_of[task.asset_id] == task.wave  # one asset moves in one wave
    for provider in wave_of:
        for dependent in nx.descendants(graph, provider):
            if dependent not in wave_of:
                continue
            if provider in nx.descendants(graph, dependent):  # same cycle: same wave
                assert wave_of[provider] == wave_of[dependent]
            else:
                assert wave_of[provider] < wave_of[dependent]


@COMMON
@given(inventories(), st.sampled_from(sorted(builtin_profiles())), st.integers(1, 12))
def test_every_vulnerable_usage_is_scheduled_or_flagged(
    inv: PlanInput, profile_id: str, capacity: int
) -> None:
    """A task for each vulnerable usage, and for each other one the profile does not accept
    (the verdict `judge` gives as of the plan's start)."""
    p = params(capacity=capacity)
    profile = get_profile(profile_id)
    result = plan(profile, inv, p)
    verdict = {j.usage_id: j.verdicts[0].verdict for j in judge(inv, [profile], p.start)}
    to_move = {
        u.id for u in inv.usages if u.quantum_status in VULNERABLE or verdict[u.id] != "acceptable"
    }
    assert {t.usage_id for t in result.tasks} == to_move
    assert result.skipped_safe == len(inv.usages) - len(to_move)
    for task in result.tasks:
        assert task.wave is not None and task.wave_label and task.phase
        assert task.reasons
        if task.deadline is not None and task.wave > deadline_wave(p.start, task.deadline):
            assert {"impossible_deadline", "deadline_missed"} & set(task.flags)
            assert task.blocking_chain


@COMMON
@given(inventories(), st.sampled_from(sorted(builtin_profiles())))
def test_same_input_same_plan(inv: PlanInput, profile_id: str) -> None:
    profile = get_profile(profile_id)
    first = plan(profile, inv, params(capacity=5))
    shuffled = PlanInput(
        list(reversed(inv.assets)), list(reversed(inv.dependencies)), list(reversed(inv.usages))
    )
    second = plan(profile, shuffled, params(capacity=5))
    assert [t.as_dict() for t in first.tasks] == [t.as_dict() for t in second.tasks]


@COMMON
@given(inventories(), st.integers(1, 10))
def test_capacity_is_respected_unless_a_unit_is_oversize(inv: PlanInput, capacity: int) -> None:
    result = plan(get_profile("kr-2035"), inv, params(capacity=capacity, start=date(2027, 1, 1)))
    load: dict[tuple[int, int], int] = {}
    oversize: set[tuple[int, int]] = set()
    for task in result.tasks:
        key = (task.org_id, task.wave)  # type: ignore[assignment]
        load[key] = load.get(key, 0) + task.effort  # type: ignore[index]
        if "capacity_overflow" in task.flags:
            oversize.add(key)  # type: ignore[arg-type]
    for key, points in load.items():
        assert points <= capacity or key in oversize


def test_a_cycle_across_two_organizations_spends_each_ones_capacity() -> None:
    """A dependency cycle joining two organizations' assets moves in one wave, and each
    organization's share counts against its own capacity (found by the property above:
    the whole cycle was charged to the lower organization id)."""
    assets = [asset(1, org_id=1), asset(2, org_id=2), asset(3, org_id=2)]
    usages = [
        usage(1, 1, "RSA-2048", "signature", "certificate_signature", QuantumStatus.BROKEN),
        usage(2, 2, "RSA-2048", "signature", "certificate_signature", QuantumStatus.BROKEN),
        usage(3, 3, "RSA-2048", "signature", "certificate_signature", QuantumStatus.BROKEN),
    ]
    inv = PlanInput(assets, [(1, 2), (2, 1)], usages)
    efforts = {t.asset_id: t.effort for t in plan(get_profile("kr-2035"), inv, params()).tasks}
    capacity = efforts[2] + efforts[3] - 1  # org 2 cannot hold asset 3 beside the cycle's share
    result = plan(get_profile("kr-2035"), inv, params(capacity=max(capacity, efforts[2])))
    wave = {t.asset_id: t.wave for t in result.tasks}
    assert wave[1] == wave[2]
    assert wave[3] != wave[2]
