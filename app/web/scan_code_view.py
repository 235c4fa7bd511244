"""What the page of a source scan shows: findings by file with their catalog verdicts,
crypto libraries with their post-quantum readiness, and what was skipped and why.

Everything a person reads is a msgid or a stored value the page labels: the readiness
gaps are parts (capability, version needed, source), not the stack catalog's English
sentence, so the page can say them in the reader's language."""

from __future__ import annotations

from typing import Any

from core.i18n import N_

MAX_ROWS = 1000
CAPABILITY_TEXT = {
    "tls_hybrid": N_("the ML-KEM hybrid key exchange"),
    "ml_kem": "ML-KEM",
    "ml_dsa": "ML-DSA",
    "slh_dsa": "SLH-DSA",
}
SKIP_REASONS = {
    "unreadable": N_("unreadable"),
    "symlink loop": N_("symbolic link loop"),
    "broken symlink": N_("broken symbolic link"),
    "outside the scope": N_("outside the scope"),
    "excluded directory": N_("excluded directory"),
    "huge": N_("too large"),
    "binary": N_("binary"),
    "unknown encoding": N_("unknown text encoding"),
    "minified": N_("minified"),
    "parser error": N_("parser error"),
    "parser crash": N_("parser crash"),
    "too many files": N_("too many files"),
    "unparsable": N_("unparsable"),
}


def skip_reason(reason: str) -> tuple[str, str]:
    """(msgid, the part that is a name): ``unparsable maven`` -> ("unparsable", "maven");
    a reason the table lacks is shown as it is, untranslated."""
    head, _, rest = reason.partition(" ")
    if reason in SKIP_REASONS:
        return SKIP_REASONS[reason], ""
    if head in SKIP_REASONS:
        return SKIP_REASONS[head], rest
    return "", reason


def example_note(note: str) -> tuple[str, str]:
    """(file, why) of a skipped file's note: ``conf/app.yaml: <the parser's words>`` (an
    unparsable file) or the file alone.

    >>> example_note("a/b.json: Expecting value: line 1 column 1 (char 0)")
    ('a/b.json', 'Expecting value: line 1 column 1 (char 0)')
    """
    file, sep, why = note.partition(": ")
    return (file, why) if sep else (note, "")


def code_scan_view(results: list[dict[str, Any]]) -> dict[str, Any]:
    from inventory.catalog import get_catalog
    from inventory.discovery import source_filing as sf
    from inventory.discovery.code.engine import Finding
    from inventory.discovery.stacks.catalog import stack_catalog

    cat, stacks = get_catalog(), stack_catalog()
    trees, findings, components = [], [], []
    for r in results:
        trees.append(
            {
                "name": r.get("name"),
                "target": r.get("target"),
                "status": r.get("status"),
                "error": r.get("error"),
                "files": r.get("files", 0),
                "lines": r.get("lines", 0),
                "parsed": r.get("parsed", 0),
                "cached": r.get("cached", 0),
                "total": r.get("findings_total", 0),
                "skipped": [
                    (*skip_reason(reason), n)
                    for reason, n in sorted((r.get("skipped") or {}).items())
                ],
                "examples": [
                    (*skip_reason(reason), [example_note(e) for e in examples])
                    for reason, examples in sorted((r.get("skipped_examples") or {}).items())
                    if examples
                ],
                "seconds": r.get("seconds"),
            }
        )
        for raw in (r.get("findings") or [])[:MAX_ROWS]:
            try:
                f = Finding(**raw)
            except TypeError:
                continue
            c = cat.classify(
                sf.catalog_name(f), key_size=f.key_size, curve=f.curve, primitive=sf.primitive_of(f)
            )
            findings.append(
                {
                    "path": f.path,
                    "line": f.line,
                    "algorithm": c.canonical,
                    "status": c.status.value,
                    "parameters": sf.parameters(f),
                    "api": f.api,
                    "code": f.code,
                }
            )
        for comp in (r.get("components") or [])[:MAX_ROWS]:
            product = comp.get("product") or ""
            gaps = []
            for cap in ("tls_hybrid", "ml_kem", "ml_dsa", "slh_dsa"):
                ready = stacks.readiness(product, comp.get("version"), cap)
                if ready.ready is False:
                    gaps.append(
                        {
                            "what": CAPABILITY_TEXT[cap],
                            "needed": ready.needed,
                            "source": ready.source,
                            "confirmed": ready.confirmed,
                        }
                    )
            components.append(
                {
                    "path": comp.get("path"),
                    "line": comp.get("line") or 1,
                    "name": comp.get("name"),
                    "version": comp.get("version") or "",
                    "product": stacks.name(product),
                    "gaps": gaps,
                }
            )
    return {"trees": trees, "findings": findings, "components": components}
