"""`pqcplan verify-report FILE [--key PUBKEY_FILE]`: check a signed vendor report offline.

No database and no network: the ML-DSA-65 signature over the canonical JSON of the report's
``report`` member (keys sorted, no whitespace, UTF-8) is checked with every local engine that
implements ML-DSA-65, under a trusted key: ``--key`` or the file named by the environment
variable ``PQCPLAN_REPORT_KEY`` (the JSON of ``GET /api/v1/testbed/report-key``, or the raw,
base64 or hex public key). The key embedded in a report proves nothing about who signed it
(anyone can re-sign a changed report with their own key), so without a trusted key the
command says what the report claims and exits 2: it never exits 0.

Exit codes: 0 the testbed's key signed the report, 1 it did not (changed, or another key),
2 no trusted key was given or a file cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from app.cli.common import console, err_console

MAX_REPORT_BYTES = 20 * 1024 * 1024
KEY_ENV = "PQCPLAN_REPORT_KEY"


def _read(path: Path, what: str) -> bytes:
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            raise OSError(f"larger than {MAX_REPORT_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        err_console.print("[red]error:[/red] " + escape(f"cannot read the {what} {path}: {exc}"))
        raise typer.Exit(2) from None


def verify_report(
    file: Annotated[Path, typer.Argument(help="A report saved from the testbed API.")],
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            envvar=KEY_ENV,
            help="The testbed's public key (report-key JSON, raw, b64 or hex); "
            f"default: the file named by ${KEY_ENV}.",
        ),
    ] = None,
) -> None:
    """Check a signed testbed report offline (exit 0 only if the trusted key signed it)."""
    from testbed.conformance.reports import load_public_key, verify_document

    try:
        doc = json.loads(_read(file, "report"))
    except ValueError as exc:
        err_console.print("[red]error:[/red] " + escape(f"{file} is not JSON: {exc}"))
        raise typer.Exit(2) from None
    public_key = None
    if key is not None:
        try:
            public_key = load_public_key(_read(key, "key file"))
        except ValueError as exc:
            err_console.print("[red]error:[/red] " + escape(f"{key}: {exc}"))
            raise typer.Exit(2) from None
    result = verify_document(doc, public_key)
    body = doc.get("report", {}) if isinstance(doc, dict) else {}
    if not result.ok:
        err_console.print("[red]INVALID[/red] " + escape(f"{file}: {result.reason}"))
        raise typer.Exit(1)
    product = body.get("product") or {}
    summary = body.get("summary") or {}
    if result.trusted_key:
        console.print(
            "[green]valid[/green] "
            + escape(f"{file}: {result.reason} on {', '.join(result.engines)}; key {result.key_id}")
        )
    else:
        console.print(escape(f"unverified {file}: claims to be signed by key {result.key_id}"))
    console.print(
        f"  {product.get('name')} {product.get('version')}: {body.get('algorithm')} "
        f"{body.get('check')} {body.get('mode') or ''}-> {summary.get('verdict')} "
        f"({summary.get('passed')}/{summary.get('cases')} cases), issued {body.get('issued_at')}",
        markup=False,  # the report's text is the vendor's, not markup
    )
    if not result.trusted_key:
        err_console.print(
            f"[red]error:[/red] no trusted key: the signature matches only the key inside the "
            f"report, which anyone can replace; pass --key (or set {KEY_ENV}) with the "
            "testbed's published key (GET /api/v1/testbed/report-key)"
        )
        raise typer.Exit(2)
