"""The planner's reasons in words: every sentence a task, a verdict or a target gives for
itself is made from one of these templates, and read back by the same templates to show a
stored reason in the reader's language (`translate`).

A stored plan keeps its reasons as English sentences (the API's `reasons: list[str]`);
the exports and pages that show them in Korean parse each one against the templates
(`core.i18n.Sentences`), translate its fields (a phase id by its profile's name, a sector
or verdict by its label, a nested reason by these same rules) and format the template's
translation. A sentence no template makes (a version stored before a template changed) is
shown as it was written.

>>> print(translate("wave 2027-Q1 in phase pilot: no provider to wait for", "ko"))
2027-Q1 웨이브(pilot 단계): 기다릴 제공 자산 없음
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from core.i18n import N_, Sentences, gettext_for, label, templates_in
from core.yaml_safe import safe_load
from inventory.catalog import get_catalog
from inventory.discovery.stacks import catalog as stacks

BREAKS_FILE = Path(__file__).resolve().parent / "classical_breaks.yaml"

# --- the scheduler: where a task's wave comes from -------------------------------------
WAVE = N_("wave {wave} in phase {phase}: {why}")
WAITS = N_("waits for provider {provider}")
NO_PROVIDER = N_("no provider to wait for")
FULL = N_("waves {first} to {last} were full ({capacity} effort points per wave)")
OVERSIZE = N_(
    "this unit needs more than the {capacity} points of one wave; it takes a wave of its own"
)
DEADLINE = N_("deadline {deadline} ({profile} {rule}, source {source})")
DEADLINE_UNCONFIRMED = N_(
    "deadline {deadline} ({profile} {rule}, source {source}, date not confirmed)"
)
PILOT = N_("sector {sector} has a {basis} pilot in {year}")
CYCLE = N_("dependency cycle {cycle} is migrated as one unit")
RISK = N_("risk {total}: the parts and their reasons are in `risk`")
BEFORE_START = N_("deadline {deadline} is before the plan starts ({start})")
UNREACHABLE = N_(
    "deadline {deadline} cannot be met even with unlimited capacity: {waves} provider waves "
    "must come first"
)
MISSED = N_(
    "deadline {deadline} missed by {waves} waves: capacity of {capacity} points per wave is "
    "used by earlier or more urgent tasks"
)

# --- the tasks: what a usage needs -------------------------------------------------------
SECTOR_TARGET = N_("sector target {name} ({key}, priority {priority})")
STORED_STATUS = N_("{algorithm} is not in the catalog; its stored status {status} is used")
UNCLASSIFIED = N_(
    "{algorithm} is not classified by the catalog: review it; planned as if quantum-vulnerable"
)
TARGET = N_("target {target}: {reason}")
VERDICT = N_("{verdict}: {reason}")
PREREQUISITE = N_("prerequisite of {count} task(s) of {assets}: they wait for this upgrade")
AND_MORE = N_("{names} and {more} more")

# --- targets: what the profile accepts instead -------------------------------------------
NO_TARGET = N_("{algorithm} is not in the catalog: no target until it is identified")
ACCEPTS_NONE = N_("{profile} accepts none of {names} for {use}")
ACCEPTS_NO_DEFAULT = N_("{profile} accepts none of the planner defaults for {use}")
ACCEPTS = N_("{profile} accepts {names} for {use}")
ACCEPTS_WITH = N_("{profile} accepts {names} for {use} ({parameters})")
PBKDF2_PARAMETERS = N_(
    "PBKDF2-HMAC-SHA-256 per NIST SP 800-132: a random salt of at least 128 bits, an "
    "iteration count as large as the system tolerates and never below 1,000"
)

# --- verdicts: what a profile's table says (migration.policy) ----------------------------
UNKNOWN_ALGORITHM = N_(
    "{algorithm} is not in the algorithm catalog: it cannot be judged; review it"
)
SILENT_SCHEDULE = N_(
    "{profile} has no algorithm table for {use}; {algorithm} is {status} by a quantum "
    "computer, so the profile's schedule applies: by {when}"
)
SILENT_ACCEPTABLE = N_(
    "{profile} has no algorithm table for {use}; {algorithm} is {status} against a quantum "
    "computer and no rule of the profile names it"
)
NOT_ALLOWED_SINCE = N_("{profile} does not allow {algorithm} for {use} since {since}")
HYBRID_ONLY = N_(
    "{profile} allows {algorithm} for {use} only inside a hybrid (with a classical scheme), "
    "not alone"
)
ALLOWS = N_("{profile} allows {algorithm} for {use}")
ALLOWS_HYBRID_PREFERRED = N_("{profile} allows {algorithm} for {use}; a hybrid form is preferred")
ALLOWED_UNTIL = N_("{profile} allowed {algorithm} for {use} until {until}: {after} since")
ALLOWS_UNTIL = N_("{profile} allows {algorithm} for {use} until {until}, {after} after")
PQ_PART_NOT_ALLOWED = N_("its post-quantum part {parts} is not allowed by {profile} for {use}")
FORBIDS_HYBRIDS = N_("{profile} forbids hybrids for {use}")
HYBRID_JUDGED = N_("{algorithm} is a hybrid; judged by its post-quantum part {parts}: {reason}")
NOT_LISTED = N_("{profile} does not list {algorithm} for {use}")
UNLISTED_SINCE = N_("{not_listed}; it approves only what it lists, since {since}")
UNLISTED_SCHEDULE = N_("{not_listed}; the profile's schedule for this usage ends {when}")
UNLISTED_REVIEW = N_(
    "{not_listed}, and it names no date for it: not acceptable as it stands; review it"
)

# --- risk: the parts of a score (migration.risk) ------------------------------------------
RANK_NONE = N_("{kind} {value} is not ordered by the profile")
RANK = N_("{kind} {value} is #{rank} in the profile's {kind} order")
IMPACT = N_("migrating this asset unblocks {count} dependent assets")
NO_IMPACT = N_("no other asset waits for this one")
DEVICES_PAST = N_("devices in the field until {until}, {past} y past a CRQC in {crqc}")
DEVICES_BEFORE = N_("devices in the field until {until}, before a CRQC in {crqc}")
SECRETS_PAST = N_("secrets kept until {until}, {past} y past a CRQC")
TARGET_KEY = N_("sector target {key}, priority {priority}")
SHOR = N_("{algorithm} is broken by Shor's algorithm on a CRQC")
GROVER = N_("{algorithm} is weakened by Grover's algorithm")
SUSPECT = N_("{algorithm} is not in the catalog; treated as suspect")
HYBRID_SAFE = N_("{algorithm} is a hybrid; safe while either part holds")
RESISTANT = N_("{algorithm} is quantum-resistant")
HARVEST = N_(
    "{use} protects {sensitivity} data that must stay secret {years} years: traffic recorded "
    "today can be decrypted later (harvest now, decrypt later)"
)
NOT_CONFIDENTIAL = N_("not a confidentiality use: recorded data is not at risk")
NO_LONG_SECRETS = N_("no long-lived secret data exposed to harvest-now-decrypt-later")
MOSCA_SAFE = N_("already quantum-safe: Mosca's inequality does not apply")
MOSCA_OVER = N_(
    "Mosca: secrecy {x} y + migration {y} y = {total} y exceeds the {z} y until a CRQC in "
    "{crqc} by {over} y"
)
MOSCA_FITS = N_(
    "Mosca: secrecy {x} y + migration {y} y = {total} y fits in the {z} y until a CRQC in "
    "{crqc} with {margin} y to spare"
)
EXPOSED = N_("the asset is {exposure}")
CRITICALITY = N_("criticality is {criticality}")
NOT_CLASSICAL = N_("{algorithm} is not broken by classical attacks")

# --- classical breaks (migration.legacy) -------------------------------------------------
CLASSICAL = N_(
    "{algorithm} is broken by classical attacks today ({why}): migrate it now, whatever the "
    "quantum timeline"
)
CLASSICAL_RULED = N_(
    "{algorithm} is broken by classical attacks today ({why}); {rule_text}: migrate it now, "
    "whatever the quantum timeline"
)
BREAK_RULE = N_("{rule}; disallowed since {since}")
TOO_FEW_BITS = N_("{bits}-bit strength, below the {minimum} bits NIST SP 800-131A allows")
MARKED_BROKEN = N_("the catalog marks it classically broken")

TEMPLATES = tuple(t for t in templates_in(globals()) if "{" in t) + stacks.SENTENCES

# words a field holds, as the reasons say them
_WORDS = {
    "use": {
        "key establishment": N_("key establishment"),
        "software signing": N_("software signing"),
    },
    "basis": {"planned": N_("planned (a pilot)"), "as_run": N_("run (a pilot)")},
    "after": {
        "deprecated": N_("deprecated (after its end date)"),
        "disallowed": N_("disallowed (after its end date)"),
    },
}
# fields whose value is a sentence of its own, read by the same templates
_NESTED = frozenset({"why", "reason", "not_listed", "assets", "rule_text"})
# fields shown by their label (a stored value: sector, verdict, status...)
_LABELLED = frozenset({"sector", "priority", "verdict", "status", "sensitivity", "criticality"})
_SPACED = frozenset({"use", "exposure"})  # a stored value with its "_" said as " "
_PATTERNS = {
    "verdict": "migrate-now|migrate|review|acceptable",
    "status": "broken|weakened|unknown|hybrid|resistant|safe",
    "after": "deprecated|disallowed",
    "basis": r"planned|as_run",
    "wave": r"\d{4}-Q\d",
    "first": r"\d{4}-Q\d",
    "last": r"\d{4}-Q\d",
    "deadline": r"\d{4}-\d\d-\d\d",
    "since": r"\d{4}-\d\d-\d\d",
    "until": r"\d{4}(?:-\d\d-\d\d)?",
    "when": r"\d{4}-\d\d-\d\d",
    "start": r"\d{4}-\d\d-\d\d",
    "year": r"\d{4}",
    "capacity": r"\d+",
    "waves": r"\d+",
    "count": r"\d+",
    "more": r"\d+",
    "bits": r"\d+",
    "rank": r"\d+",
    "past": r"\d+",
    "crqc": r"\d{4}",
    "years": r"\d+",
    "x": r"\d+",
    "y": r"\d+",
    "z": r"-?\d+",
    "over": r"\d+",
    "margin": r"\d+",
    "kind": "sector|tier",
    "key": r"[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*",
    "value": r"\S+",
    "minimum": r"\d+",
    "total": r"[\d.e+-]+",
    "algorithm": r"[^;:]+?",
    "profile": r"[^;:\s]+",
}


@lru_cache(maxsize=1)
def sentences() -> Sentences:
    """The templates, compiled; a classical break's rule is one of the data file's rules (a
    catalog note before it may hold "); " itself)."""
    rules = "|".join(re.escape(rule) for rule in _break_rules())
    rule_text = rf"(?:{rules}); disallowed since \d{{4}}-\d\d-\d\d"
    return Sentences(TEMPLATES, {**_PATTERNS, "rule_text": rule_text})


PhaseName = Callable[[str], str]


def translate(text: str, lang: str | None, phase_name: PhaseName | None = None) -> str:
    """A reason in `lang`: the template that made it, translated, with its fields shown in
    that language (`phase_name`: a phase id as its profile names it, else its label)."""
    if lang in (None, "en"):
        return text
    return _translate(text, lang, phase_name, 0)


def translate_part(part: str, text: str, lang: str | None) -> str:
    """A risk part's reason in `lang` (`migration.risk`): the sector target's part is its
    target's name, a colon, then its sentences joined by "; "."""
    if lang in (None, "en") or not text:
        return text
    if part != "target":
        return _translate(text, lang, None, 0)
    name, _, said = text.partition(": ")
    pieces = said.split("; ")
    found = sentences().parse(pieces[-1])
    if found is not None and found[0] == TARGET_KEY:
        name = _target_name(found[1]["key"], lang) or name
    return f"{name}: " + "; ".join(_translate(p, lang, None, 0) for p in pieces)


