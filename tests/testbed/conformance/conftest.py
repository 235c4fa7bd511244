"""A vendor's product, simulated for the tests with other code than the engine under check.

The product's own crypto is PQClean called directly through ``pqcrypto`` (not through the
testbed's engine layer) for ML-KEM, Cloudflare CIRCL (the Go product) for ML-DSA, liboqs's
seeded key generation called directly for ACVP ML-KEM keyGen, and kyber-py / dilithium-py
only for the internal functions nothing else exposes (encapsulation from a given m, signing
with a given rnd). ``faults`` turns on deliberate bugs, each of which must fail exactly the
checks it concerns. The faulty receivers and senders of the grader tests are a product of
their own, in Go (``go_product.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from kyber_py.ml_kem.default_parameters import DEFAULT_PARAMETERS as _KYBER_PARAMS
from kyber_py.ml_kem.ml_kem import ML_KEM
from pqcrypto.kem import ml_kem_768 as pq_kem

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import engine_for
from core.models import Organization
from testbed.conformance import details
from tests.testbed.conformance.go_product import GoProduct

API = "/api/v1/testbed"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def flip(data: bytes, bit: int = 0) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


class PreFips203Kyber(ML_KEM):
    """A product built on a pre-FIPS-203 draft: key generation without the domain byte k."""

    def _G(self, s: bytes):  # type: ignore[override]
        return super()._G(s[:32] if len(s) == 33 else s)


@dataclass
class Product:
    """ML-KEM-768 / ML-DSA-65 product; ``faults`` names the deliberate bugs."""

    faults: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.ek, self.dk = pq_kem.keygen()
        # signatures (with FIPS 204 contexts, which PQClean's API lacks): CIRCL in the Go product
        faults = {"flip_sig_bit": "flip_sig", "accept_all": "accept_all"}
        self._signer = GoProduct(faults={faults[f] for f in self.faults if f in faults})
        self.sig_pk = self._signer.sig_pk
        if "short_key" in self.faults:
            self.ek = self.ek[:-1]
            self.sig_pk = self.sig_pk[:-1]

    # -- KEM receiver: decapsulate every ciphertext (PQClean), answer secret or confirmation
    def receive(self, challenge: dict, nonce: str, confirm: bool = False) -> dict:
        items = {}
        for item in challenge["items"]:
            ct = unb64(item["ciphertext"])
            if len(ct) != pq_kem.CIPHERTEXT_SIZE:
                items[item["id"]] = {"rejected": True}
                continue
            ss = self._decaps(ct)
            if "wrong_ss_openssl" in self.faults and item["engine"] == "openssl":
                ss = flip(ss, 7)  # agrees with liboqs and PQClean, not with OpenSSL
            if confirm:  # for every item, tampered or not: the product cannot tell
                msg = b"pqcplan-kem-confirm/2" + bytes.fromhex(nonce)
                items[item["id"]] = {"confirmation": hmac.new(ss, msg, hashlib.sha256).hexdigest()}
            else:
                items[item["id"]] = {"shared_secret": b64(ss)}
        return {"items": items}

    def _decaps(self, ct: bytes) -> bytes:
        return pq_kem.decaps(self.dk, ct)

    # -- KEM sender: encapsulate to every key, refuse malformed ones
    def send(self, challenge: dict) -> dict:
        items = {}
        for item in challenge["items"]:
            ek = unb64(item["encapsulation_key"])
            try:
                if len(ek) != pq_kem.PUBLIC_KEY_SIZE:
                    raise ValueError("wrong length")
                ct, ss = pq_kem.encaps(ek)
            except ValueError:
                if "no_key_checks" not in self.faults:
                    items[item["id"]] = {"rejected": True}
                    continue
                ct, ss = os.urandom(pq_kem.CIPHERTEXT_SIZE), os.urandom(32)
            if "wrong_ss" in self.faults:
                ss = flip(ss, 0)
            items[item["id"]] = {"ciphertext": b64(ct), "shared_secret": b64(ss)}
        return {"items": items}

    # -- signatures
    def sign(self, challenge: dict) -> dict:
        answer = self._signer.sign(challenge)
        return {**answer, "public_key": b64(self.sig_pk)}

    def verify_items(self, challenge: dict) -> dict:
        return self._signer.verify_items(challenge)


@dataclass
class Vendor:
    """A vendor organization talking to the testbed over HTTP."""

    client: TestClient
    headers: dict[str, str]
    org_id: int
    sessions: object
    #: session id -> check kind, for the answers' envelope
    checks: dict[int, str] = field(default_factory=dict)

    def product(
        self, algorithms=("ML-KEM-768", "ML-DSA-65"), name="SecureGate", version="9.1"
    ) -> int:
        resp = self.client.post(
            f"{API}/products",
            headers=self.headers,
            json={"name": name, "version": version, "algorithms": list(algorithms)},
        )
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]

    def open(self, product_id: int, algorithm: str, check: str, mode=None, expect=201, **inp):
        body = {"product_id": product_id, "algorithm": algorithm, "check": check, "input": inp}
        if mode:
            body["mode"] = mode
        resp = self.client.post(f"{API}/sessions", headers=self.headers, json=body)
        assert resp.status_code == expect, resp.text
        if resp.status_code == 201:
            self.checks[resp.json()["id"]] = check
        return resp.json()

    def answer(self, session_id: int, answer: dict, expect=200):
        body = {"check": self.checks.get(session_id, "?"), "answer": answer}
        resp = self.client.post(
            f"{API}/sessions/{session_id}/answer", headers=self.headers, json=body
        )
        assert resp.status_code == expect, resp.text
        if expect == 200:
            read_back(resp.json()["report"])
        return resp.json() if expect == 200 else resp


def read_back(report: dict) -> None:
    """Every word a graded report says of its cases (and its standing) was made by a template
    of `testbed.conformance.details`, so the console can show it in Korean."""
    said = [c["detail"] for c in report.get("cases", [])]
    said += [report["standing"]["basis"]] if report.get("standing") else []
    unread = [text for text in set(said) if details.sentences().parse(text) is None]
    assert not unread, unread


def verdicts(report: dict) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in report["report"]["cases"]}


def _vendor(client: TestClient, sessions, slug: str) -> Vendor:
    with sessions.begin() as db:
        org = Organization(slug=slug, name=slug.title(), sector=Sector.OTHER, tier=Tier.PRIVATE)
        db.add(org)
        db.flush()
        org_id = org.id
        _, secret = issue_key(db, org_id, Role.VENDOR, f"{slug} vendor key")
    return Vendor(client, {"Authorization": f"Bearer {secret}"}, org_id, sessions)


@pytest.fixture
def vendors(db_url: str) -> Iterator:
    """A factory of vendor organizations on one app (SQLite, then PostgreSQL)."""
    app = create_app(Settings(database_url=db_url))
    with TestClient(app) as client:
        yield lambda slug="acme": _vendor(client, app.state.sessionmaker, slug)


@pytest.fixture
def sqlite_vendors(sqlite_url: str) -> Iterator:
    """The same on SQLite only, for the crypto-heavy tests where the database is incidental."""
    app = create_app(Settings(database_url=sqlite_url))
    with TestClient(app) as client:
        yield lambda slug="acme": _vendor(client, app.state.sessionmaker, slug)
    engine_for(sqlite_url).dispose()


@pytest.fixture
def product_cls():
    return Product


@pytest.fixture
def pre_fips203_kyber():
    return PreFips203Kyber(_KYBER_PARAMS["ML768"])


@pytest.fixture
def helpers():
    return {"b64": b64, "unb64": unb64, "flip": flip, "verdicts": verdicts}
