"""The engine interface: one narrow, typed API over liboqs, OpenSSL, PQClean and KpqC.

Every engine speaks bytes in, bytes out, with the project's canonical algorithm names
(``ML-KEM-768``, ``ML-DSA-65``, ``X25519MLKEM768``, ``RSA-2048``...). The public methods
check names and input lengths (and run :mod:`testbed.engines.fips203_checks`) and raise
the errors of :mod:`testbed.engines.errors`, so the primitives only see well-formed input.

Signatures: :meth:`Engine.verify` returns ``True``/``False``; a forged, truncated or
over-long signature is ``False``, never an exception. Only a malformed *public key*
raises (:class:`InvalidKey`), because then nothing was verified.

Key encodings. Public keys, ciphertexts and signatures are the standard wire encodings,
identical across engines (that is what the interop tests check). Secret keys are the
engine's own encoding: liboqs and PQClean use the FIPS 203/204 expanded keys
(2400 bytes for ML-KEM-768), OpenSSL's ML-KEM/ML-DSA keys are the 64/32-byte seeds.
:meth:`Engine.sizes` reports each engine's own sizes.

Engines may cache parsed key objects (:mod:`testbed.engines.key_cache`). The FIPS 203
key checks run once per key: a key that passed is remembered (by its bytes, a bounded
set per engine), so repeated operations with one key pay a dictionary look-up.

Timing. :meth:`Engine.native_loop` lets an engine whose library is C run an operation in
a loop of its own, so a benchmark of a fast operation does not measure the crossing from
Python (:mod:`testbed.timing`, the "native-loop" mode). Engines without one return None.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from core.i18n import N_, say
from testbed.engines.errors import (
    EngineError,
    InvalidCiphertext,
    InvalidKey,
    UnsupportedAlgorithm,
)
from testbed.engines.fips203_checks import (
    MLKEM_K,
    mlkem_decapsulation_key_ok,
    mlkem_encapsulation_key_ok,
)

#: A native timing loop: ``loop(deadline_ns, capacity)`` runs one operation on fixed inputs
#: until ``deadline_ns`` (on the ``time.perf_counter_ns`` clock) has passed or ``capacity``
#: calls are done, at least once, and returns each call's latency in ns.
NativeLoop = Callable[[int, int], Sequence[int]]

#: keys remembered as having passed the FIPS 203 checks, per engine (then forgotten at once)
PASSED_KEYS_KEPT = 256
#: KEMs whose encapsulation keys get the FIPS 203 modulus check
_CHECKED_PUBLIC_KEYS = frozenset({*MLKEM_K, "X25519MLKEM768"})


#: a key of the wrong length
KEY_LENGTH = N_("{alg} {what} must be {size} bytes, got {got}")


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
        """Sizes of ``alg`` after checking the engine has it as a ``kind`` (remembered: this
        runs on every call, so the usual case is two dictionary look-ups)."""
        known = self.__dict__.get("_kem_sizes" if kind is Kind.KEM else "_sig_sizes")
        sizes = known.get(alg) if known is not None else None
        if sizes is not None:
            return sizes
        if not self.supports(alg, kind):
            what = "KEM" if kind is Kind.KEM else "signature algorithm"
            raise UnsupportedAlgorithm(f"engine {self.name!r} has no {what} {alg!r}")
        sizes = self.sizes(alg)
        self.__dict__.setdefault("_kem_sizes" if kind is Kind.KEM else "_sig_sizes", {})[alg] = (
            sizes
        )
        return sizes

    def _check_public_key(self, alg: str, pk: object, sizes: Sizes) -> bytes:
        if type(pk) is not bytes:
            pk = _as_bytes(pk, "public key", InvalidKey)
        if len(pk) != sizes.public_key:
            raise InvalidKey(
                say(KEY_LENGTH, alg=alg, what=say(N_("public key")), size=sizes.public_key,
                    got=len(pk))
            )  # fmt: skip
        return pk

    def _check_secret_key(self, alg: str, sk: object, sizes: Sizes) -> bytes:
        if type(sk) is not bytes:
            sk = _as_bytes(sk, "secret key", InvalidKey)
        if len(sk) != sizes.secret_key:
            raise InvalidKey(
                say(
                    N_("{alg} secret key for engine {engine} must be {size} bytes, got {got}"),
                    alg=alg, engine=repr(self.name), size=sizes.secret_key, got=len(sk),
                )
            )  # fmt: skip
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
        if alg in _CHECKED_PUBLIC_KEYS and (alg, pk) not in self._passed_keys:
            self._check_kem_public_key(alg, pk)
            self._remember_passed(alg, pk)
        return Encapsulation(*self._encapsulate(alg, pk))

    def decapsulate(self, alg: str, sk: bytes, ct: bytes) -> bytes:
        sizes = self._require(alg, Kind.KEM)
        sk = self._check_secret_key(alg, sk, sizes)
        if type(ct) is not bytes:
            ct = _as_bytes(ct, "ciphertext", InvalidCiphertext)
        if len(ct) != sizes.ciphertext:
            raise InvalidCiphertext(
                f"{alg} ciphertext must be {sizes.ciphertext} bytes, got {len(ct)}"
            )
        if (
            alg in MLKEM_K
            and self.expanded_mlkem_secret_keys
            and (alg, sk) not in self._passed_keys
        ):
            if not mlkem_decapsulation_key_ok(alg, sk):
                raise InvalidKey(
                    say(N_("{alg} decapsulation key fails the FIPS 203 hash check"), alg=alg)
                )
            self._remember_passed(alg, sk)
        return self._decapsulate(alg, sk, ct)

    @property
    def _passed_keys(self) -> dict[tuple[str, bytes], None]:
        """(algorithm, key bytes) that passed the FIPS 203 checks in this engine."""
        passed = self.__dict__.get("_passed_key_set")
        if passed is None:
            passed = self.__dict__["_passed_key_set"] = {}
        return passed

    def _remember_passed(self, alg: str, key: bytes) -> None:
        passed = self._passed_keys
        if len(passed) >= PASSED_KEYS_KEPT:
            passed.clear()  # simple and thread-safe: forgetting only costs a re-check
        passed[(alg, key)] = None

    def _check_kem_public_key(self, alg: str, pk: bytes) -> None:
        if alg in MLKEM_K and not mlkem_encapsulation_key_ok(alg, pk):
            raise InvalidKey(
                say(
                    N_("{alg} encapsulation key fails the FIPS 203 modulus check (a coefficient "
                       "is >= 3329)"),
                    alg=alg,
                )
            )  # fmt: skip
        if alg == "X25519MLKEM768" and not mlkem_encapsulation_key_ok("ML-KEM-768", pk):
            raise InvalidKey(
                say(N_("X25519MLKEM768: the ML-KEM-768 part fails the FIPS 203 modulus check"))
            )

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

    # -- timing -------------------------------------------------------------------------

    def native_loop(self, alg: str, operation: str, args: Sequence[object]) -> NativeLoop | None:
        """A loop running ``operation`` ("keygen", "encaps", "decaps", "sign", "verify") of
        ``alg`` inside the library on the public method's arguments after the algorithm
        name (``(pk,)`` for encaps, ``(sk, msg)`` for sign...), which the caller has already
        passed through the public method once; None when the engine has no such loop."""
        return None

    def native_loop_problem(self) -> str | None:
        """Why :meth:`native_loop` offers nothing here, when the engine could have one."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release native resources held in caches (optional)."""
