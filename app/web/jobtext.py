"""A job's stored words (progress messages, errors) read in the page's language.

Jobs write their progress in English as they run (`core.jobs`), on whichever process runs
them; the console reads the known shapes back as sentences of its catalog. An error keeps
the service's own words (they name the file line or JSON path) without the Python class
name in front of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from markupsafe import Markup, escape

from app.web.errortext import said_html
from core import jobs as core_jobs
from core.i18n import Said, Sentences, gettext_for
from inventory.exchange.cbom_import.notes import WHAT, read_warning
from testbed.conformance import details

Gettext = Callable[[str], str]

# an exception's class name where a job's error starts with it, or after "what: "
_CLASS = re.compile(
    r"(?:(?<=^)|(?<=: ))(?:[a-z_]\w*\.)*(?:[A-Z]\w*(?:Error|Exception)|TooLarge|NotFound|"
    r"Forbidden|Conflict|SessionExpired|RateLimited|JobLimitReached|OracleDisagreement|"
    r"UnknownProfile): "
)


@lru_cache(maxsize=1)
def _progress() -> Sentences:
    return Sentences(core_jobs.PROGRESS, core_jobs.PROGRESS_FIELDS)


def progress_html(message: str | None, lang: str | None) -> Markup | None:
    """A running job's progress text in the page's language: every text a job writes is a
    template of `core.jobs.PROGRESS`, read back here with its values kept as written."""
    if not message:
        return None
    found = _progress().parse(message)
    if found is None:  # written by nothing the service has now (an older server's words)
        return said_html(message, lang)
    template, fields = found
    shown = {k: v.upper() if k == "kind" else v for k, v in fields.items()}
    return said_html(Said(template, shown, message), lang)


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
