"""requirements.lock pins every dependency pyproject.toml names (dev extras too), with hashes,
at a version the pyproject range allows: a dependency added without `scripts/lock.sh` fails."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)")


def _locked() -> dict[str, tuple[str, bool]]:
    """name -> (version, has a hash)."""
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    out: dict[str, tuple[str, bool]] = {}
    for i, line in enumerate(lines):
        m = PIN.match(line)
        if m:
            hashed = i + 1 < len(lines) and "--hash=sha256:" in lines[i + 1]
            out[canonicalize_name(m.group(1))] = (m.group(2), hashed)
    return out


def test_every_pyproject_dependency_is_locked_with_a_hash():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    locked = _locked()
    problems = []
    for spec in map(Requirement, wanted):
        name = canonicalize_name(spec.name)
        if name not in locked:
            problems.append(f"{spec.name} is not in requirements.lock")
        elif not spec.specifier.contains(locked[name][0], prereleases=True):
            problems.append(f"{spec.name}=={locked[name][0]} is outside {spec.specifier}")
    assert problems == [], f"{problems}: run scripts/lock.sh and commit requirements.lock"
    assert all(hashed for _, hashed in locked.values())


def test_setup_installs_from_the_lock():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "--require-hashes -r requirements.lock" in setup and "--no-deps -e ." in setup
