"""Algorithm components: one usage each, unless another usage folds the algorithm in (a
certificate's signature algorithm, the algorithm a key names by `algorithmRef`, a protocol's
cipher-suite algorithm). `read_algorithm` fills primitive, parameter set, mode and padding
from `algorithmProperties` for whichever usage the algorithm ends up in.
"""

from __future__ import annotations

from typing import Any

import inventory.exchange.cbom_import.notes as N
from inventory.catalog.primitive_hints import guess_primitive
from inventory.choices import Primitive
from inventory.exchange.cbom_common import CDX_TO_PRIMITIVE
from inventory.exchange.cbom_import.fields import key_size, opt_obj, opt_str
from inventory.exchange.cbom_import.parser import Component
from inventory.exchange.cbom_import.state import BuildState

# classicalSecurityLevel, nistQuantumSecurityLevel, cryptoFunctions, algorithmFamily are
# facts of the algorithm the catalog re-derives from its canonical name.
ALGORITHM_KEYS = frozenset(
    {
        "primitive",
        "parameterSetIdentifier",
        "curve",
        "ellipticCurve",
        "mode",
        "padding",
        "cryptoFunctions",
        "classicalSecurityLevel",
        "nistQuantumSecurityLevel",
        "algorithmFamily",
        "variant",
    }
)


def build_algorithm(state: BuildState, comp: Component) -> None:
    if comp.ref in state.consumed and not state.owner_depends.get(comp.ref) and not comp.ours:
        return
    row = state.base_row(comp, comp.path)
    row["algorithm_raw"] = comp.props.get("algorithm_raw") or comp.name
    curve, oid = read_algorithm(state, comp, row, None)
    state.new_usage(comp.ref, comp.ref, comp.path, row, comp, curve, oid)


def read_algorithm(
    state: BuildState,
    comp: Component,
    row: dict[str, Any],
    default_primitive: Primitive | None,
) -> tuple[str | None, str | None]:
    """Fill primitive, parameter set, mode and padding of `row` from an algorithm component's
    algorithmProperties. Returns (curve, oid)."""
    cp = comp.crypto_properties
    apath = comp.path + ".cryptoProperties.algorithmProperties"
    ap = opt_obj(cp.get("algorithmProperties"), apath, "algorithmProperties")
    state.notes.unread(ap, apath, ALGORITHM_KEYS)
    prim_text = opt_str(ap.get("primitive"), apath + ".primitive", "primitive")
    prim = None
    if prim_text is not None:
        prim = CDX_TO_PRIMITIVE.get(prim_text)
        if prim is None:
            state.notes.add(apath + ".primitive", N.UNKNOWN_PRIMITIVE.format(primitive=prim_text))
            prim = Primitive.OTHER
    if row["primitive"] is None:
        row["primitive"] = prim or default_primitive or guess_primitive(comp.name)
    psi = ap.get("parameterSetIdentifier")
    if isinstance(psi, int) and not isinstance(psi, bool):
        psi = str(psi)
    psi = opt_str(psi, apath + ".parameterSetIdentifier", "parameterSetIdentifier")
    if psi is not None and psi.strip().lstrip("-").isdigit():
        key_size(int(psi), apath + ".parameterSetIdentifier")  # a size no key can have
    if psi is not None and row["parameter_set"] is None:
        row["parameter_set"] = psi
    for key in ("mode", "padding"):
        v = opt_str(ap.get(key), f"{apath}.{key}", key)
        if row[key] is None and v is not None and not comp.ours and v not in ("other", "unknown"):
            row[key] = v
    curve = opt_str(ap.get("curve"), apath + ".curve", "curve")
    ec = ap.get("ellipticCurve")
    if curve is None and isinstance(ec, str):
        curve = ec.split("/", 1)[-1]
    return curve, comp.oid
