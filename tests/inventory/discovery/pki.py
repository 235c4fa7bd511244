"""Certificates for the test peers, made with ``cryptography``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, rsa
from cryptography.x509.oid import NameOID

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(
    subject_key,
    cn: str,
    *,
    issuer_key=None,
    issuer_cn: str | None = None,
    sans: tuple[str, ...] = (),
    days: int = 30,
    start: dt.datetime | None = None,
    hash_alg=None,
    ca: bool = False,
    serial: int = 1000,
) -> x509.Certificate:
    issuer_key = issuer_key or subject_key
    start = start or NOW - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(cn))
        .issuer_name(name(issuer_cn or cn))
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False
        )
    if isinstance(issuer_key, mldsa.MLDSA65PrivateKey | mldsa.MLDSA44PrivateKey):
        return builder.sign(issuer_key, None)
    return builder.sign(issuer_key, hash_alg or hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_pair(folder: Path, stem: str, chain: list[x509.Certificate], key) -> tuple[Path, Path]:
    cert_path, key_path = folder / f"{stem}.crt", folder / f"{stem}.key"
    cert_path.write_bytes(b"".join(pem(c) for c in chain))
    key_path.write_bytes(key_pem(key))
    return cert_path, key_path


def ecdsa_key(curve=None):
    return ec.generate_private_key(curve or ec.SECP256R1())


def rsa_key(bits: int = 2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def mldsa_key():
    return mldsa.MLDSA65PrivateKey.generate()
