"""Text from inputs made safe to show: no terminal control sequences, no bidi tricks.

A component name, a product name or a certificate subject comes from whoever wrote the file
or runs the server. Printed raw, an ESC sequence can rewrite what a terminal shows (a "fail"
line repainted as "pass"), and a right-to-left override can reorder it. Every face that
prints input text (CLI tables, Markdown, HTML, SARIF messages) passes it through `printable`.
Characters are shown as escapes, not dropped, so the reader still sees that they were there.

>>> printable("ok\\x1b[2K\\rpass")
'ok\\\\x1b[2K\\\\rpass'
>>> printable("line one\\nline two", keep_newlines=True)
'line one\\nline two'
>>> printable("abc\\u202edcba")
'abc\\\\u202edcba'
"""

from __future__ import annotations

import unicodedata

# Bidirectional formatting characters (Unicode TR9): they reorder what follows them.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _shown(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}")
    return f"\\u{code:04x}"


def is_unsafe(char: str, *, keep_newlines: bool = False) -> bool:
    """True for a character a terminal or a reader would not show as itself."""
    if keep_newlines and char in "\n\t":
        return False
    return unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """`text` as a string with every control and bidi character written as an escape.

    `keep_newlines` keeps line feeds and tabs (multi-line notes); carriage returns, which
    let a line overwrite itself, are always escaped.
    """
    value = str(text)
    # `isprintable` (in C) is False for every control (Cc) and format (Cf, the bidi
    # controls among them) character, and for a few harmless ones: the per-character check
    # below runs only then (it was the largest cost of a 400,000-task HTML export)
    if value.isprintable() or all(not is_unsafe(c, keep_newlines=keep_newlines) for c in value):
        return value
    return "".join(_shown(c) if is_unsafe(c, keep_newlines=keep_newlines) else c for c in value)
