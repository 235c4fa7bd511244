"""Keep the message catalogs in step with the code.

    .venv/bin/python scripts/i18n.py update   # add new messages (empty), drop unused ones
    .venv/bin/python scripts/i18n.py missing  # list messages still untranslated

Two catalogs per language: the shared one in core (labels, reasons, export headings) and the
console's own (page prose); a message the shared catalog holds is not repeated in the
console's. Translate the empty `msgstr ""` entries `update` leaves, then run the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.web import i18n

LANGS = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT]


def _load(po: Path, lang: str) -> Catalog:
    if po.is_file():
        with po.open("rb") as fh:
            return read_po(fh, locale=lang)
    return Catalog(locale=lang, project="pqcplan", fuzzy=False)


def _sync(po: Path, lang: str, wanted: set[str]) -> tuple[int, int]:
    catalog = _load(po, lang)
    have = {m.id for m in catalog if m.id}
    added = removed = 0
    for message in sorted(wanted - have):
        catalog.add(message, "")
        added += 1
    for message in sorted(have - wanted, key=str):
        if isinstance(message, str):
            catalog.delete(message)
            removed += 1
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, omit_header=False)
    return added, removed


def update() -> None:
    for lang in LANGS:
        shared = i18n.core_messages()
        added, removed = _sync(i18n.core_po(lang), lang, shared)
        print(f"{i18n.core_po(lang)}: added {added}, removed {removed}")
        web = i18n.web_messages() - shared
        added, removed = _sync(i18n.web_po(lang), lang, web)
        print(f"{i18n.web_po(lang)}: added {added}, removed {removed}")
    from app.web import errortext  # the error templates pages read stored errors back by

    print(f"{errortext.TEMPLATES_FILE}: {errortext.write_templates()} templates")


def missing() -> int:
    count = 0
    for lang in LANGS:
        for message in i18n.untranslated(lang):
            print(f"{lang}: {message}")
            count += 1
    return 1 if count else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "missing"
    if command == "update":
        update()
    else:
        sys.exit(missing())
