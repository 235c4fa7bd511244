"""English and Korean: Babel message catalogs.

Two catalogs, both `.po` sources compiled in memory at first use (no binary .mo to keep in
step): the console's own (`app/web/locale/<lang>/LC_MESSAGES/messages.po`: page prose) and
the shared one in core (`core/locale`: labels of stored values, the catalog's reasons,
export headings), which the console falls back to. English is the catalogs' own msgids.

`scripts/i18n.py update` adds new messages to the catalogs; a test keeps every message
translated (`untranslated`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from babel.support import NullTranslations

from core import i18n as core_i18n
from core.labels import LABELS

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
LOCALE_DIR = HERE / "locale"
LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT = "en"
COOKIE = "pqcplan_lang"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def web_po(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def core_po(lang: str) -> Path:
    return core_i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{core_i18n.DOMAIN}.po"


@lru_cache
def translations(lang: str) -> NullTranslations:
    """The console's catalog, falling back to the shared one in core."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return NullTranslations()
    web = core_i18n.compile_po(web_po(lang), lang)
    web.add_fallback(core_i18n.translations(lang))
    return web


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


# --- what the catalogs must hold ---------------------------------------------------------


def _python_messages(paths: Iterable[Path]) -> Iterator[str]:
    """Literal msgids of `_()`, `gettext()`, `N_()` and `ngettext()` calls in Python files."""
    for path in paths:
        with path.open("rb") as fh:
            for _, _, message, _ in extract_python(fh, KEYWORDS, [], {}):
                if isinstance(message, str):
                    yield message
                elif isinstance(message, tuple):
                    yield from (m for m in message if isinstance(m, str))


def template_messages() -> set[str]:
    """Every literal msgid in the templates, found by Jinja's Babel extractor."""
    from jinja2.ext import babel_extract

    out: set[str] = set()
    for path in sorted((HERE / "templates").glob("*.html")):
        with path.open("rb") as fh:
            for _, _, message, _ in babel_extract(fh, ("_", "gettext", "ngettext"), [], {}):
                if isinstance(message, str):
                    out.add(message)
                elif isinstance(message, tuple):  # ngettext: singular and plural
                    out |= {m for m in message if isinstance(m, str)}
    return out


def web_messages() -> set[str]:
    """The console's own messages: templates, the pages' Python, and what the API's own code
    says that a page shows (its errors: `app.web.errortext`)."""
    files = sorted(HERE.glob("*.py")) + sorted((ROOT / "app" / "api").rglob("*.py"))
    return template_messages() | set(_python_messages(files + sorted((ROOT / "app").glob("*.py"))))


def core_messages() -> set[str]:
    """The shared messages: every label, the marked messages of core, inventory and
    migration (reasons, export headings), the catalog's fixed reasons, and the names of the
    built-in profiles and their phases."""
    from inventory.catalog import get_catalog
    from migration.profiles import builtin_profiles

    packages = ("core", "inventory", "migration", "testbed")
    files = [p for pkg in packages for p in (ROOT / pkg).rglob("*.py")]
    catalog = get_catalog()
    fixed = {catalog.get(n).reason_text for n in catalog.names()}  # type: ignore[union-attr]
    profiles = builtin_profiles().values()
    names = {p.name for p in profiles} | {ph.name for p in profiles for ph in p.phases}
    marked = set(_python_messages(sorted(files)))
    return set(LABELS.values()) | marked | {r for r in fixed if r} | names


def _translated(po: Path, lang: str) -> set[str]:
    if not po.is_file():
        return set()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    return {m.id for m in catalog if m.id and m.string and isinstance(m.id, str)}


def untranslated(lang: str) -> list[str]:
    """Messages with no translation in `lang`'s catalogs (a test keeps this empty)."""
    shared = _translated(core_po(lang), lang)
    missing = core_messages() - shared
    missing |= web_messages() - shared - _translated(web_po(lang), lang)
    return sorted(missing)
