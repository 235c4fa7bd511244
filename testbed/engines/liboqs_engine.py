"""The liboqs engine: every KEM and signature enabled in the loaded liboqs.

liboqs is reached only through :mod:`testbed.engines.oqs_loader`, which never lets
liboqs-python's own installer run.

Names. liboqs's own spellings are already the catalog's for almost everything
(``ML-KEM-768``, ``ML-DSA-65``, ``Falcon-512``, ``HQC-128``, ``FrodoKEM-640-AES``,
``Classic-McEliece-348864f``, ``BIKE-L1``, ``sntrup761``, ``Kyber768``). The rule:

1. a liboqs name listed in :data:`LIBOQS_NAMES` becomes the canonical name given there;
2. every other liboqs name is kept verbatim. In particular ``SPHINCS+-...`` stays
   ``SPHINCS+-...``: SPHINCS+ (round 3) is *not* SLH-DSA (FIPS 205), their keys and
   signatures differ; likewise ``Kyber768`` is not ``ML-KEM-768`` and ``Dilithium3``
   is not ``ML-DSA-65``.

Secret keys are liboqs's (FIPS 203/204 expanded) encodings.
"""

from __future__ import annotations

import threading
from typing import Any

from testbed.engines.binding import BindingEngine
from testbed.engines.errors import InvalidCiphertext, InvalidKey, UnsupportedAlgorithm
from testbed.engines.interface import Sizes
from testbed.engines.key_cache import KeyCache
from testbed.engines.oqs_loader import require_oqs

#: liboqs name -> canonical name, where they differ (rule 1 above). liboqs 0.13 names
#: match the catalog; the entries document the families whose spelling was checked.
LIBOQS_NAMES: dict[str, str] = {
    "ML-KEM-512": "ML-KEM-512",
    "ML-KEM-768": "ML-KEM-768",
    "ML-KEM-1024": "ML-KEM-1024",
    "ML-DSA-44": "ML-DSA-44",
    "ML-DSA-65": "ML-DSA-65",
    "ML-DSA-87": "ML-DSA-87",
    "Kyber512": "Kyber512",
    "Kyber768": "Kyber768",
    "Kyber1024": "Kyber1024",
    "Falcon-512": "Falcon-512",
    "Falcon-1024": "Falcon-1024",
    "HQC-128": "HQC-128",
    "HQC-192": "HQC-192",
    "HQC-256": "HQC-256",
    "BIKE-L1": "BIKE-L1",
    "BIKE-L3": "BIKE-L3",
    "BIKE-L5": "BIKE-L5",
    "sntrup761": "sntrup761",
    "FrodoKEM-640-AES": "FrodoKEM-640-AES",
    "Classic-McEliece-348864": "Classic-McEliece-348864",
    "Classic-McEliece-348864f": "Classic-McEliece-348864f",
}


def canonical_name(liboqs_name: str) -> str:
    """Canonical name of a liboqs algorithm name (table, else verbatim).

    >>> canonical_name("SPHINCS+-SHA2-128s-simple")
    'SPHINCS+-SHA2-128s-simple'
    """
    return LIBOQS_NAMES.get(liboqs_name, liboqs_name)


