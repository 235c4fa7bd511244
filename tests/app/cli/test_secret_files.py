"""Files holding API keys are the owner's alone (0600) from their first byte, whatever the umask."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

from core.private_files import write_private_text


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_demo_keys_file_is_0600_even_over_an_old_world_readable_one(tmp_path: Path):
    db = tmp_path / "pqcplan.sqlite3"
    keys = tmp_path / "demo-keys.json"
    keys.write_text("{}")
    keys.chmod(0o644)  # as older versions left it
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0),  # the most permissive umask there is
    )
    assert proc.returncode == 0, proc.stderr
    assert _mode(keys) == 0o600
    written = json.loads(keys.read_text())
    assert written["admin"].startswith("pqc_")
    for secret in written.values():  # where they are is said, never the keys themselves
        assert secret not in proc.stdout + proc.stderr
    assert str(keys) in proc.stdout.replace("\n", "")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".demo-keys")] == []


def test_no_moment_when_the_file_is_readable_by_others(tmp_path: Path):
    """Watch the directory while writing: every file that appears is already 0600."""
    target = tmp_path / "keys.json"
    seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for entry in os.scandir(tmp_path):
                with contextlib.suppress(FileNotFoundError):
                    seen.add(stat.S_IMODE(entry.stat().st_mode))

    old = os.umask(0)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(200):
            write_private_text(target, json.dumps({"admin": f"pqc_{i}" * 100}))
    finally:
        stop.set()
        watcher.join()
        os.umask(old)
    assert seen == {0o600}
    assert _mode(target) == 0o600
    assert json.loads(target.read_text()) == {"admin": "pqc_199" * 100}


def test_a_new_sqlite_database_is_the_owners_alone(tmp_path: Path):
    """It holds every tenant's inventory and the report-signing secret; so do -wal and -shm."""
    from sqlalchemy import text

    from core.db import create_db_engine

    db = tmp_path / "new-dir" / "pqcplan.sqlite3"
    old = os.umask(0)
    try:
        engine = create_db_engine(f"sqlite:///{db}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (secret TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('k')"))
        files = sorted(db.parent.iterdir())
        modes = {p.name: _mode(p) for p in files}
        engine.dispose()
    finally:
        os.umask(old)
    assert _mode(db.parent) == 0o700
    assert {f"{db.name}-wal", f"{db.name}-shm"} <= set(modes)
    assert set(modes.values()) == {0o600}, modes


def test_demo_keys_go_beside_the_data_never_into_the_working_directory():
    from app.cli.service import _default_keys_file
    from app.settings import DEFAULT_DATA_DIR

    sqlite = _default_keys_file("sqlite:////srv/pqcplan/data.sqlite3?timeout=5")
    assert sqlite == Path("/srv/pqcplan/demo-keys.json")
    for url in ("postgresql://u@db/pqcplan", "postgresql+psycopg://u@db/x", "sqlite://"):
        assert _default_keys_file(url) == DEFAULT_DATA_DIR / "demo-keys.json"
