"""Benchmark runs as jobs: validate a request against the limits, run it, store the rows."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from sqlalchemy.orm import Session, sessionmaker

from core.errors import InputError
from core.field_limits import RowId
from core.i18n import N_, say
from core.jobs import MEASURING, JobContext, job_kind
from testbed.engines.registry import ENGINE_FACTORIES, engine_statuses, get_engines
from testbed.models import BenchmarkRecord
from testbed.timing import (
    BenchmarkResult,
    Progress,
    baseline_for,
    compare,
    nist_peer_for,
    run_benchmark,
)

MAX_RUNS = 40  # engine x algorithm pairs in one request, baselines included
MAX_TOTAL_SECONDS = 120.0  # summed time budget of one request
MAX_SECONDS_PER_RUN = 10.0
MAX_ITERATIONS = 100_000
MAX_ACTIVE_BENCHMARKS_PER_ORG = 2
JOB_KIND = "benchmark"


class BenchmarkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    algorithms: list[str] = Field(min_length=1, max_length=20)
    engines: list[str] = Field(default=["all"], min_length=1, max_length=4)
    time_budget_s: float = Field(
        default=1.0,
        gt=0,
        le=MAX_SECONDS_PER_RUN,
        description="Per engine x algorithm, split over operations.",
    )
    max_iterations: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ITERATIONS,
        description="Optional cap per operation; by default the time budget alone ends a loop.",
    )
    warmup: int = Field(default=3, ge=0, le=100)
    timing: Literal["auto", "per-call", "native-loop"] = Field(
        default="auto",
        description="per-call: through the Python API as a caller pays it; native-loop: "
        "in the library's own loop where the engine has one (liboqs); auto: native where "
        "available.",
    )
    include_baseline: StrictBool = Field(
        default=True, description="Also run the classical algorithm it replaces."
    )
    product_id: RowId | None = None

    @field_validator("engines")
    @classmethod
    def _known_engines(cls, value: list[str]) -> list[str]:
        allowed = {"all", *ENGINE_FACTORIES}
        bad = [v for v in value if v not in allowed]
        if bad:
            raise ValueError(f"unknown engine(s) {bad}; known: {sorted(allowed)}")
        return value


@dataclass(frozen=True)
class PlannedRun:
    engine: str
    algorithm: str
    baseline_for: str | None = None


def plan_runs(req: BenchmarkRequest) -> list[PlannedRun]:
    """Every engine x algorithm pair to run; raises InputError naming what cannot run.

    Algorithm names are the catalog's canonical names: the faces (API, web, CLI) read a
    user's spelling through `inventory.catalog.canonical_name` before building the request.
    """
    return plan_with_skips(req)[0]


def plan_with_skips(req: BenchmarkRequest) -> tuple[list[PlannedRun], list[str]]:
    """:func:`plan_runs` and, in words, each chosen engine left out of an algorithm (it
    lacks the algorithm, or it cannot run here), so no engine is dropped silently."""
    engines = get_engines()
    named = "all" not in req.engines
    chosen = req.engines if named else list(engines)
    missing = [e for e in chosen if e not in engines]
    if missing:
        raise InputError(N_("engine(s) {engines} are unavailable here"), "engines", engines=missing)
    skipped: list[str] = []
    if not named:
        skipped += [
            f"{st.name}: unavailable here ({st.reason})"
            for st in engine_statuses()
            if not st.available
        ]
    runs: list[PlannedRun] = []
    for index, raw in enumerate(req.algorithms):
        alg = raw.strip()
        able = [e for e in chosen if engines[e].supports(alg)]
        if not able:
            raise InputError(
                N_("no chosen engine implements '{algorithm}'"),
                f"algorithms[{index}]",
                algorithm=alg,
            )
        skipped += [f"{e}: skipped for {alg} (it has no {alg})" for e in chosen if e not in able]
        runs += [PlannedRun(e, alg) for e in able]
        base = baseline_for(alg) if req.include_baseline else None
        if base and "openssl" in engines and engines["openssl"].supports(base):
            runs.append(PlannedRun("openssl", base, baseline_for=alg))
        elif base:
            skipped.append(f"baseline {base} for {alg}: skipped (the OpenSSL engine is needed)")
        peer = nist_peer_for(alg) if req.include_baseline else None
        peer_engine = next(
            (
                e
                for e in ("openssl", *engines)
                if engines.get(e) and engines[e].supports(peer or "")
            ),
            None,
        )
        if peer and peer_engine:
            runs.append(PlannedRun(peer_engine, peer, baseline_for=alg))
    unique = list(dict.fromkeys(runs))
    if len(unique) > MAX_RUNS:
        raise InputError(
            N_("{count} engine x algorithm runs requested; the limit is {most}"),
            "algorithms",
            count=len(unique),
            most=MAX_RUNS,
        )
    total = len(unique) * req.time_budget_s
    if total > MAX_TOTAL_SECONDS:
        raise InputError(
            N_("{count} runs x {budget} s = {total} s exceeds the limit of {most} s per request"),
            "time_budget_s",
            count=len(unique),
            budget=req.time_budget_s,
            total=f"{total:.0f}",
            most=f"{MAX_TOTAL_SECONDS:.0f}",
        )
    return unique, list(dict.fromkeys(skipped))


def execute(
    runs: list[PlannedRun],
    req: BenchmarkRequest,
    progress: Callable[[float, str], None] | None = None,
) -> list[tuple[PlannedRun, BenchmarkResult]]:
    out = []
    for i, run in enumerate(runs):

        def report(p: Progress, _i: int = i, _run: PlannedRun = run) -> None:
            if progress:
                progress(
                    (_i + p.fraction) / len(runs),
                    say(
                        MEASURING,
                        algorithm=_run.algorithm,
                        engine=_run.engine,
                        operation=p.operation,
                    ),
                )

        result = run_benchmark(
            run.engine,
            run.algorithm,
            warmup=req.warmup,
            time_budget_s=req.time_budget_s,
            max_iterations=req.max_iterations,
            progress=report,
            timing=req.timing,
        )
        out.append((run, result))
    return out


def comparisons(results: list[tuple[PlannedRun, BenchmarkResult]]) -> list[dict[str, Any]]:
    """Each post-quantum result beside its classical baseline (and, for the KpqC winners,
    beside ML-KEM / ML-DSA at the same NIST category): bytes and time ratios."""
    baselines: dict[str, list[BenchmarkResult]] = {}
    for r, res in results:
        if r.baseline_for:
            baselines.setdefault(r.baseline_for, []).append(res)
    out = []
    for run, res in results:
        if run.baseline_for is not None:
            continue
        for base in baselines.get(run.algorithm, []):
            c = compare(res, base)
            out.append(
                {
                    "algorithm": c.algorithm,
                    "engine": run.engine,
                    "baseline": c.baseline,
                    "wire_bytes": list(c.wire_bytes),
                    "wire_ratio": round(c.wire_ratio, 2),
                    "latency_p50_us": {k: list(v) for k, v in c.latency.items()},
                }
            )
    return out


def store(
    session: Session,
    organization_id: int,
    job_id: int | None,
    product_id: int | None,
    req: BenchmarkRequest,
    results: list[tuple[PlannedRun, BenchmarkResult]],
) -> list[int]:
    rows = []
    for run, res in results:
        row = BenchmarkRecord(
            organization_id=organization_id,
            job_id=job_id,
            product_id=product_id,
            engine=res.engine,
            engine_version=res.engine_version,
            algorithm=res.algorithm,
            kind=res.kind,
            baseline_for=run.baseline_for,
            operations={k: v.__dict__ for k, v in res.operations.items()},
            sizes=res.sizes,
            machine={**res.machine, **machine_load()},
            params={
                "warmup": req.warmup,
                "time_budget_s": req.time_budget_s,
                "max_iterations": req.max_iterations,
                "timing": req.timing,
                "notes": res.notes,
                "started_at": res.started_at,
            },
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return [r.id for r in rows]


def machine_load() -> dict[str, Any]:
    """Which machine ran a benchmark and how busy it was (1, 5, 15-minute load averages)."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def job_function(
    sessions: sessionmaker[Session] | Any,
    organization_id: int,
    job_id: int,
    req: BenchmarkRequest,
    runs: list[PlannedRun],
    skipped: list[str] | None = None,
):  # type: ignore[no-untyped-def]
    """The function a JobRunner calls: run everything, then store all rows in one go."""

    def work(progress: Callable[[float, str], None]) -> dict[str, Any]:
        results = execute(runs, req, progress)
        with sessions.begin() as session:
            ids = store(session, organization_id, job_id, req.product_id, req, results)
        return {
            "record_ids": ids,
            "comparisons": comparisons(results),
            "skipped": skipped or [],
            "notes": notes(results),
        }

    return work


def notes(results: list[tuple[PlannedRun, BenchmarkResult]]) -> list[str]:
    """Each run's notes (an operation timed per call, and why), prefixed with the run."""
    return [f"{res.algorithm} on {res.engine}: {n}" for _, res in results for n in res.notes]


@job_kind(JOB_KIND)
def run_job(ctx: JobContext, progress: Callable[[float, str], None]) -> dict[str, Any]:
    """A benchmark job, rebuilt from its row's params (on whichever process runs it)."""
    params = dict(ctx.params)
    runs = [PlannedRun(**r) for r in params.pop("runs")]
    skipped = params.pop("skipped", [])
    req = BenchmarkRequest(**params)
    return job_function(ctx.sessions, ctx.organization_id, ctx.job_id, req, runs, skipped)(progress)
