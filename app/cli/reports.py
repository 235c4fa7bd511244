"""`pqcplan verify-report FILE [--key PUBKEY_FILE]`: check a signed vendor report offline.

No database and no network. The file must be exactly what the testbed serves: the canonical
JSON of ``{"report": ..., "signature": ...}`` (keys sorted, no whitespace, UTF-8), with no
other member, no duplicate key and no other encoding, so that the bytes the ML-DSA-65
signature covers are the bytes a reader reads. The signature is checked with every local
engine that implements ML-DSA-65, under a trusted key: ``--key`` or the file named by the
environment variable ``PQCPLAN_REPORT_KEY`` (the JSON of ``GET /api/v1/testbed/report-key``,
or the raw, base64 or hex public key). The key embedded in a report proves nothing about who
signed it (anyone can re-sign a changed report with their own key), so without a trusted key
the command says what the report claims, labelled as unverified, and exits 2: never 0.

Exit codes: 0 the testbed's key signed the exact bytes, 1 they are not a valid signed report
(changed, another key, a member outside the signed report, a duplicate key, non-canonical
encoding: the message names it), 2 no trusted key was given or a file cannot be read.
Everything printed from the report passes through ``core.display.printable``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import console, err_console, safe
from core.display import printable

MAX_REPORT_BYTES = 20 * 1024 * 1024
KEY_ENV = "PQCPLAN_REPORT_KEY"


def _read(path: Path, what: str) -> bytes:
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            raise OSError(f"larger than {MAX_REPORT_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        err_console.print("[red]error:[/red] " + safe(f"cannot read the {what} {path}: {exc}"))
        raise typer.Exit(2) from None


def _say(text: str, *, err: bool = False) -> None:
    """Print text that holds input (file names, the report's own words) safely."""
    (err_console if err else console).print(printable(text), markup=False, highlight=False)


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
    from testbed.conformance.reports import load_public_key, parse_exact, verify_bytes

    raw = _read(file, "report")
    public_key = None
    if key is not None:
        try:
            public_key = load_public_key(_read(key, "key file"))
        except ValueError as exc:
            _say(f"error: {key}: {exc}", err=True)
            raise typer.Exit(2) from None
    result = verify_bytes(raw, public_key)
    if not result.ok:
        _say(f"INVALID {file}: {result.reason}", err=True)
        raise typer.Exit(1)
    doc, _ = parse_exact(raw)
    body = doc["report"] if doc else {}
    product = body.get("product") or {}
    summary = body.get("summary") or {}
    what = (
        f"{product.get('name')} {product.get('version')}: {body.get('algorithm')} "
        f"{body.get('check')} {body.get('mode') or ''}"
    ).rstrip()
    if result.trusted_key:
        _say(f"valid {file}: {result.reason} on {', '.join(result.engines)}; key {result.key_id}")
        _say(
            f"  {what} -> {summary.get('verdict')} ({summary.get('passed')}/"
            f"{summary.get('cases')} cases), issued {body.get('issued_at')}"
        )
        return
    _say(
        f"NOT VERIFIED {file}: it claims to be signed by key {result.key_id} and claims "
        f"'{what}' with verdict {summary.get('verdict')!r}; none of that is checked"
    )
    _say(
        "error: no trusted key: the signature matches only the key inside the report, which "
        f"anyone can replace; pass --key (or set {KEY_ENV}) with the testbed's published key "
        "(GET /api/v1/testbed/report-key)",
        err=True,
    )
    raise typer.Exit(2)
