"""Import a CycloneDX CBOM (JSON, specVersion 1.4-1.7) into one organization's inventory.

`import_cbom` parses and checks the whole document first (raising `InputError` with the JSON
path of the first problem), then writes with bulk statements. It never commits: the caller's
transaction makes an import land whole or not at all. Rows are matched by `bom-ref`
(asset.ref / usage.ref), so importing the same file twice updates instead of duplicating.

How each CycloneDX field is read, and what the tools that write CBOMs put where:
docs/cbom-import.md. The modules, in the order an import runs them:

- `fields`, `notes`: coercing a JSON value with its path; the warnings list;
- `parser`: the document's frame and every component, with our `pqcplan:*` properties;
- `assets`, `certificate`, `protocol`, `key_material`, `algorithm` (with `state`, what
  they share): rows per component type;
- `dependencies`, `ownership`: links between components, which asset owns a usage, and
  the originals kept verbatim;
- `classify`: the catalog's verdict per usage; `read`: all of the above, no database;
- `writer`: bulk insert and update; `pipeline`: `import_cbom`, reading then writing.

`import_cbom` is loaded on first use (it needs SQLAlchemy): reading a CBOM without a
database (`read.read_cbom`, what `pqcplan judge` does) imports this package too.
"""

from typing import TYPE_CHECKING, Any

from inventory.exchange.report import ImportReport

if TYPE_CHECKING:
    from inventory.exchange.cbom_import.pipeline import import_cbom

__all__ = ["ImportReport", "import_cbom"]


def __getattr__(name: str) -> Any:
    if name == "import_cbom":
        from inventory.exchange.cbom_import.pipeline import import_cbom

        return import_cbom
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
