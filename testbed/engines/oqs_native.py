"""liboqs's C API called directly, and its operations timed in a loop that stays in C.

liboqs-python (through :mod:`testbed.engines.oqs_loader`) finds and loads liboqs and
describes its algorithms. The operations themselves go through the prototypes declared
here on liboqs's own C functions (``OQS_KEM_encaps(kem, ct, ss, pk)``...): input bytes are
passed as they are, with no per-call copies and no per-secret-key objects, which is most of
what liboqs-python adds to a call (~2.5 us on an ML-KEM operation of ~12 us).

:class:`LoopLibrary` is the testbed's native timing loop (``native/oqs_loop.c``, built by
``scripts/build_liboqs.sh`` next to liboqs): one ctypes call runs an operation many times
and returns each call's latency, for the benchmark mode where the per-call crossing from
Python would otherwise dominate a fast operation.
"""

from __future__ import annotations

import ctypes
import hashlib
import time
from array import array
from ctypes import POINTER, c_char_p, c_int, c_int64, c_size_t, c_void_p
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from testbed.engines.oqs_loader import (
    BUILD_SCRIPT,
    LIBOQS_VERSION,
    cache_root,
    install_path,
    shared_library,
)

LOOP_SOURCE = Path(__file__).with_name("native") / "oqs_loop.c"
LOOP_ABI = 1
#: operation codes of oqs_loop.c
LOOP_OPS = {"keygen": 0, "encaps": 1, "decaps": 2, "sign": 3, "verify": 4}
#: negative returns of oqs_loop.c
LOOP_ERRORS = {
    -1: "liboqs reported an error",
    -2: "a signature failed to verify",
    -3: "bad arguments",
    -4: "out of memory",
}


class OqsApi:
    """Prototypes of the liboqs functions the engine calls, on a handle of its own (so
    liboqs-python's own prototypes on its handle are left as they are)."""

    def __init__(self, library: Path) -> None:
        lib = ctypes.CDLL(str(library))
        u8 = c_char_p  # bytes in, ctypes char arrays out
        self.kem_new = _fn(lib.OQS_KEM_new, c_void_p, [c_char_p])
        self.kem_free = _fn(lib.OQS_KEM_free, None, [c_void_p])
        self.kem_keypair = _fn(lib.OQS_KEM_keypair, c_int, [c_void_p, u8, u8])
        self.kem_keypair_derand = _fn(lib.OQS_KEM_keypair_derand, c_int, [c_void_p, u8, u8, u8])
        self.kem_encaps = _fn(lib.OQS_KEM_encaps, c_int, [c_void_p, u8, u8, u8])
        self.kem_decaps = _fn(lib.OQS_KEM_decaps, c_int, [c_void_p, u8, u8, u8])
        self.sig_new = _fn(lib.OQS_SIG_new, c_void_p, [c_char_p])
        self.sig_free = _fn(lib.OQS_SIG_free, None, [c_void_p])
        self.sig_keypair = _fn(lib.OQS_SIG_keypair, c_int, [c_void_p, u8, u8])
        self.sig_sign = _fn(
            lib.OQS_SIG_sign, c_int, [c_void_p, u8, POINTER(c_size_t), u8, c_size_t, u8]
        )
        self.sig_verify = _fn(lib.OQS_SIG_verify, c_int, [c_void_p, u8, c_size_t, u8, c_size_t, u8])


def _fn(fn, restype, argtypes):  # type: ignore[no-untyped-def]
    fn.restype = restype
    fn.argtypes = argtypes
    return fn


@lru_cache(maxsize=1)
def oqs_api() -> OqsApi:
    """The prototypes on the liboqs that liboqs-python loaded (call after ``load_oqs``)."""
    library = shared_library(install_path())
    if library is None:  # load_oqs() succeeded, so this only happens if the file went away
        raise OSError(f"liboqs shared library not found under {install_path()}")
    return OqsApi(library)


