"""The testbed's pool keeper as a process of its own beside the embedded API.

Preparing checks ahead is CPU work in pure Python for seconds at a time; in a thread of the
API process it would hold the GIL against the requests it is meant to speed up, so the
embedded mode (SQLite) runs it as a child process. In the scaled mode (PostgreSQL) every
`pqcplan worker` runs it instead (`keeper_thread`), and the API processes do not.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.process import BaseProcess
from typing import Any

from core.db import session_factory

_STOP_WAIT_S = 10.0


def start_process(database_url: str) -> tuple[BaseProcess, Any]:
    """Start the keeper's process; returns it and the event that stops it."""
    from testbed.conformance.pool import run_keeper

    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    process = ctx.Process(
        target=run_keeper, args=(database_url, stop), name="pqcplan-pool-keeper", daemon=True
    )
    process.start()
    return process, stop


def stop_process(process: BaseProcess, stop: Any) -> None:
    stop.set()
    process.join(_STOP_WAIT_S)
    if process.is_alive():
        process.terminate()
        process.join(_STOP_WAIT_S)


def keeper_thread(database_url: str) -> tuple[threading.Thread, threading.Event]:
    """The keeper as a daemon thread (in a `pqcplan worker` process)."""
    from testbed.conformance.pool import keep

    stop = threading.Event()
    thread = threading.Thread(
        target=keep, args=(session_factory(database_url), stop), name="pool-keeper", daemon=True
    )
    thread.start()
    return thread, stop
