"""Running several API processes: request ids, JSON logs, readiness and Prometheus metrics.

- Every request gets an id (a sane ``X-Request-ID`` from the caller, else a new one); it is
  answered in ``X-Request-ID`` and put on every log line written while the request runs.
- ``/readyz``: the database answers and its schema is at Alembic's head (``/healthz`` stays
  plain liveness).
- ``/metrics``: request latency per route, plus job queue depth, age of the oldest queued
  job and job outcomes read from the database (so every process reports the same numbers).
  With ``PROMETHEUS_MULTIPROC_DIR`` set (``pqcplan serve --workers N``), the histogram is
  summed over every worker process by prometheus-client's multiprocess collector.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.schemas.meta import READINESS
from core.db import READ_ONLY, gate_stats
from core.models import Job, JobStatus

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

REQUEST_SECONDS = Histogram(
    "pqcplan_http_request_duration_seconds",
    "Time to answer a request, by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10),
)


class RequestContext:
    """ASGI middleware: request id in and out, and the latency histogram."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", rid.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUEST_SECONDS.labels(scope["method"], template, str(status)).observe(
                time.perf_counter() - started
            )
            request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every log record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
            "pid": record.process,
        }
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def log_config(json_logs: bool, level: str = "INFO") -> dict[str, Any]:
    """A logging dictConfig for uvicorn and the app: request id on every line."""
    fmt = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
    formatter = {"()": JsonFormatter} if json_logs else {"format": fmt}
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "main",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {
            name: {"handlers": ["main"], "level": level, "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "procrastinate")
        },
    }


class JobCollector:
    """Job gauges read from the database at scrape time: the same in every process."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "pqcplan_jobs", "Jobs by kind and status.", labels=["kind", "status"]
        )
        age = GaugeMetricFamily(
            "pqcplan_job_queue_oldest_age_seconds",
            "Age of the oldest queued job, by kind (0 when none waits).",
            labels=["kind"],
        )
        with self.sessions() as session:
            rows = session.execute(
                select(Job.kind, Job.status, func.count(), func.min(Job.created_at)).group_by(
                    Job.kind, Job.status
                )
            ).all()
        now = datetime.now(UTC)
        for kind, status, count, oldest in rows:
            depth.add_metric([kind, status.value], count)
            if status is JobStatus.QUEUED and oldest is not None:
                age.add_metric([kind], (now - oldest).total_seconds())
        yield depth
        yield age


class WriterGateCollector:
    """This process's SQLite writer gate (``core.db.GateStats``), read at scrape time; nothing
    on PostgreSQL. Per process: with several workers each answers for itself."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        stats = gate_stats(self.sessions)
        if stats is None:
            return
        pid = str(os.getpid())
        hold = GaugeMetricFamily(
            "pqcplan_sqlite_writer_longest_hold_seconds",
            "Longest time one transaction held this process's SQLite writer gate, and where "
            "that transaction began.",
            labels=["pid", "holder"],
        )
        hold.add_metric([pid, stats.longest_holder.strip()], stats.longest_hold_s)
        yield hold
        for name, text, value in (
            ("writes", "Transactions that took the writer gate.", stats.writes),
            ("held_seconds", "Time the gate was held, all transactions together.", stats.held_s),
            (
                "timeouts",
                "Writers refused after waiting the busy timeout for the gate.",
                stats.timeouts,
            ),
            ("longest_wait_seconds", "Longest wait for the gate.", stats.longest_wait_s),
            ("most_waiting", "Most threads blocked on the gate at once.", stats.most_waiting),
            ("turns", "Request writers given their turn.", stats.turns),
            (
                "turn_longest_wait_seconds",
                "Longest wait of a request writer for its turn (without a thread).",
                stats.turn_longest_wait_s,
            ),
            (
                "turn_timeouts",
                "Request writers refused after waiting the busy timeout for their turn.",
                stats.turn_timeouts,
            ),
        ):
            gauge = GaugeMetricFamily(f"pqcplan_sqlite_writer_{name}", text, labels=["pid"])
            gauge.add_metric([pid], value)
            yield gauge


def install_observability(app: FastAPI, sessions: sessionmaker[Session], database_url: str) -> None:
    """Add the request-id middleware and the /readyz and /metrics routes."""
    app.add_middleware(RequestContext)
    jobs = JobCollector(sessions)
    gate = WriterGateCollector(sessions)

    @app.get("/readyz", tags=["meta"], responses=READINESS)
    def readyz() -> Response:
        """Ready when the database answers and its schema is at the newest migration."""
        from core.schema import not_at_head

        try:
            with sessions(execution_options=READ_ONLY) as session:
                current = schema_revision(session)
        except Exception as exc:
            body = {"status": "unavailable", "reason": f"database: {type(exc).__name__}"}
            return JSONResponse(body, status_code=503)
        problem = not_at_head(current)
        if problem is not None:
            return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)
        return JSONResponse({"status": "ready", "schema": current})

    @app.get("/metrics", tags=["meta"], include_in_schema=False)
    def metrics() -> Response:
        registry: Any = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
        scratch = CollectorRegistry()
        scratch.register(jobs)  # type: ignore[arg-type]
        scratch.register(gate)  # type: ignore[arg-type]
        return Response(body + generate_latest(scratch), media_type=CONTENT_TYPE_LATEST)


def schema_revision(session: Session) -> str | None:
    """The database's Alembic revision; None for a database never upgraded."""
    from core.schema import revision_of

    return revision_of(session.connection())


_METRIC_FILE = re.compile(r"_(\d+)\.db$")


def remove_dead_process_metrics(directory: str | os.PathLike[str]) -> list[str]:
    """Delete the multiprocess metric files of processes that no longer exist.

    prometheus-client writes one file per process and metric type and never deletes one,
    so every restarted worker left files behind and `/metrics` read them all forever. A
    dead process's counts leave the sums with it (Prometheus sees a counter reset, which
    `rate()` handles). Returns the names removed."""
    removed = []
    for path in Path(directory).glob("*.db"):
        found = _METRIC_FILE.search(path.name)
        if found is None or int(found.group(1)) == os.getpid():
            continue
        if not _pid_exists(int(found.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def metrics_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def metrics_process_start() -> None:
    """In multiprocess mode, clear the files dead processes left (at each start-up)."""
    directory = metrics_dir()
    if directory:
        removed = remove_dead_process_metrics(directory)
        if removed:
            logging.getLogger(__name__).info(
                "removed %d metric files of stopped processes", len(removed)
            )


def metrics_process_exit() -> None:
    """In multiprocess mode, this process's live gauges go with it (prometheus-client's hook)."""
    if metrics_dir():
        multiprocess.mark_process_dead(os.getpid())


def proxy_options(trusted_proxies: str) -> dict[str, Any]:
    """uvicorn's options for `TRUSTED_PROXIES`: X-Forwarded-For is believed only from them.

    uvicorn believes it from 127.0.0.1 by default, so anyone on the machine (or a test
    client on loopback) could name any address and dodge, or aim, the failed-key throttle.

    >>> proxy_options("")
    {'proxy_headers': False}
    >>> proxy_options(" 10.0.0.5, 10.1.0.0/16 ")["forwarded_allow_ips"]
    '10.0.0.5,10.1.0.0/16'
    """
    hosts = [h.strip() for h in trusted_proxies.split(",") if h.strip()]
    if not hosts:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(hosts)}
