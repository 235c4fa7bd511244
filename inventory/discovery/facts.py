"""What a scan learned, as one ``Fact`` per crypto usage: the rows filing writes and the
components the scan's CBOM holds come from the same list, so both say the same.

Every fact is its own usage with its evidence: each key exchange group, DHE (with the size
of its prime), RSA key transport, each suite's cipher, each signature scheme; for every
certificate its own signature (algorithm and hash, e.g. ``RSA-SHA1``) and, apart, its public
key; for SSH each key exchange, host-key algorithm (``ssh-rsa`` is an RSA signature over
SHA-1), host key, cipher and MAC; for stores each certificate (signature and key) and key.

A fact's ``suffix`` starts with its part (``group``, ``cert``, ``hostkey``, a store file's
``f<hash>``...): a scan that could not read a part lists it in ``incomplete``, and filing
then keeps what earlier scans found there instead of calling it gone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from inventory.catalog import get_catalog
from inventory.choices import CryptoFunction, Primitive
from inventory.discovery.certs import CertFacts
from inventory.discovery.ssh import SshResult
from inventory.discovery.stores import StoreResult, file_part
from inventory.discovery.tls import TlsResult
from inventory.discovery.tlswire import SUITES

KEX, SIG = Primitive.KEY_EXCHANGE, Primitive.SIGNATURE


@dataclass
class Fact:
    """One usage a scan saw, before it becomes a row."""

    suffix: str
    algorithm_raw: str
    primitive: Primitive
    function: CryptoFunction
    evidence: str
    protocol: str | None = None
    key_size: int | None = None
    curve: str | None = None
    cert: CertFacts | None = None  # the certificate columns (signature facts only)
    notes: str | None = None
    mode: str | None = None
    padding: str | None = None
    library: str | None = None
    extra: dict[str, Any] | None = None  # kept as cbom_extra (source occurrences)

    @property
    def part(self) -> str:
        return self.suffix.split(":", 1)[0]


def facts_of(kind: str, result: Any) -> list[Fact]:
    kinds = {"tls": tls_facts, "ssh": ssh_facts, "certs": store_facts, "code": source_facts}
    return kinds[kind](result)


def source_facts(r: Any) -> list[Fact]:
    """A source tree's findings, one fact per algorithm and place kind (see source_filing),
    with every occurrence kept for the CBOM's evidence."""
    from inventory.discovery import source_filing as sf

    out: list[Fact] = []
    for key, group in sf.grouped(r.findings).items():
        first = group[0]
        out.append(
            Fact(
                sf.usage_suffix(key),
                sf.catalog_name(first),
                sf.primitive_of(first),
                sf.function_of(first),
                sf.evidence(group),
                first.protocol,
                first.key_size,
                first.curve,
                notes=sf.unknown_note(group) or None,
                mode=first.mode,
                padding=first.padding,
                library=first.library or None,
                extra={"occurrences": sf.occurrences(group)[:200], "api": first.api},
            )
        )
    return out


# ---------------------------------------------------------------------- certificates
def certificate_facts(
    cert: CertFacts, prefix: str, where: str, key_function: CryptoFunction, protocol: str | None
) -> list[Fact]:
    """A certificate's own signature (with the certificate columns) and its public key."""
    hash_text = f", hash {cert.signature_hash.upper()}" if cert.signature_hash else ""
    signature = Fact(
        f"{prefix}cert:{cert.sha256}",
        cert.signature_algorithm,
        SIG,
        CryptoFunction.CERTIFICATE_SIGNATURE,
        f"signature of certificate {cert.subject} by {cert.issuer} "
        f"(OID {cert.signature_oid}{hash_text}) {where}",
        protocol,
        cert.signature_key_size,
        cert=cert,
        notes="; ".join(cert.problems) or None,
    )
    key = Fact(
        f"{prefix}certkey:{cert.sha256}",
        cert.public_key_algorithm,
        SIG,
        key_function,
        f"public key of certificate {cert.subject} (SHA-256 {cert.sha256}) {where}",
        protocol,
        cert.key_size,
        cert.curve,
    )
    return [signature, key]


