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

Calls. liboqs-python loads liboqs and describes its algorithms (names, sizes, details);
the operations call liboqs's C functions directly (:mod:`testbed.engines.oqs_native`), on
one ``OQS_KEM``/``OQS_SIG`` description per algorithm shared by all threads, with no
per-secret-key objects. :meth:`LiboqsEngine.native_loop` times an operation in C.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from ctypes import byref, c_size_t, memset
from typing import Any

from core.i18n import N_, say
from testbed.engines.binding import BindingEngine
from testbed.engines.errors import InvalidCiphertext, InvalidKey, UnsupportedAlgorithm
from testbed.engines.interface import KEY_LENGTH, NativeLoop, Sizes
from testbed.engines.oqs_loader import require_oqs
from testbed.engines.oqs_native import (
    LOOP_OPS,
    Handle,
    LoopUnavailable,
    Samples,
    check_count,
    loop_library,
    oqs_api,
)

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
    """liboqs: described through liboqs-python, called through its C API."""

    name = "liboqs"

    def __init__(self) -> None:
        self._oqs = require_oqs()
        oqs = self._oqs
        self._api = oqs_api()
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
        self._kem_set = frozenset(self._kems)
        self._sizes: dict[str, Sizes] = {}
        self._seed_lengths: dict[str, int] = {}
        self._details: dict[str, dict[str, Any]] = {}
        # one liboqs description (OQS_KEM* / OQS_SIG*) per algorithm; a call holds its
        # Handle in a local, so close() never frees one that a call still uses
        self._handles: dict[str, Handle] = {}
        self._lock = threading.Lock()

    @property
    def liboqs_version(self) -> str:
        return str(self._oqs.oqs_version())

    def native_name(self, alg: str) -> str:
        return self._to_native.get(alg, alg)

    def sizes(self, alg: str) -> Sizes:
        sizes = self._sizes.get(alg)
        if sizes is None:
            self._describe(alg)
            sizes = self.sizes(alg)
        return sizes

    def details(self, alg: str) -> dict[str, Any]:
        """liboqs's own description of the algorithm (NIST level, version...)."""
        if alg not in self._details:
            self._describe(alg)
        return dict(self._details[alg])

    def _describe(self, alg: str) -> None:
        """Sizes and details from liboqs-python's view of the algorithm (once)."""
        if alg not in self._to_native:
            raise UnsupportedAlgorithm(f"engine 'liboqs' has no algorithm {alg!r}")
        native = self._to_native[alg]
        kem = alg in self._kem_set
        obj = (self._oqs.KeyEncapsulation if kem else self._oqs.Signature)(native)
        try:
            if kem:
                sizes = Sizes(
                    obj.length_public_key,
                    obj.length_secret_key,
                    ciphertext=obj.length_ciphertext,
                    shared_secret=obj.length_shared_secret,
                )
                self._seed_lengths[alg] = int(obj.length_keypair_seed or 0)
            else:
                sizes = Sizes(
                    obj.length_public_key, obj.length_secret_key, signature=obj.length_signature
                )
            self._details[alg] = dict(obj.details)
            self._sizes[alg] = sizes
        finally:
            obj.free()

    def _handle(self, alg: str) -> Handle:
        handle = self._handles.get(alg)
        if handle is None:
            sizes = self.sizes(alg)
            with self._lock:
                handle = self._handles.get(alg)
                if handle is None:
                    native = self._to_native[alg].encode()
                    api = self._api
                    if alg in self._kem_set:
                        ptr, free = api.kem_new(native), api.kem_free
                    else:
                        ptr, free = api.sig_new(native), api.sig_free
                    if not ptr:
                        raise UnsupportedAlgorithm(f"liboqs could not set up {alg}")
                    handle = self._handles[alg] = Handle(
                        ptr,
                        free,
                        sizes.public_key,
                        sizes.secret_key,
                        sizes.ciphertext or sizes.signature or 0,
                        sizes.shared_secret or 0,
                    )
        return handle

    def _keypair(self, alg: str, keypair: Any, *seed: bytes) -> tuple[bytes, bytes]:
        handle = self._handle(alg)
        pk, sk = handle.public_key(), handle.secret_key()
        try:
            if keypair(handle.ptr, pk, sk, *seed) != 0:
                raise InvalidKey(say(N_("{alg}: liboqs could not generate a key pair"), alg=alg))
            return pk.raw, sk.raw
        finally:
            memset(sk, 0, len(sk))

    # -- KEM ---------------------------------------------------------------------------

    def _kem_keypair(self, alg: str) -> tuple[bytes, bytes]:
        return self._keypair(alg, self._api.kem_keypair)

    def _kem_keypair_from_seed(self, alg: str, seed: bytes) -> tuple[bytes, bytes]:
        self.sizes(alg)
        wanted = self._seed_lengths.get(alg, 0)
        if not wanted:
            raise UnsupportedAlgorithm(f"liboqs cannot derive {alg} keys from a seed")
        if len(seed) != wanted:
            raise InvalidKey(
                say(KEY_LENGTH, alg=alg, what=say(N_("seed")), size=wanted, got=len(seed))
            )
        return self._keypair(alg, self._api.kem_keypair_derand, seed)

    def _encapsulate(self, alg: str, pk: bytes) -> tuple[bytes, bytes]:
        handle = self._handles.get(alg) or self._handle(alg)
        ct, ss = handle.out(), handle.shared_secret()
        if self._api.kem_encaps(handle.ptr, ct, ss, pk) != 0:
            raise InvalidKey(say(N_("{alg}: liboqs rejected the public key"), alg=alg))
        return ct.raw, ss.raw

    def _decapsulate(self, alg: str, sk: bytes, ct: bytes) -> bytes:
        handle = self._handles.get(alg) or self._handle(alg)
        ss = handle.shared_secret()
        if self._api.kem_decaps(handle.ptr, ss, ct, sk) != 0:
            raise InvalidCiphertext(f"{alg}: liboqs rejected the ciphertext")
        return ss.raw

    # -- signatures --------------------------------------------------------------------

    def _sign_keypair(self, alg: str) -> tuple[bytes, bytes]:
        return self._keypair(alg, self._api.sig_keypair)

    def _sign(self, alg: str, sk: bytes, msg: bytes) -> bytes:
        handle = self._handles.get(alg) or self._handle(alg)
        out = handle.out()
        length = c_size_t(len(out))
        if self._api.sig_sign(handle.ptr, out, byref(length), msg, len(msg), sk) != 0:
            raise InvalidKey(say(N_("{alg}: liboqs could not sign with this secret key"), alg=alg))
        return out.raw[: length.value]

    def _verify(self, alg: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
        handle = self._handles.get(alg) or self._handle(alg)
        return self._api.sig_verify(handle.ptr, msg, len(msg), sig, len(sig), pk) == 0

    # -- timing ------------------------------------------------------------------------

    def native_loop_problem(self) -> str | None:
        got = loop_library()
        return got.reason if isinstance(got, LoopUnavailable) else None

    def native_loop(self, alg: str, operation: str, args: Sequence[object]) -> NativeLoop | None:
        """``operation`` of ``alg`` timed in C (oqs_loop.c) on the inputs ``args`` of the
        public method (after the algorithm's name); None when the loop is not built."""
        loops = loop_library()
        code = LOOP_OPS.get(operation)
        if isinstance(loops, LoopUnavailable) or code is None:
            return None
        handle = self._handle(alg)
        what = f"{alg} {operation}"
        samples = Samples()  # one buffer for every batch of this loop
        if alg in self._kem_set:
            if operation not in ("keygen", "encaps", "decaps"):
                return None
            pk = args[0] if operation == "encaps" else None
            sk, ct = (args[0], args[1]) if operation == "decaps" else (None, None)

            def run_kem(deadline_ns: int, capacity: int) -> Sequence[int]:
                buf = samples.room(capacity)
                n = loops.kem_loop(
                    handle.ptr, code, pk, sk, ct, loops.c_deadline(deadline_ns), capacity, buf
                )
                return samples.first(check_count(n, what))

            return run_kem
        if operation not in ("keygen", "sign", "verify"):
            return None
        spk = args[0] if operation == "verify" else None
        ssk = args[0] if operation == "sign" else None
        msg = args[1] if operation != "keygen" else b""
        sig = args[2] if operation == "verify" else None
        assert isinstance(msg, bytes) and (sig is None or isinstance(sig, bytes))
        sig_len = len(sig) if sig is not None else 0

        def run_sig(deadline_ns: int, capacity: int) -> Sequence[int]:
            buf = samples.room(capacity)
            n = loops.sig_loop(
                handle.ptr,
                code,
                spk,
                ssk,
                msg,
                len(msg),
                sig,
                sig_len,
                loops.c_deadline(deadline_ns),
                capacity,
                buf,
            )
            return samples.first(check_count(n, what))

        return run_sig

    def close(self) -> None:
        """Drop the algorithm descriptions (each is freed once no call uses it any more)."""
        with self._lock:
            self._handles = {}
