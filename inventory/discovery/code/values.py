"""What an expression in scanned code is known to be, as far as a static reading goes.

An expression evaluates to one of these: a literal (`Str`, `Int`), a byte string whose length
is known (`Bytes`), a reference to a named thing the code imports or declares (`Ref`, by its
qualified name), the result of a call (`Obj`: what was called, with its arguments, and where),
a mapping (`Dict`, JavaScript options objects, Go composite literals, Python dicts), a sequence
(`Seq`), or `Unknown` with the text it was written as. Nothing is guessed: what the code does
not state at the place it is used, within the file or the package, stays `Unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Str:
    value: str
    via: str = ""  # "constant KEY in src/cfg.py:3" when it came through a name


@dataclass(frozen=True, slots=True)
class Int:
    value: int
    via: str = ""


@dataclass(frozen=True, slots=True)
class Bytes:
    length: int
    via: str = ""


@dataclass(frozen=True, slots=True)
class Ref:
    name: str  # qualified: "javax.crypto.Cipher", "crypto/tls.VersionTLS10", "NID_secp384r1"
    via: str = ""


@dataclass(slots=True)
class Obj:
    """A call or an object creation: ``callee`` is its qualified name."""

    callee: str
    args: list[Value] = field(default_factory=list)
    kwargs: dict[str, Value] = field(default_factory=dict)
    site: tuple[str, int] = ("", -1)  # (relative path, start byte): the finding it may carry
    via: str = ""


@dataclass(slots=True)
class Dict:
    items: dict[str, Value]
    via: str = ""


@dataclass(slots=True)
class Seq:
    items: list[Value]
    via: str = ""


@dataclass(frozen=True, slots=True)
class Unknown:
    text: str
    via: str = ""


Value = Str | Int | Bytes | Ref | Obj | Dict | Seq | Unknown


def with_via(value: Value, via: str) -> Value:
    """The same value, remembering the name it was reached through (the first one wins)."""
    if not via or getattr(value, "via", ""):
        return value
    if isinstance(value, Obj | Dict | Seq):
        value.via = via
        return value
    return type(value)(*[getattr(value, f) for f in value.__slots__ if f != "via"], via)  # type: ignore[call-arg]


def describe(value: Value) -> str:
    """The value as a person would write it, for evidence text."""
    if isinstance(value, Str):
        return repr(value.value)
    if isinstance(value, Int):
        return str(value.value)
    if isinstance(value, Bytes):
        return f"{value.length} bytes"
    if isinstance(value, Ref):
        return value.name
    if isinstance(value, Obj):
        return f"{value.callee}(...)"
    if isinstance(value, Unknown):
        return value.text
    return type(value).__name__.lower()


def plain(value: Any) -> Any:
    """Str/Int unwrapped; anything else as it is."""
    if isinstance(value, Str | Int):
        return value.value
    return value
