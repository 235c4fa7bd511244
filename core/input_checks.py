"""Refuse input that parses but cannot be stored or means nothing.

Python's `json` reads `NaN`, `Infinity` and `1e309` (as a float infinity), keeps the last of
two equal keys, and turns `\\u0000` or a lone `\\ud800` into text PostgreSQL cannot store
(NUL) or that is not Unicode at all (a lone surrogate). Every path in uses these checks, so
bad input is refused up front with the JSON path (or CSV line and column) of the problem.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from core.errors import InputError
from core.i18n import N_, Said, say
from core.their_words import their_words

MAX_JSON_DEPTH = 64
DEEPER = N_("JSON nested deeper than {levels} levels")
NOT_UTF8 = N_("not valid UTF-8 text (byte {byte})")

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# Escapes that can decode to NUL or a surrogate; a raw NUL or raw surrogate cannot reach
# json.loads (the first is an invalid control character, the second invalid UTF-8).
_BAD_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def text_problem(value: str) -> Said | None:
    """Why `value` cannot be stored, or None.

    >>> text_problem("fine")
    >>> text_problem("a\\x00b")
    'contains a NUL character (\\\\u0000), which cannot be stored'
    """
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return say(N_("contains a NUL character (\\u0000), which cannot be stored"))
    return say(
        N_("contains a lone surrogate ({code}), which is not valid Unicode"),
        code=f"\\u{ord(found.group()):04x}",
    )


def check_text(value: str, location: str) -> str:
    problem = text_problem(value)
    if problem:
        raise InputError(N_("text {problem}"), location, problem=problem)
    return value


class _NonFinite:
    def __init__(self, token: str) -> None:
        self.token = token


class _DuplicateKeys(dict[str, Any]):
    duplicate: str = ""


def _parse_float(token: str) -> float | _NonFinite:
    value = float(token)
    return value if math.isfinite(value) else _NonFinite(token)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            dup = _DuplicateKeys(out)
            dup.duplicate = key
            return dup
        out[key] = value
    return out


def _key_path(path: str, key: str) -> str:
    if key.isidentifier() and key.isascii():
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key)}]"


def _walk(node: Any, path: str, depth: int, max_depth: int) -> None:
    if depth > max_depth:
        raise InputError(DEEPER, path[:120], levels=max_depth)
    if isinstance(node, _NonFinite):
        raise InputError(
            N_("{token} is not a finite number; JSON numbers must be finite"),
            path,
            token=node.token,
        )
    if isinstance(node, str):
        check_text(node, path)
    elif isinstance(node, dict):
        if isinstance(node, _DuplicateKeys):
            raise InputError(N_("key '{key}' appears twice"), path, key=node.duplicate)
        for key, value in node.items():
            check_text(key, path)
            _walk(value, _key_path(path, key), depth + 1, max_depth)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(value, f"{path}[{i}]", depth + 1, max_depth)


def loads_strict(
    data: bytes | str, *, duplicates: bool = True, max_depth: int | None = MAX_JSON_DEPTH
) -> Any:
    """Parse JSON, refusing what `json.loads` lets through; InputError names the JSON path.

    `duplicates=False` keeps json's last-key-wins and `max_depth=None` leaves nesting to
    json's own recursion guard: for large documents (CBOM files) whose every object would
    otherwise be checked; the text is then walked only when it holds a suspect token.

    >>> loads_strict('{"a": [1, 2.5]}')
    {'a': [1, 2.5]}
    >>> loads_strict('{"a": [1, NaN]}')
    Traceback (most recent call last):
    core.errors.InputError: $.a[1]: NaN is not a finite number; JSON numbers must be finite
    """
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(NOT_UTF8, "$", byte=exc.start) from exc
    else:
        text = data
    flagged = False

    def non_finite(token: str) -> _NonFinite:
        nonlocal flagged
        flagged = True
        return _NonFinite(token)

    def parse_float(token: str) -> float | _NonFinite:
        value = _parse_float(token)
        if isinstance(value, _NonFinite):
            return non_finite(token)
        return value

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal flagged
        out = _pairs(items)
        if isinstance(out, _DuplicateKeys):
            flagged = True
        return out

    try:
        doc = json.loads(
            text,
            parse_constant=non_finite,
            parse_float=parse_float,
            object_pairs_hook=pairs if duplicates else None,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            N_("not valid JSON at line {line} column {column} ({reason})"),
            "$",
            line=exc.lineno,
            column=exc.colno,
            reason=their_words(exc.msg),
        ) from exc
    except RecursionError as exc:
        raise InputError(DEEPER, "$", levels=MAX_JSON_DEPTH) from exc
    except ValueError as exc:  # an integer literal past Python's digit limit
        raise InputError(
            N_("a JSON number is too large: {reason}"), "$", reason=their_words(str(exc))
        ) from exc
    deep = max_depth is not None and text.count("[") + text.count("{") > max_depth
    if flagged or deep or _BAD_ESCAPE.search(text):
        try:
            _walk(doc, "$", 0, max_depth if max_depth is not None else 10**6)
        except RecursionError as exc:
            raise InputError(N_("JSON nested too deeply"), "$") from exc
    return doc
