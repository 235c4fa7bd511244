"""The completeness check and a sector catalog as text people read (API and CLI `--format
md`, the CLI's tables), in English or Korean (`lang`). Text from inputs is escaped
(`md_escape`), and every printed string passes through `printable`.

Korean shows each catalog text's `*_ko` where the catalog gives one (built-in catalogs
give them all; an organization's own catalog may not, and its English is shown then);
names of sources, algorithms and keys stay as written.
"""

from __future__ import annotations

from typing import Any

from core.display import printable
from core.i18n import N_, gettext_for, label
from migration.report import md_escape

STATE_WORDS = {"found": "found", "not_found": "NOT FOUND", "declared_absent": "declared absent"}
# the same states in the words the console uses (translated)
STATE_MESSAGES = {
    "found": N_("found"),
    "not_found": N_("not found"),
    "declared_absent": N_("declared absent"),
}
CHECK_HEADINGS = (
    N_("target"),
    N_("priority"),
    N_("state"),
    N_("assets"),
    N_("quantum-vulnerable"),
    N_("detail"),
)
T_CHECK_TITLE = N_("Sector completeness: {name} ({slug})")
T_CHECK_SCOPE = N_("Sector {sector}, tier {tier}; catalogs: {catalogs}")
T_COUNTS = N_(
    "Expected {expected}: found {found}, not found {not_found}, declared absent {absent} "
    "({percent}% accounted for)."
)
T_HOW_TO_LOOK = N_("How to look for what was not found")
T_CONFLICT = N_("declared absent, yet found: review")
T_AND_MORE = N_("{names} and {more} more")
T_LOOK = N_("look: {places}")
T_ALGORITHMS = N_("algorithms: {names}")
T_WHY = N_("why: {text}")
T_LOOK_AT = N_("look ({where}): {how}")
T_SOURCE = N_("source: {title} <{where}>")
T_SOURCE_NOTE = N_("note: {text}")
T_SECONDARY = N_("secondary")
T_DEVICES = N_("devices {years} y")
T_SECRET = N_("secret {years} y")
T_HARVEST = N_("harvest-now")


def _md(value: Any) -> str:
    return md_escape(printable(value))


def korean(lang: str | None) -> bool:
    return lang == "ko"


def said(english: Any, korean_text: Any, lang: str | None) -> Any:
    """A catalog text in `lang`: its `*_ko` in Korean where given, else the English."""
    return korean_text if korean(lang) and korean_text else english


def state_word(state: str, lang: str | None) -> str:
    """A target's state: the English report's words (NOT FOUND stands out), else the
    console's words in `lang`."""
    if not korean(lang):
        return STATE_WORDS[state]
    return gettext_for(lang)(STATE_MESSAGES[state])


def priority_word(priority: str, lang: str | None) -> str:
    """A target's priority: the catalog's word in English, its label in Korean."""
    return label(priority, lang=lang) if korean(lang) else priority


def counts_sentence(result: dict[str, Any], lang: str | None) -> str:
    c = result["counts"]
    return gettext_for(lang)(T_COUNTS).format(
        expected=c["expected"],
        found=c["found"],
        not_found=c["not_found"],
        absent=c["declared_absent"],
        percent=result["accounted_percent"],
    )


def check_markdown(result: dict[str, Any], lang: str | None = None) -> str:
    _ = gettext_for(lang)
    org = result["organization"]
    catalogs = ", ".join(f"{_md(c['id'])} {_md(c['version'])}" for c in result["catalogs"])
    sector, tier = org["sector"], org["tier"]
    if korean(lang):
        sector, tier = label(sector, lang=lang), label(tier, lang=lang)
    lines = [
        "# " + _(T_CHECK_TITLE).format(name=_md(org["name"]), slug=_md(org["slug"])),
        "",
        _(T_CHECK_SCOPE).format(sector=_md(sector), tier=_md(tier), catalogs=catalogs),
        "",
        counts_sentence(result, lang),
        "",
        "| " + " | ".join(_(h) for h in CHECK_HEADINGS) + " |",
        "|---|---|---|---|---|---|",
    ]
    for t in result["targets"]:
        name = said(t["name"], t.get("name_ko"), lang)
        priority = priority_word(t["priority"], lang)
        lines.append(
            f"| {_md(name)} (`{_md(t['key'])}`) | {priority} | "
            f"{state_word(t['state'], lang)} | {t['assets']} | {t['vulnerable']} | "
            f"{_detail(t, lang)} |"
        )
    missing = [t for t in result["targets"] if t["state"] == "not_found"]
    if missing:
        lines += ["", "## " + _(T_HOW_TO_LOOK), ""]
        for t in missing:
            name = said(t["name"], t.get("name_ko"), lang)
            why = said(t["why"]["text"], t["why"].get("text_ko"), lang)
            lines.append(f"- **{_md(name)}**: {_md(why)}")
            lines += [
                f"  - {_md(_where(h['where'], lang))}: {_md(said(h['how'], h.get('how_ko'), lang))}"
                for h in t["look"]
            ]
    return "\n".join(lines) + "\n"


