"""The engine interface: one narrow, typed API over liboqs, OpenSSL and PQClean.

Every engine speaks bytes in, bytes out, with the project's canonical algorithm names
(``ML-KEM-768``, ``ML-DSA-65``, ``X25519MLKEM768``, ``RSA-2048``...). Bad input never
reaches a C library unchecked and never crashes the process; it raises one of the
specific exceptions below, in the style of pyca/cryptography:

- :class:`UnsupportedAlgorithm`: the engine does not implement the algorithm (or not for
  that use: ``sign`` on a KEM).
- :class:`InvalidKey`: a key of the wrong length, or an ML-KEM encapsulation key that fails
  the FIPS 203 modulus check (a coefficient >= 3329), or an ML-KEM decapsulation key whose
  embedded hash H(ek) does not match.
- :class:`InvalidCiphertext`: a ciphertext of the wrong length. A *corrupted* ML-KEM
  ciphertext of the right length is NOT an error: FIPS 203 decapsulation uses implicit
  rejection and returns a pseudo-random secret (derived from the key's z and the
  ciphertext) that differs from the sender's; the protocol then fails later, at key
  confirmation. Callers that need to detect it must compare secrets.
- :class:`EngineUnavailable`: the engine's library could not be loaded, with the reason.

Signatures: :meth:`Engine.verify` returns ``True``/``False``; a forged, truncated or
over-long signature is ``False``, never an exception. Only a malformed *public key*
raises (:class:`InvalidKey`), because then nothing was verified.

Key encodings. Public keys, ciphertexts and signatures are the standard wire encodings,
identical across engines (that is what the interop tests check). Secret keys are the
engine's own encoding: liboqs and PQClean use the FIPS 203/204 expanded keys
(2400 bytes for ML-KEM-768), OpenSSL's ML-KEM/ML-DSA keys are the 64/32-byte seeds.
:meth:`Engine.sizes` reports each engine's own sizes.

Engines may cache parsed key objects (bounded) so that a benchmark measures the
operation, not the parsing of the same key bytes again and again.
"""

from __future__ import annotations

import enum
import hashlib
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar


class EngineError(Exception):
    """Base class of every error an engine raises on purpose."""


class UnsupportedAlgorithm(EngineError):
    """The engine does not implement this algorithm for this operation."""


class InvalidKey(EngineError, ValueError):
    """A key is malformed: wrong length, or it fails a FIPS 203 check."""


class InvalidCiphertext(EngineError, ValueError):
    """A ciphertext is malformed (wrong length, or not decodable)."""


class EngineUnavailable(EngineError):
    """The engine cannot run here; the message says why."""


class Kind(enum.StrEnum):
    KEM = "kem"
    SIGNATURE = "signature"


class KeyPair(NamedTuple):
    public_key: bytes
    secret_key: bytes


class Encapsulation(NamedTuple):
    ciphertext: bytes
    shared_secret: bytes


@dataclass(frozen=True)
class Sizes:
    """Byte sizes of one algorithm in one engine (``signature`` is the maximum)."""

    public_key: int
    secret_key: int
    ciphertext: int | None = None
    shared_secret: int | None = None
    signature: int | None = None

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


# --------------------------------------------------------------------------------------
# FIPS 203 key checks (done here, in Python, before any C library sees the key)

Q_MLKEM = 3329
MLKEM_K = {"ML-KEM-512": 2, "ML-KEM-768": 3, "ML-KEM-1024": 4}
_MASKS: dict[int, tuple[int, int, int]] = {}


def _masks(n_coeffs: int) -> tuple[int, int, int]:
    """Masks for a SWAR range check over ``n_coeffs`` packed 12-bit coefficients.

    Even-indexed coefficients sit in 24-bit lanes with 12 free bits above them; adding
    4096 - 3329 to each lane carries into bit 12 of the lane exactly when the coefficient
    is >= 3329.
    """
    cached = _MASKS.get(n_coeffs)
    if cached is None:
        lanes = n_coeffs // 2
        lane_mask = sum(0xFFF << (24 * i) for i in range(lanes))
        addend = sum((4096 - Q_MLKEM) << (24 * i) for i in range(lanes))
        carry = sum(1 << (24 * i + 12) for i in range(lanes))
        cached = _MASKS[n_coeffs] = (lane_mask, addend, carry)
    return cached


def mlkem_encapsulation_key_ok(alg: str, ek: bytes) -> bool:
    """FIPS 203 section 7.2 modulus check: ByteEncode12(ByteDecode12(t)) == t.

    True when every 12-bit coefficient of the ``384*k`` polynomial bytes is < 3329.
    Lengths are checked by the caller.

    >>> mlkem_encapsulation_key_ok("ML-KEM-512", bytes(800))
    True
    >>> mlkem_encapsulation_key_ok("ML-KEM-512", b"\\xff" * 800)
    False
    """
    k = MLKEM_K[alg]
    n_bytes = 384 * k
    value = int.from_bytes(ek[:n_bytes], "little")
    lane_mask, addend, carry = _masks(256 * k)
    even = value & lane_mask
    odd = (value >> 12) & lane_mask
    return not (((even + addend) | (odd + addend)) & carry)


