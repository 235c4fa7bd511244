"""A plan version's timeline for the console: quarters from the plan's start to the last of
its waves and of its profile's deadlines, effort per quarter coloured by phase, the profile's
phases as bands and every one of its deadlines as a numbered line (listed in a table beside
the chart), so a plan that ends early still shows the 2035 line it must meet."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from migration.profiles import Profile

PHASE_COLOURS = ("#4e79a7", "#c85200", "#2f7d32", "#8a4f9e", "#1f6f78", "#7a6a00", "#b5283b")
DEADLINE_COLOUR = "#b2182b"
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class DeadlineMark:
    number: int
    day: date
    ident: str
    scope: list[str]  # what it applies to, in words (sectors, uses, statuses); empty: all
    final: bool = False


def quarter_of(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def _quarter_label(q: int) -> str:
    return f"{q // 4}-Q{q % 4 + 1}"


def deadline_marks(profile: Profile | None, label: Callable[[str], str]) -> list[DeadlineMark]:
    """Every deadline of the profile and its final deadline, by date."""
    if profile is None:
        return []
    found: list[tuple[date, str, list[str], bool]] = []
    for d in profile.deadlines:
        scope = [label(str(x)) for x in (*d.sectors, *d.tiers, *d.uses, *d.asset_types)]
        scope += list(d.algorithms)
        found.append((d.date, d.id, scope, False))
    if not any(day == profile.final_deadline for day, *_ in found):
        found.append((profile.final_deadline, "final", [], True))
    found.sort(key=lambda item: (item[0], item[1]))
    return [
        DeadlineMark(i + 1, day, ident, scope, final)
        for i, (day, ident, scope, final) in enumerate(found)
    ]


def timeline_chart(
    waves: Sequence[Mapping[str, object]],
    profile: Profile | None,
    marks: Sequence[DeadlineMark],
    start: date | None,
    phase_name: Callable[[str], str],
    title: str,
    width: int = 960,
    height: int = 280,
) -> tuple[Markup, list[tuple[str, str]]]:
    """The chart (inline SVG) and its legend, (phase words, colour) for the page to list.
    `waves` are the version view's rows (wave label, phase, effort)."""
    effort: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for w in waves:
        found = _QUARTER.match(str(w["wave_label"]))
        if found:
            q = int(found.group(1)) * 4 + int(found.group(2)) - 1
            effort[q][str(w["phase"])] += int(w["effort"])  # type: ignore[call-overload]
    quarters = list(effort)
    if start is not None:
        quarters.append(quarter_of(start))
    quarters += [quarter_of(m.day) for m in marks]
    if profile is not None:
        quarters += [quarter_of(p.end) for p in profile.phases]
    if not quarters:
        return Markup(""), []
    first, last = min(quarters), max(quarters)
    span = last - first + 1
    left, right, top_pad, bottom = 56, 12, 28, 30
    chart_h = height - top_pad - bottom
    step = (width - left - right) / span
    top = max((sum(p.values()) for p in effort.values()), default=0) or 1
    phases = sorted({p for per in effort.values() for p in per})
    colour = {p: PHASE_COLOURS[i % len(PHASE_COLOURS)] for i, p in enumerate(phases)}

    def x_of(q: float) -> float:
        return left + (q - first) * step

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" font-size="12" fill="#1a1a1a">{escape(str(top))}</text>',
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + chart_h}" stroke="#767676"/>',
        f'<line x1="{left}" y1="{top_pad + chart_h}" x2="{width - right}" '
        f'y2="{top_pad + chart_h}" stroke="#767676"/>',
    ]
    if profile is not None:  # the profile's phases as light bands under the bars
        for i, p in enumerate(profile.phases):
            x1, x2 = x_of(quarter_of(p.start)), x_of(quarter_of(p.end) + 1)
            shade = "#f1f3f7" if i % 2 == 0 else "#e6eaf1"
            parts.append(
                f'<rect x="{x1:.1f}" y="{top_pad}" width="{max(x2 - x1, 1):.1f}" '
                f'height="{chart_h}" fill="{shade}">'
                f"<title>{escape(phase_name(p.id))}</title></rect>"
            )
    for q, per in sorted(effort.items()):
        y = top_pad + chart_h
        for phase in phases:
            points = per.get(phase, 0)
            if not points:
                continue
            h = chart_h * points / top
            y -= h
            parts.append(
                f'<rect x="{x_of(q) + 0.5:.1f}" y="{y:.1f}" width="{max(step - 1, 1):.1f}" '
                f'height="{h:.1f}" fill="{colour[phase]}"><title>{_quarter_label(q)}: '
                f"{points} · {escape(phase_name(phase))}</title></rect>"
            )
    every = max(1, span // 10)
    for q in range(first, last + 1):
        if (q - first) % every == 0:
            parts.append(
                f'<text x="{x_of(q):.1f}" y="{top_pad + chart_h + 14}" font-size="11" '
                f'fill="#1a1a1a">{_quarter_label(q)}</text>'
            )
    for m in marks:  # a line at the end of the deadline's day, numbered as in the table
        q = quarter_of(m.day)
        within = (m.day - date(m.day.year, 3 * (q % 4) + 1, 1)).days / 92
        x = x_of(q + min(within + 1 / 92, 1.0))
        parts.append(
            f'<line x1="{x:.1f}" y1="{top_pad - 6}" x2="{x:.1f}" y2="{top_pad + chart_h}" '
            f'stroke="{DEADLINE_COLOUR}" stroke-width="2" stroke-dasharray="5 3">'
            f"<title>{m.number}: {m.day.isoformat()} {escape(m.ident)}</title></line>"
            f'<text x="{x - 4:.1f}" y="{top_pad - 10}" font-size="11" fill="{DEADLINE_COLOUR}" '
            f'font-weight="700">{m.number}</text>'
        )
    parts.append("</svg>")
    legend = [(phase_name(p), colour[p]) for p in phases]
    return Markup("".join(parts)), legend
