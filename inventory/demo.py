"""A realistic invented inventory: a ministry, a public hospital, a bank and a telecom operator.

Deterministic (seeded), a few hundred assets with PKI, HSMs, web portals, VPNs, databases,
IoT devices, libraries and their dependencies, plus a national PQC office (admin) and a
vendor organization. Every name is invented.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
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
    Source,
)
from inventory.classification import classify_usage
from inventory.models import Asset, CryptoUsage, Dependency

Progress = Callable[[int, int, str], None]
Product = tuple[str | None, str, str]  # vendor, product, version
SEED = 2035


@dataclass(frozen=True)
class OrgSpec:
    slug: str
    name: str
    sector: Sector
    tier: Tier
    scale: int  # how many portals/apps/devices, roughly


ORGS = [
    OrgSpec(
        "mois",
        "Ministry of Digital Administration (demo)",
        Sector.GOVERNMENT,
        Tier.CENTRAL_GOVERNMENT,
        36,
    ),
    OrgSpec(
        "hanul-hospital",
        "Hanul Public Hospital (demo)",
        Sector.HEALTHCARE,
        Tier.PUBLIC_INSTITUTION,
        30,
    ),
    OrgSpec(
        "daehan-bank",
        "Daehan Commercial Bank (demo)",
        Sector.FINANCE,
        Tier.CRITICAL_PRIVATE_INFRASTRUCTURE,
        44,
    ),
    OrgSpec(
        "koreanet-telecom",
        "KoreaNet Telecom (demo)",
        Sector.TELECOM,
        Tier.CRITICAL_PRIVATE_INFRASTRUCTURE,
        44,
    ),
]
ADMIN_ORG = OrgSpec(
    "national-pqc-office",
    "National PQC Transition Office (demo)",
    Sector.GOVERNMENT,
    Tier.CENTRAL_GOVERNMENT,
    0,
)
VENDOR_ORG = OrgSpec(
    "hanbit-security", "Hanbit Security Devices (demo vendor)", Sector.OTHER, Tier.PRIVATE, 0
)

# (algorithm as a scanner or officer would write it, primitive, function, protocol, key size)
TLS_LEGACY = [
    ("ECDHE-X25519", Primitive.KEY_EXCHANGE, CryptoFunction.TLS_KEY_EXCHANGE, "TLS 1.3", None),
    ("secp256r1", Primitive.KEY_EXCHANGE, CryptoFunction.TLS_KEY_EXCHANGE, "TLS 1.2", None),
    ("DHE", Primitive.KEY_EXCHANGE, CryptoFunction.TLS_KEY_EXCHANGE, "TLS 1.2", 2048),
]
TLS_PQC = (
    "X25519MLKEM768",
    Primitive.KEY_EXCHANGE,
    CryptoFunction.TLS_KEY_EXCHANGE,
    "TLS 1.3",
    None,
)
CERT_SIGS = [
    ("sha256WithRSAEncryption", 2048),
    ("ecdsa-with-SHA256", None),
    ("sha256WithRSAEncryption", 3072),
]
VPN = {  # every organization's VPN gateways are this one product
    "made_by": ("Invented Networks", "SecureGate", "9.1"),
    "criticality": Criticality.HIGH,
    "exposure": Exposure.INTERNET_FACING,
    "data_sensitivity": DataSensitivity.CONFIDENTIAL,
    "secrecy_years": 10,
}
BULK = [("AES-128-GCM", 128), ("AES-256-GCM", 256), ("ChaCha20-Poly1305", 256)]
LIBRARIES = [
    ("OpenSSL", "1.1.1w"),
    ("OpenSSL", "3.0.13"),
    ("OpenSSL", "3.5.1"),
    ("BouncyCastle", "1.78"),
    ("Go crypto/tls", "1.24"),
    ("NSS", "3.101"),
]


@dataclass
class DemoResult:
    """The API keys ``load_demo`` issued (by role, or "slug:role"), and the rows it added."""

    keys: dict[str, str] = field(default_factory=dict)
    organizations: int = 0
    assets: int = 0
    usages: int = 0
    dependencies: int = 0


class _Builder:
    """Adds one organization's assets, usages and dependencies."""

    def __init__(self, session: Session, org: Organization, rng: random.Random) -> None:
        self.session, self.org, self.rng = session, org, rng
        self.assets: list[Asset] = []
        self.usages = 0
        self.pending: list[tuple[Asset, Asset, DependencyKind]] = []
        self.now = datetime(2026, 11, 1, tzinfo=UTC)

    def asset(
        self, name: str, kind: AssetType, *, made_by: Product | None = None, **kw: object
    ) -> Asset:
        ref = f"{self.org.slug}:{kind.value}:{len(self.assets) + 1:03d}"
        if made_by is not None:
            kw["vendor"], kw["product"], kw["version"] = made_by
        asset = Asset(
            organization_id=self.org.id,
            ref=ref,
            name=name,
            asset_type=kind,
            owner=kw.pop("owner", f"{self.org.slug} IT operations"),
            **kw,
        )
        self.session.add(asset)
        self.assets.append(asset)
        return asset

    def use(
        self,
        asset: Asset,
        algorithm: str,
        primitive: Primitive,
        function: CryptoFunction,
        protocol: str | None = None,
        key_size: int | None = None,
        **kw: object,
    ) -> None:
        seen = self.now - timedelta(days=self.rng.randint(1, 400))
        usage = CryptoUsage(
            organization_id=self.org.id,
            asset=asset,
            ref=f"{asset.ref}:crypto:{len(asset.usages) + 1}",
            algorithm_raw=algorithm,
            primitive=primitive,
            function=function,
            protocol=protocol,
            key_size=key_size,
            source=Source.DEMO,
            first_seen=seen,
            last_seen=self.now,
            evidence=f"demo inventory: {function.value} on {asset.name}",
            **kw,
        )
        classify_usage(usage)
        asset.usages.append(usage)
        self.usages += 1

    def signing_key(
        self,
        asset: Asset,
        algorithm: str,
        function: CryptoFunction,
        bits: int,
        *,
        issuer: Asset | None = None,
        **kw: object,
    ) -> None:
        """``asset``'s own signing key; with ``issuer``, the certificate ``issuer`` gave it."""
        if issuer is not None:
            kw.update(cert_subject=f"CN={asset.name}", cert_issuer=f"CN={issuer.name}")
        self.use(asset, algorithm, Primitive.SIGNATURE, function, key_size=bits, **kw)

    def cert(self, asset: Asset, issuer: str, function: CryptoFunction) -> None:
        alg, size = self.rng.choice(CERT_SIGS)
        start = self.now - timedelta(days=self.rng.randint(30, 700))
        self.use(
            asset,
            alg,
            Primitive.SIGNATURE,
            function,
            key_size=size,
            cert_subject=f"CN={asset.name}, O={self.org.name}",
            cert_issuer=issuer,
            cert_serial=f"{self.rng.getrandbits(64):016x}",
            cert_not_before=start,
            cert_not_after=start + timedelta(days=self.rng.choice([398, 730, 825])),
            parameter_set="P-256" if alg.startswith("ecdsa") else None,
        )

    def depends(self, dependent: Asset, provider: Asset, kind: DependencyKind) -> None:
        self.pending.append((dependent, provider, kind))


