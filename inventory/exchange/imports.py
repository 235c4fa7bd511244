"""One import path for every face: decode an upload, import it as CBOM or CSV, audit it.

The API (`POST /api/v1/imports/{kind}`, at once or as a job), the web console's import form
and `pqcplan import` all come here, so an upload is read and recorded the same way
whichever door it came through. Everything happens in the caller's transaction: a failed
import leaves nothing behind, not even its audit entry.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from core.audit import record
from core.errors import InputError
from core.i18n import N_, say
from core.jobs import (
    IMPORTING,
    JobBackend,
    JobContext,
    ProgressFn,
    job_kind,
    principal_from,
    submit,
)
from core.models import Job
from core.tenancy import Principal
from inventory.exchange.cbom_import import import_cbom
from inventory.exchange.csv_io import import_csv

ImportKind = Literal["cbom", "csv"]
JOB_KIND = "import"


@dataclass(frozen=True)
class Document:
    """An inventory file to import: its format, its bytes, and how to name it."""

    kind: ImportKind
    data: bytes
    name: str | None = None
    """The file's name, kept as a CBOM's source."""
    location: str = "body"
    """Where a decoding error points: the request body, a file path."""


def load_document(session: Session, organization_id: int, doc: Document) -> dict[str, Any]:
    """Import ``doc`` into the organization without an audit entry; returns the report.

    For a scratch database nobody audits (`pqcplan judge`); the faces use `import_document`.
    CSV must be UTF-8 (a byte-order mark is allowed).
    """
    if doc.kind == "cbom":
        return asdict(import_cbom(session, organization_id, doc.data, source_name=doc.name))
    try:
        text = doc.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(N_("not UTF-8 text (byte {byte})"), doc.location, byte=exc.start) from exc
    return asdict(import_csv(session, organization_id, text))


def import_document(
    session: Session, principal: Principal, organization_id: int, doc: Document
) -> dict[str, Any]:
    """`load_document`, then an audit entry naming who imported what (the report's counts)."""
    report = load_document(session, organization_id, doc)
    summary = {k: v for k, v in report.items() if isinstance(v, int)}
    record(session, principal, "import", doc.kind, None, organization_id, summary)
    return report


def start_import_job(
    backend: JobBackend,
    session: Session,
    principal: Principal,
    organization_id: int,
    doc: Document,
) -> Job:
    """Import as a job: it runs once the caller's transaction commits; the bytes stay private."""
    params = {"format": doc.kind, "bytes": len(doc.data), "name": doc.name}
    return submit(backend, session, principal, organization_id, JOB_KIND, params, content=doc.data)


@job_kind(JOB_KIND)
def run_import_job(ctx: JobContext, progress: ProgressFn) -> dict[str, Any]:
    data = ctx.content
    if data is None:  # queued before migration 0015: base64 in the payload
        data = base64.b64decode(ctx.payload["data"])
    doc = Document(ctx.params["format"], data, name=ctx.params.get("name"))
    progress(0.05, say(IMPORTING, kind=doc.kind, bytes=len(doc.data)))
    principal = principal_from(ctx.payload["principal"])
    with ctx.sessions.begin() as session:
        report = import_document(session, principal, ctx.organization_id, doc)
    return {"kind": doc.kind, "report": report}
