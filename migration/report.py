"""Plan exports: CSV, JSON, Markdown and a self-contained HTML page with an SVG timeline.

All functions take the plan summary and task dicts (`service.task_dict` or
`Task.as_dict`), so they work on stored versions and on unsaved plans alike. Each format is
written by a generator of text pieces (`*_chunks`) that reads the tasks once, in order, and
keeps only what a later part of the document needs (distinct reasons, tasks at risk): a
stored version of half a million tasks is streamed by `migration.export` straight from the
database, and the functions returning one string are the same generators joined.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html import escape as html_escape
from typing import Any

from core.display import printable
from core.i18n import N_, gettext_for
from core.i18n import label as value_label
from inventory.exchange.spreadsheet import guard_cell
from migration import reasons as planner_reasons

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
#: the task fields the Markdown and HTML exports read (a stored version's are read alone):
#: the cells of their task tables, then the chains at risk or the reasons
TABLE_CELLS = (
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
MARKDOWN_FIELDS = (*TABLE_CELLS, "blocking_chain")
HTML_FIELDS = (*TABLE_CELLS, "reasons")

# Words of the exports, translated where they are written (`gettext_for(lang)`).
T_TASKS = N_("tasks")
T_DONE = N_("done")
T_PERCENT_DONE = N_("% effort done")
T_TASKS_HEADING = N_("Tasks")
T_AT_RISK = N_("Deadlines at risk")
T_TIMELINE_LABEL = N_("migration timeline: effort per wave")
T_EFFORT_AXIS = N_("effort points per wave (max {top})")
T_DEADLINE = N_("deadline {year}")
T_TIMELINE = N_("Timeline")
T_PROGRESS_PHASE = N_("Progress by phase")
T_EFFORT_DONE = N_("effort done")
T_REASONS = N_("reasons")

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


CHUNK_ROWS = 2000  # rows per piece a streamed export yields


def to_csv(tasks: Iterable[dict[str, Any]], lang: str | None = None) -> str:
    return "".join(csv_chunks(tasks, lang))


def csv_chunks(tasks: Iterable[dict[str, Any]], lang: str | None = None) -> Iterator[str]:
    """Machine names and values in English (lang None); in another language a spreadsheet
    for people: labelled headings and values, and a byte-order mark so it opens as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    english = lang in (None, "en")
    if not english:
        out.write("\ufeff")
    writer.writerow([_heading(f, lang) for f in CSV_FIELDS])
    cell = _TextCells(lambda value: guard_cell(_cell(value)))
    for n, task in enumerate(tasks, start=1):
        values = [task.get(name, "planned" if name == "status" else None) for name in CSV_FIELDS]
        if not english:
            values = [_shown(name, v, lang) for name, v in zip(CSV_FIELDS, values, strict=True)]
        writer.writerow([cell(v) for v in values])
        if n % CHUNK_ROWS == 0:
            yield _drain(out)
    yield _drain(out)


