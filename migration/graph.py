"""The dependency graph: small pure functions of a networkx DiGraph.

Edges run provider -> dependent (a CA -> the portal using its certificates): the provider
migrates first. Nodes are asset ids and carry a `name` attribute.

The planner builds the networkx graph and lets networkx find its cycles, then walks a
`Condensation` (`condensation_of`): the same graph and its condensation as plain dicts of
lists, in the very orders `condense` gives networkx's DAG. At 100,000 assets and 300,000
dependencies, condensing into a second networkx graph and walking its views cost the
planner seconds; its loops only need the lists.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx


def build_graph(
    assets: Iterable[tuple[int, str]], dependencies: Iterable[tuple[int, int]]
) -> nx.DiGraph:
    """A DiGraph with an edge provider -> dependent for each (provider, dependent) pair.

    Self-dependencies are dropped; an edge naming an unknown asset adds it with its id as name.

    >>> g = build_graph([(1, "ca"), (2, "portal")], [(1, 2)])
    >>> list(g.edges), g.nodes[2]["name"]
    ([(1, 2)], 'portal')
    """
    graph = nx.DiGraph()
    graph.add_nodes_from((asset_id, {"name": name}) for asset_id, name in assets)
    # Unknown ends are added by add_edges_from in the order the loop used to add them.
    graph.add_edges_from((p, d) for p, d in dependencies if p != d)
    for node, data in graph.nodes(data=True):
        if "name" not in data:
            data["name"] = str(node)
    return graph


def name_of(graph: nx.DiGraph, node: Hashable) -> str:
    return str(graph.nodes[node].get("name", node))


def find_cycles(graph: nx.DiGraph | Condensation, dag: nx.DiGraph | None = None) -> list[list[str]]:
    """Each dependency cycle (a strongly connected component of 2+ assets) by asset name.

    Names are sorted inside a cycle and cycles are sorted, so the report is stable.

    >>> g = build_graph([(1, "a"), (2, "b"), (3, "c")], [(1, 2), (2, 1), (2, 3)])
    >>> find_cycles(g), find_cycles(condensation_of(build_graph([(1, "a"), (2, "b")], g.edges)))
    ([['a', 'b']], [['a', 'b']])
    """
    if isinstance(graph, Condensation):
        names = graph.names
        found = (members for members in graph.members.values() if len(members) > 1)
        return sorted(sorted(names[n] for n in members) for members in found)
    if dag is not None:  # reuse a condensation already computed
        components: Iterable[Iterable[Hashable]] = (
            members for _, members in dag.nodes(data="members") if len(members) > 1
        )
    else:
        components = (c for c in nx.strongly_connected_components(graph) if len(c) > 1)
    cycles = [sorted(name_of(graph, n) for n in component) for component in components]
    return sorted(cycles)


def condense(graph: nx.DiGraph) -> tuple[nx.DiGraph, dict[Hashable, Hashable]]:
    """Collapse each cycle into one unit: (DAG of units, asset -> unit).

    A unit is named by its smallest member, so ids are stable across runs; each DAG node
    carries `members`, the sorted asset ids it stands for.

    >>> g = build_graph([(1, "a"), (2, "b"), (3, "c")], [(1, 2), (2, 1), (2, 3)])
    >>> dag, unit_of = condense(g)
    >>> sorted(dag.edges), unit_of[2], dag.nodes[1]["members"]
    ([(1, 3)], 1, [1, 2])
    """
    unit_of: dict[Hashable, Hashable] = {}
    dag = nx.DiGraph()
    for component in nx.strongly_connected_components(graph):
        members = sorted(component)
        unit = members[0]
        dag.add_node(unit, members=members)
        for member in members:
            unit_of[member] = unit
    dag.add_edges_from((unit_of[u], unit_of[v]) for u, v in graph.edges if unit_of[u] != unit_of[v])
    return dag, unit_of


@dataclass(slots=True)
class Condensation:
    """A dependency graph and its condensation as plain dicts of lists, in the orders
    networkx gives `build_graph`'s graph and `condense`'s DAG: `names` and `asset_succ` in
    the graph's node order, each asset's dependents in its edge order; `succ` and `pred`
    list each unit's neighbour units in the order the DAG's successors and predecessors come
    (`earliest_waves` breaks ties by predecessor order). A unit is named by its smallest
    member, as `condense` names it. It stands for both graphs where the planner takes them
    (`transitive_impact`, `topological_units`, `find_cycles`, the scheduler's stages)."""

    names: dict[int, str]  # asset id -> name
    asset_succ: dict[int, list[int]]  # asset -> the assets depending on it
    unit_of: dict[int, int]  # asset -> its unit
    members: dict[int, list[int]]  # unit -> its assets, sorted
    succ: dict[int, list[int]]  # unit -> units depending on it
    pred: dict[int, list[int]]  # unit -> units it depends on

    def __contains__(self, asset: object) -> bool:
        return asset in self.names


def condensation_of(graph: nx.DiGraph) -> Condensation:
    """The networkx graph's condensation, by networkx's strongly connected components, as
    plain lists for the planner's loops. Empties ``graph``: its dicts of dicts and cached
    views hold reference cycles that would cost the collector a full pass at 100,000 assets.

    >>> g = build_graph([(1, "hsm"), (2, "kms"), (3, "portal")], [(1, 2), (2, 1), (2, 3), (1, 9)])
    >>> c = condensation_of(g)
    >>> c.unit_of, c.members[1], c.succ, c.pred, c.names[9]
    ({1: 1, 2: 1, 3: 3, 9: 9}, [1, 2], {1: [9, 3], 3: [], 9: []}, {1: [], 3: [1], 9: [1]}, '9')
    """
    names: dict[int, str] = dict(graph.nodes(data="name"))
    asset_succ: dict[int, list[int]] = {node: list(nbrs) for node, nbrs in graph.adjacency()}
    components = [list(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    graph.clear()
    unit_of = {asset_id: asset_id for asset_id in asset_succ}
    members = {asset_id: [asset_id] for asset_id in asset_succ}
    cyclic: set[int] = set()  # assets in a cycle
    for component in components:
        component.sort()
        unit = component[0]
        for member in component[1:]:
            unit_of[member] = unit
            del members[member]
        members[unit] = component
        cyclic.update(component)
    # The DAG's edges in the order condense adds them: the graph's edges in its order, each
    # pair of units once. An asset outside cycles whose dependents are too is a unit with
    # the same edges (its list is shared).
    succ: dict[int, list[int]] = dict.fromkeys(members)  # type: ignore[arg-type]
    pred: dict[int, list[int]] = {unit: [] for unit in members}
    seen: set[tuple[int, int]] = set()  # unit edges that a cycle's members may repeat
    for provider, dependents in asset_succ.items():
        if provider not in cyclic and cyclic.isdisjoint(dependents):
            succ[provider] = dependents
            for dependent in dependents:
                pred[dependent].append(provider)
            continue
        above = unit_of[provider]
        if succ[above] is None:
            succ[above] = []
        for dependent in dependents:
            below = unit_of[dependent]
            if above != below and (above, below) not in seen:
                seen.add((above, below))
                succ[above].append(below)
                pred[below].append(above)
    return Condensation(names, asset_succ, unit_of, members, succ, pred)


def descendants(graph: nx.DiGraph | Condensation, source: Hashable) -> set[Hashable]:
    """`nx.descendants`: every asset reachable from `source`, as the same set (the same
    insertion order too, so it iterates the same way).

    >>> c = condensation_of(build_graph([(1, "a"), (2, "b"), (3, "c")], [(1, 3), (1, 2), (2, 3)]))
    >>> descendants(c, 1), descendants(c, 3)
    ({2, 3}, set())
    """
    if not isinstance(graph, Condensation):
        return nx.descendants(graph, source)  # type: ignore[no-any-return]
    succ = graph.asset_succ
    seen = {source}
    level = [source]
    found: set[Hashable] = set()
    while level:  # breadth first, as nx.bfs_edges visits them
        after = []
        for parent in level:
            for child in succ[parent]:  # type: ignore[index]
                if child not in seen:
                    seen.add(child)
                    after.append(child)
                    found.add(child)
        level = after
    return found


def topological_units(dag: nx.DiGraph | Condensation) -> list[Hashable]:
    """Units in a deterministic topological order (providers first, ties by id).

    >>> dag = nx.DiGraph([(3, 1), (2, 1)])
    >>> topological_units(dag)
    [2, 3, 1]
    """
    # networkx's lexicographical_topological_sort, for comparable node ids (asset ids):
    # the same order, without its per-node key tuples and generator overhead.
    succ = dag.succ
    waiting = {node: len(preds) for node, preds in dag.pred.items()}
    heap = [node for node, degree in waiting.items() if degree == 0]
    heapq.heapify(heap)
    order: list[Hashable] = []
    while heap:
        node = heapq.heappop(heap)
        order.append(node)
        for child in succ[node]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(heap, child)
    if len(order) != len(waiting):
        raise nx.NetworkXUnfeasible("graph contains a cycle")
    return order


SET_LIMIT = 4096  # assets a unit's set of assets below it holds as a set; past it, a bitset


def transitive_impact(
    graph: nx.DiGraph | Condensation,
    dag: nx.DiGraph | Condensation | None = None,
    order: list[Hashable] | None = None,
    *,
    set_limit: int = SET_LIMIT,
) -> dict[Hashable, int]:
    """How many assets each asset unblocks, directly or transitively.

    Members of one cycle unblock each other. Computed on the condensation from the sinks
    up: each unit's assets below it (its members and its descendants'), kept until every
    predecessor has used them, so it scales to 100k assets. In a layered inventory most of
    these are a few assets: a set, not a bitset as wide as the inventory (half the time at
    100,000 assets); the last predecessor to use a set takes it over instead of copying it,
    and a set past `set_limit` assets becomes an integer bitset, so a dense graph costs one
    OR per edge, as before.

    >>> chain = build_graph([(1, "ca"), (2, "lib"), (3, "app")], [(1, 2), (2, 3)])
    >>> transitive_impact(chain)
    {1: 2, 2: 1, 3: 0}
    >>> diamond = build_graph([(i, str(i)) for i in range(4)], [(0, 1), (0, 2), (1, 3), (2, 3)])
    >>> transitive_impact(diamond)[0], transitive_impact(diamond, set_limit=0)[0]
    (3, 3)
    >>> transitive_impact(condensation_of(chain))
    {1: 2, 2: 1, 3: 0}
    """
    if isinstance(graph, Condensation):
        dag = graph
    if dag is None:
        dag, _unit_of = condense(graph)
    if order is None:  # the caller's topological_units(dag), when it has it
        order = topological_units(dag)
    members: Any = dag.members if isinstance(dag, Condensation) else dag.nodes(data="members")
    succ_of = dag.succ
    # One position per asset, so a unit standing for a cycle counts all of its members.
    # Positions are numbered from the sinks up, so a bitset only has bits below its
    # unit's own (smaller ints).
    pred_of = dag.pred
    remaining_preds = {unit: len(pred_of[unit]) for unit in order}
    below: dict[Hashable, set[int] | int] = {}
    impact_of_unit: dict[Hashable, int] = {}
    next_bit = 0
    for unit in reversed(order):
        assets: set[int] | None = None
        bits = 0
        for succ in succ_of[unit]:
            remaining_preds[succ] -= 1
            last = remaining_preds[succ] == 0
            theirs = below.pop(succ) if last else below[succ]
            if isinstance(theirs, int):
                bits |= theirs
            elif assets is None:
                assets = theirs if last else set(theirs)
            else:
                assets |= theirs
        size = len(members[unit])
        first, next_bit = next_bit, next_bit + size
        if bits:
            if assets:
                bits |= _as_bits(assets)
            impact_of_unit[unit] = bits.bit_count() + size - 1
            if remaining_preds[unit] > 0:
                below[unit] = bits | (((1 << size) - 1) << first)
            continue
        impact_of_unit[unit] = (len(assets) if assets else 0) + size - 1
        if remaining_preds[unit] > 0:
            if assets is None:
                assets = set()
            assets.update(range(first, next_bit))
            below[unit] = _as_bits(assets) if len(assets) > set_limit else assets
    return {node: impact_of_unit[unit] for unit in order for node in members[unit]}


def _as_bits(positions: set[int]) -> int:
    """The integer with these bits set (one pass, not one shift per position).

    >>> bin(_as_bits({0, 3, 9}))
    '0b1000001001'
    """
    buffer = bytearray((max(positions) >> 3) + 1)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")
