"""The KpqC engine against the KpqC known answers (``data/kpqc-kat``, see its PROVENANCE.md).

The vectors are the first 10 NIST-format records of every KpqC parameter set, made by
KpqClean_ver2's own generators (commit c20b422). A NIST KAT generator draws all randomness
from an AES-256 CTR_DRBG seeded with the record's ``seed``; ``kpqc`` draws its randomness from
``os.urandom``, so each test swaps ``os.urandom`` for that DRBG while the engine works and
compares what comes out, as the provenance says it should:

- SMAUG-T (128/192/256, and the TiMER set, which the testbed does not offer, through kpqc)
  and NTRU+ (768/864/1152): pk, sk, ct and ss byte for byte, and decapsulation gives ss;
- HAETAE (2/3/5): pk and sk byte for byte; the reference signatures verify in kpqc under
  the context KpqClean's generator drew (the engine itself verifies with the empty context
  only); kpqc signs with another sampler, so its signature bytes differ, which is no failure;
- AIMer: a documented mismatch. kpqc implements AIM3 (upstream 734cc76), not the KpqC
  final-round AIM2 of the vectors: the public key's IV half matches and the one-way function
  output does not, and the reference signatures do not verify. The testbed offers kpqc's
  AIMer as ``AIMer-AIM3-*`` and runs nothing as the catalog's ``AIMer-128f`` ...
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import kpqc
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from testbed.engines import get_engine
from testbed.engines.errors import UnsupportedAlgorithm

KAT = Path(__file__).parent / "data" / "kpqc-kat"
KEMS = {
    "SMAUG-T-128": "smaugt/mode1",
    "SMAUG-T-192": "smaugt/mode3",
    "SMAUG-T-256": "smaugt/mode5",
    "NTRU+KEM-768": "ntruplus/768",
    "NTRU+KEM-864": "ntruplus/864",
    "NTRU+KEM-1152": "ntruplus/1152",
}
HAETAE = {"HAETAE-2": "haetae/mode2", "HAETAE-3": "haetae/mode3", "HAETAE-5": "haetae/mode5"}
AIMER = {v: f"aimer/{v}" for v in ("128f", "128s", "192f", "192s", "256f", "256s")}


class CtrDrbg:
    """NIST SP 800-90A AES-256 CTR_DRBG without derivation function, as in PQCgenKAT's rng.c."""

    def __init__(self, entropy: bytes) -> None:
        if len(entropy) != 48:
            raise ValueError("the KAT DRBG takes a 48-byte seed")
        self._key, self._v = bytes(32), bytes(16)
        self._update(entropy)

    def _block(self) -> bytes:
        self._v = ((int.from_bytes(self._v, "big") + 1) % (1 << 128)).to_bytes(16, "big")
        enc = Cipher(algorithms.AES(self._key), modes.ECB()).encryptor()
        return enc.update(self._v) + enc.finalize()

    def _update(self, provided: bytes | None) -> None:
        temp = b"".join(self._block() for _ in range(3))
        if provided is not None:
            temp = bytes(a ^ b for a, b in zip(temp, provided, strict=True))
        self._key, self._v = temp[:32], temp[32:]

    def random_bytes(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += self._block()
        self._update(None)
        return out[:n]


def records(where: str) -> list[dict[str, bytes | int]]:
    """The records of one ``kat.rsp``: hex fields as bytes, ``count``/lengths as ints."""
    out = []
    text = (KAT / where / "kat.rsp").read_text()
    for block in text.split("\n\n"):
        fields = dict(line.split(" = ", 1) for line in block.splitlines() if " = " in line)
        if "count" not in fields:
            continue
        out.append(
            {
                k: int(v) if k in ("count", "mlen", "siglen", "smlen") else bytes.fromhex(v)
                for k, v in fields.items()
            }
        )
    return out


def test_the_vectors_are_the_ones_the_provenance_names() -> None:
    """SHA256SUMS was written where the vectors were made; a changed byte shows here."""
    for line in (KAT / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((KAT / name).read_bytes()).hexdigest() == digest, name
    assert "c20b422b715c6e12edb04cfe0ceb659d8ac7b7a9" in (KAT / "PROVENANCE.md").read_text()
    assert all(len(records(w)) == 10 for w in [*KEMS.values(), *HAETAE.values()])


def test_drbg_gives_the_first_kat_seed() -> None:
    """PQCgenKAT seeds its DRBG with bytes 0..47; the first 48 bytes out are count 0's seed."""
    assert CtrDrbg(bytes(range(48))).random_bytes(48) == records("smaugt/mode1")[0]["seed"]


@pytest.mark.parametrize("alg", sorted(KEMS))
def test_smaugt_and_ntruplus_match_on_every_field(alg: str, monkeypatch: pytest.MonkeyPatch):
    eng = get_engine("kpqc")
    for rec in records(KEMS[alg]):
        drbg = CtrDrbg(rec["seed"])  # type: ignore[arg-type]
        with monkeypatch.context() as patched:
            patched.setattr(os, "urandom", drbg.random_bytes)
            pk, sk = eng.kem_keypair(alg)
            ct, ss = eng.encapsulate(alg, pk)
        where = f"{alg} count {rec['count']}"
        assert (pk, sk) == (rec["pk"], rec["sk"]), where
        assert (ct, ss) == (rec["ct"], rec["ss"]), where
        assert eng.decapsulate(alg, rec["sk"], rec["ct"]) == rec["ss"], where  # type: ignore[arg-type]


def test_smaugt_timer_matches_through_kpqc(monkeypatch: pytest.MonkeyPatch) -> None:
    """TiMER is not offered by the testbed; the vectors still pin what kpqc computes."""
    for rec in records("smaugt/modet"):
        drbg = CtrDrbg(rec["seed"])  # type: ignore[arg-type]
        with monkeypatch.context() as patched:
            patched.setattr(os, "urandom", drbg.random_bytes)
            keys = kpqc.timer.generate_key_pair()
            out = kpqc.timer.encapsulate(keys.public_key)
        assert (keys.public_key, keys.secret_key) == (rec["pk"], rec["sk"])
        assert (out.ciphertext, out.shared_secret) == (rec["ct"], rec["ss"])


@pytest.mark.parametrize("alg", sorted(HAETAE))
def test_haetae_keys_match_and_reference_signatures_verify(
    alg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    eng = get_engine("kpqc")
    for rec in records(HAETAE[alg]):
        drbg = CtrDrbg(rec["seed"])  # type: ignore[arg-type]
        with monkeypatch.context() as patched:
            patched.setattr(os, "urandom", drbg.random_bytes)
            pk, sk = eng.sign_keypair(alg)
        assert (pk, sk) == (rec["pk"], rec["sk"]), rec["count"]
        # KpqClean's HAETAE generator then draws the signing randomness (32 bytes), a context
        # length (1 byte) and the context from the same DRBG, and signs under that context
        drbg.random_bytes(32)
        ctx = drbg.random_bytes(drbg.random_bytes(1)[0])
        msg, sig = rec["msg"], rec["sig"]
        lib = getattr(kpqc, f"haetae{alg[-1]}")
        assert lib.verify(msg, sig, pk, context=ctx), rec["count"]
        assert not lib.verify(msg + b"\x00", sig, pk, context=ctx)  # type: ignore[operator]
        if not ctx:  # the engine verifies with the empty context only
            assert eng.verify(alg, pk, msg, sig)  # type: ignore[arg-type]
        # kpqc's own signature of the same message verifies too (its bytes differ: another
        # sampler, see PROVENANCE.md)
        assert eng.verify(alg, pk, msg, eng.sign(alg, sk, msg))  # type: ignore[arg-type]


@pytest.mark.parametrize("variant", sorted(AIMER))
def test_aimer_is_a_documented_mismatch(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    eng = get_engine("kpqc")
    alg = f"AIMer-AIM3-{variant}"
    rec = records(AIMER[variant])[0]
    drbg = CtrDrbg(rec["seed"])  # type: ignore[arg-type]
    with monkeypatch.context() as patched:
        patched.setattr(os, "urandom", drbg.random_bytes)
        pk, _ = eng.sign_keypair(alg)
    want = rec["pk"]
    half = len(want) // 2  # type: ignore[arg-type]
    assert pk[:half] == want[:half]  # type: ignore[index]  # the IV agrees ...
    assert pk[half:] != want[half:]  # type: ignore[index]  # ... AIM3's output is not AIM2's
    sig = rec["sm"][rec["mlen"] :]  # type: ignore[index]  # NIST sm = message || signature
    assert eng.sizes(alg).signature != len(sig)  # the AIM2 signature has another length
    assert not eng.verify(alg, want, rec["msg"], sig)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedAlgorithm):  # nothing runs as the final-round AIMer
        eng.sign_keypair(f"AIMer-{variant}")


def test_catalog_listing_and_revision_table_name_the_same_revision() -> None:
    """Each KpqC algorithm the testbed runs says which upstream commit, in all three places."""
    import re

    from app.api.routers.testbed import list_engines
    from inventory.catalog.catalog import load_catalog
    from testbed.kpqc_revisions import revision

    catalog = load_catalog()
    listing = {e["name"]: e for e in list_engines(None)["engines"]}  # type: ignore[arg-type]
    eng = get_engine("kpqc")
    for alg in eng.algorithms():
        text = revision(alg)
        assert text and "kpqc 0.2.1" in text and "c20b422" in text, alg
        commit = re.search(r"\b[0-9a-f]{7}\b", text).group(0)  # type: ignore[union-attr]
        assert listing["kpqc"]["revisions"][alg] == text
        notes = catalog.get(alg).notes  # type: ignore[union-attr]
        assert commit in notes and "c20b422" in notes, (alg, notes)
    for variant in AIMER:  # the final-round AIMer: in the catalog, run by no engine
        assert "No testbed engine runs" in catalog.get(f"AIMer-{variant}").notes  # type: ignore[union-attr]