def _drain(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


# Values a person reads as a label in a translated export (the rest are names and ids).
_LABELLED = frozenset({"sector", "use", "status", "flags", "phase"})


# A plan's parameters as a person reads them (a translated export)
PARAM_WORDS = {
    "start": N_("plan start"),
    "crqc_year": N_("CRQC year"),
    "capacity": N_("effort points per wave"),
    "migration_years": N_("years a migration takes"),
}


def _params(summary: dict[str, Any], lang: str | None) -> str:
    """The summary's parameters: JSON in English (as before), labelled words otherwise."""
    params = summary.get("params", {})
    if lang in (None, "en"):
        return json.dumps(params)
    _ = gettext_for(lang)
    return ", ".join(f"{_(PARAM_WORDS.get(k, k))} {v}" for k, v in params.items()) or "-"


def _flag_counts(summary: dict[str, Any], lang: str | None) -> str:
    """The summary's flag counts: JSON in English (as before), labelled words otherwise."""
    flags = summary.get("flags", {})
    if lang in (None, "en"):
        return json.dumps(flags)
    return ", ".join(f"{value_label(k, lang=lang)} {n}" for k, n in flags.items()) or "-"


def _heading(field: str, lang: str | None) -> str:
    return field if lang in (None, "en") else value_label(field, lang=lang)


def _shown(field: str, value: Any, lang: str | None) -> Any:
    if lang in (None, "en") or field not in _LABELLED or value is None:
        return value
    if isinstance(value, list | tuple):
        return [value_label(v, lang=lang) for v in value]
    return value_label(value, lang=lang)


JSON_FORMAT = "pqcplan-plan/2"


class Texts:
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


def shown_reasons(
    lang: str | None, phase_names: dict[str, str] | None = None
) -> Callable[[str], str]:
    """The planner's reasons as `lang` shows them (`migration.reasons.translate`), each
    phase by its profile's name (`phase_names`: id -> English name) in that language."""
    names = phase_names or {}

    def phase(phase_id: str) -> str:
        return value_label(names.get(phase_id, phase_id), lang=lang)

    def shown(text: str) -> str:
        return planner_reasons.translate(text, lang, phase)

    return shown


def _shown_parts(parts: list[Any], shown: Callable[[str, str], str]) -> list[Any]:
    return [
        p | {"reason": shown(p["reason"], str(p.get("name", "")))}
        if isinstance(p, dict) and p.get("reason")
        else p
        for p in parts
    ]


def to_json(
    summary: dict[str, Any],
    tasks: Iterable[dict[str, Any]],
    *,
    lang: str | None = None,
    **extra: Any,
) -> str:
    """The plan as JSON, one task per line. Risk parts and reason sentences repeat across
    thousands of tasks, so each distinct one is written once (`risk_parts`, `reasons`) and
    a task's `risk.parts` and `reasons` hold their indexes: `reasons[i]` in the document is
    the sentence `i` refers to. Nothing is dropped; a 4,000-asset plan shrinks about 10x.

    >>> doc = json.loads(to_json({}, [{"reasons": ["a", "b"]}, {"reasons": ["b"]}]))
    >>> doc["reasons"], [t["reasons"] for t in doc["tasks"]]
    (['a', 'b'], [[0, 1], [1]])
    """
    parts, reasons = Texts(), Texts()
    lines = []
    for task in tasks:
        row = dict(task)
        risk = row.get("risk")
        if isinstance(risk, dict) and isinstance(risk.get("parts"), list):
            refs = [parts.ref(json.dumps(p, sort_keys=True, default=str), p) for p in risk["parts"]]
            row["risk"] = risk | {"parts": refs}
        if isinstance(row.get("reasons"), list):
            row["reasons"] = [reasons.ref(str(r)) for r in row["reasons"]]
        lines.append(json_line(row))
    return "".join(json_chunks(summary, extra, parts.values, reasons.values, lines, lang))


def json_line(row: dict[str, Any]) -> str:
    """One task of the JSON export, its risk parts and reasons already indexes."""
    return json.dumps(row, default=str)


def json_chunks(
    summary: dict[str, Any],
    extra: dict[str, Any],
    parts: list[Any],
    reasons: list[Any],
    lines: Iterable[str],
    lang: str | None = None,
    phase_names: dict[str, str] | None = None,
) -> Iterator[str]:
    """The JSON document around task lines (`json_line`) whose indexes point into `parts`
    and `reasons`: both come first, so a streamed export knows them before the tasks.
    In a language other than English the sentences (reasons, the risk parts' reasons) are
    in that language; names, values and keys stay as they are."""
    if lang not in (None, "en"):
        shown = shown_reasons(lang, phase_names)
        parts = _shown_parts(
            parts, lambda text, part: planner_reasons.translate_part(part, text, lang)
        )
        reasons = [shown(str(r)) for r in reasons]
    head = json.dumps(
        {"format": JSON_FORMAT, "summary": summary, **extra, "risk_parts": parts},
        indent=1,
        default=str,
    )
    body = json.dumps(reasons, indent=0)
    yield head[:-2] + f',\n "reasons": {body},\n "tasks": [\n'
    batch: list[str] = []
    first = True
    for line in lines:
        batch.append(line)
        if len(batch) == CHUNK_ROWS:
            yield ("" if first else ",\n") + ",\n".join(batch)
            first, batch = False, []
    if batch:
        yield ("" if first else ",\n") + ",\n".join(batch)
    yield "\n]}\n"


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


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|~"})


def md_escape(text: Any) -> str:
    """Text safe inside a Markdown table cell or list item: HTML is escaped (no raw
    `<script>`), and emphasis, code, link and table characters are backslash-escaped.

    >>> md_escape("<script>x</script> *a* [b](c) | d")
    '&lt;script&gt;x&lt;/script&gt; \\\\*a\\\\* \\\\[b\\\\](c) \\\\| d'
    """
    flat = " ".join(_cell(text).splitlines())
    return escape(flat, quote=False).translate(_MD_SPECIAL)


_md = md_escape


class _TextCells:
    """One renderer's cells of texts, made once per distinct text (most repeat: phase,
    target, status...), remembering at most `limit` of them."""

    def __init__(self, make: Any, limit: int = 50_000) -> None:
        self.make, self.limit, self.done = make, limit, {}

    def __call__(self, value: Any) -> str:
        if value.__class__ is not str:
            return self.make(value)
        cell = self.done.get(value)
        if cell is None:
            cell = self.make(value)
            if len(self.done) < self.limit:
                self.done[value] = cell
        return cell


def to_markdown(
    summary: dict[str, Any],
    tasks: Iterable[dict[str, Any]],
    progress: dict[str, Any] | None = None,
    lang: str | None = None,
) -> str:
    return "".join(markdown_chunks(summary, tasks, progress, lang))


def markdown_chunks(
    summary: dict[str, Any],
    tasks: Iterable[dict[str, Any]],
    progress: dict[str, Any] | None = None,
    lang: str | None = None,
) -> Iterator[str]:
    _ = gettext_for(lang)
    lines = [
        "# "
        + _(N_("Migration plan: {profile} ({version})")).format(
            profile=_md(summary.get("profile")), version=_md(summary.get("profile_version"))
        ),
        "",
        "- " + _(N_("Parameters: {params}")).format(params=_md(_params(summary, lang))),
        "- "
        + _(
            N_(
                "Tasks: {tasks} (effort {effort} points), {safe} usages quantum-safe and "
                "accepted by the profile"
            )
        ).format(
            tasks=summary.get("tasks"),
            effort=summary.get("effort"),
            safe=summary.get("skipped_quantum_safe", 0),
        ),
        "- " + _(N_("Last wave: {wave}")).format(wave=_md(summary.get("last_wave"))),
        "- " + _(N_("Flags: {flags}")).format(flags=_md(_flag_counts(summary, lang))),
    ]
    for cycle in summary.get("cycles", []):
        lines.append(
            "- "
            + _(N_("Dependency cycle planned as one unit: {assets}")).format(
                assets=_md(", ".join(cycle))
            )
        )
    if progress:
        for title, key, field in (
            (T_PROGRESS_PHASE, "by_phase", "phase"),
            (N_("Progress by sector"), "by_sector", "sector"),
        ):
            lines += ["", f"## {_(title)}", ""]
            lines.append(
                f"| {_heading(field, lang)} | {_(T_TASKS)} | {_(T_DONE)} | {_(T_PERCENT_DONE)} |"
            )
            lines.append("| --- | ---: | ---: | ---: |")
            for name, p in progress[key].items():
                shown = _md(_shown(field, name, lang))
                lines.append(f"| {shown} | {p['tasks']} | {p['done']} | {p['percent_done']} |")
    columns = ("wave_label", "phase", "asset_name", "algorithm", "use", "target", "deadline",
               "score", "status", "flags")  # fmt: skip
    english = ("wave", "phase", "asset", "algorithm", "use", "target", "deadline", "score",
               "status", "flags")  # fmt: skip
    headings = english if lang in (None, "en") else [_heading(c, lang) for c in columns]
    lines += [
        "",
        f"## {_(T_TASKS_HEADING)}",
        "",
        "| " + " | ".join(headings) + " |",
        "| --- | --- | --- | --- | --- | --- | --- | ---: | --- | --- |",
    ]
    at_risk: list[str] = []  # the closing section, kept as its lines (few tasks have a chain)
    md = _TextCells(md_escape)
    english = lang in (None, "en")
    for t in tasks:
        values = [t.get(f, "planned" if f == "status" else None) for f in TABLE_CELLS]
        if not english:
            values = [_shown(f, v, lang) for f, v in zip(TABLE_CELLS, values, strict=True)]
        lines.append("| " + " | ".join(md(v) for v in values) + " |")
        if t.get("blocking_chain"):
            at_risk.append(
                "- "
                + _(
                    N_(
                        "**{asset}** {algorithm} -> {target}, deadline {deadline}: "
                        "blocked by {chain}"
                    )
                ).format(
                    asset=_md(t["asset_name"]),
                    algorithm=_md(t["algorithm"]),
                    target=_md(t["target"]),
                    deadline=_md(t.get("deadline")),
                    chain=_md(" -> ".join(t["blocking_chain"])),
                )
            )
        if len(lines) >= CHUNK_ROWS:
            yield "\n".join(lines) + "\n"
            lines = []
    if at_risk:
        lines += ["", f"## {_(T_AT_RISK)}", "", *at_risk]
    if lines:
        yield "\n".join(lines) + "\n"


PHASE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#e15759")


@dataclass
class WaveTotals:
    """What the timeline chart draws: effort per wave (in the order waves first appear),
    each wave's phase, and the years of every deadline."""

    effort: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    phase_of: dict[int, str] = field(default_factory=dict)
    deadline_years: set[str] = field(default_factory=set)

    def add(self, task: dict[str, Any]) -> None:
        wave = int(task["wave"])
        self.effort[(wave, task["wave_label"])] += int(task["effort"])
        self.phase_of[wave] = task["phase"]
        if task.get("deadline"):
            self.deadline_years.add(str(task["deadline"])[:4])

    @classmethod
    def of(cls, tasks: Iterable[dict[str, Any]]) -> WaveTotals:
        totals = cls()
        for task in tasks:
            totals.add(task)
        return totals


def timeline_svg(
    tasks: Iterable[dict[str, Any]], width: int = 900, height: int = 260, lang: str | None = None
) -> str:
    """Effort per wave as bars coloured by phase, deadlines as red ticks (inline SVG)."""
    return wave_chart(WaveTotals.of(tasks), width, height, lang)


def wave_chart(
    totals: WaveTotals, width: int = 900, height: int = 260, lang: str | None = None
) -> str:
    """`timeline_svg` from totals already counted (a stored version's, by its database)."""
    _ = gettext_for(lang)
    effort, phase_of, deadlines = totals.effort, totals.phase_of, totals.deadline_years
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
        f'role="img" aria-label="{escape(_(T_TIMELINE_LABEL))}">',
        f'<text x="{left}" y="14" font-size="12">{escape(_(T_EFFORT_AXIS).format(top=top))}</text>',
    ]
    labels = {w: label for w, label in waves}
    for (wave, label), points in effort.items():
        h = chart_h * points / top
        x = left + (wave - first) * bar_w
        y = height - bottom - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" '
            f'fill="{colour[phase_of[wave]]}"><title>'
            + escape(
                _(N_("{wave}: {points} points, phase {phase}")).format(
                    wave=label, points=points, phase=_shown("phase", phase_of[wave], lang)
                )
            )
            + "</title></rect>"
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
                f'stroke="#d62728" stroke-dasharray="4 3"><title>'
                f"{escape(_(T_DEADLINE).format(year=year))}</title></line>"
            )
    legend_x = left
    for phase in phases:
        parts.append(
            f'<rect x="{legend_x}" y="{height - 16}" width="10" height="10" '
            f'fill="{colour[phase]}"/><text x="{legend_x + 14}" y="{height - 7}" '
            f'font-size="10">{escape(str(_shown("phase", phase, lang)))}</text>'
        )
        legend_x += 16 + 7 * len(phase)
    parts.append("</svg>")
    return "".join(parts)


