"""The answer to a request that started a job: 202, the job's id and where to follow it."""

from __future__ import annotations

from fastapi import status
from fastapi.responses import JSONResponse

from core.models import Job


def job_accepted(job: Job) -> JSONResponse:
    body = {"job_id": job.id, "status": "queued", "follow": f"/api/v1/jobs/{job.id}"}
    return JSONResponse(status_code=status.HTTP_202_ACCEPTED, content=body)