# ---------------------------------------------------------------------- TLS
def tls_facts(r: TlsResult) -> list[Fact]:
    port = f"on port {r.port}"
    newest = "TLS " + r.versions[0].removeprefix("TLSv") if r.versions else None
    out: list[Fact] = []
    group_proto = "TLS 1.3" if "TLSv1.3" in r.versions else "TLS 1.2"
    how = "HelloRetryRequest" if group_proto == "TLS 1.3" else "ServerKeyExchange"
    for name, code in zip(r.groups, r.group_codepoints, strict=True):
        out.append(
            Fact(
                f"group:{name}",
                name,
                KEX,
                CryptoFunction.TLS_KEY_EXCHANGE,
                f"group {name} (0x{code:04x}) accepted when offered ({how}) {port}",
                group_proto,
            )
        )
    out += _suite_facts(r, port)
    out += _suite_key_exchanges(r, port)
    leaf = r.certificates[0] if r.certificates else None
    size, curve = (leaf.key_size, leaf.curve) if leaf else (None, None)
    for label, schemes, proto, how in (
        ("sigscheme", r.signature_schemes, "TLS 1.3", "CertificateVerify"),
        ("sigscheme12", r.tls12_signature_schemes, "TLS 1.2", "ServerKeyExchange"),
    ):
        for scheme in schemes:
            out.append(
                Fact(
                    f"{label}:{scheme}",
                    scheme,
                    SIG,
                    CryptoFunction.TLS_AUTHENTICATION,
                    f"signature scheme {scheme} signs the {proto} handshake ({how}) {port}",
                    proto,
                    size,
                    curve,
                )
            )
    for i, cert in enumerate(r.certificates):
        role = "leaf" if i == 0 else f"chain[{i}]"
        function = CryptoFunction.CERTIFICATE_SIGNATURE
        if i == 0:
            function = CryptoFunction.TLS_AUTHENTICATION
        where = f"({role}, presented {port})"
        out += certificate_facts(cert, "", where, function, newest)
    return out


SUITES_BY_NAME = {s.name: s for s in SUITES.values()}


def _suite_facts(r: TlsResult, port: str) -> list[Fact]:
    by_name = SUITES_BY_NAME
    versions: dict[str, list[str]] = {}
    for version, suites in r.suites_by_version.items():
        for name in suites:
            versions.setdefault(name, []).append(version.removeprefix("TLSv"))
    out = []
    for name, seen_in in versions.items():
        suite = by_name[name]
        flags = [
            text
            for on, text in (
                (suite.null, "NULL cipher: no encryption"),
                (suite.anonymous, "anonymous: the server is not authenticated"),
                (suite.export, "export grade"),
            )
            if on
        ]
        out.append(
            Fact(
                f"suite:{name}",
                suite.cipher or "NULL",
                Primitive.SYMMETRIC,
                CryptoFunction.DATA_IN_TRANSIT,
                f"cipher suite {name} (0x{suite.code:04x}) accepted with TLS "
                f"{', '.join(seen_in)} {port}",
                f"TLS {seen_in[0]}",
                notes="; ".join(flags) or None,
            )
        )
    return out


def _suite_key_exchanges(r: TlsResult, port: str) -> list[Fact]:
    """The key exchanges TLS 1.0-1.2 suites name: RSA key transport, DHE (sized by the
    server's prime), anonymous DH, static (EC)DH, SRP."""
    by_name = SUITES_BY_NAME
    names = dict.fromkeys(r.tls12_suites + r.tls11_suites + r.tls10_suites)
    leaf = r.certificates[0] if r.certificates else None
    proto = "TLS " + next((v.removeprefix("TLSv") for v in r.versions if v != "TLSv1.3"), "1.2")
    groups: dict[str, list[str]] = {}
    for name in names:
        s = by_name[name]
        if s.rsa_key_transport:
            groups.setdefault("RSA", []).append(name)
        elif s.key_exchange in ("DHE", "DH") and (s.ephemeral_dh or s.authentication == "PSK"):
            groups.setdefault("DH_anon" if s.anonymous else "DHE", []).append(name)
        elif s.key_exchange in ("DH", "ECDH") and not s.anonymous:
            groups.setdefault(f"{s.key_exchange}-static", []).append(name)
        elif s.key_exchange in ("SRP", "ECCPWD", "GOST"):
            groups.setdefault(s.key_exchange, []).append(name)
        elif s.key_exchange == "ECDH" and s.anonymous:
            groups.setdefault("ECDH_anon", []).append(name)
    dh_bits = r.dh_bits[0] if r.dh_bits else None
    out = []
    for kind, suites in groups.items():
        listed = ", ".join(suites[:3]) + (f" and {len(suites) - 3} more" if len(suites) > 3 else "")
        raw, size, curve, what = kind, None, None, kind
        notes = None
        if kind == "RSA":
            size = leaf.key_size if leaf and leaf.public_key_algorithm.startswith("RSA") else None
            what = "RSA key transport (no forward secrecy)"
        elif kind in ("DHE", "DH_anon"):
            raw, size = "DH", dh_bits
            bits = f" with a {dh_bits}-bit prime" if dh_bits else " (prime size not read)"
            what = ("anonymous DH" if kind == "DH_anon" else "DHE") + bits
            notes = "anonymous: the server is not authenticated" if kind == "DH_anon" else None
        elif kind == "ECDH_anon":
            raw = "ECDH"
            notes = "anonymous: the server is not authenticated"
        elif kind.endswith("-static"):
            raw = kind.removesuffix("-static")
            size, curve = (leaf.key_size, leaf.curve) if leaf else (None, None)
            what = f"static {raw} with the certificate's key"
        out.append(
            Fact(
                f"kex:{kind}",
                raw,
                KEX,
                CryptoFunction.TLS_KEY_EXCHANGE,
                f"{what}: suites {listed} {port}",
                proto,
                size,
                curve,
                notes=notes,
            )
        )
    return out


