"""Planner at scale: build the graph, score and schedule a generated inventory.

Default run: 10k, 25k, 50k and 100k assets (3 dependencies and 5 usages per asset, so
100k assets = 300k dependencies = 500k usages), each in a fresh process so the peak
memory figure (ru_maxrss) belongs to that size alone. Prints seconds per stage and peak
memory, then how time grows from the smallest to the largest size.

    .venv/bin/python bench/planner_scale.py                 # the sweep
    .venv/bin/python bench/planner_scale.py --assets 100000 --single
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.gc_pause import paused_gc
from inventory.catalog import get_catalog
from inventory.choices import Criticality, DataSensitivity, Exposure, QuantumStatus
from migration.graph import build_graph, condense, find_cycles
from migration.graph import transitive_impact as impact_of
from migration.inputs import AssetFacts, PlanInput, PlanParams, UsageFacts
from migration.profiles import get_profile
from migration.scheduler import schedule
from migration.tasks import make_tasks

TINY_ARGS = ["--assets", "300", "600"]
ASSETS_PER_ORG = 1000
LAYERS = (  # share of assets, asset type; layer i depends only on layers < i
    (0.02, "ca_pki"),
    (0.03, "hsm"),
    (0.10, "library_firmware"),
    (0.25, "service"),
    (0.60, "application"),
)
USAGE_KINDS = (
    ("RSA-2048", "signature", "certificate_signature", QuantumStatus.BROKEN, 20),
    ("ECDH-P256", "key_exchange", "tls_key_exchange", QuantumStatus.BROKEN, 25),
    ("RSA-2048", "encryption", "key_wrapping", QuantumStatus.BROKEN, 10),
    ("ECDSA-P256", "signature", "code_signing", QuantumStatus.BROKEN, 10),
    ("AES-128", "symmetric", "data_at_rest", QuantumStatus.WEAKENED, 15),
    ("ML-KEM-768", "key_exchange", "tls_key_exchange", QuantumStatus.RESISTANT, 10),
    ("X25519MLKEM768", "key_exchange", "tls_key_exchange", QuantumStatus.HYBRID, 7),
    ("ACME-CIPHER", "encryption", "other", QuantumStatus.UNKNOWN, 3),
)
SECTORS = ("government", "public_institution", "finance", "telecom", "energy", "healthcare")
TIERS = ("central_government", "public_institution", "critical_private_infrastructure")


def generate(n_assets: int, deps_per_asset: int = 3, usages_per_asset: int = 5) -> PlanInput:
    """A layered, multi-organization inventory with a few dependency cycles."""
    rng = random.Random(20261124)
    assets: list[AssetFacts] = []
    dependencies: list[tuple[int, int]] = []
    n_orgs = max(1, n_assets // ASSETS_PER_ORG)
    kinds = [k for k in USAGE_KINDS for _ in range(k[4])]
    next_id = 1
    for org in range(1, n_orgs + 1):
        size = n_assets // n_orgs + (1 if org <= n_assets % n_orgs else 0)
        sector, tier = SECTORS[org % len(SECTORS)], TIERS[org % len(TIERS)]
        layers: list[list[int]] = []
        made = 0
        for i, (share, asset_type) in enumerate(LAYERS):
            count = size - made if i == len(LAYERS) - 1 else max(1, int(size * share))
            ids = list(range(next_id, next_id + count))
            next_id += count
            made += count
            layers.append(ids)
            for asset_id in ids:
                assets.append(
                    AssetFacts(
                        id=asset_id,
                        name=f"o{org}-{asset_type}-{asset_id}",
                        org_id=org,
                        sector=sector,
                        tier=tier,
                        asset_type=asset_type,
                        exposure=rng.choice(list(Exposure)),
                        criticality=rng.choice(list(Criticality)),
                        data_sensitivity=rng.choice(list(DataSensitivity)),
                        secrecy_years=rng.choice((0, 1, 5, 10, 20, 30)),
                    )
                )
        # Every asset above layer 0 picks providers from lower layers; the total is
        # deps_per_asset per asset of the organization.
        lower: list[int] = list(layers[0])
        upper = [a for layer in layers[1:] for a in layer]
        per = deps_per_asset * size / max(1, len(upper))
        seen: set[tuple[int, int]] = set()
        for layer in layers[1:]:
            for dependent in layer:
                k = int(per) + (1 if rng.random() < per - int(per) else 0)
                for _ in range(k):
                    provider = rng.choice(lower)
                    if (provider, dependent) not in seen:
                        seen.add((provider, dependent))
                        dependencies.append((provider, dependent))
            lower.extend(layer)
        # A few cycles between services (mutual dependencies), as real inventories have.
        services = layers[3]
        for _ in range(max(1, len(services) // 100)):
            a, b = rng.sample(services, 2)
            dependencies.append((a, b))
            dependencies.append((b, a))
    usages = [
        UsageFacts(
            id=a.id * 10 + k,
            asset_id=a.id,
            algorithm=kind[0],
            primitive=kind[1],
            function=kind[2],
            quantum_status=kind[3],
            ref=f"u{a.id}-{k}",
        )
        for a in assets
        for k, kind in enumerate(rng.choice(kinds) for _ in range(usages_per_asset))
    ]
    return PlanInput(assets, dependencies, usages)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_single(n_assets: int, profile_id: str, capacity: int) -> dict[str, float | int | str]:
    t0 = time.perf_counter()
    inputs = generate(n_assets)
    t_gen = time.perf_counter() - t0
    mem_gen = peak_mb()
    profile = get_profile(profile_id)
    params = PlanParams(start=date(2026, 11, 24), crqc_year=2035, capacity=capacity)
    t0 = time.perf_counter()
    get_catalog()  # loaded once per process (YAML); not part of the per-inventory cost
    t_catalog = time.perf_counter() - t0
    cpu0 = time.process_time()

    with paused_gc():  # as `scheduler.plan` does
        t0 = time.perf_counter()
        graph = build_graph(((a.id, a.name) for a in inputs.assets), inputs.dependencies)
        dag, unit_of = condense(graph)
        impact = impact_of(graph, dag)
        cycles = find_cycles(graph, dag)
        t_graph = time.perf_counter() - t0

        t0 = time.perf_counter()
        tasks, safe = make_tasks(profile, inputs, params, impact, unit_of)
        t_score = time.perf_counter() - t0

        t0 = time.perf_counter()
        schedule(profile, graph, dag, tasks, params)
        t_schedule = time.perf_counter() - t0

    cpu = time.process_time() - cpu0
    flagged = sum(1 for t in tasks if t.flags)
    last_wave = max(t.wave for t in tasks if t.wave is not None)
    return {
        "assets": len(inputs.assets),
        "dependencies": len(inputs.dependencies),
        "usages": len(inputs.usages),
        "tasks": len(tasks),
        "quantum_safe": safe,
        "cycles": len(cycles),
        "flagged": flagged,
        "waves": last_wave + 1,
        "profile": profile_id,
        "generate_s": round(t_gen, 2),
        "graph_s": round(t_graph, 2),
        "score_s": round(t_score, 2),
        "schedule_s": round(t_schedule, 2),
        "plan_s": round(t_graph + t_score + t_schedule, 2),
        "plan_cpu_s": round(cpu, 2),
        "catalog_load_s": round(t_catalog, 2),
        "peak_mb_after_generate": round(mem_gen),
        "peak_mb": round(peak_mb()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, nargs="*", default=[10_000, 25_000, 50_000, 100_000])
    parser.add_argument("--profile", default="kr-2035")
    parser.add_argument("--capacity", type=int, default=400, help="points per wave per org")
    parser.add_argument("--single", action="store_true", help="run in this process, print JSON")
    args = parser.parse_args()
    if args.single:
        for n in args.assets:
            print(json.dumps(run_single(n, args.profile, args.capacity)))
        return
    results = []
    for n in args.assets:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--single",
                "--assets",
                str(n),
                "--profile",
                args.profile,
                "--capacity",
                str(args.capacity),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(
            f"{r['assets']:>7} assets {r['dependencies']:>7} deps {r['usages']:>7} usages "
            f"-> {r['tasks']:>7} tasks, {r['cycles']} cycles, {r['flagged']} flagged, "
            f"{r['waves']} waves | graph {r['graph_s']:6.2f} s  score {r['score_s']:6.2f} s  "
            f"schedule {r['schedule_s']:6.2f} s  = plan {r['plan_s']:6.2f} s "
            f"(cpu {r['plan_cpu_s']:.2f} s) | "
            f"peak {r['peak_mb']} MB (inventory alone {r['peak_mb_after_generate']} MB)",
            flush=True,
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        size_ratio = last["assets"] / first["assets"]
        growth = last["plan_s"] / max(first["plan_s"], 1e-9)
        print(
            f"growth {first['assets']} -> {last['assets']} assets (x{size_ratio:g}): "
            f"plan time x{growth:.1f} (cpu x{last['plan_cpu_s'] / first['plan_cpu_s']:.1f}), "
            f"peak memory x{last['peak_mb'] / first['peak_mb']:.1f}"
        )
        target = "met" if last["plan_s"] < 60 and last["peak_mb"] < 4096 else "NOT met"
        print(f"target < 60 s and < 4 GB at {last['assets']} assets: {target}")
        from _common import record  # here: the --single children's peak RSS stays theirs

        size = f"{last['assets']:,} assets / {last['usages']:,} usages, in memory"
        kept = {"target": "< 60 s and < 4 GB", "met": target == "met", "size": size}
        record("planner in memory: graph + score + schedule", last["plan_s"], "s", **kept)
        record("planner in memory: peak RSS", last["peak_mb"], "MB", **kept)
        record(
            f"planner time growth, x{size_ratio:g} assets",
            growth,
            "x",
            size=f"{first['assets']:,} -> {last['assets']:,} assets",
        )


if __name__ == "__main__":
    main()
