"""liboqs for the testbed's engines: the loader itself lives in :mod:`core.oqs_loader`
(the inventory's SSH scanner needs liboqs too); this adds the engine error."""

from __future__ import annotations

from types import ModuleType

from core.oqs_loader import (
    BUILD_SCRIPT,
    LIBOQS_VERSION,
    LiboqsUnavailable,
    cache_root,
    default_install_path,
    install_path,
    load_oqs,
    shared_library,
)

__all__ = [
    "BUILD_SCRIPT",
    "LIBOQS_VERSION",
    "LiboqsUnavailable",
    "cache_root",
    "default_install_path",
    "install_path",
    "load_oqs",
    "require_oqs",
    "shared_library",
]


def require_oqs() -> ModuleType:
    """Like :func:`load_oqs` but raise ``EngineUnavailable`` when liboqs is missing."""
    from testbed.engines.errors import EngineUnavailable

    result = load_oqs()
    if isinstance(result, LiboqsUnavailable):
        raise EngineUnavailable(result.reason)
    return result
