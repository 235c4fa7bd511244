"""`pqcplan job`: look at and cancel jobs (as the server's operator, straight on the database)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from app.cli.common import console, db_session, user_errors
from core.tenancy import NotFound

if TYPE_CHECKING:
    from core.models import Job

job_app = typer.Typer(help="Jobs: status and cancellation.", no_args_is_help=True)


def _job(session: object, job_id: int) -> Job:
    from core.models import Job

    job = session.get(Job, job_id)  # type: ignore[attr-defined]
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


@job_app.command("show")
def show(job_id: int) -> None:
    """A job's status, progress, message and error as JSON."""
    with user_errors(), db_session() as session:
        job = _job(session, job_id)
        fields = ("id", "organization_id", "kind", "status", "progress", "message", "error")
        console.print_json(json.dumps({f: getattr(job, f) for f in fields}, default=str))


@job_app.command("cancel")
def cancel(job_id: int) -> None:
    """Cancel a queued or running job; exit 2 if it is unknown or already over."""
    from core.jobs import cancel_job

    with user_errors(), db_session() as session:
        job = _job(session, job_id)
        if not cancel_job(session, job):
            raise NotFound(f"job {job_id} is already {job.status.value}; nothing to cancel")
        from app.cli.common import operator
        from core.audit import record

        org = job.organization_id
        record(session, operator(org), "cancel", "job", job.id, org, {"kind": job.kind})
    console.print(f"job {job_id} cancelled")
