"""Files that hold secrets (API keys): readable by their owner only, from the first byte."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_MODE = 0o600


def write_private_text(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600, atomically.

    The bytes go to a new file in the same directory, created 0600 by `os.open` (the umask
    can only remove bits), which then replaces `path`: there is no moment when the secret
    sits in a file others can read, and an old world-readable file is replaced, not reused.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def prepare_sqlite_file(path: Path) -> None:
    """Create a new SQLite file's folder (0700) and the empty file itself (0600).

    The database holds every tenant's inventory and the testbed's report-signing secret;
    SQLite would create it with the umask's mode (0644). Its -wal and -shm files take the
    database file's mode. Existing folders and files are left as they are.
    """
    path = Path(path).expanduser()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
