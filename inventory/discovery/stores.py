"""Certificate and key store scanner: files and directories of PEM/DER certificates,
PKCS#1/PKCS#8/OpenSSH keys, PKCS#12 bundles and Java keystores.

Only facts leave this module: algorithm, size or curve, validity, chain, fingerprints of the
public half. Private key bytes are parsed in memory to learn their algorithm and dropped;
the store password is used to open the store and is never put in a result or a message.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.serialization import pkcs12

from core.i18n import N_, say
from core.their_words import their_words
from inventory.catalog import get_catalog
from inventory.discovery.certs import CertFacts, cert_facts, certs_facts

MAX_FILE_BYTES = 10 * 1024 * 1024
PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.S)
SSH_PUBLIC = re.compile(rb"^(ssh-|ecdsa-sha2-|sk-)\S+ [A-Za-z0-9+/=]+", re.M)
JKS_MAGIC = (b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce")


@dataclass
class StoreItem:
    path: str
    where: str  # "PEM block 2", "alias 'server'", "line 3"...
    kind: str  # certificate, private_key, public_key, unreadable
    format: str  # PEM, DER, PKCS#1, PKCS#8, OpenSSH, PKCS#12, JKS
    algorithm: str | None = None
    key_size: int | None = None
    curve: str | None = None
    quantum_status: str | None = None
    fingerprint: str | None = None  # SHA-256 of the certificate DER or the public key SPKI
    certificate: CertFacts | None = None
    chain: list[str] = field(default_factory=list)  # fingerprints, leaf first
    problems: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["certificate"] = self.certificate.to_dict() if self.certificate else None
        return out


@dataclass
class StoreResult:
    target: str
    status: str = "ok"  # ok; partial: some files could not be read; error: nothing was
    error: str | None = None
    files: int = 0
    items: list[StoreItem] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # file parts (``file_part``) not read

    def to_dict(self) -> dict:
        return {**asdict(self), "items": [i.to_dict() for i in self.items]}


# ---------------------------------------------------------------------- key facts
_MLDSA = {"MLDSA44": "ML-DSA-44", "MLDSA65": "ML-DSA-65", "MLDSA87": "ML-DSA-87"}


def key_facts(key) -> tuple[str, int | None, str | None]:
    """(catalog name, size in bits, curve) of a public or private key object."""
    cat = get_catalog()
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return cat.normalize("RSA", key_size=key.key_size) or "RSA", key.key_size, None
    if isinstance(key, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return cat.normalize("DSA", key_size=key.key_size) or "DSA", key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        name = cat.normalize("ECDSA", curve=key.curve.name, primitive="signature")
        return name or f"ECDSA-{key.curve.name}", key.key_size, key.curve.name
    simple = {
        ed25519.Ed25519PublicKey: "Ed25519",
        ed25519.Ed25519PrivateKey: "Ed25519",
        ed448.Ed448PublicKey: "Ed448",
        ed448.Ed448PrivateKey: "Ed448",
        x25519.X25519PublicKey: "X25519",
        x25519.X25519PrivateKey: "X25519",
        x448.X448PublicKey: "X448",
        x448.X448PrivateKey: "X448",
    }
    for cls, name in simple.items():
        if isinstance(key, cls):
            return name, None, None
    for prefix, name in _MLDSA.items():
        if type(key).__name__.startswith(prefix):
            return name, None, None
    return type(key).__name__, None, None


def _spki_fingerprint(public_key) -> str | None:
    try:
        der = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (ValueError, TypeError):
        return None
    return hashlib.sha256(der).hexdigest()


def _key_item(path: str, where: str, kind: str, fmt: str, key) -> StoreItem:
    name, bits, curve = key_facts(key)
    public = key.public_key() if kind == "private_key" else key
    status = str(get_catalog().classify(name).status)
    item = StoreItem(path, where, kind, fmt, name, bits, curve, status, _spki_fingerprint(public))
    if bits is not None and name.startswith(("RSA", "DSA")) and bits < 2048:
        item.problems.append(f"{bits}-bit {name.split('-')[0]} key is too short today")
    if status == "broken":
        item.problems.append(f"{name} is quantum-vulnerable (Shor)")
    return item


def file_part(path: str) -> str:
    """The part of a store's facts that one file holds (see ``facts.Fact.part``)."""
    return "f" + hashlib.sha256(path.encode()).hexdigest()[:12]


def _cert_item(
    path: str, where: str, fmt: str, cert: x509.Certificate, facts: CertFacts | None = None
) -> StoreItem:
    facts = facts or cert_facts(cert)
    return StoreItem(
        path,
        where,
        "certificate",
        fmt,
        facts.public_key_algorithm,
        facts.key_size,
        facts.curve,
        facts.quantum_status,
        facts.sha256,
        facts,
        [facts.sha256],
        list(facts.problems),
    )


