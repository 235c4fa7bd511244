"""A service's error in the reader's language.

Errors are made from templates marked for the catalog (`core.i18n.Said`, `InputError`):
a live error carries its template and fields, and a page translates the template and puts
the fields in; an error stored as English (a failed job's `error`) is read back by the same
templates (`core.i18n.Sentences`), pydantic's own messages by pydantic's templates, mapped
to the catalog's sentence for their type. Values quoted from the input (names, paths,
numbers) stay as written, marked `translate="no"`; other programs' words are said by
`core.their_words`, and a sentence no template made is quoted as a value after a sentence
that says what it is (`UNFORESEEN`), never shown as a sentence of its own.

The templates are found in the source (`error_sites`): every `N_` literal given to an error
(`InputError`, `TooLarge`, `NotJson`, `ProfileError`, `CatalogError`, `Conflict`...) or to
`say`, the module constants of `core.errors`, the failures of `core.jobs` and
`core.their_words`. The same walk lists an error whose message is not marked (a test keeps
that list empty). `scripts/i18n.py update` writes what it finds to `error_templates.json`,
which pages read, so that no request walks the source.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape
from pydantic_core import PydanticKnownError

from app.web.i18n import DEFAULT, translations
from app.web.messages import service_message
from core import errors as core_errors
from core import jobs as core_jobs
from core import their_words as core_their_words
from core.i18n import AS_WRITTEN, N_, Said, Sentences, say
from core.their_words import by_errno

ROOT = Path(__file__).resolve().parents[2]
#: where errors a page can show are raised (the CLI prints its own in English)
SOURCES = ("core", "inventory", "migration", "testbed", "app/api", "app/web", "app/*.py")
#: calls whose first argument is a message a person reads
ERRORS = {
    "InputError", "TooLarge", "NotJson", "ProfileError", "CatalogError", "Conflict",
    "OutOfScope", "UnknownProfile", "NotFound", "Forbidden", "RateLimited", "SessionExpired",
    "ScanFailure", "ProtocolViolation", "InvalidKey", "HTTPException", "OracleDisagreement",
}  # fmt: skip
#: calls whose message is not their first argument (a status comes first)
MESSAGE_AT = {"ScanFailure": 1, "HTTPException": 1}
#: the algorithm catalog's own CatalogError checks the shipped data at start-up
LEFT_OUT = ("inventory/catalog/",)
#: calls that make a message of their own (their `N_` arguments are templates too)
SAYERS = {"say", "Said"}
#: a first argument that is already a said message, or words quoted as written
MADE = {
    "say", "Said", "as_written", "said_of", "pydantic_said", "limit_reached", "their_words",
}  # fmt: skip


def _files() -> Iterator[Path]:
    for source in SOURCES:
        if "*" in source:
            yield from sorted(ROOT.glob(source))
        else:
            yield from sorted((ROOT / source).rglob("*.py"))


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literal_of_n(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Call)
        and _name(node.func) == "N_"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


@dataclass(frozen=True)
class Sites:
    templates: frozenset[str]  # every template an error is made from
    unmarked: tuple[str, ...]  # "path:line: source" of an error whose message is not marked


@lru_cache(maxsize=1)
def error_sites() -> Sites:
    # the shared templates of core.errors, used by name anywhere
    known = {k: v for k, v in vars(core_errors).items() if k.isupper() and isinstance(v, str)}
    templates: set[str] = {*core_jobs.FAILURES, *core_their_words.TEMPLATES}
    unmarked: list[str] = []
    for path in _files():
        if str(path.relative_to(ROOT)).startswith(LEFT_OUT):
            continue
        text = path.read_text()
        if not any(word in text for word in (*ERRORS, "say(")):
            continue
        tree = ast.parse(text)
        local = dict(known)
        for node in tree.body:  # NAME = N_("...") at module level
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                literal = _literal_of_n(node.value)
                if literal is not None and isinstance(node.targets[0], ast.Name):
                    local[node.targets[0].id] = literal
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = _name(node.func)
            if called not in ERRORS and called not in SAYERS:
                continue
            for part in [*node.args, *(k.value for k in node.keywords)]:
                for inner in ast.walk(part):
                    literal = _literal_of_n(inner)
                    if literal is not None:
                        templates.add(literal)
            at = MESSAGE_AT.get(called or "", 0)
            first = node.args[at] if len(node.args) > at else None
            if isinstance(first, ast.Name) and first.id in local:
                templates.add(local[first.id])
            if called not in ERRORS or first is None:
                continue
            if _literal_of_n(first) is not None:
                continue
            if isinstance(first, ast.Name) and first.id in local:
                continue
            if isinstance(first, ast.Call) and _name(first.func) in MADE:
                continue
            if isinstance(first, ast.Attribute) and first.attr == "said":
                continue
            if _has_a_shape(first) or _segment(text, first).startswith(ROLE_REFUSAL):
                continue
            where = path.relative_to(ROOT)
            unmarked.append(f"{where}:{node.lineno}: {ast.get_source_segment(text, node)}")
    templates.discard(AS_WRITTEN)
    templates.discard(core_errors.CHOICES_OR)  # a part of pydantic's words, said where read
    templates.discard(core_errors.CHOICE_LABELLED)
    return Sites(frozenset(templates), tuple(unmarked))


#: a refused role ("role 'auditor' cannot {what}"): `app.web.messages` says each `what`
ROLE_REFUSAL = "f\"role '{"


def _segment(text: str, node: ast.expr) -> str:
    return ast.get_source_segment(text, node) or ""


def _has_a_shape(node: ast.expr) -> bool:
    """A message the console reads by its shape (`app.web.messages`: "asset 7 not found",
    a refused role), whatever its values."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return service_message(node.value) is not None
    if not isinstance(node, ast.JoinedStr):
        return False
    holes = sum(isinstance(v, ast.FormattedValue) for v in node.values)
    for samples in itertools.product(("7", "Asset"), repeat=min(holes, 3)):
        values = iter(samples)
        text = "".join(
            v.value if isinstance(v, ast.Constant) else next(values, "7") for v in node.values
        )
        if service_message(text) is not None:
            return True
    return False


