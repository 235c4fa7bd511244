"""Mapping tables shared by CBOM import and export (CycloneDX 1.4-1.7 <-> the inventory model).

Everything the model holds that CycloneDX has no field for travels in component properties
under the `pqcplan:` namespace; on import those properties win over the standard fields, so
an export read back by `import_cbom` reproduces every column (see `cbom_export`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from inventory.catalog import Catalog
from inventory.choices import AssetType, CryptoFunction, DependencyKind, Primitive
from inventory.exchange.columns import ASSET_PROFILE_COLUMNS

NS = "pqcplan"
ASSET_PROP = f"{NS}:asset:"  # pqcplan:asset:<column>
USAGE_PROP = f"{NS}:usage:"  # pqcplan:usage:<column>
DEPENDENCY_PROP = f"{NS}:dependency:"  # pqcplan:dependency:<provider-ref> = kind[:description]
ORG_PROP = f"{NS}:organization:"  # metadata properties describing the exported organization
# Components the exporter adds only to carry a usage's details (its certificate's signature
# algorithm and public key) or to group usages (one protocol component per asset and protocol).
# Their value names the usage (or asset) they belong to; import skips them as usages.
PART_OF_PROP = f"{NS}:part-of"
GENERATED_PROP = f"{NS}:generated"
# Marks a crypto component our exporter wrote back verbatim from another tool's CBOM (see
# cbom_fidelity) with a usage's columns as properties: import keeps it verbatim again.
VERBATIM_PROP = f"{NS}:verbatim"

SUPPORTED_SPEC_VERSIONS = ("1.4", "1.5", "1.6", "1.7")
EXPORT_SPEC_VERSIONS = ("1.6", "1.7")

CRYPTO_TYPES = frozenset({"cryptographic-asset", "crypto-asset"})

# Asset columns written as `pqcplan:asset:<column>` properties (those without a CycloneDX home:
# name, description, version and vendor go to the component's own fields).
ASSET_PROPERTY_COLUMNS = ("asset_type", *ASSET_PROFILE_COLUMNS, "product", "location")
# Usage columns written as `pqcplan:usage:<column>` properties.
USAGE_PROPERTY_COLUMNS = (
    "algorithm_raw",
    "function",
    "protocol",
    "key_size",
    "mode",
    "padding",
    "library",
    "library_version",
    "quantum_status",
    "status_reason",
    "catalog_version",
    "cert_serial",
    "cert_fingerprint_sha256",
    "cert_public_key_algorithm",
    "source",
    "evidence",
    "first_seen",
    "last_seen",
    "notes",
)

# --- asset types -------------------------------------------------------------------------
ASSET_TYPE_TO_CDX: dict[AssetType, str] = {
    AssetType.APPLICATION: "application",
    AssetType.SERVICE: "application",
    AssetType.HOST: "device",
    AssetType.NETWORK_APPLIANCE: "device",
    AssetType.HSM: "device",
    AssetType.CA_PKI: "application",
    AssetType.DATABASE: "data",
    AssetType.DEVICE_IOT: "device",
    AssetType.LIBRARY_FIRMWARE: "library",
    AssetType.VENDOR_PRODUCT: "application",
}
# Foreign components without a `pqcplan:asset:asset_type` property.
CDX_TO_ASSET_TYPE: dict[str, AssetType] = {
    "application": AssetType.APPLICATION,
    "framework": AssetType.LIBRARY_FIRMWARE,
    "library": AssetType.LIBRARY_FIRMWARE,
    "container": AssetType.HOST,
    "platform": AssetType.HOST,
    "operating-system": AssetType.HOST,
    "device": AssetType.DEVICE_IOT,
    "device-driver": AssetType.LIBRARY_FIRMWARE,
    "firmware": AssetType.LIBRARY_FIRMWARE,
    "file": AssetType.APPLICATION,
    "machine-learning-model": AssetType.APPLICATION,
    "data": AssetType.DATABASE,
    "service": AssetType.SERVICE,  # entries of $.services
}
# Assets whose usages are algorithms they implement: exported as `provides`, not `dependsOn`.
PROVIDER_ASSET_TYPES = frozenset({AssetType.LIBRARY_FIRMWARE, AssetType.HSM})

# Dependency kind guessed for a foreign `dependsOn` between two non-crypto components, by the
# provider's asset type (our own exports say the kind in a property).
KIND_BY_PROVIDER_TYPE: dict[AssetType, DependencyKind] = {
    AssetType.CA_PKI: DependencyKind.CERTIFICATES_FROM,
    AssetType.HSM: DependencyKind.KEYS_IN,
    AssetType.LIBRARY_FIRMWARE: DependencyKind.USES_LIBRARY,
    AssetType.SERVICE: DependencyKind.CALLS_SERVICE,
    AssetType.APPLICATION: DependencyKind.CALLS_SERVICE,
    AssetType.HOST: DependencyKind.RUNS_ON,
    AssetType.DEVICE_IOT: DependencyKind.RUNS_ON,
    AssetType.DATABASE: DependencyKind.STORES_DATA_IN,
    AssetType.NETWORK_APPLIANCE: DependencyKind.CONNECTS_THROUGH,
    AssetType.VENDOR_PRODUCT: DependencyKind.OTHER,
}

# --- primitives --------------------------------------------------------------------------
# Model -> CycloneDX. KEY_EXCHANGE is `kem` or `key-agree` by catalog family (see
# `cdx_primitive`); SYMMETRIC is `ae` for AEAD modes, `stream-cipher` for stream ciphers,
# else `block-cipher`.
PRIMITIVE_TO_CDX: dict[Primitive, str] = {
    Primitive.KEY_EXCHANGE: "kem",
    Primitive.SIGNATURE: "signature",
    Primitive.ENCRYPTION: "pke",
    Primitive.SYMMETRIC: "block-cipher",
    Primitive.HASH: "hash",
    Primitive.MAC: "mac",
    Primitive.KDF: "kdf",
    Primitive.OTHER: "other",
}
# CycloneDX -> model: every CycloneDX primitive maps to exactly one model primitive, so the
# model -> CycloneDX -> model trip is exact.
CDX_TO_PRIMITIVE: dict[str, Primitive] = {
    "kem": Primitive.KEY_EXCHANGE,
    "key-agree": Primitive.KEY_EXCHANGE,
    "signature": Primitive.SIGNATURE,
    "pke": Primitive.ENCRYPTION,
    "ae": Primitive.SYMMETRIC,
    "block-cipher": Primitive.SYMMETRIC,
    "stream-cipher": Primitive.SYMMETRIC,
    "key-wrap": Primitive.SYMMETRIC,
    "hash": Primitive.HASH,
    "xof": Primitive.HASH,
    "mac": Primitive.MAC,
    "kdf": Primitive.KDF,
    "drbg": Primitive.OTHER,
    "combiner": Primitive.OTHER,
    "other": Primitive.OTHER,
    "unknown": Primitive.OTHER,
    # spellings seen in pre-1.6 IBM CBOM drafts
    "key-encapsulation": Primitive.KEY_EXCHANGE,
    "key-agreement": Primitive.KEY_EXCHANGE,
    "key-derivation": Primitive.KDF,
}
_KEY_AGREE_HINTS = ("ECDH", "X25519", "X448", "DH", "FFDHE", "CURVE25519")
_KEM_HINTS = ("KEM", "KYBER", "MCELIECE", "HQC", "FRODO", "SMAUG", "NTRU", "MLKEM")
_STREAM_HINTS = ("CHACHA", "SALSA", "RC4")
_AE_MODES = ("GCM", "CCM", "OCB", "SIV", "POLY1305", "EAX")


def cdx_primitive(
    primitive: Primitive, algorithm: str, family: str | None, mode: str | None
) -> str:
    """The CycloneDX primitive for a usage: KEMs and hybrids -> kem, (EC)DH -> key-agree."""
    name = f"{family or ''} {algorithm}".upper().replace("_", "-")
    if primitive is Primitive.KEY_EXCHANGE:
        squashed = name.replace("-", "")
        if any(h in squashed for h in _KEM_HINTS):
            return "kem"
        if any(h in name for h in _KEY_AGREE_HINTS):
            return "key-agree"
        return "kem"
    if primitive is Primitive.SYMMETRIC:
        if any(h in name for h in _STREAM_HINTS) and "POLY1305" not in name:
            return "stream-cipher"
        if any(m in name or m in (mode or "").upper() for m in _AE_MODES):
            return "ae"
        return "block-cipher"
    return PRIMITIVE_TO_CDX[primitive]


# What each CycloneDX primitive does, written as `cryptoFunctions`.
CRYPTO_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "kem": ("keygen", "encapsulate", "decapsulate"),
    "key-agree": ("keygen", "keyderive"),
    "signature": ("sign", "verify"),
    "pke": ("encrypt", "decrypt"),
    "ae": ("encrypt", "decrypt", "tag"),
    "block-cipher": ("encrypt", "decrypt"),
    "stream-cipher": ("encrypt", "decrypt"),
    "hash": ("digest",),
    "mac": ("tag",),
    "kdf": ("keyderive",),
}

CDX_MODES = frozenset({"cbc", "ecb", "ccm", "gcm", "cfb", "ofb", "ctr"})
CDX_PADDINGS = frozenset({"pkcs5", "pkcs7", "pkcs1v15", "oaep", "raw"})


# --- functions guessed for foreign usages -----------------------------------------------
def guess_function(primitive: Primitive, protocol_type: str | None) -> CryptoFunction:
    """The usage function implied by where a foreign CBOM found the algorithm."""
    if protocol_type in ("tls", "dtls", "quic"):
        return {
            Primitive.KEY_EXCHANGE: CryptoFunction.TLS_KEY_EXCHANGE,
            Primitive.SIGNATURE: CryptoFunction.TLS_AUTHENTICATION,
            Primitive.ENCRYPTION: CryptoFunction.TLS_KEY_EXCHANGE,
        }.get(primitive, CryptoFunction.DATA_IN_TRANSIT)
    if protocol_type == "ssh":
        return {
            Primitive.KEY_EXCHANGE: CryptoFunction.SSH_KEY_EXCHANGE,
            Primitive.SIGNATURE: CryptoFunction.SSH_HOST_KEY,
        }.get(primitive, CryptoFunction.DATA_IN_TRANSIT)
    if protocol_type in ("ipsec", "ike", "sstp", "wpa"):
        return CryptoFunction.VPN
    return CryptoFunction.OTHER


# --- protocols ----------------------------------------------------------------------------
_PROTOCOL_RE = re.compile(
    r"^\s*(?P<type>TLS|DTLS|SSL|SSH|IKE|IPSEC|QUIC|SSTP|WPA)\s*[-_ v]?\s*(?P<version>[\w.]*)\s*$",
    re.IGNORECASE,
)
# protocolProperties.type values each CycloneDX version allows
PROTOCOL_TYPES_16 = frozenset({"tls", "ssh", "ipsec", "ike", "sstp", "wpa"})
PROTOCOL_TYPES_17 = PROTOCOL_TYPES_16 | {
    "dtls",
    "quic",
    "eap-aka",
    "eap-aka-prime",
    "prins",
    "5g-aka",
}


def split_protocol(protocol: str) -> tuple[str, str | None]:
    """'TLS 1.3' -> ('tls', '1.3'); 'SSH-2' -> ('ssh', '2'); 'IKEv2' -> ('ike', '2')."""
    m = _PROTOCOL_RE.match(protocol)
    if not m:
        return "other", None
    ptype = m.group("type").lower()
    if ptype == "ssl":
        ptype = "tls"
    return ptype, (m.group("version") or None)


def join_protocol(ptype: str, version: str | None) -> str:
    """('tls', '1.2') -> 'TLS 1.2'; ('ssh', '2') -> 'SSH-2'; ('ike', '2') -> 'IKEv2'."""
    ptype = (ptype or "other").lower()
    v = (version or "").strip()
    if ptype == "ssh":
        return f"SSH-{v}" if v else "SSH"
    if ptype == "ike":
        return f"IKEv{v.lstrip('v')}" if v else "IKE"
    label = {
        "tls": "TLS",
        "dtls": "DTLS",
        "ipsec": "IPsec",
        "quic": "QUIC",
        "sstp": "SSTP",
        "wpa": "WPA",
    }.get(ptype, ptype.upper())
    return f"{label} {v}".strip()


# --- TLS cipher suite names -> algorithms ------------------------------------------------
_SUITE_KX = {
    "ECDHE": ("ECDHE", Primitive.KEY_EXCHANGE),
    "ECDH": ("ECDH", Primitive.KEY_EXCHANGE),
    "DHE": ("DHE", Primitive.KEY_EXCHANGE),
    "DH": ("DH", Primitive.KEY_EXCHANGE),
    "RSA": ("RSA", Primitive.ENCRYPTION),
    "PSK": None,
    "SRP": None,
}
_SUITE_AUTH = {"RSA": "RSA", "ECDSA": "ECDSA", "DSS": "DSA", "ANON": None, "PSK": None}
_SUITE_HASH = {
    "SHA": "SHA-1",
    "SHA256": "SHA-256",
    "SHA384": "SHA-384",
    "MD5": "MD5",
    "SHA512": "SHA-512",
    "SM3": "SM3",
}


def cipher_suite_algorithms(name: str) -> list[tuple[str, Primitive]]:
    """Algorithms named by an IANA TLS cipher suite ('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    'TLS_AES_128_GCM_SHA256'); [] when the name does not parse."""
    n = name.strip().upper()
    if not n.startswith(("TLS_", "SSL_")):
        return []
    body = n[4:]
    out: list[tuple[str, Primitive]] = []
    if "_WITH_" in body:
        kx_part, cipher_part = body.split("_WITH_", 1)
        tokens = kx_part.split("_")
        kx = _SUITE_KX.get(tokens[0])
        if kx is not None:
            out.append(kx)
        auth_token = tokens[1] if len(tokens) > 1 else ("RSA" if tokens[0] == "RSA" else None)
        if tokens[0] == "RSA" and len(tokens) == 1:
            auth_token = None  # RSA key transport: the RSA above already covers it
        auth = _SUITE_AUTH.get(auth_token) if auth_token else None
        if auth:
            out.append((auth, Primitive.SIGNATURE))
    else:
        cipher_part = body
    parts = cipher_part.split("_")
    hash_name = None
    if parts and parts[-1] in _SUITE_HASH:
        hash_name = _SUITE_HASH[parts[-1]]
        parts = parts[:-1]
    if parts:
        cipher = "-".join(parts)
        cipher = {"3DES-EDE-CBC": "DES-EDE3-CBC", "DES-CBC3": "DES-EDE3-CBC"}.get(cipher, cipher)
        out.append((cipher, Primitive.SYMMETRIC))
    if hash_name:
        out.append((hash_name, Primitive.HASH))
    return out


# --- dates --------------------------------------------------------------------------------
def as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetime; naive values (SQLite hands them back) are taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    return as_utc(value).isoformat().replace("+00:00", "Z")  # type: ignore[union-attr]


def parse_datetime(text: Any) -> datetime:
    """ISO 8601 date-time (or date) -> aware UTC datetime; ValueError if it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("expected an ISO 8601 date-time string")
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    return as_utc(dt)  # type: ignore[return-value]


# --- catalog facts -------------------------------------------------------------------------
def catalog_facts(catalog: Catalog, name: str) -> dict[str, Any]:
    """oid, family, curve and security levels the catalog knows for `name` (missing -> absent)."""
    entry = catalog.get(name)
    if entry is None:
        return {}
    facts: dict[str, Any] = {"family": entry.family}
    if entry.oids:
        facts["oid"] = entry.oids[0]
    if entry.curve:
        facts["curve"] = entry.curve
    if entry.classical_bits is not None:
        facts["classical"] = entry.classical_bits
    if entry.nist_category is not None:
        facts["nist"] = entry.nist_category
    return facts
