"""The testbed's pool keeper as a process of its own beside the embedded API.

Preparing checks ahead is CPU work in pure Python for seconds at a time; in a thread of the
API process it would hold the GIL against the requests it is meant to speed up, so the
embedded mode (SQLite) runs it as a child process, restarted if it ever exits while the API
runs (a crash at start-up would otherwise leave every session to be prepared on the request).
In the scaled mode (PostgreSQL) every `pqcplan worker` runs the same child process, and the
API processes do not. Never a niced thread: a low-priority thread that holds the GIL while the
machine is busy is descheduled with it, and the process's other threads (a worker's event
loop, its heartbeats) wait behind it (measured: 16x fewer loop turns at load 4 on 2 CPUs).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)
_STOP_WAIT_S = 10.0
_RESTART_AFTER_S = 5.0


class KeeperProcess:
    """The keeper's child process, watched by a thread that restarts it if it exits."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._ctx = multiprocessing.get_context("spawn")
        self._stop = self._ctx.Event()
        self._stopping = threading.Event()
        self.process: BaseProcess | None = None
        self.restarts = 0
        self._watch = threading.Thread(target=self._run, name="pool-keeper-watch", daemon=True)

    def start(self) -> KeeperProcess:
        self._spawn()
        self._watch.start()
        return self

    def _spawn(self) -> None:
        from testbed.conformance.pool import run_keeper

        self.process = self._ctx.Process(
            target=run_keeper,
            args=(self.database_url, self._stop),
            name="pqcplan-pool-keeper",
            daemon=True,
        )
        self.process.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            assert self.process is not None
            self.process.join(1.0)
            if self.process.is_alive() or self._stopping.is_set():
                continue
            log.warning("pool keeper exited (%s); restarting", self.process.exitcode)
            if self._stopping.wait(_RESTART_AFTER_S):
                return
            self.restarts += 1
            self._spawn()

    def stop(self) -> None:
        self._stopping.set()
        self._stop.set()
        if self._watch.is_alive():
            self._watch.join(_STOP_WAIT_S)
        if self.process is not None:
            self.process.join(_STOP_WAIT_S)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(_STOP_WAIT_S)
