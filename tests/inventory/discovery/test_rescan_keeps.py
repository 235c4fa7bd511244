"""A scan that could not read part of a target changes nothing it had found there before and
says why (issue 24, item 10): a key store re-scanned with a wrong password keeps what the
right password found; what really went away still goes."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Organization
from inventory.discovery import service
from inventory.discovery.stores import scan_store
from inventory.models import CryptoUsage, ScanRun
from tests.inventory.discovery import pki

RIGHT, WRONG = "Right-0ne", "wrong-one"


def _scan(sessions, org_id: int, path: str, password: str):
    with sessions.begin() as s:
        req = service.prepare(s, org_id, "certs", [path], password=password)
    results = service.run(req)
    with sessions.begin() as s:
        scan = service.record_scan(s, org_id, req, results, "test")
        return results[0], scan.id, scan.summary


def _refs(sessions, org_id: int) -> set[str]:
    with sessions() as s:
        q = select(CryptoUsage.ref).where(CryptoUsage.organization_id == org_id)
        return set(s.scalars(q))


def test_wrong_password_keeps_what_the_right_one_found(session_factory, tmp_path):
    store = tmp_path / "pki"
    store.mkdir()
    key = pki.rsa_key(2048)
    (store / "bundle.p12").write_bytes(pki.p12_bundle(key, "p12.test", RIGHT))
    (store / "plain.pem").write_bytes(pki.pem(pki.make_cert(pki.ecdsa_key(), "plain.test")))
    with session_factory.begin() as s:
        org = Organization(slug="keeper", name="Keeper", sector="finance", tier="private")
        s.add(org)
        s.flush()
        org_id = org.id
        service.add_scope(s, org_id, "path", str(store), None, None)

    first, _, summary = _scan(session_factory, org_id, str(store), RIGHT)
    assert first.status == "ok" and len(summary["usages_appeared"]) == 5  # key, 2 x (sig, key)
    before = _refs(session_factory, org_id)

    again, scan_id, summary = _scan(session_factory, org_id, str(store), WRONG)
    assert again.status == "partial"
    assert "bundle.p12 (wrong password (Invalid password or PKCS12 data))" in again.error
    assert summary["usages_disappeared"] == [] and summary["partial"] == 1
    kept = summary["usages_not_rechecked"]
    assert len(kept) == 3 and all(k["why"] == again.error for k in kept)
    assert _refs(session_factory, org_id) == before
    with session_factory() as s:
        assert s.get(ScanRun, scan_id).results[0]["status"] == "partial"

    # what is really gone still goes: the readable file removed, the locked one kept
    (store / "plain.pem").unlink()
    _, _, summary = _scan(session_factory, org_id, str(store), WRONG)
    assert {d["algorithm"] for d in summary["usages_disappeared"]} == {"ECDSA-P256"}
    assert len(summary["usages_disappeared"]) == 2 and len(summary["usages_not_rechecked"]) == 3


def test_a_store_not_read_in_time_is_partial(tmp_path):
    (tmp_path / "a.pem").write_bytes(pki.pem(pki.make_cert(pki.ecdsa_key(), "a.test")))
    result = scan_store(tmp_path, timeout=1e-9)
    assert result.status == "partial" and result.incomplete
    assert "not read within the scan's" in result.error
