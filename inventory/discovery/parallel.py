"""Endpoint scans spread over processes: one event loop per core.

One asyncio loop is one core: parsing and building handshakes for a thousand endpoints
(about 26 connections each) is CPU work, so a large scan is split over ``workers``
processes, each scanning every ``workers``-th target with its share of the concurrency.
Each target keeps its own time budget; results come back in target order, and progress is
reported per target as it finishes.

Workers come from a forkserver that imported this module (and so the scanners and the
catalog) once: a fork of a clean, single-threaded process, never of the caller (which may
be an API process with threads).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_module
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from typing import Any

from inventory.catalog import get_catalog
from inventory.discovery.endpoint_scan import run_loop
from inventory.discovery.ssh import scan_ssh_many
from inventory.discovery.tls import ScanOptions, scan_many

get_catalog()  # once in the forkserver, inherited by every worker

PARALLEL_FROM = 200  # targets; below this one loop is quicker than starting processes
_progress: Any = None  # the queue a worker reports finished targets on
# the last spread scan: workers and their CPU seconds (benches print them)
last_run: dict[str, float] = {}


def worker_count(targets: int) -> int:
    """Processes for a scan of ``targets`` endpoints: one per core, when it pays."""
    if targets < PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, targets // (PARALLEL_FROM // 2)))


def _init(progress: Any) -> None:
    global _progress
    _progress = progress


def _scan_share(
    kind: str, pairs: list[tuple[str, int]], timeout: float, concurrency: int
) -> tuple[list[Any], float]:
    """One worker's targets, and the CPU seconds it took."""
    started = time.process_time()

    def tick(result: Any) -> None:
        _progress.put(result.target)

    if kind == "tls":
        options = ScanOptions(timeout=timeout)
        scan = scan_many(pairs, options, concurrency=concurrency, on_result=tick)
    else:
        scan = scan_ssh_many(pairs, timeout, concurrency=concurrency, on_result=tick)
    return run_loop(scan), time.process_time() - started


def scan_spread(
    kind: str,
    pairs: list[tuple[str, int]],
    timeout: float,
    concurrency: int,
    workers: int,
    on_target: Callable[[str], None] | None = None,
) -> list[Any]:
    """Scan ``pairs`` in ``workers`` processes; results in the order of ``pairs``."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    progress = ctx.Queue()
    shares = [pairs[i::workers] for i in range(workers)]
    each = max(1, concurrency // workers)
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init, initargs=(progress,)
    ) as pool:
        futures = [pool.submit(_scan_share, kind, share, timeout, each) for share in shares]
        pending = set(futures)
        while pending:
            _drain(progress, on_target)
            _, pending = wait(pending, timeout=0.2)
        _drain(progress, on_target)
        parts = [f.result() for f in futures]
    last_run.clear()
    last_run.update(workers=workers, worker_cpu=sum(cpu for _, cpu in parts))
    out: list[Any] = [None] * len(pairs)
    for i, (part, _) in enumerate(parts):
        out[i::workers] = part
    return out


def _drain(progress: Any, on_target: Callable[[str], None] | None) -> None:
    while True:
        try:
            target = progress.get_nowait()
        except queue_module.Empty:
            return
        if on_target is not None:
            on_target(target)
