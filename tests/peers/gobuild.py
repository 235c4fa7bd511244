"""Build a Go peer once and cache the binary under ~/.cache/pqcplan/peers, keyed by source hash."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

CACHE = Path(os.environ.get("PQCPLAN_CACHE", Path.home() / ".cache" / "pqcplan")) / "peers"


def go_binary(src: Path) -> Path:
    """Path of the built peer in ``src``; rebuilt only when its Go sources or Go change."""
    version = subprocess.run(["go", "version"], capture_output=True, text=True, check=True).stdout
    digest = hashlib.sha256(version.encode())
    for path in sorted(src.glob("*")):
        if path.suffix in (".go", ".mod", ".sum"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    binary = CACHE / f"{src.name}-{digest.hexdigest()[:16]}"
    if not binary.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = binary.with_suffix(f".tmp{os.getpid()}")
        env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
        subprocess.run(
            ["go", "build", "-o", str(tmp), "."],
            cwd=src,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
        tmp.replace(binary)
    return binary
