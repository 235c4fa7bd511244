"""Which engines exist, which can run here, and why the others cannot.

>>> from testbed.engines import get_engine, engine_statuses
>>> [s.name for s in engine_statuses()]
['liboqs', 'openssl', 'pqclean', 'kpqc']
>>> get_engine("openssl").kems()[:1]
['ML-KEM-768']
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import said_of
from core.i18n import N_, say
from testbed.engines.errors import EngineError, EngineUnavailable
from testbed.engines.interface import Engine


def _liboqs() -> Engine:
    from testbed.engines.liboqs_engine import LiboqsEngine

    return LiboqsEngine()


def _openssl() -> Engine:
    from testbed.engines.openssl_engine import OpenSSLEngine

    return OpenSSLEngine()


def _pqclean() -> Engine:
    from testbed.engines.pqclean_engine import PQCleanEngine

    return PQCleanEngine()


def _kpqc() -> Engine:
    from testbed.engines.kpqc_engine import KpqcEngine

    return KpqcEngine()


#: registry name -> factory; the order is the display order
ENGINE_FACTORIES: dict[str, Callable[[], Engine]] = {
    "liboqs": _liboqs,
    "openssl": _openssl,
    "pqclean": _pqclean,
    "kpqc": _kpqc,
}


@dataclass(frozen=True)
class EngineStatus:
    name: str
    available: bool
    version: str | None = None
    reason: str | None = None


_lock = threading.Lock()
_engines: dict[str, Engine | EngineUnavailable] = {}


def _load(name: str) -> Engine | EngineUnavailable:
    with _lock:
        got = _engines.get(name)
        if got is None:
            factory = ENGINE_FACTORIES.get(name)
            if factory is None:
                known = ", ".join(ENGINE_FACTORIES)
                return EngineUnavailable(
                    say(N_("unknown engine {name} (known: {known})"), name=repr(name), known=known)
                )
            try:
                got = factory()
            except EngineError as exc:
                got = exc if isinstance(exc, EngineUnavailable) else EngineUnavailable(said_of(exc))
            except Exception as exc:  # a library that fails to import or initialise
                got = EngineUnavailable(
                    say(
                        N_("{engine} cannot start: {error}: {reason}"),
                        engine=name,
                        error=type(exc).__name__,
                        reason=said_of(exc),
                    )
                )
            _engines[name] = got
        return got


def get_engine(name: str) -> Engine:
    """The engine called ``name``; raises :class:`EngineUnavailable` saying why not."""
    got = _load(name)
    if isinstance(got, EngineUnavailable):
        raise got
    return got


def get_engines() -> dict[str, Engine]:
    """Every engine that can run here, by name."""
    out: dict[str, Engine] = {}
    for name in ENGINE_FACTORIES:
        got = _load(name)
        if isinstance(got, Engine):
            out[name] = got
    return out


def engine_statuses() -> list[EngineStatus]:
    """Every known engine, available or not, with its version or the reason."""
    out = []
    for name in ENGINE_FACTORIES:
        got = _load(name)
        if isinstance(got, Engine):
            out.append(EngineStatus(name, True, version=got.version))
        else:
            out.append(EngineStatus(name, False, reason=said_of(got)))
    return out


def engines_for(alg: str) -> list[Engine]:
    """The available engines that implement ``alg`` (as a KEM or a signature)."""
    return [e for e in get_engines().values() if e.supports(alg)]
