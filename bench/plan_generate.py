"""The whole path of `pqcplan plan generate` and `pqcplan plan export`, as users run them.

    .venv/bin/python bench/plan_generate.py [--assets 100000] [--pg URL] [--db FILE]

Builds an organization with N assets and 5N crypto usages in a real database: a generated
spreadsheet (layered dependencies: CAs, HSMs, libraries, services, applications; a few
mutual service dependencies, i.e. cycles) imported with the real CSV importer
(`inventory.exchange.csv_io.import_csv`, as `pqcplan import csv` does), so every usage is
classified by the catalog. Then it runs the real CLI as a child process,
`pqcplan plan generate --profile kr-2035 --org ORG --timings`, and reports that process's
wall time, CPU time (user + system) and its own peak RSS (`_common.run_measured`), with
the stages the CLI reports (read inventory, plan, store version, show summary). Finally it
exports the plan in every format (`pqcplan plan export -f csv|json|md|html`) and prints
each file's size, wall and CPU time and peak RSS.

SQLite runs on a fresh file (or `--db FILE`, kept and reused when it already holds the
inventory); `--pg URL` (an admin URL) also runs on a scratch PostgreSQL database.
Targets at 100,000 assets / 500,000 usages: `plan generate` under 20 s wall; each export
under 15 s and 1.5 GB.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import machine_load, run_measured
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from core.bulk import insert_rows
from core.choices import Sector, Tier
from core.db import engine_for, transaction
from core.models import Organization
from core.models.base import Base
from core.schema import upgrade
from inventory.exchange.csv_io import COLUMNS, import_csv
from inventory.models import Asset

TINY_ARGS = ["--assets", "150", "--capacity", "60", "--formats", "json,html"]
ROOT = Path(__file__).resolve().parent.parent
PQCPLAN = Path(sys.executable).with_name("pqcplan")
ORG_SLUG = "bench-plan"
LAYERS = (  # share of assets, asset type, dependency kind its dependents use
    (0.02, "ca_pki", "certificates_from"),
    (0.03, "hsm", "keys_in"),
    (0.10, "library_firmware", "uses_library"),
    (0.25, "service", "calls_service"),
    (0.60, "application", "other"),
)
USAGE_KINDS = (  # algorithm, primitive, function, weight
    ("RSA-2048", "signature", "certificate_signature", 20),
    ("ECDH-P256", "key_exchange", "tls_key_exchange", 25),
    ("RSA-2048", "encryption", "key_wrapping", 10),
    ("ECDSA-P256", "signature", "code_signing", 10),
    ("AES-128", "symmetric", "data_at_rest", 15),
    ("ML-KEM-768", "key_exchange", "tls_key_exchange", 10),
    ("X25519MLKEM768", "key_exchange", "tls_key_exchange", 7),
    ("ACME-CIPHER", "encryption", "other", 3),
)
EXPOSURES = ("internet_facing", "internal", "isolated")
CRITICALITIES = ("low", "medium", "high", "critical")
SENSITIVITIES = ("public", "internal", "confidential", "secret", "top_secret")


def inventory_csv(n_assets: int, usages_per_asset: int = 5, deps_per_asset: int = 3) -> str:
    """One organization's spreadsheet: layer i depends only on layers below it, plus a
    few mutual dependencies between services (cycles), as real inventories have."""
    rng = random.Random(20261127)
    kinds = [k for k in USAGE_KINDS for _ in range(k[3])]
    layers: list[list[tuple[str, str]]] = []  # (ref, dependency kind to it)
    made = 0
    for i, (share, asset_type, kind) in enumerate(LAYERS):
        count = n_assets - made if i == len(LAYERS) - 1 else max(1, int(n_assets * share))
        layers.append([(f"{asset_type}-{made + j}", kind) for j in range(count)])
        made += count
    depends: dict[str, set[str]] = {}
    lower = list(layers[0])
    upper = sum(len(layer) for layer in layers[1:])
    per = deps_per_asset * n_assets / max(1, upper)
    for layer in layers[1:]:
        for ref, _ in layer:
            k = int(per) + (1 if rng.random() < per - int(per) else 0)
            depends[ref] = {f"{p}={kind}" for p, kind in (rng.choice(lower) for _ in range(k))}
        lower.extend(layer)
    services = [ref for ref, _ in layers[3]]
    for _ in range(max(1, len(services) // 100)):
        a, b = rng.sample(services, 2)
        depends.setdefault(a, set()).add(f"{b}=calls_service")
        depends.setdefault(b, set()).add(f"{a}=calls_service")

    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for layer, (_, asset_type, _) in zip(layers, LAYERS, strict=True):
        for ref, _ in layer:
            asset = {
                "asset_ref": ref,
                "asset_name": f"{asset_type} {ref.rsplit('-', 1)[1]}",
                "asset_type": asset_type,
                "criticality": rng.choice(CRITICALITIES),
                "exposure": rng.choice(EXPOSURES),
                "data_sensitivity": rng.choice(SENSITIVITIES),
                "secrecy_years": rng.choice((0, 1, 5, 10, 20, 30)),
            }
            for k in range(usages_per_asset):
                algorithm, primitive, function, _ = rng.choice(kinds)
                row = asset | {
                    "usage_ref": f"{ref}/u{k}",
                    "algorithm": algorithm,
                    "primitive": primitive,
                    "function": function,
                }
                if k == 0:
                    row["depends_on"] = ";".join(sorted(depends.get(ref, ())))
                writer.writerow(row)
    return out.getvalue()


def build(url: str, n_assets: int) -> None:
    """Migrate, create the organization and import the spreadsheet (skipped when the
    database already holds this organization with n_assets assets)."""
    upgrade(url)
    with transaction(url) as s:
        org = s.scalar(select(Organization).where(Organization.slug == ORG_SLUG))
        if org is not None:
            have = s.scalar(select(func.count()).where(Asset.organization_id == org.id))
            if have == n_assets:
                print(f"  inventory: reusing {have:,} assets already imported")
                return
            raise SystemExit(f"{url}: organization {ORG_SLUG} has {have} assets, not {n_assets}")
    t0 = time.perf_counter()
    sheet = inventory_csv(n_assets)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    with transaction(url) as s:
        org = Organization(
            slug=ORG_SLUG, name="Bench", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        s.add(org)
        s.flush()
        report = import_csv(s, org.id, sheet)
    print(
        f"  inventory: CSV {len(sheet) / 1e6:.0f} MB generated in {t_gen:.1f} s, imported by "
        f"the real importer in {time.perf_counter() - t0:.1f} s: {report.assets_created:,} "
        f"assets, {report.usages_created:,} usages, {report.dependencies_created:,} dependencies"
    )
    engine_for(url).dispose()


def run_cli(url: str, *args: str) -> tuple[dict[str, float], str, str]:
    """Run `pqcplan ARGS` against `url`; wall s, CPU s and peak MB of that process alone."""
    env = os.environ | {"DATABASE_URL": url, "COLUMNS": "120", "NO_COLOR": "1"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        figures = run_measured([str(PQCPLAN), *args], env, out, err)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if figures["code"] != 0:
        raise SystemExit(f"pqcplan {' '.join(args)} exited {figures['code']:.0f}:\n{stderr}")
    return figures, stdout, stderr


def stages(stderr: str) -> dict[str, float]:
    for line in stderr.splitlines():
        if line.startswith("timings: "):
            return json.loads(line.removeprefix("timings: "))
    raise SystemExit(f"pqcplan printed no timings line:\n{stderr}")


def copy_inventory(source: str, target: str) -> None:
    """Copy the bench organization's rows, ids and all, from one database to a fresh one
    (the CSV import of 500,000 rows takes many minutes on a busy machine; run it once)."""
    upgrade(target)
    t0 = time.perf_counter()
    src, dst = create_engine(source), engine_for(target)  # a plain reader: no write lock
    with dst.connect() as probe:
        if probe.scalar(select(Organization.id).where(Organization.slug == ORG_SLUG)):
            return
    names = ("organizations", "assets", "crypto_usages", "dependencies")
    with src.connect() as read, dst.begin() as write:
        for name in names:
            tbl = Base.metadata.tables[name]
            rows = read.execute(select(tbl)).mappings()
            while batch := [dict(r) for r in rows.fetchmany(10_000)]:
                insert_rows(write, tbl, batch)  # COPY on PostgreSQL, as imports write
            if dst.dialect.name == "postgresql":
                write.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"
                    )
                )
    print(f"  inventory: copied from {source} in {time.perf_counter() - t0:.1f} s")


def time_deletes(url: str, n: int = 5) -> None:
    """Delete n assets that the new plan's tasks link to, as `DELETE /api/v1/assets/{id}`
    does (`inventory.service.assets.delete_asset`, flushed), then roll back so the bench
    inventory stays reusable. Each delete also sets the links of its own and its usages'
    tasks to NULL: with an index that is a lookup, without one a pass over every task."""
    from core.choices import Role
    from core.db import session_factory
    from core.tenancy import Principal
    from inventory.service.assets import delete_asset

    with session_factory(url)() as s:
        org_id = s.scalar(select(Organization.id).where(Organization.slug == ORG_SLUG))
        principal = Principal(org_id, Role.ADMIN, "bench")
        ids = s.scalars(
            text(
                "SELECT DISTINCT asset_id FROM plan_tasks"
                " WHERE organization_id = :org AND asset_id IS NOT NULL LIMIT :n"
            ),
            {"org": org_id, "n": n},
        ).all()
        times = []
        for asset_id in ids:
            t0 = time.perf_counter()
            delete_asset(s, asset_id, principal)
            s.flush()
            times.append((time.perf_counter() - t0) * 1000)
        s.rollback()
    times.sort()
    print(
        f"  delete one linked asset (with its usages; the API's service call and flush, "
        f"no HTTP, rolled back), {len(times)} of them: "
        f"median {times[len(times) // 2]:.0f} ms, slowest {times[-1]:.0f} ms"
    )


def run(
    url: str,
    label: str,
    n_assets: int,
    capacity: int,
    formats: list[str],
    copy_from: str | None = None,
) -> bool:
    print(f"{label}: {make_url(url).render_as_string(hide_password=True)} ({machine_load()})")
    if copy_from:
        copy_inventory(copy_from, url)
    build(url, n_assets)
    figures, stdout, stderr = run_cli(
        url,
        "plan",
        "generate",
        "--profile",
        "kr-2035",
        "--org",
        ORG_SLUG,
        "--capacity",
        str(capacity),
        "--start",
        "2027-01-01",
        "--timings",
    )
    first = stdout.splitlines()[0] if stdout else ""
    plan_id = first.split()[1] if first.startswith("plan ") else ""
    st = stages(stderr)
    print(f"  {first}")
    print(f"  ({machine_load()} after plan generate)")
    print(
        f"  plan generate: wall {figures['wall_s']:.1f} s, cpu {figures['cpu_s']:.1f} s, "
        f"peak {figures['peak_mb']:.0f} MB | stages (wall s): "
        + ", ".join(f"{k} {v:.2f}" for k, v in st.items())
    )
    met = figures["wall_s"] < 20
    print(f"  target < 20 s at {n_assets:,} assets: {'met' if met else 'NOT met'}")
    from _common import record

    size = f"{n_assets:,} assets / {5 * n_assets:,} usages"
    record(
        f"{label}: plan generate, wall", figures["wall_s"], "s", target="< 20 s", met=met, size=size
    )
    record(f"{label}: plan generate, CPU", figures["cpu_s"], "s", size=size)
    record(f"{label}: plan generate, peak RSS", figures["peak_mb"], "MB", size=size)
    time_deletes(url)
    if formats and plan_id:
        with tempfile.TemporaryDirectory() as tmp:
            for fmt in formats:
                path = Path(tmp) / f"plan.{fmt}"
                f, _, _ = run_cli(url, "plan", "export", plan_id, "-f", fmt, "-o", str(path))
                size = path.stat().st_size
                fast = f["wall_s"] < 15 and f["peak_mb"] < 1536
                met &= fast
                print(
                    f"  export {fmt:4}: {size / 1e6:8.2f} MB, wall {f['wall_s']:.1f} s, "
                    f"cpu {f['cpu_s']:.1f} s, peak {f['peak_mb']:.0f} MB "
                    f"(target < 15 s and < 1.5 GB: {'met' if fast else 'NOT met'})"
                )
                target = {"target": "< 15 s and < 1.5 GB", "met": fast, "size": size}
                record(f"{label}: plan export {fmt}, wall", f["wall_s"], "s", **target)
                record(f"{label}: plan export {fmt}, peak RSS", f["peak_mb"], "MB", **target)
    engine_for(url).dispose()
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000, help="usages: 5 per asset")
    parser.add_argument(
        "--capacity",
        type=int,
        default=0,
        help="effort points per wave (default: assets / 2, about 30 waves)",
    )
    parser.add_argument("--db", type=Path, help="SQLite file to use and keep (reused if built)")
    parser.add_argument("--pg", help="PostgreSQL admin URL (a scratch database is created)")
    parser.add_argument("--pg-db", help="use and keep this PostgreSQL database instead")
    parser.add_argument(
        "--copy-from", help="PostgreSQL: copy the inventory from this SQLite file, not import"
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--formats", default="csv,json,md,html", help="exports to measure")
    parser.add_argument("--no-exports", action="store_true", help="skip the export sizes")
    args = parser.parse_args()
    capacity = args.capacity or max(40, args.assets // 2)
    formats = [] if args.no_exports else [f for f in args.formats.split(",") if f]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.sqlite3"
        if not args.skip_sqlite:
            ok &= run(f"sqlite:///{path}", "SQLite", args.assets, capacity, formats)
    if args.pg:
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = args.pg_db or f"pqcplan_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            exists = c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                c.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
        try:
            source = f"sqlite:///{args.copy_from}" if args.copy_from else None
            ok &= run(url, "PostgreSQL", args.assets, capacity, formats, source)
        finally:
            if not args.pg_db:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