class LiboqsEngine(BindingEngine):
    """liboqs through liboqs-python."""

    name = "liboqs"

    def __init__(self) -> None:
        self._oqs = require_oqs()
        oqs = self._oqs
        self._version = f"liboqs {oqs.oqs_version()}, liboqs-python {oqs.oqs_python_version()}"
        self._to_native: dict[str, str] = {}
        self._kems: list[str] = []
        self._sigs: list[str] = []
        for native in oqs.get_enabled_kem_mechanisms():
            self._to_native[canonical_name(native)] = native
            self._kems.append(canonical_name(native))
        for native in oqs.get_enabled_sig_mechanisms():
            self._to_native[canonical_name(native)] = native
            self._sigs.append(canonical_name(native))
        self._sizes: dict[str, Sizes] = {}
        # liboqs-python objects hold native memory and have no finalizer: each is wrapped
        # in an _Owned that frees it when the last reference goes, so an object evicted
        # from a cache while another thread still uses it is freed only after that use.
        # Per-algorithm objects (encaps, verify: stateless calls) are shared; keygen
        # stores the new secret key in the object, so those are per thread; decaps and
        # sign objects are per secret key.
        self._objs: dict[str, _Owned] = {}
        self._objs_lock = threading.Lock()
        self._local = threading.local()
        self._keyed: KeyCache[tuple[str, bytes], _Owned] = KeyCache(32)

    @property
    def liboqs_version(self) -> str:
        return str(self._oqs.oqs_version())

    def native_name(self, alg: str) -> str:
        return self._to_native.get(alg, alg)

    def sizes(self, alg: str) -> Sizes:
        sizes = self._sizes.get(alg)
        if sizes is not None:
            return sizes
        if alg in self._kems:
            obj = self._obj(alg)
            sizes = Sizes(
                obj.length_public_key,
                obj.length_secret_key,
                ciphertext=obj.length_ciphertext,
                shared_secret=obj.length_shared_secret,
            )
        elif alg in self._sigs:
            obj = self._obj(alg)
            sizes = Sizes(
                obj.length_public_key, obj.length_secret_key, signature=obj.length_signature
            )
        else:
            raise UnsupportedAlgorithm(f"engine 'liboqs' has no algorithm {alg!r}")
        self._sizes[alg] = sizes
        return sizes

    def details(self, alg: str) -> dict[str, Any]:
        """liboqs's own description of the algorithm (NIST level, version...)."""
        return dict(self._obj(alg).details)

    def _new(self, alg: str, secret_key: bytes | None = None) -> _Owned:
        native = self._to_native[alg]
        cls = self._oqs.KeyEncapsulation if alg in self._kems else self._oqs.Signature
        return _Owned(cls(native, secret_key))

    def _obj(self, alg: str) -> Any:
        """Shared object for calls that keep no state in it (encaps, verify, sizes)."""
        owned = self._objs.get(alg)
        if owned is None:
            with self._objs_lock:
                owned = self._objs.get(alg)
                if owned is None:
                    owned = self._objs[alg] = self._new(alg)
        return owned.obj

    def _keygen_obj(self, alg: str) -> Any:
        """Per-thread object for key generation (it keeps the new secret key)."""
        objs = self._local.__dict__.setdefault("objs", {})
        owned = objs.get(alg)
        if owned is None:
            owned = objs[alg] = self._new(alg)
        return owned.obj

    def _keyed_obj(self, alg: str, sk: bytes) -> _Owned:
        return self._keyed.get((alg, sk), lambda: self._new(alg, sk))

    # -- KEM ---------------------------------------------------------------------------

    def _kem_keypair(self, alg: str) -> tuple[bytes, bytes]:
        obj = self._keygen_obj(alg)
        pk = obj.generate_keypair()
        return pk, obj.export_secret_key()

    def _kem_keypair_from_seed(self, alg: str, seed: bytes) -> tuple[bytes, bytes]:
        obj = self._keygen_obj(alg)
        if not obj.length_keypair_seed:
            raise UnsupportedAlgorithm(f"liboqs cannot derive {alg} keys from a seed")
        if len(seed) != obj.length_keypair_seed:
            raise InvalidKey(f"{alg} seed must be {obj.length_keypair_seed} bytes, got {len(seed)}")
        try:
            pk = obj.generate_keypair_seed(seed)
        except RuntimeError as exc:
            raise InvalidKey(f"{alg}: {exc}") from None
        return pk, obj.export_secret_key()

    def _encapsulate(self, alg: str, pk: bytes) -> tuple[bytes, bytes]:
        try:
            return self._obj(alg).encap_secret(pk)
        except RuntimeError:
            raise InvalidKey(f"{alg}: liboqs rejected the public key") from None

    def _decapsulate(self, alg: str, sk: bytes, ct: bytes) -> bytes:
        owned = self._keyed_obj(alg, sk)  # a local reference keeps it alive
        try:
            return owned.obj.decap_secret(ct)
        except RuntimeError:
            raise InvalidCiphertext(f"{alg}: liboqs rejected the ciphertext") from None

    # -- signatures --------------------------------------------------------------------

    def _sign_keypair(self, alg: str) -> tuple[bytes, bytes]:
        obj = self._keygen_obj(alg)
        pk = obj.generate_keypair()
        return pk, obj.export_secret_key()

    def _sign(self, alg: str, sk: bytes, msg: bytes) -> bytes:
        owned = self._keyed_obj(alg, sk)
        try:
            return owned.obj.sign(msg)
        except RuntimeError:
            raise InvalidKey(f"{alg}: liboqs could not sign with this secret key") from None

    def _verify(self, alg: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
        return bool(self._obj(alg).verify(msg, sig, pk))

    def close(self) -> None:
        """Drop the cached objects (each is freed once no call uses it any more)."""
        self._keyed.clear()
        with self._objs_lock:
            self._objs.clear()
        self._local = threading.local()


class _Owned:
    """Owns one liboqs-python object and frees its native memory when collected."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __del__(self) -> None:
        # (no contextlib.suppress: at interpreter shutdown modules may be gone already)
        try:  # noqa: SIM105
            self.obj.free()
        except Exception:
            pass
