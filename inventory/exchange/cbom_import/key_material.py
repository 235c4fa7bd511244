"""Related crypto material: keys (public, private, secret) become a usage of the key's
algorithm (its `algorithmRef`, or the algorithm it `dependsOn`, or its own name) with the key
size. Key values are never stored. Other material (nonces, salts, tokens...) is no usage and
is reported (kept verbatim for export when another tool wrote it).
"""

from __future__ import annotations

import inventory.exchange.cbom_import.notes as N
from inventory.catalog.primitive_hints import guess_primitive
from inventory.choices import Primitive
from inventory.exchange.cbom_fidelity import PUBLIC_VALUE_TYPES
from inventory.exchange.cbom_import.algorithm import read_algorithm
from inventory.exchange.cbom_import.fields import child_path, key_size, opt_int, opt_obj
from inventory.exchange.cbom_import.notes import NOT_HELD
from inventory.exchange.cbom_import.parser import Component
from inventory.exchange.cbom_import.state import BuildState

KEY_MATERIAL = frozenset(
    {"private-key", "public-key", "secret-key", "key", "privateKey", "publicKey", "secretKey"}
)
KEY_KEYS = frozenset({"type", "algorithmRef", "keyAlgorithmRef", "size"})


def build_key_material(state: BuildState, comp: Component) -> None:
    cp = comp.crypto_properties
    prop_key = (
        "relatedCryptoMaterialProperties"
        if "relatedCryptoMaterialProperties" in cp
        else "keyProperties"
    )
    base = f"{comp.path}.cryptoProperties.{prop_key}"
    rp = opt_obj(cp.get(prop_key), base, prop_key)
    mtype = rp.get("type")
    if mtype not in KEY_MATERIAL:
        state.notes.add(
            comp.path,
            (N.MATERIAL_KEPT if comp.kept else N.MATERIAL).format(type=mtype),
            group=f"rcm:{mtype}",
        )
        return
    if comp.ref in state.consumed and not state.owner_depends.get(comp.ref):
        return  # a certificate's subject public key: recorded on the certificate usage
    for k in rp:
        if k not in KEY_KEYS:
            if k == "value" and mtype not in PUBLIC_VALUE_TYPES:
                state.notes.add(child_path(base, k), N.KEY_MATERIAL)
            else:
                state.notes.add(child_path(base, k), NOT_HELD)
    row = state.base_row(comp, comp.path)
    size = key_size(opt_int(rp.get("size"), base + ".size", "size"), base + ".size")
    if row["key_size"] is None:
        row["key_size"] = size
    ref_key = "algorithmRef" if "algorithmRef" in rp else "keyAlgorithmRef"
    algo = state.resolve(rp.get(ref_key), f"{base}.{ref_key}", ref_key)
    by_ref = algo is not None
    if algo is None and comp.ref in state.key_algorithm:
        # named by dependsOn (CBOMkit): the algorithm stays a usage of its own too
        algo = state.p.comps[state.key_algorithm[comp.ref]]
    curve = oid = None
    if algo is not None and algo.crypto and algo.asset_type == "algorithm":
        if by_ref:
            state.consumed.add(algo.ref)
        row["algorithm_raw"] = comp.props.get("algorithm_raw") or algo.name
        curve, oid = read_algorithm(state, algo, row, None)
    else:
        name = comp.name
        if name.lower().startswith("key:"):
            name = name[4:]
        row["algorithm_raw"] = comp.props.get("algorithm_raw") or name
        row["primitive"] = (
            Primitive.SYMMETRIC if mtype in ("secret-key", "secretKey") else guess_primitive(name)
        )
        oid = comp.oid
    state.new_usage(comp.ref, comp.ref, comp.path, row, comp, curve, oid)