# --- reading stored English back --------------------------------------------------------

_EXAMPLE_CTX = {
    "min_length": 1, "max_length": 1, "field_type": "List", "actual_length": 1, "gt": 1,
    "ge": 1, "lt": 1, "le": 1, "expected": "x", "pattern": "x", "error": "x", "multiple_of": 1,
    "class_name": "x", "attribute": "x", "class": "x", "tag": "x", "discriminator": "x",
    "expected_tags": "x", "max_digits": 1, "decimal_places": 1, "whole_digits": 1,
    "encoding": "x", "tz_expected": 1, "expected_schemes": "x", "expected_version": 1,
    "method_name": "x", "encoding_error": "x", "tz_actual": 1,
}  # fmt: skip
_PYDANTIC_PATTERNS = {"expected_plural": "s?"}
VALUE_ERROR = "Value error, {error}"  # pydantic's words before a validator's own message


@lru_cache(maxsize=1)
def _pydantic() -> tuple[Sentences, dict[str, str]]:
    """Pydantic's own message templates of the types the catalog says, read back to type."""
    by_template = {}
    for kind in core_errors.BY_TYPE:
        by_template[PydanticKnownError(kind, _EXAMPLE_CTX).message_template] = kind  # type: ignore[arg-type]
    return Sentences([*by_template, VALUE_ERROR], _PYDANTIC_PATTERNS), by_template


#: the templates `error_sites` finds, written by `scripts/i18n.py update` so that reading a
#: stored error back needs no walk of the source (a test keeps it equal to a fresh walk)
TEMPLATES_FILE = Path(__file__).with_name("error_templates.json")


def known_templates() -> frozenset[str]:
    """The templates of errors, as last written by `scripts/i18n.py update` (a walk of the
    source when the file is absent)."""
    if TEMPLATES_FILE.is_file():
        return frozenset(json.loads(TEMPLATES_FILE.read_text(encoding="utf-8")))
    return error_sites().templates


def write_templates() -> int:
    found = sorted(error_sites().templates)
    text = json.dumps(found, ensure_ascii=False, indent=0) + "\n"
    TEMPLATES_FILE.write_text(text, encoding="utf-8")
    return len(found)


@lru_cache(maxsize=1)
def _ours() -> Sentences:
    return Sentences(known_templates())


def read_back(text: str) -> Said | None:
    """The `Said` a stored English sentence was made from, its fields read back the same way
    (a nested sentence, a phrase of the catalog); None when no template made it.

    >>> read_back("component type must be a string, not int").template
    '{what} must be a string, not {type}'
    """
    found = _ours().parse(text)
    if found is not None:
        template, fields = found
        return by_errno(Said(template, {k: _field(v) for k, v in fields.items()}, text))
    sentences, by_template = _pydantic()
    found = sentences.parse(text)
    if found is None:
        return None
    template, fields = found
    if template == VALUE_ERROR:
        inner = read_back(fields["error"])
        return None if inner is None else Said(inner.template, inner.fields, text)
    kind = by_template[template]
    said_fields: dict[str, object] = {**fields}
    said_fields["expected"] = core_errors.choices_said(fields.get("expected", ""))
    return Said(core_errors.BY_TYPE[kind], said_fields, text)


