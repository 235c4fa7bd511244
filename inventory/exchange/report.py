"""What an import reports: rows created and updated, warnings and unknown algorithms.

The API and the CLI answer with the report as JSON (`dataclasses.asdict`); its integers
are what the audit log keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportCounts:
    """Rows an import created or updated (CBOM and CSV alike)."""

    assets_created: int = 0
    assets_updated: int = 0
    usages_created: int = 0
    usages_updated: int = 0
    dependencies_created: int = 0


@dataclass
class ImportReport(ImportCounts):
    """A CBOM import: warnings name a JSON path each."""

    warnings: list[str] = field(default_factory=list)
    unknown_algorithms: list[str] = field(default_factory=list)


@dataclass
class CsvImportReport(ImportCounts):
    """A CSV import: `rows` read; warnings name a line each."""

    rows: int = 0
    unknown_algorithms: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
