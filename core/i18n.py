"""Translations every face shares: labels of stored values, the catalog's reasons, export
headings. The Babel catalog `core/locale/<lang>/LC_MESSAGES/pqcplan.po` is the source; it is
compiled in memory at first use. English is the catalog's own msgids.

The web console keeps its own catalog for its pages (`app/web/locale`) and falls back to
this one; exports (`migration.report`) and the catalog's reasons read this one directly,
since neither may import `app`.
"""

from __future__ import annotations

import io
import re
import string
from collections.abc import Callable, Container, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from core.labels import label as english_label

if TYPE_CHECKING:
    from babel.support import NullTranslations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "pqcplan"
LANGUAGES = ("en", "ko")
DEFAULT = "en"
Gettext = Callable[[str], str]


def compile_po(po: Path, lang: str) -> NullTranslations:
    """A .po file as translations, compiled in memory (no .mo kept beside it)."""
    from babel.messages.mofile import write_mo  # Babel is loaded by the first translation
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    if lang == DEFAULT or not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


@lru_cache
def translations(lang: str) -> NullTranslations:
    return compile_po(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po", lang)


def gettext_for(lang: str | None) -> Gettext:
    """The gettext of a language (English, the msgids themselves, for None or unknown)."""
    if lang not in LANGUAGES or lang == DEFAULT:
        return _same
    return translations(lang).gettext


def _same(message: str) -> str:
    return message


def label(value: object, kind: str | None = None, lang: str | None = None) -> str:
    """A stored value's human label in `lang` ("CA / PKI", "CA/PKI").

    >>> label("ca_pki"), label("ca_pki", lang="ko")
    ('CA / PKI', 'CA/PKI')
    """
    return gettext_for(lang)(english_label(value, kind))


def N_(message: str) -> str:
    """Marks a message for the catalog where it is defined; it is translated where shown."""
    return message


def templates_in(namespace: Mapping[str, object], leave_out: Container[str] = ()) -> list[str]:
    """The message templates a module names in capitals (`WAVE = N_("wave {wave}...")`),
    in the order they are defined: `templates_in(globals())` at the end of the module.

    >>> templates_in({"A": "a {x}", "B": 2, "_c": "c", "D": "d"}, leave_out={"D"})
    ['a {x}']
    """
    return [
        value
        for name, value in namespace.items()
        if name.isupper() and isinstance(value, str) and name not in leave_out
    ]


class Sentences:
    """Sentences made from message templates (`N_("wave {wave} in phase {phase}: {why}")`)
    and read back by the same templates, so a sentence stored in English can be shown in
    another language: `parse` gives the template and its fields, the caller translates the
    fields and formats the template's translation. The templates are the one source of the
    words; no English is matched by hand.

    >>> s = Sentences(["wave {wave}: {why}", "no provider"], {"wave": r"\\d{4}-Q\\d"})
    >>> s.parse("wave 2027-Q1: no provider")
    ('wave {wave}: {why}', {'wave': '2027-Q1', 'why': 'no provider'})
    >>> s.parse("something else") is None
    True
    """

    def __init__(self, templates: Iterable[str], patterns: dict[str, str] | None = None) -> None:
        patterns = patterns or {}
        compiled = []
        for template in set(templates):
            regex, literal, seen = [], 0, set()
            for text, name, spec, _conv in string.Formatter().parse(template):
                regex.append(re.escape(text))
                literal += len(text)
                if name is not None:
                    if spec or not name.isidentifier():
                        raise ValueError(f"template {template!r}: plain fields only ({name})")
                    if name in seen:  # a field said twice holds the same words twice
                        regex.append(f"(?P={name})")
                    else:
                        regex.append(f"(?P<{name}>{patterns.get(name, '.+?')})")
                        seen.add(name)
            compiled.append((literal, template, re.compile("".join(regex), re.DOTALL)))
        # the most specific template first: the one with the most words of its own
        compiled.sort(key=lambda c: (-c[0], c[1]))
        self.compiled = [(t, r) for _, t, r in compiled]

    def parse(self, text: str) -> tuple[str, dict[str, str]] | None:
        for template, regex in self.compiled:
            match = regex.fullmatch(text)
            if match is not None:
                return template, match.groupdict()
        return None


class Said(str):
    """English words made from a marked template (`N_`) and its fields, keeping both so a
    page can say the same in another language: the template is translated and the fields put
    in (a field that is itself `Said` is translated the same way; others are names, values
    and numbers quoted as written). `str` of it is the English, so APIs, logs and stored
    rows keep what they always had.

    >>> s = say(N_("{what} is missing"), what=say(N_("component name")))
    >>> s, s.template, s.fields["what"].template
    ('component name is missing', '{what} is missing', 'component name')
    """

    template: str
    fields: dict[str, object]

    def __new__(cls, template: str, fields: Mapping[str, object] | None = None,
                english: str | None = None) -> Said:  # fmt: skip
        fields = dict(fields or {})
        said = super().__new__(cls, template.format(**fields) if english is None else english)
        said.template, said.fields = template, fields
        return said

    def __reduce__(self) -> tuple[type[Said], tuple[str, dict[str, object], str]]:
        # to another process (a scan spread over processes) with its template and fields
        return Said, (self.template, self.fields, str(self))


def say(template: str, **fields: object) -> Said:
    """`template` (marked with `N_` where it is written) said with `fields`."""
    return Said(template, fields)


#: a problem and what led to it ("ML-KEM-768 public key rejected: <the binding's words>"):
#: no words of its own to translate, so not a template of the catalog (nor read back by one)
JOINED = "{what}: {reason}"

#: words that are not ours (an engine's, the OS's, a library's own error): shown as written
AS_WRITTEN = "{text}"


def as_written(text: str) -> Said:
    return Said(AS_WRITTEN, {"text": text})
