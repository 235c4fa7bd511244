"""ML-DSA's internal functions from liboqs: FIPS 204 Sign_internal with a caller-given rnd.

liboqs's public ``OQS_SIG_sign`` is hedged only (rnd from its randombytes) and OpenSSL as
``cryptography`` exposes it has no deterministic or given-rnd signing, so neither can make an
ACVP sigGen answer. liboqs 0.13 also exports (``OQS_API`` in its sources,
``src/sig/ml_dsa/pqcrystals-dilithium-standard_ml-dsa-65_ref/sign.h``) the pq-crystals
reference functions::

    int pqcrystals_ml_dsa_65_ref_signature_internal(uint8_t *sig, size_t *siglen,
        const uint8_t *m, size_t mlen, const uint8_t *pre, size_t prelen,
        const uint8_t rnd[32], const uint8_t *sk);
    int pqcrystals_ml_dsa_65_ref_verify_internal(const uint8_t *sig, size_t siglen,
        const uint8_t *m, size_t mlen, const uint8_t *pre, size_t prelen, const uint8_t *pk);

They compute mu = H(tr || pre || m, 64); with ``pre`` empty and ``m`` = M' they are FIPS 204
Algorithm 7 (ML-DSA.Sign_internal(sk, M', rnd)) and Algorithm 8 (Verify_internal). As
liboqs's own ``OQS_SIG_ml_dsa_*_sign`` does, the AVX2 build (``..._avx2_...``, the same
functions) is used where the CPU has AVX2 and POPCNT (ML-DSA-87 signs in ~0.4 ms there
against ~3 ms for the portable code); both give the same bytes. Lengths
are checked here, because the C code reads fixed-size keys and signatures without knowing
their length. Keys and signatures are FIPS 204 encodings (expanded secret keys).

These are not part of liboqs's stable API: :func:`available` says whether the loaded liboqs
has them, and callers keep another way (dilithium-py) for when it does not.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from functools import cache

from core.i18n import N_, say
from testbed.engines.errors import EngineUnavailable, InvalidKey
from testbed.engines.oqs_loader import LiboqsUnavailable, load_oqs


@dataclass(frozen=True)
class _Params:
    level: str  # 44, 65, 87
    public_key: int
    secret_key: int
    signature: int


#: FIPS 204 Table 2 sizes
PARAMS = {
    "ML-DSA-44": _Params("44", 1312, 2560, 2420),
    "ML-DSA-65": _Params("65", 1952, 4032, 3309),
    "ML-DSA-87": _Params("87", 2592, 4896, 4627),
}
RND_BYTES = 32
#: liboqs's enum OQS_CPU_EXT (include/oqs/common.h of liboqs 0.13)
_CPU_EXT_AVX2, _CPU_EXT_POPCNT = 4, 10


def _variant(lib: ctypes.CDLL) -> str:
    """``avx2`` where liboqs itself would pick it (sig_ml_dsa_*.c), else ``ref``."""
    has = getattr(lib, "OQS_CPU_has_extension", None)
    if has is None:
        return "ref"
    has.argtypes, has.restype = [ctypes.c_int], ctypes.c_int
    return "avx2" if has(_CPU_EXT_AVX2) and has(_CPU_EXT_POPCNT) else "ref"


def _cpu_has_avx2() -> bool:
    """Whether liboqs would run the AVX2 code on this CPU."""
    oqs = load_oqs()
    return not isinstance(oqs, LiboqsUnavailable) and _variant(oqs.native()) == "avx2"


@cache
def _functions(alg: str, variant: str | None = None) -> tuple[object, object, object] | None:
    """(keypair, signature_internal, verify_internal) of the loaded liboqs, or None;
    ``variant`` ("ref", "avx2") None: the one liboqs would pick."""
    oqs = load_oqs()
    if isinstance(oqs, LiboqsUnavailable) or alg not in PARAMS:
        return None
    lib = oqs.native()
    level = PARAMS[alg].level
    try:
        keypair = getattr(lib, f"OQS_SIG_ml_dsa_{level}_keypair")
        for name in (variant,) if variant else dict.fromkeys((_variant(lib), "ref")):
            prefix = f"pqcrystals_ml_dsa_{level}_{name}"
            if hasattr(lib, f"{prefix}_signature_internal"):
                break
        sign = getattr(lib, f"{prefix}_signature_internal")
        verify = getattr(lib, f"{prefix}_verify_internal")
    except AttributeError:
        return None
    buf, size = ctypes.c_char_p, ctypes.c_size_t
    keypair.argtypes, keypair.restype = [buf, buf], ctypes.c_int
    sign.argtypes = [buf, ctypes.POINTER(size), buf, size, buf, size, buf, buf]
    sign.restype = ctypes.c_int
    verify.argtypes, verify.restype = [buf, size, buf, size, buf, size, buf], ctypes.c_int
    return keypair, sign, verify


def available(alg: str) -> bool:
    """Whether the loaded liboqs exports ML-DSA's internal functions for ``alg``."""
    return _functions(alg) is not None


def _require(alg: str, variant: str | None = None) -> tuple[object, object, object]:
    functions = _functions(alg, variant)
    if functions is None:
        raise EngineUnavailable(f"liboqs with ML-DSA's internal functions is needed for {alg}")
    return functions


def keypair(alg: str) -> tuple[bytes, bytes]:
    """A fresh (pk, expanded sk) from liboqs's ``OQS_SIG_ml_dsa_*_keypair``."""
    make, _, _ = _require(alg)
    p = PARAMS[alg]
    pk, sk = ctypes.create_string_buffer(p.public_key), ctypes.create_string_buffer(p.secret_key)
    if make(pk, sk) != 0:  # type: ignore[operator]
        raise RuntimeError(f"liboqs {alg} keypair failed")
    return pk.raw, sk.raw


def sign_internal(
    alg: str, sk: bytes, formatted: bytes, rnd: bytes, variant: str | None = None
) -> bytes:
    """ML-DSA.Sign_internal(sk, M', rnd) (FIPS 204 Algorithm 7); rnd = 0^32 is the
    deterministic variant."""
    _, sign, _ = _require(alg, variant)
    p = PARAMS[alg]
    if len(sk) != p.secret_key:
        raise InvalidKey(
            say(N_("{alg} secret key must be {size} bytes, not {got}"), alg=alg,
                size=p.secret_key, got=len(sk))
        )  # fmt: skip
    if len(rnd) != RND_BYTES:
        raise ValueError(f"rnd must be {RND_BYTES} bytes, not {len(rnd)}")
    sig = ctypes.create_string_buffer(p.signature)
    siglen = ctypes.c_size_t(0)
    if sign(sig, ctypes.byref(siglen), formatted, len(formatted), b"", 0, rnd, sk) != 0:  # type: ignore[operator]
        raise RuntimeError(f"liboqs {alg} signature_internal failed")
    if siglen.value != p.signature:
        raise RuntimeError(f"liboqs {alg} signature_internal gave {siglen.value} bytes")
    return sig.raw


def verify_internal(
    alg: str, pk: bytes, formatted: bytes, sig: bytes, variant: str | None = None
) -> bool:
    """ML-DSA.Verify_internal(pk, M', sigma) (FIPS 204 Algorithm 8); False for a key or
    signature of the wrong length."""
    _, _, verify = _require(alg, variant)
    p = PARAMS[alg]
    if len(pk) != p.public_key or len(sig) != p.signature:
        return False
    return verify(sig, len(sig), formatted, len(formatted), b"", 0, pk) == 0  # type: ignore[operator]
