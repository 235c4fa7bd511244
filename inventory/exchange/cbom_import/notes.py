"""The import's warnings: what the document says that the model cannot hold, each naming a
JSON path. Repeats of the same field (same path up to list indexes) are counted in one line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from functools import lru_cache

from core.i18n import N_, Sentences, gettext_for, templates_in
from inventory.exchange.cbom_import.fields import child_path

NOT_HELD = N_("not held by the inventory model")
_INDEX_RE = re.compile(r"\[\d+\]")


class Notes:
    """Warnings in the order first seen; `render` counts the repeats.

    >>> notes = Notes()
    >>> for i in range(3):
    ...     notes.add(f"$.components[{i}].hashes", NOT_HELD)
    >>> notes.render()
    ['$.components[0].hashes: not held by the inventory model (and 2 more like it)']
    """

    def __init__(self) -> None:
        self._order: list[str] = []
        self._first: dict[str, tuple[str, str]] = {}
        self._count: dict[str, int] = defaultdict(int)
        self.kept: set[str] = set()  # paths of crypto components stored verbatim

    def add(self, path: str, message: str, group: str | None = None) -> None:
        if message.startswith(NOT_HELD) and self.kept:
            for part in (".cryptoProperties", ".evidence"):
                if part in path and path.split(part, 1)[0] in self.kept:
                    return  # kept in cbom_extra
        key = (group or "") + "|" + _INDEX_RE.sub("[*]", path) + "|" + (group or message)
        if key not in self._first:
            self._first[key] = (path, message)
            self._order.append(key)
        self._count[key] += 1

    def unread(self, obj: Iterable[str], path: str, read: Container[str]) -> None:
        """Report each key of `obj` the importer does not read as not held."""
        for k in obj:
            if k not in read:
                self.add(child_path(path, k), NOT_HELD)

    def render(self) -> list[str]:
        out = []
        for key in self._order:
            path, message = self._first[key]
            n = self._count[key] - 1
            line = LINE_MORE if n else LINE
            out.append(line.format(path=path, message=message, more=n))
        return out


# The warnings' words, each made from a template here (and read back by the same templates
# to show a stored warning in another language: `warning_in`).
LINE = N_("{path}: {message}")
LINE_MORE = N_("{path}: {message} (and {more} more like it)")
UNKNOWN_PRIMITIVE = N_("unknown primitive {primitive!r}; stored as other")
CERT_FORMAT = N_("certificate format {format!r} is not held by the inventory model")
CERT_NO_SIGNATURE = N_("certificate names no signature algorithm; kept as 'unknown'")
FINGERPRINT = N_("{algorithm} fingerprint not held (only SHA-256 is)")
FINGERPRINT_UNNAMED = N_("unnamed fingerprint not held (only SHA-256 is)")
STATUS_CHANGED = N_(
    "the file says quantum status {status!r} (catalog {version}); the catalog now says {now!r}"
)
REF_SKIPPED = N_("ref {ref!r} names no component in this document; entry skipped")
TARGET_SKIPPED = N_("{kind} names {target!r}, which is no component in this document; skipped")
NESTING = N_(
    "nested under another component: the nesting is not held (imported as an asset of its own)"
)
PROVIDES = N_("'provides' between non-crypto components is not held")
CRYPTO_TO_PLAIN = N_("{kind} from a crypto component to a non-crypto one is not held")
NO_PROVIDER = N_(
    "dependency on {provider!r}, which is no non-crypto component in this document; skipped"
)
MATERIAL = N_("related crypto material of type {type!r} is not held as a crypto usage")
MATERIAL_KEPT = N_(
    "related crypto material of type {type!r} is not held as a crypto usage (kept verbatim "
    "for export)"
)
KEY_MATERIAL = N_("key material is never stored; left out")
SECRET_MATERIAL = N_("secret material is never stored; left out")
SHARED = N_("used by several components; recorded once per component (e.g. {ref!r})")
ORPHANS_METADATA = N_(
    "{count} crypto usage(s) not used by any component were attached to metadata.component "
    "{owner!r}"
)
ORPHANS_SYNTHETIC = N_(
    "{count} crypto usage(s) not used by any component were attached to a synthetic asset {owner!r}"
)
PRE_STANDARD = N_("pre-standard CBOM draft ({format} {spec}) read as CycloneDX {version}")
PROPERTY_NOT_HELD = N_("property {name!r} not held by the inventory model")
NO_BOM_REF = N_("no bom-ref; identified as {ref!r} (a stable name, so a re-import updates it)")
UNKNOWN_PROPERTY = N_("property {name!r} is not a known {namespace} property")
UNKNOWN_TYPE = N_("unknown component type {type!r}; kept as an application asset")
PLAIN_EVIDENCE = N_("evidence of a non-crypto component is not held by the inventory model")
NO_PROPERTIES = N_(
    "cryptographic asset without cryptoProperties; read as an algorithm named by the component name"
)
SUITE_UNMAPPED = N_("cipher suite {suite!r} could not be mapped to algorithms; not held")
PROTOCOL_ONLY = N_(
    "protocol {protocol!r} names no algorithm; recorded as a usage of the protocol itself, "
    "quantum status unknown"
)
DANGLING = N_("{what} {ref!r} names no component in this document")
OTHER_ORGANIZATION = N_(
    "the file describes organization {slug!r}; imported into {org!r}, whose attributes an "
    "import never changes"
)
# the CSV import's warning, a whole line of its own (read back like the others)
CSV_UNKNOWN = N_(
    "line {line}: algorithm '{algorithm}' is not in the catalog; kept and flagged unknown"
)
# words a warning's field may hold, as they are said
WHAT = {"crypto reference": N_("crypto reference"), "algorithm": N_("algorithm")}
MESSAGES = tuple(templates_in(globals(), ("LINE", "LINE_MORE", "MORE", "CSV_UNKNOWN")))
_PATTERNS = {"path": r"\$[^ ]*", "more": r"\d+", "count": r"\d+", "what": r"[^']+?"}


@lru_cache(maxsize=1)
def _lines() -> Sentences:
    return Sentences((LINE, LINE_MORE), _PATTERNS)


@lru_cache(maxsize=1)
def _whole() -> Sentences:
    return Sentences((CSV_UNKNOWN,), {"line": r"\d+"})


@lru_cache(maxsize=1)
def _messages() -> Sentences:
    return Sentences(MESSAGES, _PATTERNS)


@dataclass(frozen=True)
class StoredWarning:
    """A stored warning line read back: its path, the message's template and values, how
    many more like it."""

    path: str
    template: str
    values: dict[str, str]
    more: int

    def message(self, lang: str | None, value: Callable[[str], str] = str) -> str:
        """The message in `lang`; `value` shows each value from the file (quoted names,
        types, refs) and must escape it where the result is markup."""
        _ = gettext_for(lang)
        shown = {
            k: _(WHAT[v]) if k == "what" and v in WHAT else value(v) for k, v in self.values.items()
        }
        return _(self.template).format(**shown)

    def more_text(self, lang: str | None) -> str:
        return gettext_for(lang)(MORE).format(more=self.more) if self.more else ""


MORE = N_("(and {more} more like it)")


def read_warning(line: str) -> StoredWarning | None:
    """A warning line as `Notes.render` wrote it, read by the templates above (None for a
    line none of them made: shown as it was written)."""
    whole = _whole().parse(line)
    if whole is not None:
        return StoredWarning("", whole[0], whole[1], 0)
    outer = _lines().parse(line)
    if outer is None:
        return None
    _template, fields = outer
    message = fields["message"]
    inner = _messages().parse(message)
    if inner is None:
        return None
    return StoredWarning(fields["path"], inner[0], inner[1], int(fields.get("more") or 0))


def warning_in(line: str, lang: str | None) -> str:
    """A stored warning line in `lang`; quoted values, paths and names stay as they are.

    >>> warning_in("$.a: not held by the inventory model (and 2 more like it)", "ko")
    '$.a: 인벤토리 모델에 저장하지 않음 (같은 경고 2건 더)'
    """
    found = read_warning(line) if lang not in (None, "en") else None
    if found is None:
        return line
    more = found.more_text(lang)
    where = f"{found.path}: " if found.path else ""
    return where + found.message(lang) + (f" {more}" if more else "")
