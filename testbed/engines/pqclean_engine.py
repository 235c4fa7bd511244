"""The PQClean engine: the ``pqcrypto`` package (Rust bindings to PQClean's C code).

Names: the table below maps each ``pqcrypto`` submodule to the catalog's canonical name.
Submodules a newer ``pqcrypto`` adds that are not in the table are not offered (they are
listed by :meth:`PQCleanEngine.unmapped`), so no name reaches the catalog unreviewed.

Secret keys are the FIPS 203/204/205 expanded encodings (as in liboqs). ``pqcrypto``
has no deterministic (seeded) key generation.
"""

from __future__ import annotations

import types

from core.i18n import JOINED, N_, Said, say
from core.their_words import their_words
from testbed.engines.binding import BindingEngine, import_binding, rejected
from testbed.engines.errors import InvalidCiphertext, InvalidKey, UnsupportedAlgorithm
from testbed.engines.interface import Sizes

#: pqcrypto submodule -> canonical name (KEMs)
KEM_NAMES: dict[str, str] = {
    "ml_kem_512": "ML-KEM-512",
    "ml_kem_768": "ML-KEM-768",
    "ml_kem_1024": "ML-KEM-1024",
    "hqc_128": "HQC-1",  # pqcrypto 1.0 ships the 2025 HQC (see the catalog)
    "hqc_192": "HQC-3",
    "hqc_256": "HQC-5",
    "mceliece_348864": "Classic-McEliece-348864",
    "mceliece_348864f": "Classic-McEliece-348864f",
    "mceliece_460896": "Classic-McEliece-460896",
    "mceliece_460896f": "Classic-McEliece-460896f",
    "mceliece_6688128": "Classic-McEliece-6688128",
    "mceliece_6688128f": "Classic-McEliece-6688128f",
    "mceliece_6960119": "Classic-McEliece-6960119",
    "mceliece_6960119f": "Classic-McEliece-6960119f",
    "mceliece_8192128": "Classic-McEliece-8192128",
    "mceliece_8192128f": "Classic-McEliece-8192128f",
    "sntrup_653": "sntrup653",
    "sntrup_761": "sntrup761",
    "sntrup_857": "sntrup857",
    "sntrup_953": "sntrup953",
    "sntrup_1013": "sntrup1013",
    "sntrup_1277": "sntrup1277",
}

#: pqcrypto submodule -> canonical name (signatures)
SIG_NAMES: dict[str, str] = {
    "ml_dsa_44": "ML-DSA-44",
    "ml_dsa_65": "ML-DSA-65",
    "ml_dsa_87": "ML-DSA-87",
    **{
        f"slh_dsa_{h}_{lvl}{v}": f"SLH-DSA-{h.upper()}-{lvl}{v}"
        for h in ("sha2", "shake")
        for lvl in (128, 192, 256)
        for v in ("s", "f")
    },
}

PUBLIC = N_("{alg} public key rejected")
SECRET = N_("{alg} secret key rejected")
REJECTED = JOINED


def _submodules(package: types.ModuleType) -> dict[str, types.ModuleType]:
    return {
        n: getattr(package, n)
        for n in dir(package)
        if not n.startswith("_") and isinstance(getattr(package, n), types.ModuleType)
    }


class PQCleanEngine(BindingEngine):
    """PQClean through ``pqcrypto``."""

    name = "pqclean"

    def __init__(self) -> None:
        pqcrypto, kem_pkg, sig_pkg = import_binding("pqcrypto", "pqcrypto.kem", "pqcrypto.sign")
        self._version = f"pqcrypto {getattr(pqcrypto, '__version__', '?')}"
        self._invalid_signature = getattr(pqcrypto, "InvalidSignatureError", ValueError)
        kem_mods = _submodules(kem_pkg)
        sig_mods = _submodules(sig_pkg)
        self._mods: dict[str, types.ModuleType] = {}
        self._native: dict[str, str] = {}
        self._unmapped: list[str] = []
        for mods, table in ((kem_mods, KEM_NAMES), (sig_mods, SIG_NAMES)):
            for native, mod in mods.items():
                canonical = table.get(native)
                if canonical is None:
                    self._unmapped.append(native)
                    continue
                self._mods[canonical] = mod
                self._native[canonical] = native
        self._kems = [KEM_NAMES[n] for n in KEM_NAMES if n in kem_mods]
        self._sigs = [SIG_NAMES[n] for n in SIG_NAMES if n in sig_mods]

    def native_name(self, alg: str) -> str:
        return self._native.get(alg, alg)

    def unmapped(self) -> list[str]:
        """pqcrypto submodules with no entry in the name tables."""
        return list(self._unmapped)

    def sizes(self, alg: str) -> Sizes:
        mod = self._mods.get(alg)
        if mod is None:
            raise UnsupportedAlgorithm(f"engine 'pqclean' has no algorithm {alg!r}")
        if alg in self._kems:
            return Sizes(
                mod.PUBLIC_KEY_SIZE,
                mod.SECRET_KEY_SIZE,
                ciphertext=mod.CIPHERTEXT_SIZE,
                shared_secret=mod.SHARED_SECRET_SIZE,
            )
        return Sizes(mod.PUBLIC_KEY_SIZE, mod.SECRET_KEY_SIZE, signature=mod.SIGNATURE_SIZE)

    def _keypair(self, alg: str) -> tuple[bytes, bytes]:
        pk, sk = self._mods[alg].keygen()
        return bytes(pk), bytes(sk)

    _kem_keypair = _sign_keypair = _keypair

    def _encapsulate(self, alg: str, pk: bytes) -> tuple[bytes, bytes]:
        with rejected(InvalidKey, say(PUBLIC, alg=alg)):
            ct, ss = self._mods[alg].encaps(pk)
        return bytes(ct), bytes(ss)

    def _decapsulate(self, alg: str, sk: bytes, ct: bytes) -> bytes:
        try:
            return bytes(self._mods[alg].decaps(sk, ct))
        except ValueError as exc:
            msg = str(exc)
            if "key" in msg:
                raise InvalidKey(
                    Said(REJECTED, {"what": say(SECRET, alg=alg), "reason": their_words(msg)})
                ) from None
            raise InvalidCiphertext(f"{alg} ciphertext rejected: {msg}") from None

    def _sign(self, alg: str, sk: bytes, msg: bytes) -> bytes:
        with rejected(InvalidKey, say(SECRET, alg=alg)):
            return bytes(self._mods[alg].sign(sk, msg))

    def _verify(self, alg: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
        try:
            self._mods[alg].verify(pk, msg, sig)
        except self._invalid_signature:
            return False
        except ValueError as exc:
            if "public key" in str(exc):
                raise InvalidKey(
                    Said(REJECTED, {"what": say(PUBLIC, alg=alg), "reason": their_words(exc)})
                ) from None
            return False
        return True
