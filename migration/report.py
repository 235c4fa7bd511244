"""Plan exports: CSV, JSON, Markdown and a self-contained HTML page with an SVG timeline.

All functions take the plan summary and task dicts (`service.task_dict` or
`Task.as_dict`), so they work on stored versions and on unsaved plans alike.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from html import escape as html_escape
from typing import Any

from core.display import printable
from inventory.exchange.spreadsheet import guard_cell

CSV_FIELDS = (
    "wave_label",
    "phase",
    "asset_name",
    "sector",
    "algorithm",
    "use",
    "target",
    "alternatives",
    "effort",
    "score",
    "deadline",
    "deadline_rule",
    "deadline_source",
    "status",
    "flags",
    "blocking_chain",
    "key",
)
FORMATS = ("csv", "json", "md", "html")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def escape(text: str, quote: bool = True) -> str:
    """Text for HTML: control and bidi characters shown as escapes (`core.display`), then
    HTML-escaped. Every string of the Markdown and HTML exports goes through it."""
    return html_escape(printable(text), quote)


def _cell(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def to_csv(tasks: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for task in tasks:
        row = dict(task)
        row.setdefault("status", "planned")
        writer.writerow([guard_cell(_cell(row.get(f))) for f in CSV_FIELDS])
    return out.getvalue()


JSON_FORMAT = "pqcplan-plan/2"


class _Texts:
    """Distinct values in first-seen order, each referred to by its index."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.values: list[Any] = []

    def ref(self, key: Any, value: Any = None) -> int:
        i = self.index.get(key)
        if i is None:
            i = self.index[key] = len(self.values)
            self.values.append(key if value is None else value)
        return i


def to_json(summary: dict[str, Any], tasks: list[dict[str, Any]], **extra: Any) -> str:
    """The plan as JSON, one task per line. Risk parts and reason sentences repeat across
    thousands of tasks, so each distinct one is written once (`risk_parts`, `reasons`) and
    a task's `risk.parts` and `reasons` hold their indexes: `reasons[i]` in the document is
    the sentence `i` refers to. Nothing is dropped; a 4,000-asset plan shrinks about 10x.

    >>> doc = json.loads(to_json({}, [{"reasons": ["a", "b"]}, {"reasons": ["b"]}]))
    >>> doc["reasons"], [t["reasons"] for t in doc["tasks"]]
    (['a', 'b'], [[0, 1], [1]])
    """
    parts, reasons = _Texts(), _Texts()
    lines = []
    for task in tasks:
        row = dict(task)
        risk = row.get("risk")
        if isinstance(risk, dict) and isinstance(risk.get("parts"), list):
            refs = [parts.ref(json.dumps(p, sort_keys=True, default=str), p) for p in risk["parts"]]
            row["risk"] = risk | {"parts": refs}
        if isinstance(row.get("reasons"), list):
            row["reasons"] = [reasons.ref(str(r)) for r in row["reasons"]]
        lines.append(json.dumps(row, default=str))
    head = json.dumps(
        {"format": JSON_FORMAT, "summary": summary, **extra, "risk_parts": parts.values},
        indent=1,
        default=str,
    )
    body = json.dumps(reasons.values, indent=0)
    return head[:-2] + f',\n "reasons": {body},\n "tasks": [\n' + ",\n".join(lines) + "\n]}\n"


def read_json(text: str) -> dict[str, Any]:
    """A `to_json` document with each task's risk parts and reasons written out in full.

    >>> doc = read_json(to_json({}, [{"reasons": ["a", "b"]}, {"reasons": ["b"]}]))
    >>> [t["reasons"] for t in doc["tasks"]]
    [['a', 'b'], ['b']]
    """
    doc = json.loads(text)
    parts, reasons = doc.pop("risk_parts", []), doc.pop("reasons", [])
    for task in doc["tasks"]:
        if isinstance(task.get("risk"), dict):
            task["risk"]["parts"] = [parts[i] for i in task["risk"]["parts"]]
        if "reasons" in task:
            task["reasons"] = [reasons[i] for i in task["reasons"]]
    return doc


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: Any) -> str:
    """Text safe inside a Markdown table cell or list item: HTML is escaped (no raw
    `<script>`), and emphasis, code, link and table characters are backslash-escaped.

    >>> md_escape("<script>x</script> *a* [b](c) | d")
    '&lt;script&gt;x&lt;/script&gt; \\\\*a\\\\* \\\\[b\\\\](c) \\\\| d'
    """
    flat = " ".join(_cell(text).splitlines())
    return _MD_SPECIAL.sub(r"\\\1", escape(flat, quote=False))


