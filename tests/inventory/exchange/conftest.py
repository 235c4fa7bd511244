"""Fixtures for CBOM exchange tests: organizations and a rich inventory using every column and
every enum value of the inventory model."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.choices import Sector, Tier
from core.models import Organization
from inventory.choices import (
    AssetType,
    Criticality,
    CryptoFunction,
    DataSensitivity,
    DependencyKind,
    Environment,
    Exposure,
    Primitive,
    QuantumStatus,
    Source,
)
from inventory.classification import classify_usage
from inventory.models import Asset, CryptoUsage, Dependency

DATA = Path(__file__).parent / "data"


def make_org(session: Session, slug: str) -> int:
    org = Organization(
        slug=slug,
        name=f"{slug.title()} Ministry",
        sector=Sector.GOVERNMENT,
        tier=Tier.CENTRAL_GOVERNMENT,
        country="KR",
        description=f"{slug} org",
    )
    session.add(org)
    session.flush()
    return org.id


def row_counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(m))
        for m in (Asset, CryptoUsage, Dependency)
    )


# (algorithm_raw, primitive, key_size, parameter_set, mode, padding): one per quantum status
# and per primitive, with modes/paddings CycloneDX has an enum value for and ones it has not.
USAGE_SPECS: list[tuple[str, Primitive, int | None, str | None, str | None, str | None]] = [
    ("RSA", Primitive.SIGNATURE, 2048, None, None, "PSS"),
    ("AES-128", Primitive.SYMMETRIC, 128, None, "CBC", "PKCS7"),
    ("ML-KEM-768", Primitive.KEY_EXCHANGE, None, "768", None, None),
    ("X25519MLKEM768", Primitive.KEY_EXCHANGE, None, None, None, None),
    ("FooCipher-9", Primitive.OTHER, None, None, "XTS", None),
    ("RSA", Primitive.ENCRYPTION, 3072, None, None, "OAEP"),
    ("SHA-256", Primitive.HASH, None, None, None, None),
    ("HMAC-SHA256", Primitive.MAC, None, None, None, None),
    ("HKDF-SHA256", Primitive.KDF, None, None, None, None),
    ("AES-256-GCM", Primitive.SYMMETRIC, 256, None, "GCM", None),
    ("ECDH", Primitive.KEY_EXCHANGE, None, "P-256", None, None),
    ("ML-DSA-65", Primitive.SIGNATURE, None, None, None, None),
    ("ChaCha20-Poly1305", Primitive.SYMMETRIC, None, None, None, None),
]
PROTOCOLS = [None, "TLS 1.3", "SSH-2", "IKEv2", "TLS 1.2", "QUIC 1", "Proprietary bus v3"]


def build_rich_inventory(session: Session, org_id: int) -> None:
    """Every column of Asset, CryptoUsage and Dependency set somewhere, every enum value used,
    nullable columns left empty somewhere, awkward text (unicode, ':', newlines) included."""
    base = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    envs, crits = itertools.cycle(Environment), itertools.cycle(Criticality)
    exps, sens = itertools.cycle(Exposure), itertools.cycle(DataSensitivity)
    assets: list[Asset] = []
    for i, at in enumerate(AssetType):
        full = i != 3  # one asset with every nullable column empty
        a = Asset(
            organization_id=org_id,
            ref=f"asset/{at.value}",
            name=f"{at.value.title()} №{i}",
            asset_type=at,
            environment=next(envs),
            criticality=next(crits),
            exposure=next(exps),
            data_sensitivity=next(sens),
            secrecy_years=i * 5,
            description=f"Line one\nline two: {at.value} «ü»" if full else None,
            owner=f"Team {i} <ops{i}@example.go.kr>" if full else None,
            vendor=f"Vendor {i}" if full else None,
            product=f"Product {i}" if full else None,
            version=f"{i}.{i}.1" if full else None,
            location=f"10.0.0.{i}:443" if full else None,
        )
        assets.append(a)
    # more assets than types, so that every Environment/DataSensitivity value appears
    for j in range(2):
        assets.append(
            Asset(
                organization_id=org_id,
                ref=f"asset/extra-{j}",
                name=f"Extra {j}",
                asset_type=AssetType.SERVICE,
                environment=next(envs),
                criticality=next(crits),
                exposure=next(exps),
                data_sensitivity=next(sens),
                secrecy_years=30,
            )
        )
    session.add_all(assets)
    session.flush()

    sources = itertools.cycle(Source)
    protocols = itertools.cycle(PROTOCOLS)
    specs = itertools.cycle(USAGE_SPECS)
    n = 0
    for f in CryptoFunction:
        for _ in range(2 if f is CryptoFunction.CERTIFICATE_SIGNATURE else 1):
            raw, prim, ks, ps, mode, pad = next(specs)
            asset = assets[n % len(assets)]
            cert = f in (
                CryptoFunction.CERTIFICATE_SIGNATURE,
                CryptoFunction.TLS_AUTHENTICATION,
                CryptoFunction.CODE_SIGNING,
            )
            full_cert = cert and n % 2 == 0
            u = CryptoUsage(
                organization_id=org_id,
                ref=f"usage/{n:02d}/{f.value}",
                asset_id=asset.id,
                algorithm_raw=raw,
                primitive=prim,
                function=f,
                protocol=next(protocols),
                key_size=ks,
                parameter_set=ps,
                mode=mode,
                padding=pad,
                library=f"lib{n}" if n % 3 else None,
                library_version=f"{n}.0" if n % 3 else None,
                source=next(sources),
                evidence=f"seen: host{n}:443 \u2014 scan #{n}",
                first_seen=base + timedelta(days=n),
                last_seen=base + timedelta(days=n + 30),
                notes=f"note {n}: «{raw}»" if n % 2 else None,
            )
            if cert:
                u.cert_subject = f"CN=svc{n}.example.go.kr, O=Ministry, C=KR"
                u.cert_issuer = "CN=Gov CA 3, O=Ministry, C=KR" if full_cert else None
                u.cert_serial = f"0a:1b:{n:02x}" if full_cert else None
                u.cert_not_before = base - timedelta(days=365)
                u.cert_not_after = base + timedelta(days=365 + n) if full_cert else None
                u.cert_fingerprint_sha256 = f"{n:02x}" * 32 if full_cert else None
                u.cert_public_key_algorithm = "ECDSA-P256" if full_cert else None
            classify_usage(u, curve="P-256" if raw == "ECDH" else None)
            session.add(u)
            n += 1
    session.flush()

    by_type = {a.asset_type: a for a in assets[: len(AssetType)]}
    app = by_type[AssetType.APPLICATION]
    pairs = [
        (app, by_type[AssetType.CA_PKI], DependencyKind.CERTIFICATES_FROM, "TLS server certs"),
        (app, by_type[AssetType.HSM], DependencyKind.KEYS_IN, None),
        (app, by_type[AssetType.LIBRARY_FIRMWARE], DependencyKind.USES_LIBRARY, "links: v3"),
        (app, by_type[AssetType.SERVICE], DependencyKind.CALLS_SERVICE, ""),
        (app, by_type[AssetType.HOST], DependencyKind.RUNS_ON, None),
        (app, by_type[AssetType.DATABASE], DependencyKind.STORES_DATA_IN, "PII, 10 years"),
        (app, by_type[AssetType.SERVICE], DependencyKind.AUTHENTICATES_WITH, "OIDC"),
        (
            by_type[AssetType.DEVICE_IOT],
            by_type[AssetType.NETWORK_APPLIANCE],
            DependencyKind.CONNECTS_THROUGH,
            "VPN gateway",
        ),
        (by_type[AssetType.VENDOR_PRODUCT], app, DependencyKind.OTHER, "kind: other"),
    ]
    for dependent, provider, kind, desc in pairs:
        session.add(
            Dependency(
                organization_id=org_id,
                dependent_id=dependent.id,
                provider_id=provider.id,
                kind=kind,
                description=desc,
            )
        )
    session.flush()

    statuses = set(
        session.scalars(
            select(CryptoUsage.quantum_status).where(CryptoUsage.organization_id == org_id)
        )
    )
    assert statuses == set(QuantumStatus), statuses  # the fixture itself covers every status


@pytest.fixture
def rich_inventory() -> Callable[[Session, int], None]:
    return build_rich_inventory


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture(name="make_org")
def make_org_fixture() -> Callable[[Session, str], int]:
    return make_org


@pytest.fixture(name="row_counts")
def row_counts_fixture() -> Callable[[Session], tuple[int, int, int]]:
    return row_counts
