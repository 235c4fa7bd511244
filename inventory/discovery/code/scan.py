"""`scan_tree`: a directory's cryptography from its source code, in parallel processes,
reusing the findings of files whose content (and whose constants' files) did not change.

The quick filter reads each file once: a file that names none of the modules, packages or
functions the rules know cannot hold a finding and is not parsed. Everything else is parsed
and evaluated (`analyze`). Results are cached per tree under the cache directory, keyed by
each file's SHA-256 and the SHA-256 of every file its values came through.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from inventory.discovery.code.engine import Finding
from inventory.discovery.code.frontends import EXTENSIONS
from inventory.discovery.code.walk import Walked, check_text, walk

ENGINE_VERSION = "1"  # bump when rules or evaluation change what a file yields
PARALLEL_FROM = 40  # files to parse before worker processes pay for themselves
Progress = Callable[[float, str], None]


@dataclass
class CodeScan:
    files: int = 0
    parsed: int = 0
    cached: int = 0
    lines: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # every code file read
    seconds: float = 0.0


def family_of(language: str) -> str:
    return {
        "java": "jvm",
        "kotlin": "jvm",
        "cpp": "c",
        "typescript": "js",
        "tsx": "js",
        "javascript": "js",
    }.get(language, language)


@cache
def quick_filter(family: str) -> re.Pattern[bytes]:
    """Bytes that every file holding a finding of this family contains (a module, package or
    function name); a file without any is not parsed."""
    from inventory.discovery.code.rules import ruleset

    rs = ruleset(family)
    names = [*rs.calls, *rs.descs]
    words: set[str] = set()
    for name in names:
        if family == "c":
            words.add(name)
        elif family == "go":
            words.add(name.rsplit(".", 1)[0] if "/" in name else name.split(".", 1)[0])
        elif family == "jvm":
            words.add(".".join(name.split(".")[:2]))
        else:
            words.add(name.split(".", 1)[0])
    words.update(p.pattern.lstrip("^").split("(", 1)[0] for p, _ in rs.patterns)
    if family == "js":
        words.update({"subtle", "crypto"})
    alternation = b"|".join(
        re.escape(w.encode()) for w in sorted(words, key=len, reverse=True) if w
    )
    return re.compile(alternation)


def cache_file(root: Path) -> Path:
    base = Path(os.environ.get("PQCPLAN_CACHE") or Path.home() / ".cache" / "pqcplan")
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:24]
    return base / "code-scan" / f"{digest}.json"


def _load_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data.get("files", {}) if data.get("version") == ENGINE_VERSION else {}


def _save_cache(path: Path, files: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": ENGINE_VERSION, "files": files}))
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time


# ------------------------------------------------------------------ workers
_WORKER: dict[str, Any] = {}


def _init_worker(root: str, languages: dict[str, str]) -> None:
    from inventory.discovery.code.analyze import project_for

    _WORKER["project"] = project_for(Path(root), languages)
    _WORKER["root"] = Path(root)


def _analyze_many(rels: list[str]) -> list[tuple[str, list[dict[str, Any]], list[str], str | None]]:
    from inventory.discovery.code.analyze import analyze_source

    project = _WORKER["project"]
    out = []
    for rel in rels:
        project.used = set()
        try:
            source = (_WORKER["root"] / rel).read_bytes()
            found = analyze_source(source, rel, project.files[rel], project)
            out.append((rel, [f.to_dict() for f in found], sorted(project.used - {rel}), None))
        except (OSError, RecursionError, ValueError) as exc:
            out.append((rel, [], [], f"{type(exc).__name__}: {exc}"[:200]))
    return out


def scan_code(
    root: Path,
    walked: Walked | None = None,
    *,
    workers: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> CodeScan:
    started = time.perf_counter()
    root = root.resolve()
    walked = walked or walk(root)
    result = CodeScan(skipped=dict(walked.skipped), examples=dict(walked.examples))
    languages: dict[str, str] = {}
    for rel, _size in walked.files:
        dot = rel.rfind(".")
        lang = EXTENSIONS.get(rel[dot:].lower()) if dot >= 0 else None
        if lang is not None:
            languages[rel] = lang
    result.files = len(languages)
    cached = _load_cache(cache_file(root)) if use_cache else {}
    todo: list[str] = []
    findings: dict[str, list[dict[str, Any]]] = {}
    deps_of: dict[str, list[str]] = {}
    base = str(root) + os.sep
    plain: dict[str, str] = {}  # files the quick filter let go: rel -> sha (cached as such)
    for rel, lang in languages.items():
        try:
            with open(base + rel, "rb") as handle:
                data = handle.read()
        except OSError:
            _skip(result, "unreadable", rel)
            continue
        reason = check_text(data)
        if reason is not None:
            _skip(result, reason, rel)
            continue
        sha = hashlib.sha256(data).hexdigest()
        result.hashes[rel] = sha
        result.lines += data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        entry = cached.get(rel)
        if entry is not None and entry["sha"] == sha and entry.get("plain"):
            plain[rel] = sha  # unchanged and named no crypto module last time
            continue
        changed = entry is None or entry["sha"] != sha
        if changed and quick_filter(family_of(lang)).search(data) is None:
            plain[rel] = sha
            continue
        findings[rel] = []
        todo.append(rel)
    misses = []
    for rel in todo:
        entry = cached.get(rel)
        if (
            entry
            and entry["sha"] == result.hashes[rel]
            and all(result.hashes.get(d) == s for d, s in entry["deps"].items())
        ):
            findings[rel] = entry["findings"]
            deps_of[rel] = list(entry["deps"])
            result.cached += 1
        else:
            misses.append(rel)
    result.parsed = len(misses)
    analyzable = {rel: lang for rel, lang in languages.items() if rel in result.hashes}
    for rel, found, used, error in _run(root, analyzable, misses, workers, progress):
        findings[rel] = found
        deps_of[rel] = used
        if error:
            _skip(result, "parser crash" if error == "parser crash" else "parser error", rel)
    new_cache: dict[str, Any] = {
        rel: {
            "sha": result.hashes[rel],
            "deps": {d: result.hashes[d] for d in deps_of.get(rel, []) if d in result.hashes},
            "findings": findings[rel],
        }
        for rel in todo
    }
    new_cache.update({rel: {"sha": sha, "plain": True} for rel, sha in plain.items()})
    if use_cache:
        _save_cache(cache_file(root), new_cache)
    for rel in sorted(findings):
        result.findings.extend(Finding(**f) for f in findings[rel])
    result.seconds = time.perf_counter() - started
    return result


def _skip(result: CodeScan, reason: str, rel: str) -> None:
    result.skipped[reason] = result.skipped.get(reason, 0) + 1
    shown = result.examples.setdefault(reason, [])
    if len(shown) < 5:
        shown.append(rel)


def _run(root: Path, languages: dict[str, str], rels: list[str], workers: int | None, progress):
    if not rels:
        return
    total = len(rels)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or total < PARALLEL_FROM:
        _init_worker(str(root), languages)
        for i, rel in enumerate(rels):
            yield from _analyze_many([rel])
            if progress is not None:
                progress((i + 1) / total, rel)
        return
    size = max(1, min(200, total // (workers * 8) or 1))
    chunks = [rels[i : i + size] for i in range(0, total, size)]
    done: set[str] = set()
    try:
        with _pool(workers, root, languages) as pool:
            for batch in pool.map(_analyze_many, chunks):
                yield from batch
                done.update(rel for rel, *_ in batch)
                if progress is not None:
                    progress(len(done) / total, batch[-1][0] if batch else "")
    except BrokenProcessPool:
        # A worker died (a parser crash on some file): the files not yet done are parsed
        # one per task, so only the file that kills its worker is lost, and counted.
        for rel in [r for r in rels if r not in done]:
            try:
                with _pool(1, root, languages) as pool:
                    yield from pool.submit(_analyze_many, [rel]).result()
            except BrokenProcessPool:
                yield rel, [], [], "parser crash"


def _pool(workers: int, root: Path, languages: dict[str, str]) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("forkserver"),
        initializer=_init_worker,
        initargs=(str(root), languages),
    )
