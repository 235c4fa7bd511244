"""What several bench scripts need: a scratch PostgreSQL database, bulk-inserted inventory
rows, fresh planner statistics, and stopping the processes a bench started.

A helper module, not a bench (its name starts with "_", so tests/bench skips it). Scripts
run as ``python bench/NAME.py``, which puts this folder first on ``sys.path``:
``from _common import scratch_database``.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.db import engine_for
from inventory.choices import Primitive, QuantumStatus


@contextmanager
def scratch_database(admin_url: str, prefix: str = "pqcplan_bench") -> Iterator[str]:
    """An empty PostgreSQL database for one run (no schema yet); dropped on exit.

    ``admin_url`` names a database on the server (e.g. ``postgres``) as a user allowed to
    create databases; the URL yielded names the new database with the same credentials.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def usage_row(
    org_id: int, asset_id: int, ref: str, algorithm: str, status: QuantumStatus, reason: str
) -> dict[str, Any]:
    """One crypto usage for ``insert(CryptoUsage)``: a signature named as the catalog does."""
    return {
        "organization_id": org_id,
        "asset_id": asset_id,
        "ref": ref,
        "algorithm": algorithm,
        "algorithm_raw": algorithm,
        "primitive": Primitive.SIGNATURE,
        "quantum_status": status,
        "status_reason": reason,
        "catalog_version": "bench",
    }


def analyze(url: str) -> None:
    """Fresh planner statistics after a bulk insert, as autovacuum would keep them."""
    with engine_for(url).connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def stop_all(procs: list[subprocess.Popen[bytes]], grace: float) -> None:
    """Ask every process to stop (SIGTERM), then kill whichever is not gone after ``grace``."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()


# Runs the command given after its first argument, waits for it with wait4 and writes its
# rusage as JSON to the file named by the first argument. Started as a fresh interpreter,
# so the command is forked from this small process, not from the bench.
_MEASURE = """
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"code": os.waitstatus_to_exitcode(status), "cpu_s": usage.ru_utime + usage.ru_stime,
               "peak_mb": usage.ru_maxrss / 1024}, out)
"""


def run_measured(
    args: list[str], env: dict[str, str], stdout: Any, stderr: Any
) -> dict[str, float]:
    """Run ``args``; its wall s, CPU s, peak MB (its own) and exit code.

    A child's ru_maxrss counts the resident memory it had before exec, that is, its
    parent's at fork: a bench that has just imported 100,000 rows would report its own
    peak as the child's. The child is therefore forked by a small interpreter that
    measures it (`_MEASURE`).
    """
    import json
    import sys
    import tempfile
    import time

    with tempfile.NamedTemporaryFile("r", suffix=".json") as result:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _MEASURE, result.name, *args],
            stdout=stdout,
            stderr=stderr,
            env=env,
            check=False,
        )
        wall = time.perf_counter() - t0
        figures = json.load(result)
    return {"wall_s": wall, **figures}


def machine_load() -> str:
    """The load averages to print beside a figure: on a shared machine they explain it."""
    import os

    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}/{fifteen:.1f} on {os.cpu_count()} CPUs"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """`pqcplan serve` on loopback at ``port`` (output to ``log``), once /healthz answers."""
    import sys
    import time

    import httpx

    pqcplan = Path(sys.executable).with_name("pqcplan")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(pqcplan), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"pqcplan serve exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("pqcplan serve did not answer /healthz within 60 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far, from /proc (0 where there is none): a
    server's CPU per request holds on a loaded machine, where its wall time does not."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Headline figures of one run, written for bench/perf_table.py (see README, Benchmarks).
RECORD_ENV = "PQCPLAN_BENCH_RECORD"
_recorded: dict[str, Any] | None = None  # this process's result file, once the first figure is in


def record(
    figure: str,
    value: float,
    unit: str,
    *,
    target: str = "",
    met: bool | None = None,
    size: str = "",
) -> None:
    """Keep one headline figure of this run when PQCPLAN_BENCH_RECORD names a folder.

    The figures go to ``<folder>/<script stem>.json`` with what explains them: the command
    line (passwords in URLs masked), the UTC time, the machine's load, its CPUs and the
    commit. The first call in a process replaces the file an earlier run left, later calls
    add to it (a figure of the same name is replaced). Without the variable, nothing
    happens. Only scripts write these files; bench/perf_table.py renders them.
    """
    global _recorded
    import datetime
    import json
    import math
    import os
    import sys

    folder = os.environ.get(RECORD_ENV)
    if not folder:
        return
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{figure}: {value} is not a figure")
    value = float(f"{value:.6g}")  # six significant digits: the rest is noise
    if _recorded is None:
        script = _repo_relative(Path(sys.argv[0]).resolve())
        _recorded = {
            "script": script,
            "command": _command_line(),
            "first_figure_utc": _utc_now(datetime),
            "machine_load": machine_load(),
            "cpu_count": os.cpu_count(),
            "cpu_model": _cpu_model(),
            "commit": _commit(script),
            "figures": [],
        }
    entry = {
        "figure": figure,
        "value": value,
        "unit": unit,
        "target": target,
        "met": met,
        "size": size,
        "utc": _utc_now(datetime),
        "load": machine_load(),
    }
    figures = [f for f in _recorded["figures"] if f["figure"] != figure]
    _recorded["figures"] = [*figures, entry]
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{Path(_recorded['script']).stem}.json"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_recorded, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


_REPO = Path(__file__).resolve().parents[1]


def _repo_relative(path: Path) -> str:
    try:
        return path.relative_to(_REPO).as_posix()
    except ValueError:
        return path.as_posix()


def _command_line() -> str:
    """`python bench/NAME.py ARGS` as it was run, a password in any URL masked."""
    import re
    import shlex
    import sys

    args = [_repo_relative(Path(sys.argv[0]).resolve()), *sys.argv[1:]]
    masked = [re.sub(r"(://[^:/@\s]+):[^@/\s]+@", r"\1:***@", a) for a in args]
    return shlex.join(["python", *masked])


def _utc_now(datetime: Any) -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cpu_model() -> str:
    import platform

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit(script: str) -> str:
    """The commit the run measured, ``+changes`` when the project's code, this script or
    this module differed from it (the other scripts, the result files and the README table
    do not count: runs write the last two while other scripts are edited)."""
    git = ["git", "-C", str(_REPO)]
    status = [*git, "status", "--porcelain", "--untracked-files=no", "--"]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = any(
            subprocess.run([*status, *paths], capture_output=True, text=True, check=True).stdout
            for paths in (
                [".", ":(exclude)bench", ":(exclude)README.md"],
                [script, "bench/_common.py"],
            )
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+changes" if dirty else "")


def start_hanging(count: int) -> list[int]:
    """Ports on loopback that accept a connection and never say a word (a scan target
    that hangs), served by a thread of this process."""
    import asyncio
    import threading

    ports: list[int] = []
    ready = threading.Event()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    def run() -> None:
        loop = asyncio.new_event_loop()
        for _ in range(count):
            server = loop.run_until_complete(asyncio.start_server(hang, "127.0.0.1", 0))
            ports.append(server.sockets[0].getsockname()[1])
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    return ports
