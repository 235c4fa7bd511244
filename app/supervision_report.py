"""Signed reports for a supervisor, shared by every face (API, console, CLI).

The body and its rendering are `migration.sectors.report`'s; the signature is the
testbed's (`testbed.conformance.reports`: ML-DSA-65 over the canonical JSON, the key
published at `GET /api/v1/testbed/report-key`), used here unchanged: `migration` and
`testbed` never import each other, so the app joins them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.audit import record
from core.errors import FIELD_ONE_OF, InputError
from core.i18n import N_
from core.models import Organization
from core.tenancy import Principal
from migration.sectors import report
from migration.sectors.supervision import active_relations
from testbed.conformance.reports import Verification, sign_report, verify_document


@dataclass(frozen=True)
class IssuedReport:
    text: str
    media_type: str
    filename: str


def issue(
    session: Session,
    principal: Principal,
    org_id: int,
    fmt: str,
    lang: str,
    supervisor_slug: str | None = None,
) -> IssuedReport:
    """Build, sign and render the organization's report (`session` must be a writer's:
    the report key is made on first use). Audited."""
    if fmt not in report.MEDIA_TYPES:
        raise InputError(
            FIELD_ONE_OF, "format", field="format", choices=", ".join(report.MEDIA_TYPES)
        )
    if lang not in report.LANGS:
        raise InputError(FIELD_ONE_OF, "lang", field="lang", choices=", ".join(report.LANGS))
    supervisor = None
    if supervisor_slug:
        ids = {r.supervisor_id for r in active_relations(session, org_id=org_id)}
        supervisor = next(
            (o for o in (session.get(Organization, i) for i in ids) if o.slug == supervisor_slug),
            None,
        )
        if supervisor is None:
            raise InputError(
                N_("the organization does not report to '{slug}'"),
                "supervisor",
                slug=supervisor_slug,
            )
    body = report.report_body(session, org_id, lang, principal.name, supervisor)
    doc = sign_report(session, body)
    record(
        session,
        principal,
        "create",
        "supervision_report",
        doc["signature"]["value"][:16],
        org_id,
        {"format": fmt, "lang": lang, "supervisor": supervisor_slug},
    )
    org = body["organization"]["slug"]
    day = body["issued_at"][:10]
    return IssuedReport(
        report.render(fmt, doc), report.MEDIA_TYPES[fmt], f"pqc-report-{org}-{day}-{lang}.{fmt}"
    )


@dataclass(frozen=True)
class Checked:
    verification: Verification
    fmt: str | None
    body: dict[str, Any] | None
    rendered_as_issued: bool
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.verification.ok and self.rendered_as_issued and self.problem is None


def check(text: str, public_key: bytes | None) -> Checked:
    """Verify a report file offline: its signature (under `public_key` when given), its
    format name, and that its visible HTML or Markdown is what the signed body renders."""
    try:
        fmt, doc = report.extract(text)
    except ValueError as exc:
        return Checked(Verification(False, str(exc)), None, None, False)
    verification = verify_document(doc, public_key)
    body = doc.get("report") if isinstance(doc, dict) else None
    if not isinstance(body, dict) or body.get("format") != report.FORMAT:
        return Checked(verification, fmt, None, False, f"not a {report.FORMAT} report")
    try:
        same = report.rendered_as_issued(text)
    except (KeyError, TypeError, ValueError):
        same = False
    return Checked(
        verification,
        fmt,
        body,
        same,
        None if same else "the visible report differs from its signed content",
    )
