"""Input text shown on a terminal or a page carries no control or bidi character."""

from __future__ import annotations

import pytest

from core.display import _shown, is_unsafe, printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("RSA-2048", "RSA-2048"),
        ("대한은행 인증서", "대한은행 인증서"),
        ("fail\x1b[2K\r-> pass", "fail\\x1b[2K\\r-> pass"),
        ("bell\x07", "bell\\x07"),
        ("c1\x9b31m", "c1\\x9b31m"),
        ("del\x7f", "del\\x7f"),
        ("evil\u202eexe.txt", "evil\\u202eexe.txt"),
        ("isolate\u2066x\u2069", "isolate\\u2066x\\u2069"),
        ("two\nlines\tand tab", "two\\nlines\\tand tab"),
    ],
)
def test_controls_are_escaped(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_newlines_kept_on_request_but_never_carriage_returns() -> None:
    assert printable("a\nb\tc\rd", keep_newlines=True) == "a\nb\tc\\rd"


def test_non_strings_are_shown_as_text() -> None:
    assert printable(2048) == "2048"
    assert printable(None) == "None"


def test_the_fast_path_changes_no_character() -> None:
    """`printable` skips its per-character check when `str.isprintable` says so; every
    code point must come out as the per-character rule alone gives it."""
    for keep in (False, True):
        for code in range(0x110000):
            char = chr(code)
            expected = _shown(char) if is_unsafe(char, keep_newlines=keep) else char
            assert printable(char, keep_newlines=keep) == expected, hex(code)
