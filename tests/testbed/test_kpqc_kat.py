"""The KpqC engine reproduces the upstream known-answer key pairs (NTRU+).

The KAT generators of the NIST PQC process draw all randomness from an AES-256 CTR_DRBG
seeded with the record's ``seed``; ``kpqc`` draws its randomness from ``os.urandom``, so
the test swaps ``os.urandom`` for that DRBG while the engine makes the key pair, and
compares it with the upstream ``.rsp`` record (data/ntruplus_kat_count0.json says where it
was read). Only key generation is compared: the readable KAT files predate the encapsulation
``kpqc`` vendors (it draws N/8 coin bytes), so their ciphertexts no longer apply.

``kpqc`` 0.2.1's own KAT test needs a separate vector repository that is not on PyPI; of
the upstream KAT files only NTRU+'s could be read here, so SMAUG-T, HAETAE and AIMer are
covered by round trips, the size test and the bad-input tests, not by vectors.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from testbed.engines import get_engine

DATA = json.loads((Path(__file__).parent / "data" / "ntruplus_kat_count0.json").read_text())


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


def test_drbg_gives_the_standard_first_kat_seed() -> None:
    """PQCgenKAT seeds its DRBG with bytes 0..47; the first 48 bytes out are count 0's seed."""
    assert CtrDrbg(bytes(range(48))).random_bytes(48) == bytes.fromhex(DATA["seed"])


@pytest.mark.parametrize("alg", sorted(DATA["vectors"]))
def test_ntruplus_keygen_matches_the_upstream_kat(
    alg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = DATA["vectors"][alg]
    eng = get_engine("kpqc")
    drbg = CtrDrbg(bytes.fromhex(DATA["seed"]))
    with monkeypatch.context() as patched:
        patched.setattr(os, "urandom", drbg.random_bytes)
        pk, sk = eng.kem_keypair(alg)
    assert pk[:16].hex().upper() == want["pk_prefix"]
    assert sk[:16].hex().upper() == want["sk_prefix"]
    ct, ss = eng.encapsulate(alg, pk)
    assert eng.decapsulate(alg, sk, ct) == ss


def test_a_different_seed_gives_different_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above would be vacuous if the engine ignored its randomness."""
    eng = get_engine("kpqc")
    with monkeypatch.context() as patched:
        patched.setattr(os, "urandom", CtrDrbg(bytes(48)).random_bytes)
        pk, _ = eng.kem_keypair("NTRU+KEM-768")
    assert pk[:16].hex().upper() != DATA["vectors"]["NTRU+KEM-768"]["pk_prefix"]
