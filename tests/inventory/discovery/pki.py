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
    scts: int = 0,
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
    if scts:
        builder = with_embedded_scts(builder, scts)
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


# ---------------------------------------------------------------------- transparency, OCSP
SCT_LIST_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")  # RFC 6962 3.3


def sct_list(count: int) -> bytes:
    """A SignedCertificateTimestampList of ``count`` v1 SCTs (RFC 6962 3.2-3.3): well formed,
    from made-up logs; the scanner counts them, it does not verify logs."""
    import os
    import struct

    entries = b""
    for i in range(count):
        sig = os.urandom(70)
        sct = b"\x00" + bytes([i + 1]) * 32 + struct.pack("!Q", 1_700_000_000_000 + i)
        sct += b"\x00\x00" + b"\x04\x03" + struct.pack("!H", len(sig)) + sig
        entries += struct.pack("!H", len(sct)) + sct
    return struct.pack("!H", len(entries)) + entries


def with_embedded_scts(builder: x509.CertificateBuilder, count: int) -> x509.CertificateBuilder:
    """The X.509 extension that carries SCTs inside a certificate (an OCTET STRING)."""
    body = sct_list(count)
    der = b"\x04" + _der_length(len(body)) + body
    return builder.add_extension(x509.UnrecognizedExtension(SCT_LIST_OID, der), critical=False)


def _der_length(n: int) -> bytes:
    if n < 128:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def ocsp_good(cert: x509.Certificate, issuer: x509.Certificate, issuer_key) -> bytes:
    """A signed OCSP response saying ``cert`` is good, as a server staples it."""
    from cryptography.x509 import ocsp

    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=cert,
            issuer=issuer,
            algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=NOW - dt.timedelta(hours=1),
            next_update=NOW + dt.timedelta(days=1),
            revocation_time=None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer)
    )
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def serverinfo_pem(extension_type: int, data: bytes, name: str) -> bytes:
    """A file for `openssl s_server -serverinfo`: the TLS extension the server adds."""
    import base64
    import struct

    body = struct.pack("!HH", extension_type, len(data)) + data
    b64 = base64.encodebytes(body).decode()
    label = f"SERVERINFO FOR {name}"
    return f"-----BEGIN {label}-----\n{b64}-----END {label}-----\n".encode()


def dh_params_pem(bits: int) -> bytes:
    """PKCS#3 DH parameters of the RFC 2409 / RFC 3526 MODP group of ``bits`` bits."""
    from cryptography.hazmat.primitives.asymmetric import dh

    from inventory.discovery.dh_groups import GENERATOR, modp

    params = dh.DHParameterNumbers(modp(bits), GENERATOR).parameters()
    return params.parameter_bytes(serialization.Encoding.PEM, serialization.ParameterFormat.PKCS3)


def p12_bundle(key, cn: str, password: str, extra: list | None = None) -> bytes:
    """A PKCS#12 file with ``key``, a self-signed certificate for it and ``extra`` certs."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    encryption = serialization.BestAvailableEncryption(password.encode())
    return pkcs12.serialize_key_and_certificates(
        b"bundle", key, make_cert(key, cn), extra, encryption
    )
