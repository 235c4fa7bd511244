"""The store scanner on real files: PEM/DER certificates, PKCS#1/PKCS#8/OpenSSH keys,
PKCS#12 and a Java keystore made by the JDK's keytool."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import pkcs12

from inventory.discovery.stores import scan_store
from tests.inventory.discovery import pki

PASSWORD = "s3cret-Store-pw"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("store")
    ca_key = pki.mldsa_key()
    ca = pki.make_cert(ca_key, "PQ Root", ca=True, days=3650, serial=1)
    (d / "pq-root.pem").write_bytes(pki.pem(ca))
    ec_key = pki.ecdsa_key()
    leaf = pki.make_cert(ec_key, "web.test", issuer_key=ca_key, issuer_cn="PQ Root")
    (d / "web.der").write_bytes(leaf.public_bytes(serialization.Encoding.DER))
    old_key = pki.rsa_key(1024)
    old = pki.make_cert(old_key, "old.test", start=pki.NOW - dt.timedelta(days=400), days=30)
    (d / "old.crt").write_bytes(pki.pem(old))
    (d / "rsa-pkcs1.key").write_bytes(
        old_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    (d / "ec-pkcs8-encrypted.key").write_bytes(
        ec_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    ed = ed25519.Ed25519PrivateKey.generate()
    (d / "id_ed25519").write_bytes(
        ed.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    (d / "id_ed25519.pub").write_bytes(
        ed.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        + b" officer@host\n"
    )
    rsa3k = pki.rsa_key(3072)
    rsa_cert = pki.make_cert(rsa3k, "p12.test", issuer_key=ca_key, issuer_cn="PQ Root")
    (d / "bundle.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"p12", rsa3k, rsa_cert, [ca], serialization.BestAvailableEncryption(PASSWORD.encode())
        )
    )
    (d / "notes.txt").write_text("not a key\n")
    # cryptography refuses to sign with SHA-1; OpenSSL's command line still does
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-sha1",
            "-nodes",
            "-subj",
            "/CN=sha1.test",
            "-days",
            "30",
            "-keyout",
            "/dev/null",
            "-out",
            str(d / "sha1.pem"),
        ],
        check=True,
        capture_output=True,
    )
    keytool = shutil.which("keytool")
    if keytool is None:
        pytest.fail("keytool (a JDK) is needed for the Java keystore case")
    subprocess.run(
        [
            keytool,
            "-genkeypair",
            "-alias",
            "server",
            "-keyalg",
            "EC",
            "-groupname",
            "secp384r1",
            "-keystore",
            str(d / "app.jks"),
            "-storetype",
            "JKS",
            "-storepass",
            PASSWORD,
            "-keypass",
            PASSWORD,
            "-dname",
            "CN=jks.test",
            "-validity",
            "10",
        ],
        check=True,
        capture_output=True,
    )
    secrets = [
        old_key.private_numbers().d,
        ec_key.private_numbers().private_value,
        rsa3k.private_numbers().d,
    ]
    return d, secrets, {"leaf": leaf, "ca": ca, "rsa_cert": rsa_cert}


def by_file(result):
    out: dict[str, list] = {}
    for item in result.items:
        out.setdefault(item.path.rsplit("/", 1)[1], []).append(item)
    return out


def test_every_format_is_read(store):
    d, _, _certs = store
    result = scan_store(d, password=PASSWORD)
    assert result.status == "ok" and result.files == 11
    f = by_file(result)
    (root,) = f["pq-root.pem"]
    assert (root.kind, root.algorithm, root.quantum_status) == (
        "certificate",
        "ML-DSA-65",
        "resistant",
    )
    (web,) = f["web.der"]
    assert (web.format, web.algorithm, web.certificate.signature_algorithm) == (
        "DER",
        "ECDSA-P256",
        "ML-DSA-65",
    )
    (old,) = f["old.crt"]
    assert old.algorithm == "RSA-1024"
    assert any(p.startswith("expired on") for p in old.problems)
    (sha1,) = f["sha1.pem"]
    # the catalog names the signature by its hash: RSA-SHA1, broken today whatever the key
    assert "signed with RSA-SHA1, which classical attacks break today" in sha1.problems
    assert sha1.certificate.signature_hash == "sha1"
    assert sha1.certificate.signature_algorithm == "RSA-SHA1"
    assert (sha1.algorithm, sha1.certificate.public_key_algorithm) == ("RSA-2048", "RSA-2048")
    assert "1024-bit RSA key is too short today" in old.problems
    (pkcs1,) = f["rsa-pkcs1.key"]
    assert (pkcs1.kind, pkcs1.format, pkcs1.algorithm) == ("private_key", "PKCS#1", "RSA-1024")
    (enc,) = f["ec-pkcs8-encrypted.key"]
    assert (enc.kind, enc.format, enc.algorithm) == ("private_key", "PKCS#8", "ECDSA-P256")
    (ossh,) = f["id_ed25519"]
    (opub,) = f["id_ed25519.pub"]
    assert (ossh.format, ossh.algorithm) == ("OpenSSH", "Ed25519")
    assert opub.kind == "public_key" and opub.fingerprint == ossh.fingerprint
    p12 = f["bundle.p12"]
    assert [(i.kind, i.algorithm) for i in p12] == [
        ("private_key", "RSA-3072"),
        ("certificate", "RSA-3072"),
        ("certificate", "ML-DSA-65"),
    ]
    assert p12[0].chain == [p12[1].fingerprint, root.fingerprint]
    jks = f["app.jks"]
    assert [(i.kind, i.format, i.algorithm) for i in jks] == [
        ("private_key", "JKS", "ECDSA-P384"),
        ("certificate", "JKS", "ECDSA-P384"),
    ]
    assert jks[1].certificate.subject == "CN=jks.test"
    assert "notes.txt" not in f


def test_no_secret_and_no_password_in_results(store):
    d, secrets, _ = store
    text = json.dumps(scan_store(d, password=PASSWORD).to_dict(), default=str)
    assert PASSWORD not in text
    for number in secrets:
        assert format(number, "x") not in text and str(number) not in text
    assert "PRIVATE KEY-----\n" not in text


def test_without_password_the_locked_items_say_so(store):
    d, _, _ = store
    f = by_file(scan_store(d))
    (enc,) = f["ec-pkcs8-encrypted.key"]
    assert enc.kind == "unreadable" and "no password" in enc.error
    (p12,) = f["bundle.p12"]
    assert p12.kind == "unreadable"
    (jks,) = f["app.jks"]
    assert jks.kind == "unreadable" and PASSWORD not in jks.error
    # what needs no password is still read
    assert f["pq-root.pem"][0].algorithm == "ML-DSA-65"


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    """The same password on every kind of store the scanner opens, each made by its own tool:
    OpenSSL (PKCS#1 and PKCS#8, PEM and DER), ssh-keygen (OpenSSH, bcrypt KDF),
    cryptography (PKCS#12) and the JDK's keytool (JKS, JCEKS, PKCS#12)."""
    d = tmp_path_factory.mktemp("locked")
    pw = PASSWORD
    run = [
        ["openssl", "genrsa", "-aes256", "-passout", f"pass:{pw}", "-traditional", "-out",
         str(d / "pkcs1.pem"), "2048"],
        ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-aes256", "-pass", f"pass:{pw}", "-out", str(d / "pkcs8.pem")],
        ["openssl", "pkcs8", "-topk8", "-in", str(d / "pkcs8.pem"), "-passin", f"pass:{pw}",
         "-outform", "DER", "-v2", "aes256", "-passout", f"pass:{pw}",
         "-out", str(d / "pkcs8.der")],
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", pw, "-f", str(d / "id_ed25519")],
    ]  # fmt: skip
    for kind in ("JKS", "JCEKS", "PKCS12"):
        run.append(
            ["keytool", "-genkeypair", "-alias", "a", "-keyalg", "EC", "-groupname", "secp256r1",
             "-keystore", str(d / f"store.{kind.lower()}"), "-storetype", kind, "-storepass", pw,
             "-keypass", pw, "-dname", "CN=locked.test", "-validity", "2"]
        )  # fmt: skip
    for cmd in run:
        subprocess.run(cmd, check=True, capture_output=True)
    (d / "id_ed25519.pub").unlink()
    key = pki.rsa_key(2048)
    (d / "bundle.p12").write_bytes(pki.p12_bundle(key, "p12.test", pw))
    return d


LOCKED = {  # file -> what the right password opens
    "pkcs1.pem": [("private_key", "RSA-2048")],
    "pkcs8.pem": [("private_key", "ECDSA-P256")],
    "pkcs8.der": [("private_key", "ECDSA-P256")],
    "id_ed25519": [("private_key", "Ed25519")],
    "store.jks": [("private_key", "ECDSA-P256"), ("certificate", "ECDSA-P256")],
    "store.jceks": [("private_key", "ECDSA-P256"), ("certificate", "ECDSA-P256")],
    "store.pkcs12": [("private_key", "ECDSA-P256"), ("certificate", "ECDSA-P256")],
    "bundle.p12": [("private_key", "RSA-2048"), ("certificate", "RSA-2048")],
}


def test_every_store_type_opens_with_the_right_password_only(locked):
    right = by_file(scan_store(locked, password=PASSWORD))
    wrong = by_file(scan_store(locked, password="not-" + PASSWORD))
    none = by_file(scan_store(locked))
    assert set(right) == set(LOCKED)
    for name, expected in LOCKED.items():
        assert [(i.kind, i.algorithm) for i in right[name]] == expected, name
        (w,) = wrong[name]
        assert w.kind == "unreadable" and w.error.startswith("wrong password"), (name, w.error)
        (n,) = none[name]
        assert n.kind == "unreadable", name
        assert n.error == "encrypted, and no password was given (--password or --password-env)"
        assert PASSWORD not in w.error + n.error
