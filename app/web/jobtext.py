"""A job's stored words (progress messages, errors) read in the page's language.

Jobs write their progress in English as they run (`core.jobs`), on whichever process runs
them; the console reads the known shapes back as sentences of its catalog. An error keeps
the service's own words (they name the file line or JSON path) without the Python class
name in front of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.web.messages import Known, known_sentence
from core.i18n import N_, gettext_for
from inventory.exchange.cbom_import.notes import WHAT, read_warning
from testbed.conformance import details

Gettext = Callable[[str], str]

_PROGRESS: Known = [
    (re.compile(r"^importing (?P<kind>\w+) \((?P<bytes>\d+) bytes\)$"),
     N_("Importing the {kind} file ({bytes} bytes)")),
    (re.compile(r"^planning under (?P<profile>\S+)$"), N_("Planning under {profile}")),
    (re.compile(r"^scanning (?P<n>\d+) (?P<kind>\w+) target\(s\)$"),
     N_("Scanning {n} targets ({kind})")),
    (re.compile(r"^(?P<done>\d+)/(?P<total>\d+) (?P<target>.+)$"),
     N_("{done} of {total} done: {target}")),
    (re.compile(r"^(?P<algorithm>\S+) on (?P<engine>\S+): (?P<operation>\S+)$"),
     N_("{algorithm} on {engine}: {operation}")),
    (re.compile(r"^done$"), N_("Done.")),
    (re.compile(r"^cancelled$"), N_("Cancelled.")),
]  # fmt: skip
# an exception's class name where a job's error starts with it, or after "what: "
_CLASS = re.compile(
    r"(?:(?<=^)|(?<=: ))(?:[a-z_]\w*\.)*(?:[A-Z]\w*(?:Error|Exception)|TooLarge|NotFound|"
    r"Forbidden|Conflict|SessionExpired|RateLimited|JobLimitReached|OracleDisagreement|"
    r"UnknownProfile): "
)


@dataclass(frozen=True)
class Shown:
    text: str
    translated: bool  # False: the service's own words, shown as written


def progress_text(message: str | None, _: Gettext) -> Shown | None:
    if not message:
        return None
    known = known_sentence(_PROGRESS, message)
    if known is None:
        return Shown(message, False)
    msgid, parts = known
    parts = {k: v.upper() if k == "kind" else v for k, v in parts.items()}
    return Shown(_(msgid).format(**parts), True)


def warning_html(line: str, lang: str | None) -> Markup:
    """An import's stored warning in the page's language: its JSON path and the values it
    quotes from the file as code (kept as written), the words translated; a line no template
    of `cbom_import.notes` made is shown whole as code, as written."""
    code = Markup('<code translate="no">{}</code>').format
    found = read_warning(line) if lang not in (None, "en") else None
    if found is None:
        return code(line)
    _ = gettext_for(lang)
    values = {
        k: _(WHAT[v]) if k == "what" and v in WHAT else v if v.isdigit() else code(v)
        for k, v in found.values.items()
    }
    message = Markup(escape(_(found.template))).format(**values)
    more = found.more_text(lang)
    where = code(found.path) + Markup(": ") if found.path else Markup("")
    return where + message + (" " + more if more else "")


def error_text(error: str | None) -> str | None:
    """The error without the exception's class names.

    >>> error_text("it could not start: core.errors.InputError: $.x: bad")
    'it could not start: $.x: bad'
    """
    if not error:
        return None
    return _CLASS.sub("", error)


def case_detail_html(text: str, lang: str | None) -> Markup:
    """A graded case's detail (or a standing's basis) in the page's language
    (`testbed.conformance.details`): a citation or an engine's error it quotes is marked as
    written; a sentence no template made is shown whole as written (`lang="en"`)."""
    verbatim = Markup('<span lang="en" translate="no">{}</span>').format
    if lang in (None, "en") or not text:
        return verbatim(text)
    keep = Markup('<span translate="no">{}</span>').format
    shown = details.translate_with(text, lang, verbatim, keep, lambda t: Markup(escape(t)))
    return verbatim(text) if shown is None else Markup(shown)