_md = md_escape


def to_markdown(
    summary: dict[str, Any], tasks: list[dict[str, Any]], progress: dict[str, Any] | None = None
) -> str:
    lines = [
        f"# Migration plan: {_md(summary.get('profile'))} ({_md(summary.get('profile_version'))})",
        "",
        f"- Parameters: {_md(json.dumps(summary.get('params', {})))}",
        f"- Tasks: {summary.get('tasks')} (effort {summary.get('effort')} points), "
        f"{summary.get('skipped_quantum_safe', 0)} usages quantum-safe and accepted by the "
        "profile",
        f"- Last wave: {_md(summary.get('last_wave'))}",
        f"- Flags: {_md(json.dumps(summary.get('flags', {})))}",
    ]
    for cycle in summary.get("cycles", []):
        lines.append(f"- Dependency cycle planned as one unit: {_md(', '.join(cycle))}")
    if progress:
        lines += ["", "## Progress by phase", "", "| phase | tasks | done | % effort done |"]
        lines.append("| --- | ---: | ---: | ---: |")
        for phase, p in progress["by_phase"].items():
            lines.append(f"| {_md(phase)} | {p['tasks']} | {p['done']} | {p['percent_done']} |")
        lines += ["", "## Progress by sector", "", "| sector | tasks | done | % effort done |"]
        lines.append("| --- | ---: | ---: | ---: |")
        for sector, p in progress["by_sector"].items():
            lines.append(f"| {_md(sector)} | {p['tasks']} | {p['done']} | {p['percent_done']} |")
    lines += [
        "",
        "## Tasks",
        "",
        "| wave | phase | asset | algorithm | use | target | deadline | score | status | flags |",
        "| --- | --- | --- | --- | --- | --- | --- | ---: | --- | --- |",
    ]
    for t in tasks:
        lines.append(
            "| "
            + " | ".join(
                _md(x)
                for x in (
                    t.get("wave_label"),
                    t.get("phase"),
                    t.get("asset_name"),
                    t.get("algorithm"),
                    t.get("use"),
                    t.get("target"),
                    t.get("deadline"),
                    t.get("score"),
                    t.get("status", "planned"),
                    t.get("flags"),
                )
            )
            + " |"
        )
    flagged = [t for t in tasks if t.get("blocking_chain")]
    if flagged:
        lines += ["", "## Deadlines at risk", ""]
        for t in flagged:
            lines.append(
                f"- **{_md(t['asset_name'])}** {_md(t['algorithm'])} -> {_md(t['target'])}, "
                f"deadline {_md(t.get('deadline'))}: blocked by "
                f"{_md(' -> '.join(t['blocking_chain']))}"
            )
    return "\n".join(lines) + "\n"


PHASE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#e15759")


def timeline_svg(tasks: list[dict[str, Any]], width: int = 900, height: int = 260) -> str:
    """Effort per wave as bars coloured by phase, deadlines as red ticks (inline SVG)."""
    effort: dict[tuple[int, str], int] = defaultdict(int)
    phase_of: dict[int, str] = {}
    deadlines: set[str] = set()
    for t in tasks:
        wave = int(t["wave"])
        effort[(wave, t["wave_label"])] += int(t["effort"])
        phase_of[wave] = t["phase"]
        if t.get("deadline"):
            deadlines.add(str(t["deadline"])[:4])
    if not effort:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="40"></svg>'
    waves = sorted(effort)
    first, last = waves[0][0], waves[-1][0]
    span = last - first + 1
    top = max(effort.values())
    left, bottom, chart_h = 50, 40, height - 70
    bar_w = max(1.0, (width - left - 10) / span)
    phases = sorted(set(phase_of.values()))
    colour = {p: PHASE_COLOURS[i % len(PHASE_COLOURS)] for i, p in enumerate(phases)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'role="img" aria-label="migration timeline: effort per wave">',
        f'<text x="{left}" y="14" font-size="12">effort points per wave (max {top})</text>',
    ]
    labels = {w: label for w, label in waves}
    for (wave, label), points in effort.items():
        h = chart_h * points / top
        x = left + (wave - first) * bar_w
        y = height - bottom - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
            f'fill="{colour[phase_of[wave]]}"><title>{escape(label)}: {points} points, '
            f"phase {escape(phase_of[wave])}</title></rect>"
        )
    step = max(1, span // 12)
    for wave in range(first, last + 1, step):
        label = labels.get(wave)
        if label:
            x = left + (wave - first) * bar_w
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 14}" font-size="10">{escape(label)}'
                "</text>"
            )
    for year in sorted(deadlines):
        ends = [w for w, label in waves if label == f"{year}-Q4"]
        if ends:
            x = left + (ends[0] - first + 1) * bar_w
            parts.append(
                f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{height - bottom}" '
                f'stroke="#d62728" stroke-dasharray="4 3"><title>deadline {year}</title></line>'
            )
    legend_x = left
    for phase in phases:
        parts.append(
            f'<rect x="{legend_x}" y="{height - 16}" width="10" height="10" '
            f'fill="{colour[phase]}"/><text x="{legend_x + 14}" y="{height - 7}" '
            f'font-size="10">{escape(phase)}</text>'
        )
        legend_x += 16 + 7 * len(phase)
    parts.append("</svg>")
    return "".join(parts)