_HTML_HEADINGS = ("wave", "phase", "asset", "algorithm", "use", "target", "deadline", "score",
                  "status", "flags")  # fmt: skip


def to_html(
    summary: dict[str, Any],
    tasks: Iterable[dict[str, Any]],
    progress: dict[str, Any] | None = None,
    lang: str | None = None,
) -> str:
    tasks = list(tasks)
    return "".join(html_chunks(summary, tasks, progress, WaveTotals.of(tasks), lang))


def html_chunks(
    summary: dict[str, Any],
    tasks: Iterable[dict[str, Any]],
    progress: dict[str, Any] | None,
    waves: WaveTotals,
    lang: str | None = None,
    phase_names: dict[str, str] | None = None,
) -> Iterator[str]:
    """The page; the chart comes before the rows, so its `waves` are counted beforehand.
    The reasons (a row's tooltip) are in `lang`, each phase named as `phase_names` say."""
    _ = gettext_for(lang)
    english = lang in (None, "en")
    progress_rows = ""
    if progress:
        progress_rows = "".join(
            f"<tr><td>{escape(str(_shown('phase', k, lang)))}</td><td>{v['tasks']}</td>"
            f"<td>{v['done']}</td>"
            f'<td><progress max="100" value="{v["percent_done"]}"></progress> '
            f"{v['percent_done']}%</td></tr>"
            for k, v in progress["by_phase"].items()
        )
    title = _(N_("Migration plan: {profile} ({version})")).format(
        profile=summary.get("profile"), version=summary.get("profile_version")
    )
    headings = _HTML_HEADINGS if english else [_heading(c, lang) for c in TABLE_CELLS]
    head_cells = "".join(f"<th>{escape(h)}</th>" for h in headings)
    yield (
        f"<!doctype html><html lang={lang or 'en'}><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
        "font-size:12px}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        "<p>"
        + escape(
            _(N_("{tasks} tasks, effort {effort} points, last wave {wave}; flags {flags}")).format(
                tasks=summary.get("tasks"),
                effort=summary.get("effort"),
                wave=summary.get("last_wave"),
                flags=_flag_counts(summary, lang),
            )
        )
        + "</p>"
        f"<h2>{escape(_(T_TIMELINE))}</h2>{wave_chart(waves, lang=lang)}"
        + (
            f"<h2>{escape(_(T_PROGRESS_PHASE))}</h2><table><tr>"
            f"<th>{escape(_heading('phase', lang))}</th><th>{escape(_(T_TASKS))}</th>"
            f"<th>{escape(_(T_DONE))}</th><th>{escape(_(T_EFFORT_DONE))}</th></tr>"
            f"{progress_rows}</table>"
            if progress
            else ""
        )
        + f"<h2>{escape(_(T_TASKS_HEADING))}</h2><table><tr>{head_cells}"
        f"<th>{escape(_(T_REASONS))}</th></tr>"
    )
    why = escape(_(N_("why")))
    shown = shown_reasons(lang, phase_names)
    reasons = Texts()  # each distinct sentence once; a row lists its sentences' indexes
    rows: list[str] = []
    td = _TextCells(lambda value: escape(_cell(value)))
    for t in tasks:
        refs = " ".join(str(reasons.ref(str(r))) for r in t.get("reasons", []))
        values = [t.get(f) for f in TABLE_CELLS]
        if not english:
            values = [_shown(f, v, lang) for f, v in zip(TABLE_CELLS, values, strict=True)]
        rows.append(
            "<tr>"
            + "".join(f"<td>{td(v)}</td>" for v in values)
            + f'<td data-r="{refs}">{why}</td></tr>'
        )
        if len(rows) == CHUNK_ROWS:
            yield "".join(rows)
            rows = []
    yield "".join(rows)
    yield (
        '</table><script type="application/json" id="plan-reasons">'
        f"{_script_json([shown(str(r)) for r in reasons.values])}</script>"
        f"<script>{REASONS_JS}</script></body></html>"
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
    lang: str | None = None,
) -> str:
    """One entry point for every format; ValueError names the unknown format. `lang`: the
    language people read CSV, Markdown and HTML in (JSON keeps machine names and shows
    its sentences, the reasons, in it)."""
    if fmt == "csv":
        return to_csv(tasks, lang)
    if fmt == "json":
        return to_json(summary, tasks, progress=progress, lang=lang)
    if fmt == "md":
        return to_markdown(summary, tasks, progress, lang)
    if fmt == "html":
        return to_html(summary, tasks, progress, lang)
    raise ValueError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