def mlkem_decapsulation_key_ok(alg: str, dk: bytes) -> bool:
    """FIPS 203 section 7.3 hash check of an expanded decapsulation key.

    dk = dk_PKE (384k) || ek (384k + 32) || H(ek) (32) || z (32).
    """
    k = MLKEM_K[alg]
    ek = dk[384 * k : 768 * k + 32]
    h = dk[768 * k + 32 : 768 * k + 64]
    return hashlib.sha3_256(ek).digest() == h and mlkem_encapsulation_key_ok(alg, ek)


# --------------------------------------------------------------------------------------
# A small LRU for parsed key objects

K = TypeVar("K")
V = TypeVar("V")


class KeyCache(Generic[K, V]):
    """A bounded mapping; ``on_evict`` releases native resources of dropped values."""

    def __init__(self, maxsize: int = 32, on_evict: Callable[[V], None] | None = None):
        self._data: OrderedDict[K, V] = OrderedDict()
        self._maxsize = maxsize
        self._on_evict = on_evict
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The cached value for ``key``, made with ``make()`` on a miss (thread-safe).

        An evicted value is released at once, so a caller must not keep using a value
        after many other keys have come in; engines use them within one call.
        """
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
                return value
        value = make()
        evicted = []
        with self._lock:
            existing = self._data.get(key)
            if existing is not None:  # another thread made it meanwhile
                evicted.append(value)
                value = existing
            else:
                self._data[key] = value
                while len(self._data) > self._maxsize:
                    evicted.append(self._data.popitem(last=False)[1])
        if self._on_evict is not None:
            for old in evicted:
                self._on_evict(old)
        return value

    def clear(self) -> None:
        with self._lock:
            olds = list(self._data.values())
            self._data.clear()
        if self._on_evict is not None:
            for old in olds:
                self._on_evict(old)


# --------------------------------------------------------------------------------------
# The engine


def _as_bytes(value: object, what: str, exc: type[EngineError]) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    raise exc(f"{what} must be bytes, not {type(value).__name__}")


class Engine(ABC):
    """One crypto library behind the common interface.

    Subclasses implement the ``_``-prefixed primitives; the public methods here check
    algorithm names and input lengths first (and run the FIPS 203 key checks), so the
    primitives only ever see well-formed input.
    """

    #: short registry name: "liboqs", "openssl", "pqclean"
    name: str = ""

    @property
    @abstractmethod
    def version(self) -> str:
        """Version of the underlying library (and its binding)."""

    @abstractmethod
    def kems(self) -> list[str]:
        """Canonical names of the KEMs (and KEM-style key exchanges) offered."""

    @abstractmethod
    def signatures(self) -> list[str]:
        """Canonical names of the signature algorithms offered."""

    @abstractmethod
    def sizes(self, alg: str) -> Sizes:
        """Byte sizes of ``alg`` in this engine's encodings."""

    def algorithms(self) -> list[str]:
        return sorted(set(self.kems()) | set(self.signatures()))

    def supports(self, alg: str, kind: Kind | None = None) -> bool:
        sets = self.__dict__.get("_name_sets")
        if sets is None:
            sets = self.__dict__["_name_sets"] = (
                frozenset(self.kems()),
                frozenset(self.signatures()),
            )
        if kind is Kind.KEM:
            return alg in sets[0]
        if kind is Kind.SIGNATURE:
            return alg in sets[1]
        return alg in sets[0] or alg in sets[1]

    def native_name(self, alg: str) -> str:
        """The library's own spelling of a canonical name (same name by default)."""
        return alg

    def info(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "kems": self.kems(),
            "signatures": self.signatures(),
        }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.version}>"

    # -- checks -------------------------------------------------------------------

    def _require(self, alg: str, kind: Kind) -> Sizes:
        if not self.supports(alg, kind):
            what = "KEM" if kind is Kind.KEM else "signature algorithm"
            raise UnsupportedAlgorithm(f"engine {self.name!r} has no {what} {alg!r}")
        cache = self.__dict__.setdefault("_sizes_cache", {})
        sizes = cache.get(alg)
        if sizes is None:
            sizes = cache[alg] = self.sizes(alg)
        return sizes

    def _check_public_key(self, alg: str, pk: object, sizes: Sizes) -> bytes:
        pk = _as_bytes(pk, "public key", InvalidKey)
        if len(pk) != sizes.public_key:
            raise InvalidKey(f"{alg} public key must be {sizes.public_key} bytes, got {len(pk)}")
        return pk

    def _check_secret_key(self, alg: str, sk: object, sizes: Sizes) -> bytes:
        sk = _as_bytes(sk, "secret key", InvalidKey)
        if len(sk) != sizes.secret_key:
            raise InvalidKey(
                f"{alg} secret key for engine {self.name!r} must be {sizes.secret_key} "
                f"bytes, got {len(sk)}"
            )
        return sk

    #: subclasses whose ML-KEM secret keys are FIPS 203 expanded keys set this
    expanded_mlkem_secret_keys: bool = True

    # -- KEM ----------------------------------------------------------------------

    def kem_keypair(self, alg: str) -> KeyPair:
        self._require(alg, Kind.KEM)
        return KeyPair(*self._kem_keypair(alg))

    def kem_keypair_from_seed(self, alg: str, seed: bytes) -> KeyPair:
        """Deterministic key generation (ML-KEM: the 64-byte seed d || z of FIPS 203)."""
        self._require(alg, Kind.KEM)
        seed = _as_bytes(seed, "seed", InvalidKey)
        return KeyPair(*self._kem_keypair_from_seed(alg, seed))

    def encapsulate(self, alg: str, pk: bytes) -> Encapsulation:
        sizes = self._require(alg, Kind.KEM)
        pk = self._check_public_key(alg, pk, sizes)
        self._check_kem_public_key(alg, pk)
        return Encapsulation(*self._encapsulate(alg, pk))

    def decapsulate(self, alg: str, sk: bytes, ct: bytes) -> bytes:
        sizes = self._require(alg, Kind.KEM)
        sk = self._check_secret_key(alg, sk, sizes)
        ct = _as_bytes(ct, "ciphertext", InvalidCiphertext)
        if len(ct) != sizes.ciphertext:
            raise InvalidCiphertext(
                f"{alg} ciphertext must be {sizes.ciphertext} bytes, got {len(ct)}"
            )
        if (
            alg in MLKEM_K
            and self.expanded_mlkem_secret_keys
            and not mlkem_decapsulation_key_ok(alg, sk)
        ):
            raise InvalidKey(f"{alg} decapsulation key fails the FIPS 203 hash check")
        return self._decapsulate(alg, sk, ct)

    def _check_kem_public_key(self, alg: str, pk: bytes) -> None:
        if alg in MLKEM_K and not mlkem_encapsulation_key_ok(alg, pk):
            raise InvalidKey(
                f"{alg} encapsulation key fails the FIPS 203 modulus check "
                "(a coefficient is >= 3329)"
            )
        if alg == "X25519MLKEM768" and not mlkem_encapsulation_key_ok("ML-KEM-768", pk):
            raise InvalidKey("X25519MLKEM768: the ML-KEM-768 part fails the FIPS 203 modulus check")

    # -- signatures ---------------------------------------------------------------

    def sign_keypair(self, alg: str) -> KeyPair:
        self._require(alg, Kind.SIGNATURE)
        return KeyPair(*self._sign_keypair(alg))

    def sign(self, alg: str, sk: bytes, msg: bytes) -> bytes:
        sizes = self._require(alg, Kind.SIGNATURE)
        sk = self._check_secret_key(alg, sk, sizes)
        msg = _as_bytes(msg, "message", EngineError)
        return self._sign(alg, sk, msg)

    def verify(self, alg: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
        """True if ``sig`` is a valid signature of ``msg`` under ``pk``, else False."""
        sizes = self._require(alg, Kind.SIGNATURE)
        pk = self._check_public_key(alg, pk, sizes)
        msg = _as_bytes(msg, "message", EngineError)
        if not isinstance(sig, bytes | bytearray | memoryview):
            return False
        sig = bytes(sig)
        if not sig or (sizes.signature is not None and len(sig) > sizes.signature):
            return False
        return self._verify(alg, pk, msg, sig)

    # -- primitives ---------------------------------------------------------------

    def _kem_keypair(self, alg: str) -> tuple[bytes, bytes]:
        raise UnsupportedAlgorithm(f"engine {self.name!r} has no KEM {alg!r}")

    def _kem_keypair_from_seed(self, alg: str, seed: bytes) -> tuple[bytes, bytes]:
        raise UnsupportedAlgorithm(f"engine {self.name!r} cannot derive {alg} keys from a seed")

    def _encapsulate(self, alg: str, pk: bytes) -> tuple[bytes, bytes]:
        raise UnsupportedAlgorithm(f"engine {self.name!r} has no KEM {alg!r}")

    def _decapsulate(self, alg: str, sk: bytes, ct: bytes) -> bytes:
        raise UnsupportedAlgorithm(f"engine {self.name!r} has no KEM {alg!r}")

    def _sign_keypair(self, alg: str) -> tuple[bytes, bytes]:
        raise UnsupportedAlgorithm(f"engine {self.name!r} has no signature {alg!r}")

    def _sign(self, alg: str, sk: bytes, msg: bytes) -> bytes:
        raise UnsupportedAlgorithm(f"engine {self.name!r} has no signature {alg!r}")

    def _verify(self, alg: str, pk: bytes, msg: bytes, sig: bytes) -> bool:
        raise UnsupportedAlgorithm(f"engine {self.name!r} has no signature {alg!r}")

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release native resources held in caches (optional)."""
