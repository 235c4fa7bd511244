"""Every fact a scan learns gets one verdict, whichever path reads it (DESIGN: "the same fact
gives the same verdict on every path"): the usages the scan files and `plan judge` on them,
the tasks of a plan generated from them, the scan's own CBOM judged without a database
(`pqcplan judge`), and that CBOM imported into another organization and judged again. One
real peer per scanner, each with the facts discovery used to hide: TLS with a SHA-1-signed
certificate, DHE and RSA key transport beside hybrid groups; SSH with only
diffie-hellman-group14-sha1 and ssh-rsa; a key store with a SHA-1 certificate, a PKCS#12
bundle and an encrypted OpenSSH key.
"""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from app.cli.judge import load_file, resolve_profiles
from core.models import Organization
from inventory.discovery import service
from inventory.discovery.cbom import scan_cbom
from inventory.exchange.cbom_import import import_cbom
from inventory.models import CryptoUsage
from migration.compare import judge
from migration.inputs import PlanParams
from migration.legacy import classical_break, migrate_now_rule
from migration.models import PlanTask
from migration.service import generate, load_inventory
from tests.inventory.discovery import pki

PASSWORD = "Right-Passw0rd"
PROFILES = resolve_profiles(None)  # kr-2035, us-nist-ir8547, eu-2030-2035


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("agree-store")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-sha1", "-nodes", "-subj",
         "/CN=sha1.store", "-days", "30", "-keyout", "/dev/null", "-out", str(d / "sha1.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    key = pki.rsa_key(3072)
    (d / "bundle.p12").write_bytes(pki.p12_bundle(key, "bundle.test", PASSWORD))
    ed = ed25519.Ed25519PrivateKey.generate()
    (d / "id_ed25519").write_bytes(
        ed.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    return d


def _verdicts(inventory) -> dict[str, tuple]:
    """usage ref -> (algorithm, use, every profile's verdict, deadline and target)."""
    refs = {u.id: u.ref for u in inventory.usages}
    out = {}
    for j in judge(inventory, PROFILES):
        verdicts = tuple((v.profile_id, v.verdict, v.deadline, v.target) for v in j.verdicts)
        out[refs[j.usage_id]] = (j.algorithm, j.use, verdicts)
    return out


def _org(sessions, slug: str) -> Organization:
    with sessions.begin() as s:
        org = Organization(slug=slug, name=slug, sector="finance", tier="private")
        s.add(org)
        s.flush()
        s.expunge(org)
        return org


def test_every_path_gives_every_fact_the_same_verdict(
    session_factory, go_tls, s_server, sshd, store_dir
):
    key = pki.rsa_key(2048)
    legacy_ssh = sshd("KexAlgorithms diffie-hellman-group14-sha1", "HostKeyAlgorithms ssh-rsa")
    targets = {
        "tls": [
            f"127.0.0.1:{go_tls('X25519MLKEM768,X25519', *_ecdsa()).port}",
            f"127.0.0.1:{_legacy_tls(s_server, key).port}",
        ],
        "ssh": [f"127.0.0.1:{legacy_ssh.port}"],
        "certs": [str(store_dir)],
    }
    scanned = _org(session_factory, "scanned")
    reimported = _org(session_factory, "reimported")
    with session_factory.begin() as s:
        service.add_scope(s, scanned.id, "network", "127.0.0.1", None, None)
        service.add_scope(s, scanned.id, "path", str(store_dir), None, None)
    cboms = {}
    for kind, wanted in targets.items():
        with session_factory.begin() as s:
            req = service.prepare(s, scanned.id, kind, wanted, timeout=20, password=PASSWORD)
        results = service.run(req)
        assert all(r.status == "ok" for r in results), [r.error for r in results]
        with session_factory.begin() as s:
            service.record_scan(s, scanned.id, req, results, "test")
        cboms[kind] = scan_cbom(kind, results, scanned)

    with session_factory() as s:
        stored = _verdicts(load_inventory(s, scanned.id))
    # the facts discovery used to hide are there, each under its own name
    algorithms = {a for a, _, _ in stored.values()}
    assert {"RSA-SHA1", "DH-2048-SHA1", "DH-2048", "X25519MLKEM768", "Ed25519"} <= algorithms
    kinds = {ref.split("|")[1].split(":")[0] for ref in stored}
    assert {"cert", "certkey", "kex", "hostkeyalg", "hostkey", "sigscheme12"} <= kinds

    from_files: dict[str, tuple] = {}
    for kind, text in cboms.items():
        loaded = load_file(text.encode(), name=f"{kind}.cdx.json")
        # the only warning: the file names the scanning organization, not the scratch one
        assert [w for w in loaded.warnings if "describes organization" not in w] == []
        from_files.update(_verdicts(loaded.inventory))
        with session_factory.begin() as s:
            import_cbom(s, reimported.id, text.encode())
    with session_factory() as s:
        again = _verdicts(load_inventory(s, reimported.id))
    assert from_files == stored
    assert again == stored

    # a plan's tasks carry the same deadline as plan judge, usage by usage, the same target
    # where the verdict names one (an "acceptable" verdict names none; its task still may),
    # and the classically-broken flag exactly where the verdict is migrate-now
    start = dt.date.today()
    for profile in PROFILES:
        with session_factory.begin() as s:
            version = generate(s, scanned.id, profile.id, PlanParams(start=start))
            tasks = s.scalars(select(PlanTask).where(PlanTask.version_id == version.id)).all()
            refs = dict(s.execute(select(CryptoUsage.id, CryptoUsage.ref)).all())
            planned = {refs[t.usage_id]: t for t in tasks}
        assert planned, profile.id
        for ref, task in planned.items():
            name, _, verdicts = stored[ref]
            _, verdict, deadline, target = next(v for v in verdicts if v[0] == profile.id)
            where = (ref, profile.id)
            assert task.algorithm == name, where
            if verdict == "migrate-now":  # the verdict names the day the rule took effect (past);
                # a plan needs a date ahead: the profile's earliest (migration.legacy, issue 18)
                rule_day = migrate_now_rule(profile, classical_break(name)).date
                assert task.deadline == rule_day, where
            else:
                assert task.deadline == deadline, where
            assert target is None or task.target == target, where
            assert (verdict == "migrate-now") == ("classically-broken" in task.flags), where


def _ecdsa():
    key = pki.ecdsa_key()
    return [pki.make_cert(key, "hybrid.agree")], key


def _legacy_tls(s_server, key):
    """OpenSSL with a SHA-1-signed certificate, DHE, RSA key transport and ECDHE."""
    from tests.inventory.discovery.test_tls_scan import _openssl_sha1_cert

    cert = _openssl_sha1_cert(key)
    return s_server(
        [cert], key, "-tls1_2",
        "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:AES128-SHA:@SECLEVEL=0",
    )  # fmt: skip
