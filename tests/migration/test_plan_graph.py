"""Graph functions on hand-built graphs with known answers."""

from __future__ import annotations

import random

import networkx as nx

from migration.graph import (
    build_graph,
    condensation_of,
    condense,
    descendants,
    find_cycles,
    topological_units,
    transitive_impact,
)


def test_chain_impact_counts_everything_downstream() -> None:
    g = build_graph([(i, f"n{i}") for i in range(5)], [(i, i + 1) for i in range(4)])
    assert transitive_impact(g) == {0: 4, 1: 3, 2: 2, 3: 1, 4: 0}


def test_diamond_counts_shared_descendant_once() -> None:
    g = build_graph([(i, str(i)) for i in range(4)], [(0, 1), (0, 2), (1, 3), (2, 3)])
    assert transitive_impact(g) == {0: 3, 1: 1, 2: 1, 3: 0}


def test_cycle_is_reported_by_name_and_condensed() -> None:
    g = build_graph(
        [(1, "hsm"), (2, "kms"), (3, "ca"), (4, "portal")],
        [(1, 2), (2, 3), (3, 1), (3, 4)],
    )
    assert find_cycles(g) == [["ca", "hsm", "kms"]]
    dag, unit_of = condense(g)
    assert unit_of[1] == unit_of[2] == unit_of[3] == 1
    assert sorted(dag.edges) == [(1, 4)]
    assert dag.nodes[1]["members"] == [1, 2, 3]
    impact = transitive_impact(g)
    assert impact[1] == impact[2] == impact[3] == 3  # two cycle mates + the portal
    assert impact[4] == 0


def test_topological_units_puts_providers_first_deterministically() -> None:
    dag = nx.DiGraph([(5, 1), (2, 1), (1, 9)])
    assert topological_units(dag) == [2, 5, 1, 9]


def test_self_dependency_is_ignored_and_unknown_nodes_named_by_id() -> None:
    g = build_graph([(1, "a")], [(1, 1), (1, 7)])
    assert list(g.edges) == [(1, 7)]
    assert g.nodes[7]["name"] == "7"


def test_impact_matches_networkx_descendants_on_random_dag() -> None:
    g = nx.gnp_random_graph(60, 0.08, seed=3, directed=True)
    g = build_graph([(n, str(n)) for n in g.nodes], list(g.edges))
    impact = transitive_impact(g)
    for node in g.nodes:
        # networkx counts cycle mates as descendants (never the node itself): so do we.
        assert impact[node] == len(nx.descendants(g, node))


def test_impact_is_the_same_with_sets_bitsets_or_both() -> None:
    """Sets below `set_limit` assets, bitsets past it, and units that meet both: every limit
    gives networkx's count (a layered graph with a few cycles, as inventories are)."""
    rng = random.Random(11)
    edges = [(rng.randrange(j), j) for j in range(1, 150) for _ in range(rng.choice((0, 1, 2, 3)))]
    edges += [(140, 20), (90, 45), (149, 3)]  # cycles
    g = build_graph([(n, str(n)) for n in range(150)], edges)
    expected = {node: len(nx.descendants(g, node)) for node in g.nodes}
    assert max(expected.values()) > 50
    for limit in (0, 1, 3, 10, 10_000):
        assert transitive_impact(g, set_limit=limit) == expected, limit


def random_inventory_graph(seed: int) -> tuple[list[tuple[int, str]], list[tuple[int, int]]]:
    """Assets in a shuffled order, dependencies with cycles, repeats, self-dependencies
    and ends that are no asset (ids 500-502)."""
    rng = random.Random(seed)
    n = rng.randrange(1, 80)
    ids = rng.sample(range(200), n)
    assets = [(i, f"a{i}") for i in ids]
    rng.shuffle(assets)
    providers = ids if seed % 3 else [*ids, 500, 501]
    dependents = ids if seed % 3 else [*ids, 502]
    edges = [(rng.choice(providers), rng.choice(dependents)) for _ in range(3 * n)]
    edges += [*edges[: rng.randrange(4)], (ids[0], ids[0])]
    if seed % 2:  # as the planner gives them
        assets.sort()
        edges.sort()
    return assets, edges


def test_condensation_has_networkx_orders() -> None:
    """The planner's plain condensation is `condense(build_graph(...))` in every order that
    reaches a plan: nodes, each asset's dependents, the units' successors and predecessors
    (earliest_waves breaks ties by predecessor order) and descendants' iteration order
    (prerequisite tasks), for sorted and unsorted input, with and without unknown ends."""
    for seed in range(240):
        assets, edges = random_inventory_graph(seed)
        g = build_graph(assets, edges)
        dag, unit_of = condense(g)
        c = condensation_of(build_graph(assets, edges))
        assert list(c.names.items()) == list(g.nodes(data="name")), seed
        assert list(c.asset_succ.items()) == [(u, list(g.successors(u))) for u in g], seed
        assert c.unit_of == unit_of, seed
        assert c.members == dict(dag.nodes(data="members")), seed
        assert c.succ == {u: list(dag.successors(u)) for u in dag}, seed
        assert c.pred == {u: list(dag.predecessors(u)) for u in dag}, seed
        assert find_cycles(c) == find_cycles(g), seed
        assert topological_units(c) == topological_units(dag), seed
        assert transitive_impact(c) == transitive_impact(g), seed
        for node in g:
            assert list(descendants(c, node)) == list(nx.descendants(g, node)), (seed, node)
