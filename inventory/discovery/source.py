"""A directory (a repository, a service's deployment tree) scanned for the cryptography in
its source code (`code`), its configuration (`config`) and the libraries it is built on
(`stacks`): one result, filed as one asset.

`scan_source` is the library entry; the CLI, the API's jobs and the benches call it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inventory.discovery.code.engine import Finding
from inventory.discovery.stacks.component import Component

MAX_RESULT_FINDINGS = 5000  # kept in the scan record; all of them are filed


@dataclass
class SourceResult:
    target: str  # the directory, absolute
    name: str  # the asset's name: given, or the directory's
    status: str = "ok"
    error: str | None = None
    files: int = 0
    parsed: int = 0
    cached: int = 0
    lines: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_examples: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "name": self.name,
            "status": self.status,
            "error": self.error,
            "files": self.files,
            "parsed": self.parsed,
            "cached": self.cached,
            "lines": self.lines,
            "skipped": self.skipped,
            "skipped_examples": self.skipped_examples,
            "findings": [f.to_dict() for f in self.findings[:MAX_RESULT_FINDINGS]],
            "findings_total": len(self.findings),
            "components": [c.to_dict() for c in self.components[:MAX_RESULT_FINDINGS]],
            "seconds": round(self.seconds, 3),
        }


def scan_source(
    path: Path,
    name: str | None = None,
    *,
    workers: int | None = None,
    use_cache: bool = True,
    parts: tuple[str, ...] = ("code", "config", "stacks"),
    progress: Any = None,
) -> SourceResult:
    """Scan one directory (or one file); a path that cannot be read is its own result."""
    from inventory.discovery.code.scan import scan_code
    from inventory.discovery.code.walk import walk

    started = time.perf_counter()
    target = path.resolve()
    result = SourceResult(str(target), name or target.name or str(target))
    if not target.exists():
        result.status, result.error = "error", "no such file or directory"
        return result
    root = target if target.is_dir() else target.parent
    walked = walk(root)
    if not target.is_dir():
        rel = target.name
        walked.files = [(r, s) for r, s in walked.files if r == rel]
    if "code" in parts:
        code = scan_code(root, walked, workers=workers, use_cache=use_cache, progress=progress)
        result.files, result.parsed, result.cached = code.files, code.parsed, code.cached
        result.lines = code.lines
        result.findings.extend(code.findings)
        result.skipped, result.skipped_examples = code.skipped, code.examples
    else:
        result.skipped, result.skipped_examples = dict(walked.skipped), dict(walked.examples)
    if "config" in parts:
        from inventory.discovery.config import scan_config

        found, skipped = scan_config(root, walked)
        result.findings.extend(found)
        _merge(result, skipped)
    if "stacks" in parts:
        from inventory.discovery.stacks.scan import scan_stacks

        components, found, skipped = scan_stacks(root, walked)
        result.components.extend(components)
        result.findings.extend(found)
        _merge(result, skipped)
    result.seconds = time.perf_counter() - started
    return result


def _merge(result: SourceResult, skipped: dict[str, list[str]]) -> None:
    for reason, paths in skipped.items():
        result.skipped[reason] = result.skipped.get(reason, 0) + len(paths)
        shown = result.skipped_examples.setdefault(reason, [])
        shown.extend(paths[: max(0, 5 - len(shown))])
