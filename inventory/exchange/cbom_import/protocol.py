"""Protocol components: one usage per algorithm of the protocol's cipher suites (by
reference, or parsed from IANA suite names) and IKEv2 transforms, with the protocol set. A
protocol naming no algorithm at all is one usage of the protocol itself (primitive other,
quantum status unknown: nothing to classify). `cryptoRefArray` ties certificates and keys to
the protocol without making usages.
"""

from __future__ import annotations

from typing import Any

import inventory.exchange.cbom_import.notes as N
from core.i18n import N_, say
from inventory.choices import Primitive
from inventory.exchange.cbom_common import cipher_suite_algorithms, guess_function, join_protocol
from inventory.exchange.cbom_import.algorithm import read_algorithm
from inventory.exchange.cbom_import.fields import opt_list, opt_obj, opt_str
from inventory.exchange.cbom_import.notes import NOT_HELD
from inventory.exchange.cbom_import.parser import Component
from inventory.exchange.cbom_import.state import BuildState
from inventory.service.refs import fit_ref

PROTOCOL_KEYS = frozenset(
    {"type", "version", "cipherSuites", "cryptoRefArray", "ikev2TransformTypes"}
)


class _ProtocolUsages:
    """Adds the usages of one protocol component, one per algorithm (repeats skipped)."""

    def __init__(self, state: BuildState, comp: Component, ptype: str, protocol: str) -> None:
        self.state, self.comp, self.ptype, self.protocol = state, comp, ptype, protocol
        self.made = 0

    def add(
        self, alg_comp: Component | None, name: str, prim: Primitive | None, path: str, detail: str
    ) -> None:
        state, comp = self.state, self.comp
        key = alg_comp.ref if alg_comp is not None else name
        ref = fit_ref(comp.ref, f"#{key}")
        if ref in state.usages:
            return
        row = state.base_row(comp, path)
        if not comp.ours:
            row["evidence"] = (row["evidence"] or path) + (f" ({detail})" if detail else "")
        row["protocol"] = self.protocol
        curve = oid = None
        if alg_comp is not None:
            state.consumed.add(alg_comp.ref)
            row["algorithm_raw"] = alg_comp.name
            curve, oid = read_algorithm(state, alg_comp, row, prim)
        else:
            row["algorithm_raw"] = name
            row["primitive"] = prim
        if row["function"] is None:
            row["function"] = guess_function(row["primitive"], self.ptype)
        state.new_usage(ref, comp.ref, path, row, comp, curve, oid)
        self.made += 1


def build_protocol(state: BuildState, comp: Component) -> None:
    base = comp.path + ".cryptoProperties.protocolProperties"
    pp = opt_obj(comp.crypto_properties.get("protocolProperties"), base, "protocolProperties")
    state.notes.unread(pp, base, PROTOCOL_KEYS)
    ptype = opt_str(pp.get("type"), base + ".type", say(N_("protocol type"))) or "other"
    version = pp.get("version")
    if isinstance(version, int | float):
        version = str(version)
    version = opt_str(version, base + ".version", say(N_("protocol version")))
    protocol = comp.props.get("protocol") or join_protocol(ptype, version)
    usages = _ProtocolUsages(state, comp, ptype, protocol)
    _cipher_suites(state, usages, pp, base)
    _ikev2_transforms(state, usages, pp, base)
    for j, cref in enumerate(
        opt_list(pp.get("cryptoRefArray"), base + ".cryptoRefArray", "cryptoRefArray")
    ):
        target = state.resolve(cref, f"{base}.cryptoRefArray[{j}]", "crypto reference")
        if target is not None:
            state.protocol_of.setdefault(target.ref, protocol)
            state.crypto_referrers[target.ref].append(comp.ref)
    if not usages.made and not pp.get("cryptoRefArray"):
        _protocol_only(state, comp, ptype, protocol, base)


def _cipher_suites(
    state: BuildState, usages: _ProtocolUsages, pp: dict[str, Any], base: str
) -> None:
    for k, suite in enumerate(
        opt_list(pp.get("cipherSuites"), base + ".cipherSuites", "cipherSuites")
    ):
        spath = f"{base}.cipherSuites[{k}]"
        suite = opt_obj(suite, spath, say(N_("a cipher suite")))
        sname = opt_str(suite.get("name"), spath + ".name", say(N_("cipher suite name")))
        ids = suite.get("identifiers")
        detail = (sname or "") + (
            f" {' '.join(map(str, ids))}" if isinstance(ids, list) and ids else ""
        )
        found = False
        for j, aref in enumerate(
            opt_list(suite.get("algorithms"), spath + ".algorithms", "algorithms")
        ):
            alg = state.resolve(aref, f"{spath}.algorithms[{j}]", "algorithm")
            if alg is not None and alg.crypto:
                usages.add(alg, alg.name, None, spath, detail)
                found = True
        if not found and sname:
            parsed = cipher_suite_algorithms(sname)
            for aname, prim in parsed:
                usages.add(None, aname, prim, spath, detail)
            if not parsed:
                state.notes.add(
                    spath + ".name",
                    N.SUITE_UNMAPPED.format(suite=sname),
                )


def _ikev2_transforms(
    state: BuildState, usages: _ProtocolUsages, pp: dict[str, Any], base: str
) -> None:
    ike = pp.get("ikev2TransformTypes")
    if ike is None:
        return
    ike = opt_obj(ike, base + ".ikev2TransformTypes", "ikev2TransformTypes")
    for tname, refs in ike.items():
        tpath = f"{base}.ikev2TransformTypes.{tname}"
        if not isinstance(refs, list):
            if tname != "esn":
                state.notes.add(tpath, NOT_HELD)
            continue
        for j, aref in enumerate(refs):
            if not isinstance(aref, str):
                state.notes.add(f"{tpath}[{j}]", NOT_HELD)
                continue
            alg = state.resolve(aref, f"{tpath}[{j}]", "algorithm")
            if alg is not None and alg.crypto:
                usages.add(alg, alg.name, None, tpath, f"IKEv2 {tname}")


def _protocol_only(
    state: BuildState, comp: Component, ptype: str, protocol: str, base: str
) -> None:
    """A row of its own, so the inventory shows the protocol; classification says unknown
    instead of guessing an algorithm."""
    row = state.base_row(comp, comp.path)
    row["protocol"] = protocol
    row["algorithm_raw"] = comp.props.get("algorithm_raw") or protocol
    row["primitive"] = Primitive.OTHER
    if row["function"] is None:
        row["function"] = guess_function(Primitive.OTHER, ptype)
    state.new_usage(comp.ref, comp.ref, comp.path, row, comp, None, None).protocol_only = True
    state.notes.add(
        base,
        N.PROTOCOL_ONLY.format(protocol=protocol),
        group="protocol-only",
    )
