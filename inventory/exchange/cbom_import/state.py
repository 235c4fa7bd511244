"""What the per-type builders share while they turn components into rows: the asset and
usage rows made so far, and the links between components that decide which asset owns a
usage (`dependsOn` / `provides` edges, crypto-to-crypto references, folded components).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import inventory.exchange.cbom_import.notes as N
from core.errors import InputError
from core.i18n import N_, say
from inventory.choices import CryptoFunction, DependencyKind, Source
from inventory.exchange.cbom_import.parser import Component, Parser


@dataclass
class Usage:
    """A crypto usage row before its owner and classification are known."""

    ref: str
    anchor: str  # the component whose owner this usage belongs to
    path: str
    row: dict[str, Any]
    curve: str | None = None
    oid: str | None = None
    ours: bool = False
    protocol_only: bool = False  # a protocol naming no algorithm: nothing to classify


class BuildState:
    def __init__(self, p: Parser) -> None:
        self.p = p
        self.notes = p.notes
        self.assets: dict[str, dict[str, Any]] = {}
        self.usages: dict[str, Usage] = {}
        self.consumed: set[str] = set()  # algorithm/key refs folded into another usage
        self.owner_depends: dict[str, list[str]] = defaultdict(list)
        self.owner_provides: dict[str, list[str]] = defaultdict(list)
        self.crypto_referrers: dict[str, list[str]] = defaultdict(list)
        self.key_algorithm: dict[str, str] = {}  # key ref -> algorithm ref (via dependsOn)
        self.library_of: dict[str, str] = {}  # crypto ref -> library component ref
        self.protocol_of: dict[str, str] = {}  # cert/key ref -> protocol string
        self.edges: list[tuple[str, str, str]] = []  # (dependent, provider, path)
        self.dependencies: dict[tuple[str, str, DependencyKind], tuple[str | None, str]] = {}
        # crypto -> crypto dependsOn / provides, per source ref and kind
        self.crypto_links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    def base_row(self, comp: Component, evidence_path: str) -> dict[str, Any]:
        """A usage row with what every kind of component fills the same way."""
        pr = comp.props
        evidence = pr.get("evidence")
        if evidence is None and not comp.ours:
            evidence = (f"{self.p.source_name} " if self.p.source_name else "") + evidence_path
            occ = self._occurrences(comp)
            if occ:
                evidence += "; seen at " + ", ".join(occ)
        return {
            "ref": comp.ref,
            "algorithm_raw": None,
            "primitive": None,
            "function": pr.get("function"),
            "protocol": pr.get("protocol"),
            "key_size": pr.get("key_size"),
            "parameter_set": None,
            "mode": pr.get("mode"),
            "padding": pr.get("padding"),
            "library": pr.get("library"),
            "library_version": pr.get("library_version"),
            "cert_subject": None,
            "cert_issuer": None,
            "cert_serial": pr.get("cert_serial"),
            "cert_not_before": None,
            "cert_not_after": None,
            "cert_fingerprint_sha256": pr.get("cert_fingerprint_sha256"),
            "cert_public_key_algorithm": pr.get("cert_public_key_algorithm"),
            "source": pr.get("source") or Source.CBOM,
            "evidence": evidence,
            "first_seen": pr.get("first_seen") or self.p.seen_at,
            "last_seen": pr.get("last_seen") or self.p.seen_at,
            "notes": pr.get("notes"),
            "cbom_extra": None,
        }

    def _occurrences(self, comp: Component) -> list[str]:
        """Where a scanner saw the component (`evidence.occurrences`), as `file:line:offset`."""
        ev = comp.data.get("evidence")
        if not isinstance(ev, dict):
            return []
        out = []
        self.notes.unread(ev, comp.path + ".evidence", ("occurrences",))
        occs = ev.get("occurrences")
        for occ in occs if isinstance(occs, list) else []:
            if not isinstance(occ, dict) or not isinstance(occ.get("location"), str):
                continue
            text = occ["location"]
            if occ.get("line") is not None:
                text += f":{occ['line']}"
                if occ.get("offset") is not None:
                    text += f":{occ['offset']}"
            if isinstance(occ.get("additionalContext"), str):
                text += f" ({occ['additionalContext']})"
            out.append(text)
        return out

    def new_usage(
        self,
        ref: str,
        anchor: str,
        path: str,
        row: dict[str, Any],
        comp: Component,
        curve: str | None,
        oid: str | None,
    ) -> Usage:
        if ref == comp.ref and comp.props.get("ref"):
            ref = comp.props["ref"]
        row["ref"] = ref
        if row["function"] is None:
            row["function"] = CryptoFunction.OTHER
        usage = self.usages[ref] = Usage(
            ref=ref, anchor=anchor, path=path, row=row, curve=curve, oid=oid, ours=comp.ours
        )
        return usage

    def resolve(self, ref: Any, path: str, what: str) -> Component | None:
        """The component a reference names; a dangling one is a warning, not an error."""
        if ref is None:
            return None
        if not isinstance(ref, str):
            raise InputError(
                N_("{what} must be a bom-ref string"),
                path,
                what=say(N.WHAT[what]) if what in N.WHAT else what,
            )
        target = self.p.comps.get(ref)
        if target is None:
            self.notes.add(path, N.DANGLING.format(what=what, ref=ref))
        return target
