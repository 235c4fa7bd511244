"""The files of a scanned tree, and the ones left out with the reason.

Left out, each counted under its reason: a file over `MAX_BYTES` (huge), one with a NUL byte
in its first 8 KiB (binary), one that is not UTF-8 (unknown encoding), minified code (a line
over 2,000 characters in a file averaging over 300 per line), a symbolic link to a directory
already walked (symlink loop) or leading out of the tree (outside the scope), a file that
cannot be read, and the usual third-party and tool directories (excluded directory).
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 1_000_000
MAX_FILES = 500_000
EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".idea",
        ".gradle",
        "bower_components",
    }
)


@dataclass
class Walked:
    root: Path
    files: list[tuple[str, int]] = field(default_factory=list)  # (relative path, size)
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)  # reason -> a few paths

    def skip(self, reason: str, rel: str) -> None:
        self.skipped[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < 5:
            shown.append(rel)


def walk(root: Path, wanted: set[str] | None = None) -> Walked:
    """Every regular file under ``root`` (following links that stay inside it, once)."""
    root = root.resolve()
    out = Walked(root)
    seen_dirs: set[tuple[int, int]] = set()
    stack = [(root, "")]
    while stack:
        directory, rel_dir = stack.pop()
        try:
            st = directory.stat()
        except OSError:
            out.skip("unreadable", rel_dir or ".")
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            out.skip("symlink loop", rel_dir)
            continue
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            out.skip("unreadable", rel_dir or ".")
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_link = entry.is_symlink()
                info = os.stat(entry.path) if is_link else entry.stat(follow_symlinks=False)
            except OSError:
                out.skip("broken symlink" if entry.is_symlink() else "unreadable", rel)
                continue
            if is_link:
                target = Path(os.path.realpath(entry.path))
                if not target.is_relative_to(root):
                    out.skip("outside the scope", rel)
                    continue
            if stat.S_ISDIR(info.st_mode):
                if entry.name in EXCLUDED_DIRS:
                    out.skip("excluded directory", rel)
                    continue
                stack.append((Path(entry.path), rel))
            elif stat.S_ISREG(info.st_mode):
                if wanted is not None and not _wanted(entry.name, wanted):
                    continue
                if info.st_size > MAX_BYTES:
                    out.skip("huge", rel)
                    continue
                if len(out.files) >= MAX_FILES:
                    out.skip("too many files", rel)
                    continue
                out.files.append((rel, info.st_size))
    out.files.sort()
    return out


def _wanted(name: str, wanted: set[str]) -> bool:
    low = name.lower()
    dot = low.rfind(".")
    return low in wanted or (dot >= 0 and low[dot:] in wanted)


def check_text(data: bytes) -> str | None:
    """Why a file's bytes are not source to parse, or None when they are."""
    if b"\0" in data[:8192]:
        return "binary"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "unknown encoding"
    lines = text.count("\n") + 1
    if (
        len(data) > 5000
        and len(data) / lines > 300
        and max(map(len, text.splitlines() or [""])) > 2000
    ):
        return "minified"
    return None
