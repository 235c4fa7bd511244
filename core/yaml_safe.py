"""YAML read with libyaml's parser when PyYAML was built with it (ten times faster), and
the packaged data files (the algorithm catalog, the policy profiles) read through a cache.

The algorithm catalog and the eleven policy profiles are parsed on every start of a
command that judges: with PyYAML's pure-Python parser that alone took 0.5 s of CPU.
`CSafeLoader` builds the same objects as `SafeLoader` (the same safe constructors) and
raises the same `yaml.YAMLError` with a line mark. Even so, building the catalog's objects
costs 0.06-0.08 s per start; `load_packaged` keeps what a packaged file parses to as JSON
in the user's cache (``$PQCPLAN_CACHE``, default ``~/.cache/pqcplan``, as the liboqs build),
named by the SHA-256 of the file's text, and reads that instead (3 ms). JSON runs no code
when read; dates are tagged (``{"$date": "2035-12-31"}``), and an entry is written only
when it reads back equal to what YAML gave (a non-text key or a NaN is not cached).

PyYAML itself is imported only to parse (0.02 s of CPU: its resolver compiles its patterns
on import): reading a cached entry needs only PyYAML's version, from its installed
metadata. Callers catch a syntax error with ``except yaml_error()``, which imports PyYAML
only once something was raised.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

_CACHE_FORMAT = 1  # bump when the encoding below changes


def safe_load(text: str) -> Any:
    """Like `yaml.safe_load`, with libyaml when available.

    >>> safe_load("a: [1, 2]\\nwhen: 2035-01-01")
    {'a': [1, 2], 'when': datetime.date(2035, 1, 1)}
    """
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def yaml_error() -> type[Exception]:
    """`yaml.YAMLError`, for ``except yaml_error() as exc:``. Python evaluates an ``except``
    clause's expression only when an exception reaches it, so a read that raised nothing
    (a cached entry) has not imported PyYAML for it.

    >>> try:
    ...     safe_load("a: [1")
    ... except yaml_error() as exc:
    ...     print(type(exc).__name__)
    ParserError
    """
    import yaml

    return yaml.YAMLError


@lru_cache(maxsize=1)
def _yaml_version() -> str:
    """PyYAML's version (part of every cache entry's name), without importing PyYAML."""
    from importlib import metadata

    try:
        return metadata.version("PyYAML")
    except metadata.PackageNotFoundError:  # installed without its metadata
        import yaml

        return str(yaml.__version__)


def cache_dir() -> Path:
    """Where parsed data files are kept (beside the liboqs build: ``$PQCPLAN_CACHE``)."""
    env = os.environ.get("PQCPLAN_CACHE")
    return (Path(env) if env else Path.home() / ".cache" / "pqcplan") / "data"


def load_packaged(text: str) -> Any:
    """`safe_load` of a data file shipped with pqcplan, through the cache (see above).

    A syntax error raises `yaml.YAMLError` as `safe_load` does (nothing is cached). A cache
    that cannot be read or written is passed by: the file is parsed.
    """
    digest = hashlib.sha256(f"{_CACHE_FORMAT} {_yaml_version()}\n{text}".encode()).hexdigest()
    entry = cache_dir() / f"{digest}.json"
    try:
        return json.loads(entry.read_bytes(), object_hook=_untag)
    except (OSError, ValueError):
        pass
    data = safe_load(text)
    try:
        encoded = json.dumps(data, default=_tag, ensure_ascii=False, check_circular=False)
        # equal only if nothing was lost: a non-text key, a NaN, a mapping that looks tagged
        if json.loads(encoded, object_hook=_untag) == data:
            _write(entry, encoded)
    except (OSError, TypeError, ValueError):
        pass
    return data


def _tag(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"not kept in the cache: {type(value).__name__}")


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$date" in obj:
            return date.fromisoformat(obj["$date"])
        if "$datetime" in obj:
            return datetime.fromisoformat(obj["$datetime"])
    return obj


def _write(entry: Path, encoded: str) -> None:
    """Whole or not at all: a reader never sees half an entry."""
    entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(encoded)
        os.replace(tmp, entry)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