def _build_org(b: _Builder, spec: OrgSpec) -> None:
    rng, s = b.rng, spec.scale
    crit = Criticality.CRITICAL
    root = b.asset(
        f"{spec.name.split(' (')[0]} Root CA",
        AssetType.CA_PKI,
        criticality=crit,
        exposure=Exposure.ISOLATED,
        data_sensitivity=DataSensitivity.SECRET,
        secrecy_years=20,
        made_by=("Invented PKI Co.", "RootCA", "7.2"),
    )
    b.signing_key(
        root,
        "sha256WithRSAEncryption",
        CryptoFunction.CERTIFICATE_SIGNATURE,
        4096,
        issuer=root,
        cert_not_before=datetime(2019, 3, 1, tzinfo=UTC),
        cert_not_after=datetime(2039, 3, 1, tzinfo=UTC),
    )
    # exposure is internal (the default) where not named
    issuing = b.asset(
        f"{spec.slug} Issuing CA", AssetType.CA_PKI, criticality=crit, secrecy_years=10
    )
    b.signing_key(issuing, "rsaEncryption", CryptoFunction.CERTIFICATE_SIGNATURE, 2048, issuer=root)
    b.use(issuing, "sha1", Primitive.HASH, CryptoFunction.INTEGRITY)
    hsms = []
    for i in range(2):
        hsm = b.asset(
            f"{spec.slug} HSM cluster {i + 1}",
            AssetType.HSM,
            criticality=crit,
            exposure=Exposure.ISOLATED,
            made_by=("Invented HSM Corp.", "KeyVault 9000", rng.choice(["7.4", "7.8", "8.1"])),
        )
        b.signing_key(hsm, "RSA", CryptoFunction.KEY_WRAPPING, 2048)
        b.use(
            hsm,
            "AES-256",
            Primitive.SYMMETRIC,
            CryptoFunction.KEY_WRAPPING,
            key_size=256,
            mode="KW",
        )
        hsms.append(hsm)
    b.depends(root, hsms[0], DependencyKind.KEYS_IN)
    b.depends(issuing, hsms[1], DependencyKind.KEYS_IN)
    b.depends(issuing, root, DependencyKind.CERTIFICATES_FROM)

    libs = []
    for name, version in LIBRARIES:
        lib = b.asset(
            f"{name} {version}",
            AssetType.LIBRARY_FIRMWARE,
            made_by=(name, name, version),
            criticality=Criticality.HIGH,
        )
        libs.append(lib)

    dbs = []
    for i in range(max(2, s // 5)):
        db = b.asset(
            f"{spec.slug} records database {i + 1}",
            AssetType.DATABASE,
            criticality=Criticality.HIGH,
            exposure=Exposure.INTERNAL,
            data_sensitivity=rng.choice([DataSensitivity.CONFIDENTIAL, DataSensitivity.SECRET]),
            secrecy_years=rng.choice([10, 15, 25, 30]),
            made_by=(None, "PostgreSQL", rng.choice(["13", "15", "16"])),
        )
        b.use(db, "AES-256-XTS", Primitive.SYMMETRIC, CryptoFunction.DATA_AT_REST, key_size=256)
        b.use(db, "rsaEncryption", Primitive.ENCRYPTION, CryptoFunction.KEY_WRAPPING, key_size=2048)
        b.depends(db, rng.choice(hsms), DependencyKind.KEYS_IN)
        dbs.append(db)

    vpns = []
    for i in range(max(2, s // 8)):
        vpn = b.asset(f"{spec.slug} VPN gateway {i + 1}", AssetType.NETWORK_APPLIANCE, **VPN)
        b.use(vpn, "DH", Primitive.KEY_EXCHANGE, CryptoFunction.VPN, "IKEv2", 2048)
        b.use(vpn, "AES-256-CBC", Primitive.SYMMETRIC, CryptoFunction.VPN, "IPsec", 256)
        b.use(vpn, "SHA-1", Primitive.HASH, CryptoFunction.VPN, "IPsec")
        b.cert(vpn, f"CN={issuing.name}", CryptoFunction.TLS_AUTHENTICATION)
        b.depends(vpn, issuing, DependencyKind.CERTIFICATES_FROM)
        vpns.append(vpn)

    services = []
    for i in range(s):
        internet = rng.random() < 0.5
        kind = AssetType.APPLICATION if i % 3 else AssetType.SERVICE
        app = b.asset(
            f"{spec.slug} {_service_name(spec.sector, i)}",
            kind,
            criticality=rng.choice(list(Criticality)),
            exposure=Exposure.INTERNET_FACING if internet else Exposure.INTERNAL,
            data_sensitivity=rng.choice(list(DataSensitivity)[1:]),
            secrecy_years=rng.choice([1, 3, 5, 10, 20]),
            environment=rng.choice([Environment.PRODUCTION] * 4 + [Environment.STAGING]),
            location=f"https://{spec.slug}-{i}.example.kr" if internet else None,
        )
        pilot = rng.random() < 0.12
        alg, prim, func, proto, size = TLS_PQC if pilot else rng.choice(TLS_LEGACY)
        lib = rng.choice(libs[2:3] if pilot else libs)
        b.use(app, alg, prim, func, proto, size, library=lib.product, library_version=lib.version)
        bulk, bits = rng.choice(BULK)
        b.use(app, bulk, Primitive.SYMMETRIC, CryptoFunction.DATA_IN_TRANSIT, proto, bits)
        b.cert(app, f"CN={issuing.name}", CryptoFunction.TLS_AUTHENTICATION)
        if rng.random() < 0.5:
            b.use(
                app,
                rng.choice(["RS256", "ES256", "HS256", "ML-DSA-65" if pilot else "PS256"]),
                Primitive.SIGNATURE,
                CryptoFunction.TOKEN_SIGNING,
            )
        b.depends(app, issuing, DependencyKind.CERTIFICATES_FROM)
        b.depends(app, lib, DependencyKind.USES_LIBRARY)
        b.depends(app, rng.choice(dbs), DependencyKind.STORES_DATA_IN)
        if not internet:
            b.depends(app, rng.choice(vpns), DependencyKind.CONNECTS_THROUGH)
        if services and rng.random() < 0.4:
            b.depends(app, rng.choice(services), DependencyKind.CALLS_SERVICE)
        services.append(app)

    for i in range(max(3, s // 2)):
        dev = b.asset(
            f"{spec.slug} {_device_name(spec.sector)} {i + 1}",
            AssetType.DEVICE_IOT,
            criticality=rng.choice([Criticality.MEDIUM, Criticality.HIGH]),
            exposure=Exposure.INTERNAL,
            made_by=(
                "Invented Devices Ltd.",
                _device_name(spec.sector),
                f"fw {rng.randint(1, 4)}.{i % 9}",
            ),
            secrecy_years=rng.choice([1, 5, 10]),
        )
        b.use(dev, "ecdsa-sha2-nistp256", Primitive.SIGNATURE, CryptoFunction.FIRMWARE_SIGNING)
        b.use(
            dev,
            rng.choice(["rsa-sha2-256", "ssh-ed25519"]),
            Primitive.SIGNATURE,
            CryptoFunction.SSH_HOST_KEY,
            "SSH-2",
            2048,
        )
        b.use(
            dev,
            rng.choice(
                [
                    "curve25519-sha256",
                    "diffie-hellman-group14-sha256",
                    "sntrup761x25519-sha512@openssh.com",
                ]
            ),
            Primitive.KEY_EXCHANGE,
            CryptoFunction.SSH_KEY_EXCHANGE,
            "SSH-2",
        )
        if rng.random() < 0.1:
            b.use(
                dev,
                "NTRU-HRSS-701",
                Primitive.KEY_EXCHANGE,
                CryptoFunction.OTHER,
                notes="vendor claims a PQC option; not in the catalog",
            )
        b.depends(dev, rng.choice(services), DependencyKind.CALLS_SERVICE)
        b.depends(dev, libs[0], DependencyKind.USES_LIBRARY)

    signer = b.asset(f"{spec.slug} code signing service", AssetType.SERVICE, criticality=crit)
    b.signing_key(signer, "sha256WithRSAEncryption", CryptoFunction.CODE_SIGNING, 3072)
    b.depends(signer, hsms[0], DependencyKind.KEYS_IN)


def _service_name(sector: Sector, i: int) -> str:
    names = {
        Sector.GOVERNMENT: [
            "civil petition portal",
            "e-document exchange",
            "resident registry API",
            "tax notice service",
            "open data portal",
            "identity gateway",
        ],
        Sector.HEALTHCARE: [
            "patient portal",
            "EMR service",
            "PACS imaging gateway",
            "prescription exchange",
            "insurance claims API",
            "lab results service",
        ],
        Sector.FINANCE: [
            "internet banking",
            "mobile banking API",
            "card authorization",
            "interbank transfer gateway",
            "open banking API",
            "trading engine",
        ],
        Sector.TELECOM: [
            "subscriber portal",
            "5G core AMF interface",
            "billing service",
            "SIM provisioning API",
            "roaming exchange",
            "network management",
        ],
    }[sector]
    return f"{names[i % len(names)]} {i // len(names) + 1}"


def _device_name(sector: Sector) -> str:
    return {
        Sector.GOVERNMENT: "CCTV camera",
        Sector.HEALTHCARE: "infusion pump",
        Sector.FINANCE: "ATM",
        Sector.TELECOM: "base station controller",
    }[sector]


def _ensure_org(session: Session, spec: OrgSpec, reset: bool) -> tuple[Organization, bool]:
    org = session.scalar(select(Organization).where(Organization.slug == spec.slug))
    if org is not None and reset:
        session.delete(org)
        session.flush()
        org = None
    if org is not None:
        return org, False
    org = Organization(
        slug=spec.slug, name=spec.name, sector=spec.sector, tier=spec.tier, country="KR"
    )
    session.add(org)
    session.flush()
    return org, True


def load_demo(
    session: Session, *, reset: bool = False, progress: Progress | None = None
) -> DemoResult:
    """Create the demo organizations (skipping ones that exist) and fresh API keys."""
    rng = random.Random(SEED)
    result = DemoResult()
    admin_org, _ = _ensure_org(session, ADMIN_ORG, reset)
    result.keys["admin"] = issue_key(session, admin_org.id, Role.ADMIN, "demo admin")[1]
    vendor_org, _ = _ensure_org(session, VENDOR_ORG, reset)
    result.keys["vendor"] = issue_key(session, vendor_org.id, Role.VENDOR, "demo vendor")[1]
    result.organizations = 2
    for done, spec in enumerate(ORGS):
        if progress:
            progress(done, len(ORGS), f"demo: {spec.name}")
        org, created = _ensure_org(session, spec, reset)
        result.organizations += 1
        result.keys[f"{spec.slug}:officer"] = issue_key(
            session, org.id, Role.OFFICER, "demo officer"
        )[1]
        result.keys[f"{spec.slug}:auditor"] = issue_key(
            session, org.id, Role.AUDITOR, "demo auditor"
        )[1]
        if not created:
            continue
        builder = _Builder(session, org, rng)
        _build_org(builder, spec)
        session.flush()
        for dependent, provider, kind in builder.pending:
            session.add(
                Dependency(
                    organization_id=org.id,
                    dependent_id=dependent.id,
                    provider_id=provider.id,
                    kind=kind,
                )
            )
        result.assets += len(builder.assets)
        result.usages += builder.usages
        result.dependencies += len(builder.pending)
    session.flush()
    if progress:
        progress(len(ORGS), len(ORGS), "demo: done")
    return result