def to_html(
    summary: dict[str, Any], tasks: list[dict[str, Any]], progress: dict[str, Any] | None = None
) -> str:
    reasons = _Texts()  # each distinct sentence once; a row lists its sentences' indexes
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(_cell(t.get(f)))}</td>"
            for f in (
                "wave_label",
                "phase",
                "asset_name",
                "algorithm",
                "use",
                "target",
                "deadline",
                "score",
                "status",
                "flags",
            )
        )
        + f'<td data-r="{" ".join(str(reasons.ref(str(r))) for r in t.get("reasons", []))}">'
        "why</td></tr>"
        for t in tasks
    )
    progress_rows = ""
    if progress:
        progress_rows = "".join(
            f"<tr><td>{escape(k)}</td><td>{v['tasks']}</td><td>{v['done']}</td>"
            f'<td><progress max="100" value="{v["percent_done"]}"></progress> '
            f"{v['percent_done']}%</td></tr>"
            for k, v in progress["by_phase"].items()
        )
    title = f"Migration plan: {summary.get('profile')} ({summary.get('profile_version')})"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
        "font-size:12px}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p>{summary.get('tasks')} tasks, effort {summary.get('effort')} points, last wave "
        f"{escape(str(summary.get('last_wave')))}; flags "
        f"{escape(json.dumps(summary.get('flags', {})))}</p>"
        f"<h2>Timeline</h2>{timeline_svg(tasks)}"
        + (
            "<h2>Progress by phase</h2><table><tr><th>phase</th><th>tasks</th><th>done</th>"
            f"<th>effort done</th></tr>{progress_rows}</table>"
            if progress
            else ""
        )
        + "<h2>Tasks</h2><table><tr><th>wave</th><th>phase</th><th>asset</th>"
        "<th>algorithm</th><th>use</th><th>target</th><th>deadline</th><th>score</th>"
        f"<th>status</th><th>flags</th><th>reasons</th></tr>{rows}</table>"
        f'<script type="application/json" id="plan-reasons">{_script_json(reasons.values)}'
        f"</script><script>{REASONS_JS}</script></body></html>"
    )


# Hovering "why" shows the row's reasons, looked up in the page's one list of sentences.
REASONS_JS = (
    "const R=JSON.parse(document.getElementById('plan-reasons').textContent);"
    "for(const td of document.querySelectorAll('td[data-r]'))"
    "td.title=td.dataset.r.split(' ').filter(Boolean).map(i=>R[+i]).join(' / ');"
)


def _script_json(value: list[str]) -> str:
    """JSON that cannot end its <script> element or open markup inside it, of strings shown
    with their control and bidi characters as escapes."""
    text = json.dumps([printable(v) for v in value], ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render(
    fmt: str,
    summary: dict[str, Any],
    tasks: list[dict[str, Any]],
    progress: dict[str, Any] | None = None,
) -> str:
    """One entry point for every format; ValueError names the unknown format."""
    if fmt == "csv":
        return to_csv(tasks)
    if fmt == "json":
        return to_json(summary, tasks, progress=progress)
    if fmt == "md":
        return to_markdown(summary, tasks, progress)
    if fmt == "html":
        return to_html(summary, tasks, progress)
    raise ValueError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
