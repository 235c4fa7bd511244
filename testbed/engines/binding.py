"""What the engines over one Python binding share: loading it, listing names, its errors.

The KpqC (``kpqc``), PQClean (``pqcrypto``) and liboqs (``oqs``) engines each wrap one
package, fix their KEM and signature names once at start-up, and turn the binding's own
exceptions into the engine errors of :mod:`testbed.engines.errors`.
"""

from __future__ import annotations

import importlib
from types import ModuleType, TracebackType

from core.i18n import JOINED, Said
from core.their_words import their_words
from testbed.engines.errors import EngineError, EngineUnavailable
from testbed.engines.interface import Engine


def import_binding(*modules: str) -> list[ModuleType]:
    """Import the binding's modules, or raise :class:`EngineUnavailable` saying why."""
    try:
        return [importlib.import_module(name) for name in modules]
    except Exception as exc:  # pragma: no cover - depends on the environment
        raise EngineUnavailable(f"{modules[0]} is not importable: {exc}") from None


class rejected:  # lower case: it reads as a statement, ``with rejected(...):``
    """Raise ``error("<what>: <the binding's reason>")`` for the binding's ``binding_error``.

    The engine's own errors pass unchanged (``InvalidKey`` is also a ``ValueError``). A
    class, not ``@contextmanager``, so that type checkers see it never swallows an error.

    >>> from testbed.engines.errors import InvalidKey
    >>> with rejected(InvalidKey, "ML-KEM-768 public key rejected"):
    ...     raise ValueError("bad length")
    Traceback (most recent call last):
    testbed.engines.errors.InvalidKey: ML-KEM-768 public key rejected: bad length
    >>> with rejected(InvalidKey, "RSA-2048 public key rejected"):
    ...     raise InvalidKey("RSA-2048 public key is not a 2048-bit RSA key")
    Traceback (most recent call last):
    testbed.engines.errors.InvalidKey: RSA-2048 public key is not a 2048-bit RSA key
    """

    def __init__(
        self,
        error: type[EngineError],
        what: str,
        binding_error: type[Exception] | tuple[type[Exception], ...] = ValueError,
    ) -> None:
        self.error, self.what, self.binding_error = error, what, binding_error

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(exc, self.binding_error) and not isinstance(exc, EngineError):
            said = their_words(exc)
            if isinstance(self.what, Said) or isinstance(said, Said):
                raise self.error(Said(JOINED, {"what": self.what, "reason": said})) from None
            raise self.error(f"{self.what}: {exc}") from None


class BindingEngine(Engine):
    """An engine whose version and algorithm lists are fixed when it is built."""

    _version: str
    _kems: list[str]
    _sigs: list[str]

    @property
    def version(self) -> str:
        return self._version

    def kems(self) -> list[str]:
        return list(self._kems)

    def signatures(self) -> list[str]:
        return list(self._sigs)
