"""The completeness check as Markdown (API and CLI `--format md`); text from inputs is
escaped (`md_escape`), and every printed string passes through `printable`."""

from __future__ import annotations

from typing import Any

from core.display import printable
from migration.report import md_escape

STATE_WORDS = {"found": "found", "not_found": "NOT FOUND", "declared_absent": "declared absent"}


def _md(value: Any) -> str:
    return md_escape(printable(value))


def check_markdown(result: dict[str, Any]) -> str:
    org = result["organization"]
    counts = result["counts"]
    lines = [
        f"# Sector completeness: {_md(org['name'])} ({_md(org['slug'])})",
        "",
        f"Sector {_md(org['sector'])}, tier {_md(org['tier'])}; catalogs: "
        + ", ".join(f"{_md(c['id'])} {_md(c['version'])}" for c in result["catalogs"]),
        "",
        f"Expected {counts['expected']}: found {counts['found']}, not found "
        f"{counts['not_found']}, declared absent {counts['declared_absent']} "
        f"({result['accounted_percent']}% accounted for).",
        "",
        "| target | priority | state | assets | quantum-vulnerable | detail |",
        "|---|---|---|---|---|---|",
    ]
    for t in result["targets"]:
        lines.append(
            f"| {_md(t['name'])} (`{_md(t['key'])}`) | {t['priority']} | "
            f"{STATE_WORDS[t['state']]} | {t['assets']} | {t['vulnerable']} | {_detail(t)} |"
        )
    missing = [t for t in result["targets"] if t["state"] == "not_found"]
    if missing:
        lines += ["", "## How to look for what was not found", ""]
        for t in missing:
            lines.append(f"- **{_md(t['name'])}**: {_md(t['why']['text'])}")
            lines += [f"  - {_md(h['where'])}: {_md(h['how'])}" for h in t["look"]]
    return "\n".join(lines) + "\n"


def _detail(t: dict[str, Any]) -> str:
    if t["state"] == "declared_absent":
        a = t["absence"]
        return f"{_md(a['reason'])} ({_md(a['by'])}, {_md(a['at'][:10])})"
    if t["state"] == "found":
        names = ", ".join(_md(a["name"]) for a in t["sample"])
        more = t["assets"] - len(t["sample"])
        note = " **declared absent, yet found: review**" if t["conflict"] else ""
        return names + (f" and {more} more" if more > 0 else "") + note
    return "; ".join(_md(h["where"]) for h in t["look"])