# ---------------------------------------------------------------------- formats
def _pem_items(path: str, data: bytes, password: bytes | None) -> list[StoreItem]:
    items: list[StoreItem] = []
    for n, match in enumerate(PEM_BLOCK.finditer(data), 1):
        label, block = match.group(1).decode(), match.group(0)
        where = f"PEM block {n} ({label})"
        try:
            if label in ("CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE"):
                items.append(_cert_item(path, where, "PEM", x509.load_pem_x509_certificate(block)))
            elif label == "OPENSSH PRIVATE KEY":
                try:
                    key = serialization.load_ssh_private_key(block, None)
                except TypeError:  # encrypted: only now is the password needed
                    key = serialization.load_ssh_private_key(block, password)
                items.append(_key_item(path, where, "private_key", "OpenSSH", key))
            elif label.endswith("PRIVATE KEY"):
                fmt = "PKCS#8" if label in ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY") else "PKCS#1"
                pw = password if "ENCRYPTED" in label or b"ENCRYPTED" in block else None
                key = serialization.load_pem_private_key(block, pw)
                items.append(_key_item(path, where, "private_key", fmt, key))
            elif label.endswith("PUBLIC KEY"):
                fmt = "PKCS#1" if label == "RSA PUBLIC KEY" else "SPKI"
                key = serialization.load_pem_public_key(block)
                items.append(_key_item(path, where, "public_key", fmt, key))
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            items.append(_unreadable(path, where, "PEM", exc, password is not None))
    return items


def _unreadable(path: str, where: str, fmt: str, exc: Exception, had_password: bool) -> StoreItem:
    return StoreItem(path, where, "unreadable", fmt, error=locked_reason(exc, had_password))


# what the libraries say when a password does not open a store: PEM ("Bad decrypt.
# Incorrect password?"), OpenSSH (its check integers differ: "broken checksum"), PKCS#12
# ("Invalid password or PKCS12 data"), pyjks (KeystoreSignatureException "Hash mismatch;
# incorrect keystore password?", DecryptionFailureException)
CANNOT_READ = N_("cannot read: {reason}")
_PASSWORD_WORDS = ("password", "bad decrypt", "broken checksum", "hash mismatch", "encrypted")
_PASSWORD_ERRORS = ("KeystoreSignatureException", "DecryptionFailureException")


def locked_reason(exc: Exception, had_password: bool) -> str:  # a Said when ours
    """Why a store did not open, in the words a person acts on: "wrong password" or "no
    password was given" when the password is the problem, else the library's own words."""
    text = str(exc).split("\n")[0] or type(exc).__name__
    locked = type(exc).__name__ in _PASSWORD_ERRORS or any(
        w in text.lower() for w in _PASSWORD_WORDS
    )
    if not locked:
        return their_words(text)
    if had_password:
        return say(N_("wrong password ({reason})"), reason=their_words(text))
    return say(N_("encrypted, and no password was given (--password or --password-env)"))


def _ssh_public_items(path: str, data: bytes) -> list[StoreItem]:
    items = []
    for n, line in enumerate(data.splitlines(), 1):
        if not SSH_PUBLIC.match(line):
            continue
        try:
            key = serialization.load_ssh_public_key(b" ".join(line.split()[:2]))
            items.append(_key_item(path, f"line {n}", "public_key", "OpenSSH", key))
        except (ValueError, UnsupportedAlgorithm) as exc:
            items.append(_unreadable(path, f"line {n}", "OpenSSH", exc, False))
    return items


def _pkcs12_items(path: str, data: bytes, password: bytes | None) -> list[StoreItem]:
    bundle = pkcs12.load_pkcs12(data, password)
    items: list[StoreItem] = []
    chain = [bundle.cert.certificate] if bundle.cert else []
    chain += [c.certificate for c in bundle.additional_certs]
    fps = [hashlib.sha256(c.public_bytes(serialization.Encoding.DER)).hexdigest() for c in chain]
    if bundle.key is not None:
        item = _key_item(path, "key", "private_key", "PKCS#12", bundle.key)
        item.chain = fps
        items.append(item)
    for n, (cert, facts) in enumerate(zip(chain, certs_facts(chain), strict=True)):
        item = _cert_item(path, f"certificate {n + 1}", "PKCS#12", cert, facts)
        item.chain = fps[n:]
        items.append(item)
    return items