def _field(value: str) -> object:
    """A field read back: a sentence or phrase of ours is said again, a value stays."""
    if not re.search(r"[A-Za-z]", value):
        return value
    if translations("ko").gettext(value) != value:
        return say(value)  # a phrase of the catalog ("component type")
    nested = read_back(value) if " " in value else None
    if nested is not None and re.search(r"[A-Za-z]{3}", _literal(nested.template)):
        return nested  # a sentence of ours (or pydantic's) inside another
    return value


def _literal(template: str) -> str:
    return re.sub(r"\{\w*\}", "", template)


# --- HTML ---------------------------------------------------------------------------------

#: words no template made (another program's, or a sentence stored before its template was),
#: said in Korean as what they are, the words themselves quoted as a value
UNFORESEEN = N_("the error, as it was written: {text}")
_keep = Markup('<span translate="no">{}</span>').format
_code = Markup('<code translate="no">{}</code>').format


def said_html(said: object, lang: str | None) -> Markup:
    """`said` in `lang`: the template translated, its values kept as written (`translate="no"`),
    nested sentences translated the same way; English words not ours shown as written. In
    English: the template's own words (a pydantic problem as the catalog says it)."""
    english = lang in (None, "en")
    if not isinstance(said, Said) or said.template == AS_WRITTEN:
        if english:
            return Markup(escape(str(said)))
        lead = translations(lang).gettext(UNFORESEEN)  # names what it is, quotes the words
        return Markup(escape(lead)).format(text=_keep(str(said)))
    _ = translations(DEFAULT if english else lang).gettext
    if not said.fields and _(said.template) == said.template and not english:
        return _keep(str(said))  # a name passed as a phrase (a CycloneDX field): as written
    out = Markup("")
    for text, name, _spec, _conv in string.Formatter().parse(_(said.template)):
        out += escape(text) if english else _identifiers(text)
        if name is not None:
            value = said.fields[name]
            if isinstance(value, Said):
                out += said_html(value, lang)
            else:
                out += escape(str(value)) if english else _keep(str(value))
    return out


# Latin words a translation keeps are names: a field of the format (bom-ref, specVersion,
# depends_on), a standard's or protocol's name, a unit (YYYY-MM-DD, base64, https://)
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_.:/+=~-]*[A-Za-z0-9_/]|[A-Za-z]")


def _identifiers(text: str) -> Markup:
    """Translated words with the Latin words the translation kept marked as written."""
    out, at = Markup(""), 0
    for found in _LATIN.finditer(text):
        out += escape(text[at : found.start()]) + _keep(found.group())
        at = found.end()
    return out + escape(text[at:])


_LOCATIONS = (core_errors.LINE, core_errors.LINE_COLUMN, core_errors.QUERY_PARAMETER)


@lru_cache(maxsize=1)
def _locations() -> Sentences:
    return Sentences(_LOCATIONS, {"line": r"\d+", "column": r"[^']*"})


def location_html(location: str | None, lang: str | None) -> Markup:
    """Where a problem is: a CSV line and column in words, a JSON path or field as code."""
    if not location:
        return Markup("")
    found = _locations().parse(location) if lang not in (None, "en") else None
    if found is None:
        return _code(location)
    template, fields = found
    _ = translations(lang).gettext
    return Markup(escape(_(template))).format(**{k: _code(v) for k, v in fields.items()})


def stored_error_html(text: str, lang: str | None) -> Markup:
    """A stored error ("what: where: message", class names taken out) in `lang`: the message
    read back by its template, what led to it and where it is in words or as code; a
    sentence no template made is shown whole as written."""
    if not text or lang in (None, "en"):
        return Markup(escape(text))
    for found in re.finditer(": ", text):  # what led to it and where, then the message
        head, rest = text[: found.start()], text[found.end() :]
        parts = [_head(part, lang) for part in head.split(": ")]
        if all(p is not None for p in parts) and (said := read_back(rest)) is not None:
            return Markup(": ").join([*parts, said_html(said, lang)])  # type: ignore[list-item]
    said = read_back(text)
    return said_html(text if said is None else said, lang)


_PLACE = re.compile(r"\$\S*|[\w.\[\]\"'-]+")  # a JSON path, a field, `targets[0]`


def _head(part: str, lang: str | None) -> Markup | None:
    """A part before a stored message: a job's step or a place; None for anything else."""
    if part in core_jobs.JOB_STEPS:
        return said_html(say(part), lang)
    if _PLACE.fullmatch(part) or _locations().parse(part) is not None:
        return location_html(part, lang)
    return None


def error_html(said: Said, location: str | None, lang: str | None) -> Markup:
    """A live error with where it is: "where: message" (a JSON path first, as the API says)."""
    message = said_html(said, lang)
    return location_html(location, lang) + Markup(": ") + message if location else message
