"""The KpqC engine: the ``kpqc`` package (the KpqC winners' reference C code).

Korea's national master plan accepts the KpqC competition winners beside the NIST
algorithms: SMAUG-T and NTRU+ (KEMs), HAETAE and AIMer (signatures). ``kpqc`` wraps
the upstream reference implementations (the exact upstream commits are in its
THIRD_PARTY_NOTICES).

Names: the table below maps each ``kpqc`` object to the catalog's canonical name; what
the table does not name (``timer``, SMAUG-T's TiMER variant) is not offered.

Wire formats and behaviour:

- Secret keys are the reference code's own encodings (``crypto_kem_keypair`` /
  ``crypto_sign_keypair``), as in the upstream KAT files.
- A corrupted SMAUG-T ciphertext of the right length is not an error: SMAUG-T uses
  implicit rejection (a pseudo-random secret that differs from the sender's), like ML-KEM.
  NTRU+ uses explicit rejection: its decapsulation reports the failed re-encryption
  check, so a corrupted NTRU+ ciphertext raises :class:`InvalidCiphertext`.
- An NTRU+ public key that does not decode to an invertible polynomial is refused by
  ``encapsulate`` (:class:`InvalidKey`); SMAUG-T accepts any public key of the right length.
- HAETAE signatures are variable length in the specification; the reference code pads
  them to the fixed maximum (CRYPTO_BYTES), which is what verification expects.
- Signatures use the empty context string (the KAT files do the same for AIMer).
- ``kpqc`` 0.2.1 vendors upstream AIMer commit 734cc76, which uses the AIM3 one-way
  function: longer signatures than the KpqC final-round (AIM2) AIMer, and the two do not
  interoperate. It is offered as ``AIMer-AIM3-128f`` ... (its own catalog entries), never
  as the catalog's ``AIMer-128f``, so sessions and benchmarks cannot pass it off as that.
"""

from __future__ import annotations

from typing import Any

from core.i18n import N_, say
from testbed.engines.binding import BindingEngine, import_binding, rejected
from testbed.engines.errors import InvalidCiphertext, InvalidKey, UnsupportedAlgorithm
from testbed.engines.interface import Sizes

#: canonical name -> kpqc attribute (KEMs)
KEM_NAMES: dict[str, str] = {
    "SMAUG-T-128": "smaugt128",
    "SMAUG-T-192": "smaugt192",
    "SMAUG-T-256": "smaugt256",
    "NTRU+KEM-768": "ntruplus768",
    "NTRU+KEM-864": "ntruplus864",
    "NTRU+KEM-1152": "ntruplus1152",
}

#: canonical name -> kpqc attribute (signatures)
SIG_NAMES: dict[str, str] = {
    "HAETAE-2": "haetae2",
    "HAETAE-3": "haetae3",
    "HAETAE-5": "haetae5",
    # kpqc's AIMer is upstream's AIM3 revision, not the catalog's KpqC final-round AIMer-*
    **{f"AIMer-AIM3-{v}": f"aimer{v}" for v in ("128f", "128s", "192f", "192s", "256f", "256s")},
}


class KpqcEngine(BindingEngine):
    """The KpqC winners through ``kpqc``."""

    name = "kpqc"

    def __init__(self) -> None:
        (kpqc,) = import_binding("kpqc")
        self._version = f"kpqc {getattr(kpqc, '__version__', '?')}"
        self._algs: dict[str, Any] = {
            canonical: getattr(kpqc, attr)
            for table in (KEM_NAMES, SIG_NAMES)
            for canonical, attr in table.items()
            if getattr(kpqc, attr, None) is not None
        }
        self._kems = [n for n in KEM_NAMES if n in self._algs]
        self._sigs = [n for n in SIG_NAMES if n in self._algs]

    def native_name(self, alg: str) -> str:
        obj = self._algs.get(alg)
        return obj.id if obj is not None else alg

    def sizes(self, alg: str) -> Sizes:
        obj = self._algs.get(alg)
        if obj is None:
            raise UnsupportedAlgorithm(f"engine 'kpqc' has no algorithm {alg!r}")
        s = obj.sizes
        if alg in KEM_NAMES:
            return Sizes(
                s.public_key, s.secret_key, ciphertext=s.ciphertext, shared_secret=s.shared_secret
            )
        return Sizes(s.public_key, s.secret_key, signature=s.signature)

    def _keypair(self, alg: str) -> tuple[bytes, bytes]:
        kp = self._algs[alg].generate_key_pair()
        return kp.public_key, kp.secret_key

    _kem_keypair = _sign_keypair = _keypair

    def _encapsulate(self, alg: str, pk: bytes) -> tuple[bytes, bytes]:
        with rejected(InvalidKey, say(N_("{alg} public key rejected"), alg=alg)):
            out = self._algs[alg].encapsulate(pk)
        return out.ciphertext, out.shared_secret

    def _decapsulate(self, alg: str, sk: bytes, ct: bytes) -> bytes:
        explicit = "explicit rejection: the re-encryption check failed"
        with rejected(InvalidCiphertext, f"{alg} ciphertext rejected ({explicit})"):
            return self._algs[alg].decapsulate(ct, sk)

    def _sign(self, alg: str, sk: bytes, msg: bytes) -> bytes:
        with rejected(InvalidKey, say(N_("{alg} secret key rejected"), alg=alg)):
            return self._algs[alg].sign(msg, sk)

    def _verify(self, alg: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
        with rejected(InvalidKey, say(N_("{alg} public key rejected"), alg=alg)):
            return bool(self._algs[alg].verify(msg, sig, pk))