# ---------------------------------------------------------------------- SSH
def ssh_facts(r: SshResult) -> list[Fact]:
    port = f"on port {r.port} ({r.banner})"
    out: list[Fact] = []
    lists = (
        ("kex", KEX, CryptoFunction.SSH_KEY_EXCHANGE, "key exchange"),
        ("cipher", Primitive.SYMMETRIC, CryptoFunction.DATA_IN_TRANSIT, "cipher"),
        ("mac", Primitive.MAC, CryptoFunction.INTEGRITY, "MAC"),
    )
    for key, primitive, function, label in lists:
        for alg in r.classified.get(key, []):
            out.append(
                Fact(
                    f"{key}:{alg.name}",
                    alg.name,
                    primitive,
                    function,
                    f"{label} {alg.name} offered in KEXINIT {port}",
                    "SSH-2",
                    r.kex_sizes.get(alg.name) if key == "kex" else None,
                )
            )
    keys_by_alg = {hk.algorithm: hk for hk in r.host_keys}
    for alg in r.classified.get("host_key", []):
        hk = keys_by_alg.get(alg.name)
        seen = f", answered with host key {hk.sha256}" if hk else ""
        out.append(
            Fact(
                f"hostkeyalg:{alg.name}",
                alg.name,
                SIG,
                CryptoFunction.SSH_HOST_KEY,
                f"host key signature algorithm {alg.name} offered in KEXINIT{seen} {port}",
                "SSH-2",
                hk.bits if hk else None,
                hk.curve if hk else None,
            )
        )
    keys: dict[str, list] = {}
    for hk in r.host_keys:
        keys.setdefault(hk.sha256, []).append(hk)
    for fp, same in keys.items():
        hk = same[0]
        algs = ", ".join(k.algorithm for k in same)
        out.append(
            Fact(
                f"hostkey:{fp}",
                hk.key_name,
                SIG,
                CryptoFunction.SSH_HOST_KEY,
                f"host key {hk.key_type} {fp} ({hk.bits or '?'} bits), read under {algs} {port}",
                "SSH-2",
                hk.bits,
                hk.curve,
            )
        )
    return out


# ---------------------------------------------------------------------- stores
def store_facts(r: StoreResult) -> list[Fact]:
    out: list[Fact] = []
    for item in r.items:
        if item.kind == "unreadable" or not item.algorithm:
            continue
        part = file_part(item.path)
        where = f"in {item.path}, {item.where} ({item.format})"
        if item.kind == "certificate" and item.certificate is not None:
            out += certificate_facts(
                item.certificate, f"{part}:", where, CryptoFunction.CERTIFICATE_SIGNATURE, None
            )
            continue
        ident = hashlib.sha256(f"{item.path}|{item.where}".encode()).hexdigest()[:16]
        out.append(
            Fact(
                f"{part}:{item.kind}:{item.fingerprint or ident}:{ident}",
                item.algorithm,
                _key_primitive(item.algorithm),
                CryptoFunction.OTHER,
                f"{item.kind.replace('_', ' ')} {where}",
                None,
                item.key_size,
                item.curve,
                notes="; ".join(item.problems) or None,
            )
        )
    return out


def _key_primitive(algorithm: str) -> Primitive:
    """A stored key is a signature key unless the catalog says it agrees keys (X25519...)."""
    info = get_catalog().get(algorithm)
    return KEX if info is not None and info.primitive is KEX else SIG
