"""Certificate components: a usage of the certificate's signature algorithm (function
`certificate_signature`) with the certificate columns; the subject public key's name goes to
`cert_public_key_algorithm`. The signature algorithm and the key (and the key's algorithm)
are folded in and make no usage of their own, unless an asset uses them directly.
"""

from __future__ import annotations

from typing import Any

import inventory.exchange.cbom_import.notes as N
from inventory.choices import CryptoFunction, Primitive
from inventory.exchange.cbom_import.algorithm import read_algorithm
from inventory.exchange.cbom_import.fields import opt_date, opt_obj, opt_str
from inventory.exchange.cbom_import.parser import Component
from inventory.exchange.cbom_import.state import BuildState

CERTIFICATE_KEYS = frozenset(
    {
        "subjectName",
        "issuerName",
        "notValidBefore",
        "notValidAfter",
        "signatureAlgorithmRef",
        "subjectPublicKeyRef",
        "serialNumber",
        "fingerprint",
        "signatureAlgorithm",
        "subjectPublicKey",
        "subjectPublicKeyAlgorithm",
        "certificateFormat",
    }
)
_PUBLIC_KEY_FIELDS = ("subjectPublicKeyRef", "subjectPublicKey", "subjectPublicKeyAlgorithm")


def with_related_assets(cert: dict[str, Any]) -> dict[str, Any]:
    """CycloneDX 1.7 names a certificate's signature algorithm and public key in
    `relatedCryptographicAssets` ({type, ref}); read them as the 1.6 `...Ref` fields.

    >>> cert = with_related_assets({"relatedCryptographicAssets": [
    ...     {"type": "publicKey", "ref": "k"}, {"type": "signatureAlgorithm", "ref": "a"}]})
    >>> cert["signatureAlgorithmRef"], cert["subjectPublicKeyRef"]
    ('a', 'k')
    """
    rels = cert.get("relatedCryptographicAssets")
    if not isinstance(rels, list):
        return cert
    out = dict(cert)
    for rel in rels:
        if not isinstance(rel, dict) or not isinstance(rel.get("ref"), str):
            continue
        rtype = str(rel.get("type", "")).lower()
        if "key" in rtype and "public" in rtype:
            out.setdefault("subjectPublicKeyRef", rel["ref"])
        elif "algorithm" in rtype or "signature" in rtype:
            out.setdefault("signatureAlgorithmRef", rel["ref"])
    return out


def build_certificate(state: BuildState, comp: Component) -> None:
    base = comp.path + ".cryptoProperties.certificateProperties"
    cp = opt_obj(comp.crypto_properties.get("certificateProperties"), base, "certificateProperties")
    state.notes.unread(cp, base, CERTIFICATE_KEYS)
    cp = with_related_assets(cp)
    fmt = cp.get("certificateFormat")
    if fmt is not None and fmt != "X.509":
        state.notes.add(
            base + ".certificateFormat",
            N.CERT_FORMAT.format(format=fmt),
        )
    row = state.base_row(comp, comp.path)
    _certificate_columns(state, cp, base, row)
    row["function"] = row["function"] or CryptoFunction.CERTIFICATE_SIGNATURE
    sig_key = "signatureAlgorithmRef" if "signatureAlgorithmRef" in cp else "signatureAlgorithm"
    sig = state.resolve(cp.get(sig_key), f"{base}.{sig_key}", sig_key)
    curve = oid = None
    if sig is not None and sig.crypto:
        state.consumed.add(sig.ref)
        row["algorithm_raw"] = comp.props.get("algorithm_raw") or sig.name
        curve, oid = read_algorithm(state, sig, row, Primitive.SIGNATURE)
    else:
        row["algorithm_raw"] = comp.props.get("algorithm_raw") or "unknown"
        row["primitive"] = Primitive.SIGNATURE
        if not comp.props.get("algorithm_raw"):
            state.notes.add(base, N.CERT_NO_SIGNATURE)
    key_field = next((k for k in _PUBLIC_KEY_FIELDS if k in cp), None)
    if key_field is not None:
        key = state.resolve(cp.get(key_field), f"{base}.{key_field}", key_field)
        if key is not None and key.crypto:
            state.consumed.add(key.ref)
            _consume_key_algorithm(state, key)
            if row["cert_public_key_algorithm"] is None and not comp.ours:
                row["cert_public_key_algorithm"] = key.name
    state.new_usage(comp.ref, comp.ref, comp.path, row, comp, curve, oid)


def _certificate_columns(
    state: BuildState, cp: dict[str, Any], base: str, row: dict[str, Any]
) -> None:
    """Subject, issuer, validity, serial and SHA-256 fingerprint (our properties win)."""
    row["cert_subject"] = opt_str(cp.get("subjectName"), base + ".subjectName", "subjectName")
    row["cert_issuer"] = opt_str(cp.get("issuerName"), base + ".issuerName", "issuerName")
    for col, key in (("cert_not_before", "notValidBefore"), ("cert_not_after", "notValidAfter")):
        row[col] = opt_date(cp.get(key), f"{base}.{key}", key)
    if row["cert_serial"] is None:
        row["cert_serial"] = opt_str(cp.get("serialNumber"), base + ".serialNumber", "serialNumber")
    fp = cp.get("fingerprint")
    if fp is not None and row["cert_fingerprint_sha256"] is None:
        fpo = opt_obj(fp, base + ".fingerprint", "fingerprint")
        alg = str(fpo.get("alg", "")).upper().replace("_", "-")
        if alg in ("SHA-256", "SHA256") and isinstance(fpo.get("content"), str):
            row["cert_fingerprint_sha256"] = fpo["content"].lower()
        else:
            state.notes.add(
                base + ".fingerprint",
                N.FINGERPRINT.format(algorithm=alg) if alg else N.FINGERPRINT_UNNAMED,
            )


def _consume_key_algorithm(state: BuildState, key: Component) -> None:
    """A certificate's public key is recorded on the certificate usage: so is its
    algorithm, which then is no usage of its own."""
    cp = key.data.get("cryptoProperties")
    rp = {}
    if isinstance(cp, dict):
        rp = cp.get("relatedCryptoMaterialProperties") or cp.get("keyProperties") or {}
    ref = None
    if isinstance(rp, dict):
        ref = rp.get("algorithmRef") or rp.get("keyAlgorithmRef")
    ref = ref if isinstance(ref, str) else state.key_algorithm.get(key.ref)
    comps = state.p.comps
    if ref in comps and comps[ref].asset_type == "algorithm":
        state.consumed.add(ref)
