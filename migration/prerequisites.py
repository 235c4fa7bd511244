"""Prerequisite tasks: a library too old to speak what its dependents migrate to.

A library asset (a scan's stack component, a CSV or CBOM row of type library/firmware) with
a product and version the stack catalog knows is a provider of the assets that use it. When
one of those assets has a task whose target needs ML-KEM, the ML-KEM hybrid key exchange,
ML-DSA or SLH-DSA, and the catalog says the library's version cannot speak it, the library
gets a task of its own: "upgrade OpenSSL 3.0.15 to 3.5.0 or later", with the catalog's
source. It sits on the library's asset, so the scheduler places it before every task of
the assets that depend on it (they wait for it), and it inherits their earliest deadline
and highest risk. A version the catalog cannot judge gives no task (and is not guessed).
"""

from __future__ import annotations

from collections.abc import Hashable

import networkx as nx

from inventory.discovery.stacks.catalog import stack_catalog, version_key
from migration import reasons as R
from migration.graph import Condensation, descendants
from migration.inputs import PlanInput
from migration.tasks import ASSET_EFFORT, DEFAULT_ASSET_EFFORT, Task

USE = "library_upgrade"


def capability_of(target: str) -> str | None:
    """What a migration target asks of the libraries under it.

    >>> capability_of("X25519MLKEM768"), capability_of("ML-DSA-65"), capability_of("AES-256")
    ('tls_hybrid', 'ml_dsa', None)
    """
    up = target.upper()
    if "MLKEM" in up.replace("-", "") and any(c in up for c in ("X25519", "SECP", "X448")):
        return "tls_hybrid"
    if up.startswith("ML-KEM") or up.startswith("MLKEM"):
        return "ml_kem"
    if up.startswith("ML-DSA"):
        return "ml_dsa"
    if up.startswith("SLH-DSA"):
        return "slh_dsa"
    return None


def prerequisite_tasks(
    inputs: PlanInput,
    tasks: list[Task],
    graph: nx.DiGraph | Condensation,
    unit_of: dict[Hashable, Hashable],
) -> list[Task]:
    if not inputs.libraries:
        return []
    catalog = stack_catalog()
    by_asset: dict[int, list[Task]] = {}
    for task in tasks:
        by_asset.setdefault(task.asset_id, []).append(task)
    out: list[Task] = []
    for lib in inputs.libraries:
        if lib.product not in catalog.products or lib.asset_id not in graph:
            continue
        waiting = [t for d in descendants(graph, lib.asset_id) for t in by_asset.get(d, [])]
        needs: dict[str, list[Task]] = {}
        for t in waiting:
            cap = capability_of(t.target)
            if cap is not None:
                needs.setdefault(cap, []).append(t)
        gaps = []
        for cap, dependents in sorted(needs.items()):
            r = catalog.readiness(lib.product, lib.version, cap)
            if r.ready is False and r.needed:
                gaps.append((r, dependents))
        if not gaps:
            continue
        needed = max((r.needed for r, _ in gaps), key=lambda v: version_key(v or "0"))
        dependents = sorted({t.key: t for _, ts in gaps for t in ts}.values(), key=lambda t: t.key)
        first = min(dependents, key=lambda t: (t.deadline is None, t.deadline or 0, t.key))
        riskiest = max(dependents, key=lambda t: t.risk.total)
        name = catalog.name(lib.product)
        reasons = [r.sentence() for r, _ in gaps]
        names = sorted({t.asset_name for t in dependents})
        shown = ", ".join(names[:5])
        if len(names) > 5:
            shown = R.AND_MORE.format(names=shown, more=len(names) - 5)
        reasons.append(R.PREREQUISITE.format(count=len(dependents), assets=shown))
        out.append(
            Task(
                key=f"upgrade:{lib.ref or lib.asset_id}",
                usage_id=None,  # type: ignore[arg-type]
                asset_id=lib.asset_id,
                asset_name=lib.name,
                org_id=first.org_id,
                sector=first.sector,
                algorithm=f"{name} {lib.version}",
                use=USE,
                quantum_status=riskiest.quantum_status,
                target=f"{name} {needed} or later",
                alternatives=(),
                effort=ASSET_EFFORT.get("library_firmware", DEFAULT_ASSET_EFFORT),
                risk=riskiest.risk,
                unit=int(unit_of[lib.asset_id]),  # type: ignore[call-overload]
                deadline=first.deadline,
                deadline_rule=first.deadline_rule,
                deadline_source=first.deadline_source,
                deadline_confirmed=first.deadline_confirmed and all(r.confirmed for r, _ in gaps),
                reasons=reasons,
            )
        )
    return out
