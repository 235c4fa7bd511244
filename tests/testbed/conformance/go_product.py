"""A vendor's product in Go (``tests/testbed/peers/vendorproduct``), driven as a vendor would.

The KEMs are Go's crypto/mlkem (and X25519MLKEM768 built on it), the pure ML-DSA signatures
Cloudflare CIRCL: independent of every engine and oracle the testbed grades with. HashML-DSA
and external-mu verification, which CIRCL does not offer, are OpenSSL's ``verify_mu``
(through ``cryptography``) with mu computed here as FIPS 204 defines it. Faults are the
product's own flags (see main.go); this module only turns challenges into requests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa

from tests.peers.gobuild import go_binary

PEER = Path(__file__).resolve().parents[1] / "peers" / "vendorproduct"
SIZES = {"ML-KEM-768": (1184, 1088), "ML-KEM-1024": (1568, 1568), "X25519MLKEM768": (1216, 1120)}
#: FIPS 204 section 5.4: DER of each pre-hash function's OID, and its output length
PRE_HASH = {
    "SHA2-256": ("0609608648016503040201", lambda m: hashlib.sha256(m).digest()),
    "SHA2-384": ("0609608648016503040202", lambda m: hashlib.sha384(m).digest()),
    "SHA2-512": ("0609608648016503040203", lambda m: hashlib.sha512(m).digest()),
    "SHA2-224": ("0609608648016503040204", lambda m: hashlib.sha224(m).digest()),
    "SHA2-512/224": ("0609608648016503040205", lambda m: hashlib.new("sha512_224", m).digest()),
    "SHA2-512/256": ("0609608648016503040206", lambda m: hashlib.new("sha512_256", m).digest()),
    "SHA3-224": ("0609608648016503040207", lambda m: hashlib.sha3_224(m).digest()),
    "SHA3-256": ("0609608648016503040208", lambda m: hashlib.sha3_256(m).digest()),
    "SHA3-384": ("0609608648016503040209", lambda m: hashlib.sha3_384(m).digest()),
    "SHA3-512": ("060960864801650304020A", lambda m: hashlib.sha3_512(m).digest()),
    "SHAKE-128": ("060960864801650304020B", lambda m: hashlib.shake_128(m).digest(32)),
    "SHAKE-256": ("060960864801650304020C", lambda m: hashlib.shake_256(m).digest(64)),
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


@cache
def binary() -> Path:
    return go_binary(PEER)


def call(request: dict) -> dict:
    done = subprocess.run(
        [str(binary())], input=json.dumps(request), capture_output=True, text=True, timeout=120
    )
    if done.returncode:
        raise RuntimeError(f"vendor product failed: {done.stderr}")
    return json.loads(done.stdout)


def mu_of(pk: bytes, message: bytes, ctx: bytes, pre_hash: str | None) -> bytes:
    """FIPS 204: mu = SHAKE256(SHAKE256(pk, 64) || M', 64), M' as Algorithms 2 and 4 build it."""
    if pre_hash is None:
        m_prime = b"\x00" + bytes([len(ctx)]) + ctx + message
    else:
        oid, digest = PRE_HASH[pre_hash]
        m_prime = b"\x01" + bytes([len(ctx)]) + ctx + bytes.fromhex(oid) + digest(message)
    tr = hashlib.shake_256(pk).digest(64)
    return hashlib.shake_256(tr + m_prime).digest(64)


@dataclass
class GoProduct:
    """One product: a KEM and a signature algorithm, and the faults switched on."""

    kem: str = "ML-KEM-768"
    sig: str = "ML-DSA-65"
    faults: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        keys = call({"op": "keygen", "alg": self.kem})
        self.ek, self.dk = bytes.fromhex(keys["pk"]), bytes.fromhex(keys["sk"])
        keys = call({"op": "keygen", "alg": self.sig})
        self.sig_pk, self.sig_sk = bytes.fromhex(keys["pk"]), bytes.fromhex(keys["sk"])

    def _req(self, **body) -> dict:
        return call({**body, "faults": sorted(self.faults)})

    # -- KEM receiver
    def receive(self, challenge: dict, nonce: str, confirm: bool = False) -> dict:
        items = challenge["items"]
        got = self._req(
            op="decaps",
            alg=self.kem,
            sk=self.dk.hex(),
            cts=[unb64(i["ciphertext"]).hex() for i in items],
            nonce=nonce,
            confirm=confirm,
        )["answers"]
        out = {}
        for item, answer in zip(items, got, strict=True):
            if "ss" in answer:
                answer = {"shared_secret": b64(bytes.fromhex(answer["ss"]))}
            out[item["id"]] = answer
        return {"items": out}

    # -- KEM sender
    def send(self, challenge: dict) -> dict:
        items = challenge["items"]
        pks = [unb64(i["encapsulation_key"]).hex() for i in items]
        got = self._req(op="encaps", alg=self.kem, pks=pks)["answers"]
        out = {}
        for item, answer in zip(items, got, strict=True):
            if "ct" in answer:
                answer = {
                    "ciphertext": b64(bytes.fromhex(answer["ct"])),
                    "shared_secret": b64(bytes.fromhex(answer["ss"])),
                }
            out[item["id"]] = answer
        return {"items": out}

    # -- signatures
    def _sign(self, message: bytes, ctx: bytes) -> bytes:
        sk, msg = self.sig_sk.hex(), message.hex()
        sig = self._req(op="sign", alg=self.sig, sk=sk, msg=msg, ctx=ctx.hex())
        return bytes.fromhex(sig["sig"])

    def sign(self, challenge: dict) -> dict:
        answer = {
            "public_key": b64(self.sig_pk),
            "signature": b64(self._sign(unb64(challenge["message"]), b"")),
        }
        if challenge.get("context"):
            ctx = unb64(challenge["context"])
            answer["context_signature"] = b64(self._sign(unb64(challenge["message"]), ctx))
        return answer

    def verify_items(self, challenge: dict) -> dict:
        pure, verdicts = [], {}
        for item in challenge["items"]:
            if item.get("interface", "pure") == "pure":
                pure.append(item)
            else:
                verdicts[item["id"]] = self._verify_mu(item)
        if pure:
            got = self._req(
                op="verify",
                alg=self.sig,
                items=[
                    {
                        "pk": unb64(i["public_key"]).hex(),
                        "msg": unb64(i["message"]).hex(),
                        "ctx": unb64(i.get("context", "")).hex(),
                        "sig": unb64(i["signature"]).hex(),
                    }
                    for i in pure
                ],
            )["results"]
            verdicts |= {i["id"]: ok for i, ok in zip(pure, got, strict=True)}
        return {"items": {k: "accept" if ok else "reject" for k, ok in verdicts.items()}}

    def _verify_mu(self, item: dict) -> bool:
        """HashML-DSA or external mu, by OpenSSL's verify_mu with mu computed here."""
        pk = unb64(item["public_key"])
        if item["interface"] == "external_mu":
            mu = unb64(item["mu"])
        else:
            ctx = b"" if "verify_ignore_ctx" in self.faults else unb64(item.get("context", ""))
            mu = mu_of(pk, unb64(item["message"]), ctx, item["pre_hash"])
        cls = getattr(mldsa, f"MLDSA{self.sig[7:]}PublicKey")
        try:
            cls.from_public_bytes(pk).verify_mu(unb64(item["signature"]), mu)
            ok = True
        except (InvalidSignature, ValueError):
            ok = False
        return ok or "accept_all" in self.faults