def _where(where: str, lang: str | None) -> str:
    return label(where, "look", lang=lang) if korean(lang) else where


def _detail(t: dict[str, Any], lang: str | None) -> str:
    _ = gettext_for(lang)
    if t["state"] == "declared_absent":
        a = t["absence"]
        return f"{_md(a['reason'])} ({_md(a['by'])}, {_md(a['at'][:10])})"
    if t["state"] == "found":
        names = ", ".join(_md(a["name"]) for a in t["sample"])
        more = t["assets"] - len(t["sample"])
        if more > 0:
            names = _(T_AND_MORE).format(names=names, more=more)
        return names + (f" **{_(T_CONFLICT)}**" if t["conflict"] else "")
    return "; ".join(_md(_where(h["where"], lang)) for h in t["look"])


def check_rows(result: dict[str, Any], lang: str | None = None) -> list[tuple[str, ...]]:
    """The check as table rows (the CLI's): key, priority, state, assets, vulnerable,
    detail; plain text, in `lang`."""
    _ = gettext_for(lang)
    rows = []
    for t in result["targets"]:
        if t["state"] == "found":
            detail = ", ".join(a["name"] for a in t["sample"])
        elif t["state"] == "declared_absent":
            detail = f"{t['absence']['reason']} ({t['absence']['by']})"
        else:
            places = "; ".join(_where(h["where"], lang) for h in t["look"])
            detail = _(T_LOOK).format(places=places)
        priority = priority_word(t["priority"], lang)
        rows.append(
            (
                t["key"],
                priority,
                state_word(t["state"], lang),
                str(t["assets"]),
                str(t["vulnerable"]),
                detail,
            )
        )
    return rows


def lifetimes(target: Any, lang: str | None) -> list[str]:
    """What the planner weighs of a target's life, in words (`devices 15 y`...)."""
    _ = gettext_for(lang)
    life = []
    if target.why.device_lifetime_years:
        life.append(_(T_DEVICES).format(years=target.why.device_lifetime_years))
    if target.why.secrecy_years:
        life.append(_(T_SECRET).format(years=target.why.secrecy_years))
    if target.why.harvest_now:
        life.append(_(T_HARVEST))
    return life


def target_lines(catalog: Any, target: Any, lang: str | None = None) -> list[str]:
    """A target's algorithms, why, where to look and sources, one line each (plain text;
    a source's note is indented under it)."""
    _ = gettext_for(lang)
    lines = [
        _(T_ALGORITHMS).format(names=", ".join(target.algorithms)),
        _(T_WHY).format(text=said(target.why.text, target.why.text_ko, lang)),
    ]
    lines += [
        _(T_LOOK_AT).format(where=_where(h.where, lang), how=said(h.how, h.how_ko, lang))
        for h in target.look
    ]
    for ref in target.sources:
        source = catalog.source(ref)
        line = _(T_SOURCE).format(title=source.title, where=source.url or source.citation)
        lines.append(line + (f" ({_(T_SECONDARY)})" if not source.confirmed else ""))
        note = said(source.note, source.note_ko, lang)
        if note:
            lines.append("  " + _(T_SOURCE_NOTE).format(text=note))
    return lines


def catalog_markdown(catalog: Any, lang: str | None = None) -> str:
    """A sector catalog as Markdown, in `lang`."""
    _ = gettext_for(lang)
    md = _md
    name = said(catalog.name, catalog.name_ko, lang)
    lines = [f"# {md(name)} (`{md(catalog.id)}` {md(catalog.version)})", ""]
    description = said(catalog.description, catalog.description_ko, lang)
    if description:
        lines += [md(description), ""]
    for t in catalog.targets:
        priority = label(t.priority, lang=lang) if korean(lang) else t.priority
        title = said(t.name, t.name_ko, lang)
        lines += [
            f"## {md(title)} (`{md(catalog.key(t))}`, {priority})",
            "",
            "- " + _(T_ALGORITHMS).format(names=md(", ".join(t.algorithms))),
            "- " + _(T_WHY).format(text=md(said(t.why.text, t.why.text_ko, lang))),
        ]
        lines += [
            "- "
            + _(T_LOOK_AT).format(where=_where(h.where, lang), how=md(said(h.how, h.how_ko, lang)))
            for h in t.look
        ]
        for ref in t.sources:
            source = catalog.source(ref)
            where = md(source.url or source.citation)
            line = "- " + _(T_SOURCE).format(title=md(source.title), where=where)
            lines.append(line + (f" ({_(T_SECONDARY)})" if not source.confirmed else ""))
            note = said(source.note, source.note_ko, lang)
            if note:
                lines.append("  - " + _(T_SOURCE_NOTE).format(text=md(note)))
        lines.append("")
    return "\n".join(lines)
