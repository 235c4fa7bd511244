"""The facts of one X.509 certificate, named through the algorithm catalog.

Used by the TLS scanner (the chain a server presents) and the store scanner (files).
Public-key and signature algorithms are read by OID, so ML-DSA and SLH-DSA certificates are
recognised whether or not the installed OpenSSL can verify them.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from inventory.catalog import get_catalog
from inventory.choices import QuantumStatus


@dataclass
class CertFacts:
    subject: str
    issuer: str
    serial: str
    sans: list[str]
    public_key_algorithm: str  # catalog name: RSA-2048, ECDSA-P256, ML-DSA-65...
    public_key_oid: str
    key_size: int | None
    curve: str | None
    signature_algorithm: str  # catalog name of the signature: RSA-SHA1, ECDSA-P256, ML-DSA-65
    signature_oid: str
    signature_hash: str | None
    signature_key_size: int | None  # of the issuer's key, when the issuer is known
    not_before: datetime
    not_after: datetime
    sha256: str
    self_signed: bool
    quantum_status: str
    problems: list[str] = field(default_factory=list)
    scts: int = 0  # SignedCertificateTimestamps embedded in the certificate (RFC 6962)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["not_before"] = self.not_before.isoformat()
        out["not_after"] = self.not_after.isoformat()
        return out


def _key_facts(cert: x509.Certificate) -> tuple[int | None, str | None]:
    try:
        key = cert.public_key()
    except Exception:  # an algorithm this cryptography cannot load: the OID still names it
        return None, None
    if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey):
        return key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.key_size, key.curve.name
    return None, None


def _sans(cert: x509.Certificate) -> list[str]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    out = [f"DNS:{n}" for n in ext.get_values_for_type(x509.DNSName)]
    out += [f"IP:{n}" for n in ext.get_values_for_type(x509.IPAddress)]
    return out


def key_algorithm_name(oid: str, key_size: int | None, curve: str | None) -> str:
    """Catalog name for a public key given its SPKI OID, size and curve."""
    cat = get_catalog()
    name = cat.normalize(oid, key_size=key_size, curve=curve, primitive="signature")
    return name or oid


def _signature_name(
    sig_oid: str, signer: tuple[int | None, str | None] | None
) -> tuple[str, int | None]:
    """The catalog's name for a certificate's signature, and the signing key's size.

    The signature OID names the algorithm and, for SHA-1 and MD5, the hash that breaks it
    (``sha1WithRSAEncryption`` is ``RSA-SHA1`` whatever the key). A generic family name
    (``RSA``, ``ECDSA``) is made specific by the signing key, when the issuer is known.
    """
    cat = get_catalog()
    found = cat.resolve(sig_oid, primitive="signature")
    if found is None:
        return sig_oid, None
    if signer is None or not found.is_generic:
        return found.name, None
    size, curve = signer
    sized = cat.resolve(sig_oid, key_size=size, curve=curve, primitive="signature")
    return (sized or found).name, size


def cert_facts(
    cert: x509.Certificate,
    *,
    now: datetime | None = None,
    signer: tuple[int | None, str | None] | None = None,
) -> CertFacts:
    """Facts of one certificate, with what makes it stand out listed in ``problems``.

    ``signer`` is (key size, curve) of the issuer's key when the issuer is known; a
    self-signed certificate is its own signer.

    >>> from cryptography.hazmat.primitives.asymmetric import ec
    >>> from cryptography.hazmat.primitives import hashes
    >>> from cryptography.x509.oid import NameOID
    >>> import datetime as dt
    >>> k = ec.generate_private_key(ec.SECP256R1())
    >>> n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "a")])
    >>> t = dt.datetime(2030, 1, 1)
    >>> c = (x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(k.public_key())
    ...      .serial_number(1).not_valid_before(t).not_valid_after(t + dt.timedelta(days=1))
    ...      .sign(k, hashes.SHA256()))
    >>> f = cert_facts(c, now=t)
    >>> (f.public_key_algorithm, f.signature_algorithm, f.quantum_status)
    ('ECDSA-P256', 'ECDSA-P256', 'broken')
    """
    now = now or datetime.now(UTC).replace(tzinfo=None)
    cat = get_catalog()
    key_size, curve = _key_facts(cert)
    pk_oid = cert.public_key_algorithm_oid.dotted_string
    pk_name = key_algorithm_name(pk_oid, key_size, curve)
    sig_oid = cert.signature_algorithm_oid.dotted_string
    hash_alg = cert.signature_hash_algorithm
    issuer_is_subject = cert.issuer == cert.subject
    if signer is None and issuer_is_subject:
        signer = (key_size, curve)
    sig_name, signer_size = _signature_name(sig_oid, signer)
    key_info, sig_info = cat.get(pk_name), cat.get(sig_name)
    status = cat.classify(pk_name).status
    not_before = cert.not_valid_before_utc.replace(tzinfo=None)
    not_after = cert.not_valid_after_utc.replace(tzinfo=None)
    problems: list[str] = []
    if not_after < now:
        problems.append(f"expired on {not_after:%Y-%m-%d}")
    elif not_before > now:
        problems.append(f"not valid before {not_before:%Y-%m-%d}")
    if sig_info is not None and sig_info.classically_broken:
        problems.append(f"signed with {sig_name}, which classical attacks break today")
    if key_info is not None and key_info.classically_broken and key_size is not None:
        problems.append(f"{key_size}-bit {key_info.family} key is too short today")
    if status is QuantumStatus.BROKEN:
        problems.append(f"{pk_name} is quantum-vulnerable (Shor)")
    return CertFacts(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        sans=_sans(cert),
        public_key_algorithm=pk_name,
        public_key_oid=pk_oid,
        key_size=key_size,
        curve=curve,
        signature_algorithm=sig_name,
        signature_oid=sig_oid,
        signature_hash=hash_alg.name if hash_alg is not None else None,
        signature_key_size=signer_size,
        not_before=not_before,
        not_after=not_after,
        sha256=hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest(),
        self_signed=issuer_is_subject,
        quantum_status=str(status),
        problems=problems,
        scts=_embedded_scts(cert),
    )


def _embedded_scts(cert: x509.Certificate) -> int:
    try:
        kind = x509.PrecertificateSignedCertificateTimestamps
        ext = cert.extensions.get_extension_for_class(kind)
    except (x509.ExtensionNotFound, ValueError):
        return 0
    return len(ext.value)


def chain_facts(ders: list[bytes]) -> list[CertFacts]:
    """Facts of a chain (leaf first); each signature is sized by its issuer when the issuer
    is in the chain."""
    certs = [x509.load_der_x509_certificate(d) for d in ders]
    return certs_facts(certs)


def certs_facts(certs: list[x509.Certificate]) -> list[CertFacts]:
    by_subject = {c.subject: c for c in certs}
    out = []
    for cert in certs:
        issuer = by_subject.get(cert.issuer)
        signer = _key_facts(issuer) if issuer is not None else None
        out.append(cert_facts(cert, signer=signer))
    return out


def der_facts(der: bytes) -> CertFacts:
    return cert_facts(x509.load_der_x509_certificate(der))