def _translate(text: str, lang: str, phase_name: PhaseName | None, depth: int) -> str:
    _ = gettext_for(lang)
    exact = _(text)
    if exact != text or depth > 4:
        return exact
    found = sentences().parse(text)
    if found is None:
        return _classical_rule(text, lang)
    template, fields = found
    shown = {k: _field(k, v, lang, phase_name, depth) for k, v in fields.items()}
    if template == SECTOR_TARGET:
        shown["name"] = _target_name(fields["key"], lang) or fields["name"]
    return _(template).format(**shown)


@lru_cache(maxsize=2)
def _catalog_notes(lang: str) -> dict[str, str]:
    """The algorithm catalog's notes (as a classical break's reason quotes them) in `lang`,
    where an entry gives them (`notes_ko`)."""
    if lang != "ko":
        return {}
    catalog = get_catalog()
    entries = (catalog.get(n) for n in catalog.names())
    return {
        e.notes.rstrip("."): e.notes_ko.rstrip(".")
        for e in entries
        if e is not None and e.notes and e.notes_ko
    }


def _target_name(key: str, lang: str) -> str | None:
    """A built-in sector target's name in `lang` (`catalog/target`; an organization's own
    catalog is not read here, so its targets keep the names it gave them)."""
    from migration.sectors.loader import builtin_catalogs

    catalog_id, _, target_id = key.partition("/")
    catalog = builtin_catalogs().get(catalog_id)
    target = next((t for t in catalog.targets if t.id == target_id), None) if catalog else None
    return target.name_ko if target is not None and lang == "ko" else None


