"""English and Korean: Babel message catalogs (`locale/<lang>/LC_MESSAGES/messages.po`).

The .po files are the source; they are compiled in memory with Babel at first use, so no
binary .mo has to be kept in step with them. English is the catalog's own msgids.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT = "en"
COOKIE = "pqcplan_lang"


@lru_cache
def translations(lang: str) -> NullTranslations:
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT or not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def pick(query_lang: str | None, cookie_lang: str | None, accept: str | None) -> str:
    """The ?lang= switch, then the cookie, then the browser's Accept-Language."""
    for lang in (query_lang, cookie_lang):
        if lang in LANGUAGES:
            return lang
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def enum_messages() -> set[str]:
    """Enum values the templates translate with `_(value)` (statuses, sectors, kinds...)."""
    from core import choices as core_choices
    from core.models import JobStatus
    from inventory import choices
    from migration.models import TaskStatus

    out: set[str] = set()
    for name in (
        "QuantumStatus",
        "Exposure",
        "Criticality",
        "Environment",
        "AssetType",
        "DependencyKind",
    ):
        out |= {e.value for e in getattr(choices, name)}
    out |= {e.value for e in (*core_choices.Sector, *core_choices.Role)}
    out |= {e.value for e in JobStatus}
    out |= {e.value for e in TaskStatus}
    out |= {"sector", "asset_type", "exposure", "criticality", "environment", "quantum_status"}
    return out


def template_messages() -> set[str]:
    """Every literal msgid in the templates, found by Jinja's Babel extractor."""
    from jinja2.ext import babel_extract

    out: set[str] = set()
    for path in sorted((Path(__file__).parent / "templates").glob("*.html")):
        with path.open("rb") as fh:
            for _, _, message, _ in babel_extract(fh, ("_", "gettext", "ngettext"), [], {}):
                if isinstance(message, str):
                    out.add(message)
                elif isinstance(message, tuple):  # ngettext: singular and plural
                    out |= {m for m in message if isinstance(m, str)}
    return out


def untranslated(lang: str) -> list[str]:
    """Messages with no translation in `lang`'s catalog (a test keeps this empty)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    have = {m.id for m in catalog if m.id and m.string}
    return sorted((template_messages() | enum_messages()) - have)
