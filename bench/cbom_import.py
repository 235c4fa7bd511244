"""Benchmark: import a generated 100,000-component CycloneDX CBOM (target: under 60 s).

    .venv/bin/python bench/cbom_import.py [--components 100000] [--keep FILE] [--pg URL]

Runs on a fresh SQLite file, and on PostgreSQL too: a scratch database made from the admin
URL `--pg`, or the database PQCPLAN_BENCH_PG_URL names (a new organization is created
there; the database is migrated first). Prints the import
time and components/s (the first import in a process includes loading the algorithm
catalog, about 2 s), the rows created, a re-import (all updates) and an export.
The document is a realistic mix per asset: plain algorithms (well-known spellings, OIDs,
a few names no catalog knows), a certificate with its signature algorithm and public key, a
TLS/SSH protocol with cipher suites, a standalone key, and asset-to-asset dependencies.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import record, scratch_database

from core.choices import Sector, Tier
from core.db import engine_for, transaction
from core.models import Organization
from core.schema import upgrade
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.cbom_import import import_cbom

TINY_ARGS = ["--components", "240"]
ASSET_TYPES = [
    "application",
    "application",
    "library",
    "device",
    "application",
    "data",
    "device",
    "library",
    "application",
    "firmware",
]
ALGORITHMS: list[tuple[str, str, str | None, str | None]] = [
    # (name, CycloneDX primitive, parameterSetIdentifier, oid)
    ("RSA-2048", "pke", "2048", "1.2.840.113549.1.1.1"),
    ("sha256WithRSAEncryption", "signature", None, "1.2.840.113549.1.1.11"),
    ("AES-128-GCM", "ae", "128", "2.16.840.1.101.3.4.1.6"),
    ("AES-256-CBC", "block-cipher", "256", None),
    ("ECDSA", "signature", None, "1.2.840.10045.2.1"),
    ("X25519", "key-agree", None, "1.3.101.110"),
    ("ML-KEM-768", "kem", "768", "2.16.840.1.101.3.4.4.2"),
    ("ML-DSA-65", "signature", "65", None),
    ("X25519MLKEM768", "kem", None, None),
    ("SHA-256", "hash", "256", "2.16.840.1.101.3.4.2.1"),
    ("sha-1", "hash", "160", "1.3.14.3.2.26"),
    ("md5", "hash", "128", None),
    ("HMAC-SHA256", "mac", None, None),
    ("ChaCha20-Poly1305", "ae", None, None),
    ("3DES", "block-cipher", "168", None),
    ("Kyber768", "kem", None, None),
    ("SLH-DSA-SHA2-128s", "signature", None, None),
    ("pbkdf2withhmacsha256", "kdf", None, None),
    ("HomegrownCipher-3", "block-cipher", None, None),
    ("ECDH", "key-agree", "P-256", None),
]
SUITES = [
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
]
PER_ASSET = 12  # 1 asset + 6 algorithms + certificate, its signature algorithm and key
#                 + 1 protocol + 1 standalone key


def _algorithm(ref: str, i: int, line: int) -> dict[str, Any]:
    name, prim, psi, oid = ALGORITHMS[i % len(ALGORITHMS)]
    ap: dict[str, Any] = {"primitive": prim, "executionEnvironment": "software-plain-ram"}
    if psi:
        ap["parameterSetIdentifier"] = psi
    if prim in ("ae", "block-cipher") and "-" in name:
        mode = name.rsplit("-", 1)[-1].lower()
        if mode in ("gcm", "cbc"):
            ap["mode"] = mode
    cp: dict[str, Any] = {"assetType": "algorithm", "algorithmProperties": ap}
    if oid:
        cp["oid"] = oid
    return {
        "type": "cryptographic-asset",
        "bom-ref": ref,
        "name": name,
        "evidence": {
            "occurrences": [
                {"location": f"src/app/Crypto{i % 97}.java", "line": line, "offset": 12}
            ]
        },
        "cryptoProperties": cp,
    }


def generate(n_components: int = 100_000) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    dependencies: list[dict[str, Any]] = []
    groups = max(1, n_components // PER_ASSET)
    for g in range(groups):
        aref = f"asset-{g}"
        ctype = ASSET_TYPES[g % len(ASSET_TYPES)]
        components.append(
            {
                "type": ctype,
                "bom-ref": aref,
                "name": f"System {g}",
                "version": f"{g % 7}.{g % 11}",
                "supplier": {"name": f"Vendor {g % 50}"},
            }
        )
        used = []
        for k in range(6):
            ref = f"{aref}/alg-{k}"
            components.append(_algorithm(ref, g * 7 + k, 10 + k))
            used.append(ref)
        sig, key, cert = f"{aref}/cert-sig", f"{aref}/cert-key", f"{aref}/cert"
        components.append(_algorithm(sig, 1 if g % 3 else 4, 1))
        components.append(
            {
                "type": "cryptographic-asset",
                "bom-ref": key,
                "name": "RSA-2048",
                "cryptoProperties": {
                    "assetType": "related-crypto-material",
                    "relatedCryptoMaterialProperties": {"type": "public-key", "size": 2048},
                },
            }
        )
        components.append(
            {
                "type": "cryptographic-asset",
                "bom-ref": cert,
                "name": f"system{g}.example.go.kr",
                "cryptoProperties": {
                    "assetType": "certificate",
                    "certificateProperties": {
                        "subjectName": f"CN=system{g}.example.go.kr",
                        "issuerName": "CN=Example Gov CA",
                        "notValidBefore": "2025-01-01T00:00:00Z",
                        "notValidAfter": "2027-01-01T00:00:00Z",
                        "signatureAlgorithmRef": sig,
                        "subjectPublicKeyRef": key,
                        "certificateFormat": "X.509",
                    },
                },
            }
        )
        proto = f"{aref}/tls"
        components.append(
            {
                "type": "cryptographic-asset",
                "bom-ref": proto,
                "name": "TLSv1.3" if g % 2 else "TLSv1.2",
                "cryptoProperties": {
                    "assetType": "protocol",
                    "protocolProperties": {
                        "type": "tls",
                        "version": "1.3" if g % 2 else "1.2",
                        "cipherSuites": [{"name": SUITES[g % len(SUITES)]}],
                    },
                },
            }
        )
        skey = f"{aref}/key"
        components.append(
            {
                "type": "cryptographic-asset",
                "bom-ref": skey,
                "name": "AES-256",
                "cryptoProperties": {
                    "assetType": "related-crypto-material",
                    "relatedCryptoMaterialProperties": {"type": "secret-key", "size": 256},
                },
            }
        )
        depends = [*used, cert, proto, skey]
        if g >= 10:  # some systems use a library / run on a device defined earlier
            depends.append(f"asset-{g - (g % 10) - 8}")  # a library-type asset
            if g % 4 == 0:
                depends.append(f"asset-{g - (g % 10) - 7}")  # a device-type asset
        dependencies.append({"ref": aref, "dependsOn": depends})
    for extra in range(n_components - groups * PER_ASSET):
        ref = f"extra-alg-{extra}"
        components.append(_algorithm(ref, extra, 1))
        dependencies[-1]["dependsOn"].append(ref)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {"timestamp": "2026-01-01T00:00:00Z"},
        "components": components,
        "dependencies": dependencies,
    }


def run(url: str, label: str, payload: bytes, n: int) -> None:
    upgrade(url)
    with transaction(url) as s:
        org = Organization(
            slug=f"bench-{uuid.uuid4().hex[:8]}",
            name="Bench",
            sector=Sector.GOVERNMENT,
            tier=Tier.CENTRAL_GOVERNMENT,
        )
        s.add(org)
        s.flush()
        org_id = org.id
    t0 = time.perf_counter()
    with transaction(url) as s:
        report = import_cbom(s, org_id, payload)
        t1 = time.perf_counter()
    t2 = time.perf_counter()
    total = t2 - t0
    print(
        f"{label}: {n:,} components in {total:.1f} s ({n / total:,.0f} components/s; "
        f"parse+map+classify+write {t1 - t0:.1f} s, commit {t2 - t1:.1f} s)"
    )
    size = f"{n:,} components"
    record(f"{label}: CBOM import", total, "s", target="< 60 s", met=total < 60, size=size)
    record(f"{label}: CBOM import rate", n / total, "components/s", size=size)
    print(
        f"  assets {report.assets_created:,}, usages {report.usages_created:,}, "
        f"dependencies {report.dependencies_created:,}, warnings {len(report.warnings)}, "
        f"unknown algorithms {len(report.unknown_algorithms)}"
    )
    t0 = time.perf_counter()
    with transaction(url) as s:
        again = import_cbom(s, org_id, payload)
    print(
        f"  re-import (updates {again.usages_updated:,} usages): {time.perf_counter() - t0:.1f} s"
    )
    t0 = time.perf_counter()
    with transaction(url) as s:
        text = export_cbom(s, org_id)
    print(
        f"  export of the imported inventory (CycloneDX 1.6, {len(text) / 1e6:.0f} MB): "
        f"{time.perf_counter() - t0:.1f} s"
    )
    engine_for(url).dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--components", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="also write the generated CBOM to this file")
    ap.add_argument("--pg", help="PostgreSQL admin URL (a scratch database is created)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    payload = json.dumps(generate(args.components)).encode()
    print(
        f"generated {args.components:,} components ({len(payload) / 1e6:.1f} MB) in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    if args.keep:
        args.keep.write_bytes(payload)
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3", "SQLite", payload, args.components)
    pg = os.environ.get("PQCPLAN_BENCH_PG_URL")
    if args.pg:
        with scratch_database(args.pg) as url:
            run(url, "PostgreSQL", payload, args.components)
    elif pg:
        run(pg, "PostgreSQL", payload, args.components)
    else:
        print("PostgreSQL: skipped (--pg ADMIN_URL, or PQCPLAN_BENCH_PG_URL names a database)")


if __name__ == "__main__":
    main()