def _field(name: str, value: str, lang: str, phase_name: PhaseName | None, depth: int) -> str:
    if name == "why":  # a classical break: the template's words, or the catalog's notes
        return _catalog_notes(lang).get(value) or _translate(value, lang, phase_name, depth + 1)
    if name in _NESTED:
        return _translate(value, lang, phase_name, depth + 1)
    word = _WORDS.get(name, {}).get(value)
    if word is not None:
        return gettext_for(lang)(word)
    if name == "phase":
        return phase_name(value) if phase_name else label(value, lang=lang)
    if name in _LABELLED:
        return label(value, lang=lang)
    if name in _SPACED:
        return label(value.replace(" ", "_"), lang=lang)
    if name == "kind":
        return label(value, lang=lang)
    if name == "value":
        return label(value, lang=lang)
    if name in ("what", "parameters"):
        return gettext_for(lang)(value)
    if name == "rule":
        return _classical_rule(value, lang)
    return value


def _classical_rule(text: str, lang: str) -> str:
    """A classical-break rule's sentence (`classical_breaks.yaml`) in `lang`, where the
    file gives it; any other text as it is."""
    return (_break_rules().get(text) if lang == "ko" else None) or text


@lru_cache(maxsize=1)
def _break_rules() -> dict[str, str]:
    """Each rule's sentence and its `rule_ko`, read from the file `migration.legacy` loads
    and validates (read here too: legacy makes its sentences from these templates)."""
    data = safe_load(BREAKS_FILE.read_text(encoding="utf-8"))
    return {str(r["rule"]): str(r.get("rule_ko") or "") for r in data["rules"]}