def _jks_items(path: str, file: Path, password: str | None) -> list[StoreItem]:
    import jks  # pyjks

    store = jks.KeyStore.load(str(file), password or "")
    fmt = store.store_type.upper()
    items: list[StoreItem] = []
    for alias, entry in store.private_keys.items():
        certs = [x509.load_der_x509_certificate(der) for _, der in entry.cert_chain]
        fps = [
            hashlib.sha256(c.public_bytes(serialization.Encoding.DER)).hexdigest() for c in certs
        ]
        key = serialization.load_der_private_key(entry.pkey_pkcs8, None)
        item = _key_item(path, f"alias {alias!r}", "private_key", fmt, key)
        item.chain = fps
        items.append(item)
        for n, (cert, facts) in enumerate(zip(certs, certs_facts(certs), strict=True)):
            c_item = _cert_item(path, f"alias {alias!r} chain {n + 1}", fmt, cert, facts)
            c_item.chain = fps[n:]
            items.append(c_item)
    for alias, entry in store.certs.items():
        items.append(
            _cert_item(path, f"alias {alias!r}", fmt, x509.load_der_x509_certificate(entry.cert))
        )
    return items


def _der_items(path: str, data: bytes, password: bytes | None) -> list[StoreItem]:
    try:
        return [_cert_item(path, "file", "DER", x509.load_der_x509_certificate(data))]
    except ValueError:
        pass
    key_error: Exception | None = None
    for pw in (None, password) if password is not None else (None,):
        try:
            key = serialization.load_der_private_key(data, pw)
            return [_key_item(path, "file", "private_key", "DER", key)]
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            if isinstance(exc, TypeError) or "password" in str(exc).lower():
                key_error = exc  # an encrypted PKCS#8 key: its own error says why
    if key_error is not None:
        return [_unreadable(path, "file", "PKCS#8", key_error, password is not None)]
    try:
        key = serialization.load_der_public_key(data)
        return [_key_item(path, "file", "public_key", "DER", key)]
    except (ValueError, UnsupportedAlgorithm):
        pass
    try:
        return _pkcs12_items(path, data, password)
    except (ValueError, TypeError) as exc:
        if data[:1] == b"\x30":
            return [_unreadable(path, "file", "DER/PKCS#12", exc, password is not None)]
    return []


def scan_file(file: Path, password: str | None = None) -> list[StoreItem]:
    """Items found in one file; an unreadable one becomes an ``unreadable`` item, never raises."""
    path = str(file)
    pw = password.encode() if password is not None else None
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            return []
        data = file.read_bytes()
    except OSError as exc:
        return [
            StoreItem(
                path,
                "file",
                "unreadable",
                "?",
                error=say(CANNOT_READ, reason=their_words(exc, str(exc.strerror))),
            )
        ]
    try:
        if data[:4] in JKS_MAGIC:
            return _jks_items(path, file, password)
        if b"-----BEGIN " in data:
            return _pem_items(path, data, pw)
        if SSH_PUBLIC.search(data[:4096]):
            return _ssh_public_items(path, data)
        return _der_items(path, data, pw)
    except Exception as exc:  # a keystore library's own errors (wrong password, damage)
        return [_unreadable(path, "file", "keystore", exc, password is not None)]


def scan_store(
    target: str | Path, password: str | None = None, timeout: float | None = None
) -> StoreResult:
    """Scan a file or every file under a directory (symbolic links are not followed).

    A file that cannot be read (wrong password, no permission, damaged, or not reached
    within ``timeout`` seconds) makes the result ``partial``: its part is listed in
    ``incomplete``, so filing keeps what earlier scans found in it, and ``error`` says why.
    """
    root = Path(target)
    result = StoreResult(target=str(root))
    if not root.exists():
        result.status = "error"
        result.error = say(N_("{path}: no such file or directory"), path=str(root))
        return result
    files = (
        [root]
        if root.is_file()
        else sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    )
    deadline = None if timeout is None else time.monotonic() + timeout
    for file in files:
        result.files += 1
        if deadline is not None and time.monotonic() > deadline:
            why = say(N_("not read within the scan's {seconds} s"), seconds=f"{timeout:g}")
            result.items.append(StoreItem(str(file), "file", "unreadable", "?", error=why))
            continue
        result.items.extend(scan_file(file, password))
    unread = [i for i in result.items if i.kind == "unreadable"]
    if unread:
        result.status = "partial"
        result.incomplete = sorted({file_part(i.path) for i in unread})
        first = unread[0]
        reason = first.error or ""
        if len(unread) > 1:
            result.error = say(
                N_("not read: {path} ({reason}) and {count} more"),
                path=first.path, reason=reason, count=len(unread) - 1,
            )  # fmt: skip
        else:
            result.error = say(N_("not read: {path} ({reason})"), path=first.path, reason=reason)
    return result
