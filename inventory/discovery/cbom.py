"""A scan written straight to a CycloneDX 1.6 CBOM, for officers who only want the file.

Per endpoint: a `protocol` component (TLS with its version and `cipherSuites`, each naming
its algorithms and IANA identifier; SSH with its algorithm lists in `cryptoRefArray`),
`algorithm` components for every group, suite cipher, signature scheme and SSH algorithm
(canonical catalog names), `certificate` components for the chain with a
`related-crypto-material` public key each. Per store: certificates and keys. Nothing secret
is written: a private key appears as its algorithm and size only.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from inventory.catalog import get_catalog
from inventory.discovery.certs import CertFacts
from inventory.discovery.ssh import SshResult
from inventory.discovery.stores import StoreResult
from inventory.discovery.tls import TlsResult
from inventory.discovery.tlswire import SUITE_CIPHER, TLS12_SUITES, TLS13_SUITES, bulk_cipher

Json = dict[str, Any]
_PRIMITIVE = {
    "key_exchange": "key-agree",
    "signature": "signature",
    "symmetric": "ae",
    "mac": "mac",
    "hash": "hash",
    "kdf": "kdf",
    "encryption": "pke",
}
_SUITE_CODES = {name: code for code, name in {**TLS12_SUITES, **TLS13_SUITES}.items()}


def _asset(ref: str, name: str, crypto: Json, properties: list[Json] | None = None) -> Json:
    """A CycloneDX ``cryptographic-asset`` component."""
    comp: Json = {
        "type": "cryptographic-asset",
        "bom-ref": ref,
        "name": name,
        "cryptoProperties": crypto,
    }
    if properties is not None:
        comp["properties"] = properties
    return comp


def _material(kind: str, algorithm_ref: str, size: int | None, **more: Any) -> Json:
    """``cryptoProperties`` of related crypto material (a public or private key)."""
    props: Json = {"type": kind, "algorithmRef": algorithm_ref, **more}
    if size:
        props["size"] = size
    return {"assetType": "related-crypto-material", "relatedCryptoMaterialProperties": props}


def _protocol(kind: str, version: str, refs: list[str], **more: Any) -> Json:
    """``cryptoProperties`` of a protocol; ``more`` (e.g. cipherSuites) precedes the refs."""
    props: Json = {"type": kind, "version": version, **more, "cryptoRefArray": refs}
    return {"assetType": "protocol", "protocolProperties": props}


class _Doc:
    def __init__(self) -> None:
        self.components: dict[str, Json] = {}
        self.depends: dict[str, list[str]] = {}

    def algorithm(
        self, raw: str, primitive: str, *, key_size: int | None = None, curve: str | None = None
    ) -> str:
        cat = get_catalog()
        c = cat.classify(raw, key_size=key_size, curve=curve, primitive=primitive)
        name = c.canonical or raw
        ref = f"algorithm:{name}"
        if ref not in self.components:
            info = c.info
            prim = info.primitive.value if info else primitive
            if (
                info is not None
                and info.quantum_status.value == "hybrid"
                and prim == "key_exchange"
            ):
                cdx_prim = "kem" if "MLKEM" in name or "Kyber" in name else "combiner"
            elif name.startswith("ML-KEM"):
                cdx_prim = "kem"
            else:
                cdx_prim = _PRIMITIVE.get(prim, "other")
            ap: Json = {"primitive": cdx_prim}
            if info is not None and info.nist_category:
                ap["nistQuantumSecurityLevel"] = info.nist_category
            comp = _asset(
                ref,
                name,
                {"assetType": "algorithm", "algorithmProperties": ap},
                [
                    {"name": "pqcplan:quantum_status", "value": c.status.value},
                    {"name": "pqcplan:seen_as", "value": raw},
                ],
            )
            oid = info.oids[0] if info is not None and info.oids else None
            if oid:
                comp["cryptoProperties"]["oid"] = oid
            self.components[ref] = comp
        return ref

    def certificate(self, cert: CertFacts) -> str:
        ref = f"certificate:{cert.sha256}"
        if ref in self.components:
            return ref
        sig = self.algorithm(cert.signature_algorithm, "signature")
        key_alg = self.algorithm(
            cert.public_key_algorithm, "signature", key_size=cert.key_size, curve=cert.curve
        )
        key_ref = f"public-key:{cert.sha256}"
        self.components[key_ref] = _asset(
            key_ref,
            f"{cert.public_key_algorithm} public key of {cert.subject}",
            _material("public-key", key_alg, cert.key_size),
        )
        self.components[ref] = _asset(
            ref,
            cert.subject or cert.sha256,
            {
                "assetType": "certificate",
                "certificateProperties": {
                    "subjectName": cert.subject,
                    "issuerName": cert.issuer,
                    "notValidBefore": cert.not_before.replace(tzinfo=UTC).isoformat(),
                    "notValidAfter": cert.not_after.replace(tzinfo=UTC).isoformat(),
                    "signatureAlgorithmRef": sig,
                    "subjectPublicKeyRef": key_ref,
                    "certificateFormat": "X.509",
                },
            },
            [{"name": "pqcplan:sha256", "value": cert.sha256}]
            + [{"name": "pqcplan:problem", "value": p} for p in cert.problems],
        )
        return ref

    def tls(self, r: TlsResult) -> None:
        service_ref = f"endpoint:tls:{r.target}"
        refs: list[str] = []
        groups = [self.algorithm(g, "key_exchange") for g in r.groups]
        suites = []
        for suite in r.tls13_suites + r.tls12_suites:
            m = SUITE_CIPHER.search(suite.removeprefix("TLS_"))
            algs = [self.algorithm(bulk_cipher(m.group(1)), "symmetric")] if m else []
            code = _SUITE_CODES.get(suite)
            entry: Json = {"name": suite, "algorithms": algs}
            if code is not None:
                entry["identifiers"] = [f"0x{code >> 8:02X}", f"0x{code & 0xFF:02X}"]
            suites.append(entry)
        schemes = [self.algorithm(s, "signature") for s in r.signature_schemes]
        certs = [self.certificate(c) for c in r.certificates]
        refs = sorted(set(groups + schemes + certs + [a for s in suites for a in s["algorithms"]]))
        for version in r.versions:
            ref = f"protocol:tls:{r.target}:{version}"
            number = version.removeprefix("TLSv")
            these = [s for s in suites if (s["name"] in r.tls13_suites) == (number == "1.3")]
            self.components[ref] = _asset(
                ref,
                f"TLS {number} {r.target}",
                _protocol("tls", number, refs, cipherSuites=these),
                [
                    {"name": "pqcplan:tls:groups", "value": ",".join(r.groups)},
                    {"name": "pqcplan:tls:hybrid_groups", "value": ",".join(r.hybrid_groups)},
                ],
            )
            self.depends.setdefault(service_ref, []).append(ref)
        self._service(service_ref, f"TLS endpoint {r.target}", r.target)

    def ssh(self, r: SshResult) -> None:
        service_ref = f"endpoint:ssh:{r.target}"
        prims = {
            "kex": "key_exchange",
            "host_key": "signature",
            "cipher": "symmetric",
            "mac": "mac",
        }
        refs = {
            self.algorithm(a.name, prims[group])
            for group, algs in r.classified.items()
            for a in algs
        }
        for hk in r.host_keys:
            refs.add(self.algorithm(hk.key_type, "signature", key_size=hk.bits))
        ref = f"protocol:ssh:{r.target}"
        self.components[ref] = _asset(
            ref,
            f"SSH {r.target}",
            _protocol("ssh", "2.0", sorted(refs)),
            [{"name": "pqcplan:ssh:banner", "value": r.banner or ""}]
            + [
                {"name": "pqcplan:ssh:host_key", "value": f"{k.algorithm} {k.sha256}"}
                for k in r.host_keys
            ],
        )
        self.depends[service_ref] = [ref]
        self._service(service_ref, f"SSH endpoint {r.target}", r.target)

    def store(self, r: StoreResult) -> None:
        store_ref = f"store:{r.target}"
        refs: list[str] = []
        for item in r.items:
            if item.kind == "certificate" and item.certificate is not None:
                refs.append(self.certificate(item.certificate))
            elif item.kind in ("private_key", "public_key") and item.algorithm:
                alg = self.algorithm(
                    item.algorithm, "signature", key_size=item.key_size, curve=item.curve
                )
                kind = item.kind.replace("_", "-")
                ref = f"{kind}:{item.fingerprint or item.where}"
                self.components[ref] = _asset(
                    ref,
                    f"{item.algorithm} {item.kind.replace('_', ' ')} in {item.path}",
                    _material(kind, alg, item.key_size, format=item.format),
                    [{"name": "pqcplan:location", "value": f"{item.path} {item.where}"}],
                )
                refs.append(ref)
        self.components[store_ref] = {
            "type": "data",
            "bom-ref": store_ref,
            "name": f"key store {r.target}",
        }
        self.depends[store_ref] = sorted(set(refs))

    def _service(self, ref: str, name: str, target: str) -> None:
        self.components[ref] = {
            "type": "application",
            "bom-ref": ref,
            "name": name,
            "properties": [{"name": "pqcplan:location", "value": target}],
        }

    def to_json(self, org: str, kind: str) -> str:
        deps = [{"ref": k, "dependsOn": sorted(set(v))} for k, v in sorted(self.depends.items())]
        doc = {
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "serialNumber": f"urn:uuid:{uuid.uuid4()}",
            "version": 1,
            "metadata": {
                "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
                "tools": {"components": [{"type": "application", "name": "pqcplan discovery"}]},
                "properties": [
                    {"name": "pqcplan:scan", "value": kind},
                    {"name": "pqcplan:organization:slug", "value": org},
                ],
            },
            "components": list(self.components.values()),
            "dependencies": deps,
        }
        return json.dumps(doc, indent=2)


def scan_cbom(kind: str, results: list, org: str) -> str:
    """CycloneDX 1.6 JSON for the successful results of one scan."""
    doc = _Doc()
    for r in results:
        if r.status != "ok":
            continue
        {"tls": doc.tls, "ssh": doc.ssh, "certs": doc.store}[kind](r)
    return doc.to_json(org, kind)
