"""Classification: every usage gets the catalog's canonical name, quantum status and reason
(`Catalog.classify`, memoized on its inputs; a name the catalog does not know is retried by
the component's OID). Names it does not know are kept, flagged unknown and listed. When our
own file states another quantum status than the catalog now gives, the catalog wins and a
warning says so.
"""

from __future__ import annotations

from typing import Any

import inventory.exchange.cbom_import.notes as N
from inventory.catalog import get_catalog
from inventory.choices import QuantumStatus
from inventory.exchange.cbom_import.ownership import Owned
from inventory.exchange.cbom_import.parser import Parser

_Verdict = tuple[str, QuantumStatus, str]  # canonical name, status, reason


class _Classifier:
    """The catalog's verdict, memoized on its inputs (a 100k-component CBOM repeats
    algorithms); a name the catalog does not know is retried by the component's OID."""

    def __init__(self) -> None:
        self.catalog = get_catalog()
        self.cache: dict[tuple[Any, ...], _Verdict] = {}

    def _run(self, raw: str, row: dict[str, Any], curve: str | None) -> _Verdict:
        result = self.catalog.classify(
            raw,
            key_size=row["key_size"],
            parameter_set=row["parameter_set"],
            curve=curve,
            primitive=row["primitive"],
        )
        return result.canonical, result.status, result.reason

    def __call__(self, row: dict[str, Any], curve: str | None, oid: str | None) -> None:
        key = (
            row["algorithm_raw"],
            row["key_size"],
            row["parameter_set"],
            row["primitive"],
            curve,
            oid,
        )
        result = self.cache.get(key)
        if result is None:
            result = self._run(row["algorithm_raw"], row, curve)
            if result[1] is QuantumStatus.UNKNOWN and oid:
                by_oid = self._run(oid, row, curve)
                if by_oid[1] is not QuantumStatus.UNKNOWN:
                    result = by_oid
            self.cache[key] = result
        row["algorithm"], row["quantum_status"], row["status_reason"] = result
        row["catalog_version"] = self.catalog.version


def classify_usages(owned: Owned, parser: Parser) -> list[str]:
    """Classify every owned usage in place; returns the algorithm names the catalog does not
    know, sorted."""
    classify = _Classifier()
    unknown: set[str] = set()
    for usage, _owner in owned:
        row = usage.row
        if usage.protocol_only:
            row["algorithm"] = row["algorithm_raw"][:120]
            row["quantum_status"] = QuantumStatus.UNKNOWN
            row["status_reason"] = (
                f"the protocol {row['protocol']} is recorded without the algorithms it uses "
                "(no cipher suites named): nothing to classify until they are known"
            )
            row["catalog_version"] = classify.catalog.version
        else:
            classify(row, usage.curve, usage.oid)
            if row["quantum_status"] is QuantumStatus.UNKNOWN:
                unknown.add(row["algorithm_raw"])
        comp = parser.comps.get(usage.anchor)
        comp_props = comp.props if comp is not None else {}
        fs = comp_props.get("quantum_status")
        if fs is not None and fs != row["quantum_status"]:
            parser.notes.add(
                usage.path,
                N.STATUS_CHANGED.format(
                    status=fs.value,
                    version=comp_props.get("catalog_version") or "?",
                    now=row["quantum_status"].value,
                ),
                group="status-drift",
            )
    return sorted(unknown)