class Handle:
    """One ``OQS_KEM*`` or ``OQS_SIG*``: liboqs's read-only description of an algorithm,
    safe to share between threads, with the ctypes array types of its outputs made once;
    freed when the last reference goes (so a call that holds it keeps it alive across the
    engine's ``close()``)."""

    __slots__ = ("_free", "out", "ptr", "public_key", "secret_key", "shared_secret")

    def __init__(
        self,
        ptr: int,
        free: ctypes._CFuncPtr,  # type: ignore[name-defined]
        public_key: int,
        secret_key: int,
        out: int,
        shared_secret: int = 0,
    ) -> None:
        self.ptr = ptr
        self._free = free
        self.public_key = ctypes.c_char * public_key
        self.secret_key = ctypes.c_char * secret_key
        self.out = ctypes.c_char * out  # ciphertext or signature
        self.shared_secret = ctypes.c_char * shared_secret

    def __del__(self) -> None:
        try:  # noqa: SIM105 - at interpreter shutdown ctypes may be gone already
            self._free(self.ptr)
        except Exception:
            pass


# --------------------------------------------------------------------------------------
# The native timing loop


@dataclass(frozen=True)
class LoopUnavailable:
    reason: str


def loop_library_path(version: str = LIBOQS_VERSION) -> Path:
    """Where build_liboqs.sh puts the loop built from this exact ``oqs_loop.c``."""
    digest = hashlib.sha256(LOOP_SOURCE.read_bytes()).hexdigest()[:16]
    return cache_root() / "liboqs" / version / "oqs_loop" / digest / "liboqs_loop.so"


class LoopLibrary:
    """``oqs_loop.c`` loaded: run one operation in C until a deadline."""

    def __init__(self, path: Path) -> None:
        lib = ctypes.CDLL(str(path))
        if _fn(lib.pqcplan_oqs_loop_abi, c_int, [])() != LOOP_ABI:
            raise OSError(f"{path} speaks another version of the loop interface")
        self._now = _fn(lib.pqcplan_oqs_now_ns, c_int64, [])
        i64p = POINTER(c_int64)
        self.kem_loop = _fn(
            lib.pqcplan_oqs_kem_loop,
            c_int64,
            [c_void_p, c_int, c_char_p, c_char_p, c_char_p, c_int64, c_int64, i64p],
        )
        self.sig_loop = _fn(
            lib.pqcplan_oqs_sig_loop,
            c_int64,
            [
                c_void_p,
                c_int,
                c_char_p,
                c_char_p,
                c_char_p,
                c_size_t,
                c_char_p,
                c_size_t,
                c_int64,
                c_int64,
                i64p,
            ],
        )

    def c_deadline(self, perf_deadline_ns: int) -> int:
        """A ``time.perf_counter_ns`` deadline on the loop's clock (both are monotonic;
        converting costs nothing and needs no assumption that they are the same clock)."""
        return perf_deadline_ns - time.perf_counter_ns() + self._now()


class Samples:
    """Where one native loop writes its per-call latencies: one buffer for all of the
    loop's batches (made once, grown only when a batch asks for more), read back as an
    ``array('q')``, a copy of machine integers without a Python object per call.

    With a buffer made per batch and read back as a list of ints, and batches that started
    at 64 calls, the Python side cost 120-162 ns per call of an ML-KEM keygen timed as
    run_benchmark does (~1.5% of its CPU figure; 66-81 ns now) and 0.5-0.7 us per
    sntrup761 keygen (0.26 us now)."""

    __slots__ = ("buffer",)

    def __init__(self) -> None:
        self.buffer: ctypes.Array[c_int64] | None = None

    def room(self, capacity: int) -> ctypes.Array[c_int64]:
        if self.buffer is None or len(self.buffer) < capacity:
            self.buffer = (c_int64 * capacity)()
        return self.buffer

    def first(self, n: int) -> array[int]:
        got = array("q")
        if n:
            assert self.buffer is not None
            got.frombytes(memoryview(self.buffer).cast("B")[: n * got.itemsize])
        return got


def check_count(n: int, what: str) -> int:
    if n < 0:
        raise RuntimeError(f"native loop for {what}: {LOOP_ERRORS.get(n, f'error {n}')}")
    return n


@lru_cache(maxsize=1)
def loop_library() -> LoopLibrary | LoopUnavailable:
    """The native loop for this liboqs, or why there is none (remembered per process)."""
    try:
        path = loop_library_path()
    except OSError as exc:
        return LoopUnavailable(f"native loop source unreadable: {exc}")
    if not path.exists():
        return LoopUnavailable(f"native loop not built ({path} missing); run {BUILD_SCRIPT}")
    try:
        return LoopLibrary(path)
    except (OSError, AttributeError) as exc:
        return LoopUnavailable(f"native loop at {path} does not load: {exc}")
