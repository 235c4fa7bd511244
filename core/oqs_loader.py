"""The ONLY place in the project that imports liboqs-python (the ``oqs`` module).

liboqs-python is a ctypes wrapper around the liboqs C shared library. When it cannot
load one, its import tries to ``git clone`` liboqs and build it, and then raises
``SystemExit``, which would kill the process. That path must never run, so this module
checks first that the shared library exists and loads (with plain ctypes) before it
imports ``oqs``, and it points liboqs-python at that library through
``OQS_INSTALL_PATH``.

The library is built by ``scripts/build_liboqs.sh`` (liboqs sources from the ``oqs-sys``
crate, compiled with cmake) into ``$PQCPLAN_CACHE/liboqs/<version>/install`` (the cache
defaults to ``~/.cache/pqcplan``). ``OQS_INSTALL_PATH`` overrides the location.

It lives in ``core`` because both the testbed's liboqs engine and the inventory's SSH
scanner (sntrup761 key shares) need liboqs, and ``inventory`` may not import ``testbed``.

    >>> result = load_oqs()
    >>> if isinstance(result, LiboqsUnavailable): print(result.reason)
"""

from __future__ import annotations

import ctypes
import io
import logging
import os
import threading
import warnings
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from core.i18n import N_, say
from core.their_words import their_words

#: liboqs version built by scripts/build_liboqs.sh (oqs-sys 0.11.0+liboqs-0.13.0)
LIBOQS_VERSION = "0.13.0"
BUILD_SCRIPT = "scripts/build_liboqs.sh"


@dataclass(frozen=True)
class LiboqsUnavailable:
    """Why liboqs cannot be used here."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def cache_root() -> Path:
    env = os.environ.get("PQCPLAN_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "pqcplan"


def default_install_path(version: str = LIBOQS_VERSION) -> Path:
    return cache_root() / "liboqs" / version / "install"


def install_path() -> Path:
    env = os.environ.get("OQS_INSTALL_PATH")
    return Path(env) if env else default_install_path()


def shared_library(prefix: Path) -> Path | None:
    """The liboqs shared library under an install prefix, if any."""
    for libdir in ("lib", "lib64"):
        candidate = prefix / libdir / "liboqs.so"
        if candidate.exists():
            return candidate
    return None


_lock = threading.Lock()
_result: ModuleType | LiboqsUnavailable | None = None


def load_oqs(*, reload: bool = False) -> ModuleType | LiboqsUnavailable:
    """Import liboqs-python safely; return the ``oqs`` module or why it is unavailable.

    Never lets liboqs-python's on-demand installer run: without a loadable shared library
    the import is not attempted at all. The outcome is remembered for the process.
    """
    global _result
    with _lock:
        if _result is None or (reload and isinstance(_result, LiboqsUnavailable)):
            _result = _load()
        return _result


def _load() -> ModuleType | LiboqsUnavailable:
    prefix = install_path()
    lib = shared_library(prefix)
    if lib is None:
        return LiboqsUnavailable(
            say(
                N_("liboqs shared library not found at {path}; run {script}"),
                path=f"{prefix}/lib/liboqs.so",
                script=BUILD_SCRIPT,
            )
        )
    try:
        handle = ctypes.CDLL(str(lib))
    except OSError as exc:
        return LiboqsUnavailable(
            say(
                N_(
                    "liboqs shared library at {path} does not load ({reason}); "
                    "rebuild it with {script}"
                ),
                path=str(lib),
                reason=their_words(exc),
                script=BUILD_SCRIPT,
            )
        )
    # liboqs-python 0.16 needs this symbol; liboqs 0.13 gets it from the build script's
    # compatibility shim. Without it `import oqs` fails half-way.
    if not hasattr(handle, "OQS_SIG_supports_ctx_str"):
        return LiboqsUnavailable(
            say(
                N_(
                    "liboqs at {path} lacks {symbol} (needed by liboqs-python); "
                    "rebuild it with {script}"
                ),
                path=str(lib),
                symbol="OQS_SIG_supports_ctx_str",
                script=BUILD_SCRIPT,
            )
        )
    os.environ["OQS_INSTALL_PATH"] = str(prefix)
    # liboqs-python logs to stdout at import and warns when its version differs from
    # liboqs's (0.16 vs 0.13, paired on purpose, see the build script): keep both quiet.
    try:
        with warnings.catch_warnings(), redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            import oqs  # the only import of oqs in the project
    except BaseException as exc:  # SystemExit from its installer included
        return LiboqsUnavailable(
            say(
                N_("importing liboqs-python failed with {error}: {reason}"),
                error=type(exc).__name__,
                reason=their_words(exc),
            )
        )
    logging.getLogger("oqs.oqs").setLevel(logging.WARNING)
    loaded = Path(getattr(oqs.native(), "_name", ""))
    if loaded.resolve() != lib.resolve():
        return LiboqsUnavailable(
            say(
                N_(
                    "liboqs-python loaded {loaded} instead of {path}; remove the other liboqs "
                    "or unset {variable}"
                ),
                loaded=str(loaded),
                path=str(lib),
                variable="OQS_INSTALL_PATH",
            )
        )
    return oqs
