"""Charts as server-rendered inline SVG: no script, no chart library; each has a table beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup
from markupsafe import escape as html_escape

from core.display import printable

STATUS_COLOURS = {
    "broken": "#b2182b",
    "weakened": "#d6604d",
    "unknown": "#737373",
    "hybrid": "#2166ac",
    "resistant": "#1b7837",
}
DEFAULT_COLOUR = "#4e79a7"


def escape(text: object) -> Markup:
    """A label (an asset or algorithm name) for SVG: control and bidi characters shown as
    escapes, then HTML-escaped."""
    return html_escape(printable(text))


def hbar(
    rows: Sequence[tuple[str, float]],
    title: str,
    *,
    colours: dict[str, str] | None = None,
    width: int = 520,
    unit: str = "",
    labels: Mapping[str, str] | None = None,
    links: Mapping[str, str] | None = None,
) -> Markup:
    """Horizontal bars, one per (key, value), largest scale fills the width.

    `labels` gives each key the words shown (a translated label); `links` makes a bar and
    its label one link (the list it counts), reachable by keyboard with its own name."""
    colours, labels, links = colours or {}, labels or {}, links or {}
    bar_h, gap, label_w = 18, 6, 170
    height = max(1, len(rows)) * (bar_h + gap) + 10
    top = max((v for _, v in rows), default=0) or 1
    role = "group" if links else "img"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="{role}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    ]
    for i, (key, value) in enumerate(rows):
        y = 5 + i * (bar_h + gap)
        w = (width - label_w - 70) * value / top
        colour = colours.get(str(key), DEFAULT_COLOUR)
        shown = str(labels.get(str(key), key))
        bar = (
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="12" '
            f'fill="#1a1a1a">{escape(_cut(shown, 26))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" '
            f'fill="{colour}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="12" fill="#1a1a1a">'
            f"{_num(value)}{escape(unit)}</text>"
        )
        href = links.get(str(key))
        if href:  # named by its words; the full label when a long one is cut
            name = f"{shown}: {_num(value)}{unit}"
            bar = (
                f'<a href="{escape(href)}"><title>{escape(name)}</title>'
                f'<rect x="0" y="{y - 2}" width="{width}" height="{bar_h + 4}" '
                f'fill="transparent"/>{bar}</a>'
            )
        parts.append(bar)
    parts.append("</svg>")
    return Markup("".join(parts))


def _cut(text: str, most: int) -> str:
    """At most `most` characters, an ellipsis marking a cut (a name is never cut silently)."""
    return text if len(text) <= most else text[: most - 1] + "…"


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:,.2f}"


def dependency_graph(
    centre: str,
    providers: Sequence[tuple[int, str]],
    dependents: Sequence[tuple[int, str]],
    title: str,
    href: str = "/assets/{}",
) -> Markup:
    """The asset in the middle, what it depends on at the left, what depends on it at the right."""
    width, node_w, node_h, gap = 720, 200, 26, 8
    n = max(len(providers), len(dependents), 1)
    height = n * (node_h + gap) + 20
    cy = height / 2
    cx = (width - node_w) / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#555"/></marker></defs>'
    ]

    def node(x: float, y: float, label: str, link: int | None, cls: str) -> str:
        box = (
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{node_w}" height="{node_h}" rx="4" '
            f'class="{cls}"/><text x="{x + 8:.0f}" y="{y + 17:.0f}" font-size="12">'
            f"{escape(_cut(label, 28))}</text>"
        )
        if link is None:
            return box
        return f'<a href="{escape(href.format(link))}"><title>{escape(label)}</title>{box}</a>'

    def column(items: Sequence[tuple[int, str]], x: float, edge_from_centre: bool) -> None:
        top = cy - len(items) * (node_h + gap) / 2
        for i, (asset_id, name) in enumerate(items):
            y = top + i * (node_h + gap)
            mid = y + node_h / 2
            if edge_from_centre:  # dependent -> centre (it relies on the centre)
                x1, x2 = x, cx + node_w
            else:  # centre -> provider
                x1, x2 = cx, x + node_w
            parts.append(
                f'<line x1="{x1:.0f}" y1="{mid:.0f}" x2="{x2:.0f}" y2="{cy:.0f}" '
                'stroke="#555" marker-end="url(#arrow)"/>'
            )
            parts.append(node(x, y, name, asset_id, "node"))

    column(providers, 10, False)
    column(dependents, width - node_w - 10, True)
    parts.append(node(cx, cy - node_h / 2, centre, None, "node centre"))
    parts.append("</svg>")
    return Markup("".join(parts))
