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
from functools import cache, partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from inventory.discovery.code.engine import Finding
from inventory.discovery.code.frontends import EXTENSIONS
from inventory.discovery.code.project import GO_MOD
from inventory.discovery.code.walk import Walked, check_text, walk

ENGINE_VERSION = "4"  # bump when rules or evaluation change what a file yields
PARALLEL_FROM = 40  # files to parse before worker processes pay for themselves
MAX_PASSES = 4  # wrappers of wrappers across files: three levels of files followed
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
    return data if data.get("version") == ENGINE_VERSION else {}


def _save_cache(path: Path, files: dict[str, Any], wrapper_names: list[str]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        body = {"version": ENGINE_VERSION, "wrapper_names": wrapper_names, "files": files}
        tmp.write_text(json.dumps(body))
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def per_family(names: frozenset[str]) -> dict[str, frozenset[str]]:
    """'python:make_key' names by language family: a Go file cannot call a Python wrapper."""
    out: dict[str, set[str]] = {}
    for keyed in names:
        family, _, name = keyed.partition(":")
        out.setdefault(family, set()).add(name.rsplit(".", 1)[-1])  # Keys.make: "make"
    return {family: frozenset(group) for family, group in out.items()}


def _last(names: Any) -> set[str]:
    return {n.rsplit(".", 1)[-1] for n in names}


def mentions(names: frozenset[str], data: bytes, own: set[str] | None = None) -> list[str]:
    """The wrapper names (whole words) a file's text contains, but for its own wrappers."""
    if not names:
        return []
    pattern = _names_pattern(names)
    return sorted({m.decode() for m in pattern.findall(data)} - (own or set()))


@cache
def _names_pattern(names: frozenset[str]) -> re.Pattern[bytes]:
    words = b"|".join(re.escape(n.encode()) for n in sorted(names, key=len, reverse=True))
    return re.compile(rb"(?<![\w$])(?:" + words + rb")(?![\w$])")


# ------------------------------------------------------------------ workers
_WORKER: dict[str, Any] = {}


def _init_worker(root: str, languages: dict[str, str]) -> None:
    from inventory.discovery.code.analyze import project_for

    _WORKER["project"] = project_for(Path(root), languages)
    _WORKER["root"] = Path(root)


Analysed = tuple[str, list[dict[str, Any]], list[str], str | None, list[str]]


def _analyze_many(rels: list[str], names: frozenset[str] = frozenset()) -> list[Analysed]:
    """Each file's findings, the other files they came through, an error, its wrappers."""
    from inventory.discovery.code.analyze import analyze_file

    project = _WORKER["project"]
    project.wrapper_names = names
    out: list[Analysed] = []
    for rel in rels:
        project.used = set()
        try:
            source = (_WORKER["root"] / rel).read_bytes()
            found, wrappers = analyze_file(source, rel, project.files[rel], project)
            used = sorted(project.used - {rel})
            out.append((rel, [f.to_dict() for f in found], used, None, wrappers))
        except (OSError, RecursionError, ValueError) as exc:
            out.append((rel, [], [], f"{type(exc).__name__}: {exc}"[:200], []))
    return out


def scan_code(
    root: Path,
    walked: Walked | None = None,
    *,
    workers: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> CodeScan:
    """Passes. The first analyses every file the quick filter lets through (or whose cached
    result is stale) and learns which functions wrap an API call in each; the next analyses
    every file that names one of those wrappers and was not analysed with that name known
    (callers in other files: ``make_key(1024)`` after ``from .util import make_key``), and
    learns the wrappers of wrappers there for the pass after (up to ``MAX_PASSES``). A
    file's cached result holds the wrapper names it was analysed with and the files its
    values came through (a changed wrapper file re-analyses its callers)."""
    started = time.perf_counter()
    root = root.resolve()
    walked = walked or walk(root)
    result = CodeScan(skipped=dict(walked.skipped), examples=dict(walked.examples))
    languages: dict[str, str] = {}
    go_mods: dict[str, str] = {}
    for rel, _size in walked.files:
        dot = rel.rfind(".")
        lang = EXTENSIONS.get(rel[dot:].lower()) if dot >= 0 else None
        if lang is not None:
            languages[rel] = lang
        elif rel == GO_MOD or rel.endswith("/" + GO_MOD):
            go_mods[rel] = GO_MOD
    result.files = len(languages)
    stored = _load_cache(cache_file(root)) if use_cache else {}
    cached: dict[str, Any] = stored.get("files", {})
    names_before = frozenset(stored.get("wrapper_names", []))
    todo: list[str] = []
    entries: dict[str, dict[str, Any]] = {}  # this scan's cache entry of every file
    changed: set[str] = set()  # new or edited since the last scan
    base = str(root) + os.sep
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
        is_new = entry is None or entry["sha"] != sha
        if is_new:
            changed.add(rel)
        if not is_new and entry.get("plain"):
            entries[rel] = entry  # unchanged and named no crypto module last time
            continue
        if is_new and quick_filter(family_of(lang)).search(data) is None:
            entries[rel] = {"sha": sha, "plain": True}
            continue
        todo.append(rel)
    analyzable = {rel: lang for rel, lang in languages.items() if rel in result.hashes}
    analyzable.update(go_mods)

    def fresh(rel: str) -> bool:
        entry = cached.get(rel)
        return bool(
            entry
            and not entry.get("plain")
            and entry["sha"] == result.hashes[rel]
            and all(result.hashes.get(d) == s for d, s in entry["deps"].items())
        )

    def analyse(rels: list[str], names: frozenset[str]) -> None:
        by_family = per_family(names)
        bare = frozenset(n for group in by_family.values() for n in group)
        for rel, found, used, error, wrappers in _run(
            root, analyzable, rels, shared, progress, bare
        ):
            said = by_family.get(family_of(languages[rel]), frozenset())
            entries[rel] = {
                "sha": result.hashes[rel],
                "deps": {d: result.hashes[d] for d in used if d in result.hashes},
                "findings": found,
                "wrappers": wrappers,
                "mentions": mentions(said, _read(base + rel), _last(wrappers)),
            }
            if error:
                _skip(result, "parser crash" if error == "parser crash" else "parser error", rel)

    def keyed_wrappers() -> frozenset[str]:
        return frozenset(
            f"{family_of(languages[rel])}:{n}"
            for rel, e in entries.items()
            for n in e.get("wrappers", ())
        )

    # first pass: the quick filter's files, with the wrapper names the last scan knew
    misses = [rel for rel in todo if not fresh(rel)]
    for rel in todo:
        if rel not in misses:
            entries[rel] = cached[rel]
    shared = Workers(workers, root, analyzable)
    try:
        analyse(misses, names_before)
        again: list[str] = []
        for round_ in range(MAX_PASSES - 1):
            names = keyed_wrappers()
            by_family = per_family(names)
            # next pass: files naming a wrapper (of their language family) they were not
            # analysed with; a wrapper found there (one calling another file's wrapper)
            # sends its callers to the pass after
            todo_now = []
            if names or names_before:
                unchanged_names = round_ == 0 and names == names_before
                for rel in changed if unchanged_names else entries:
                    # (same text, same names: what a file mentions is what it was analysed with)
                    own = _last(entries[rel].get("wrappers", ()))  # its own names call nothing
                    said = by_family.get(family_of(languages[rel]), frozenset())
                    if mentions(said, _read(base + rel), own) != entries[rel].get("mentions", []):
                        todo_now.append(rel)
            if not todo_now:
                break
            analyse(todo_now, names)
            again.extend(todo_now)
        names = keyed_wrappers()
    finally:
        shared.close()
    result.parsed = len(set(misses) | set(again))
    result.cached = len(todo) - len(misses)
    if use_cache:
        _save_cache(cache_file(root), entries, sorted(names))
    found = [Finding(**f) for rel in sorted(entries) for f in entries[rel].get("findings", ())]
    stated = {f.wrapper for f in found if f.wrapper}
    result.findings = [
        f for f in found if not (f.unknown and f"{f.path}:{f.line}:{f.column}:{f.api}" in stated)
    ]
    result.seconds = time.perf_counter() - started
    return result


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _skip(result: CodeScan, reason: str, rel: str) -> None:
    result.skipped[reason] = result.skipped.get(reason, 0) + 1
    shown = result.examples.setdefault(reason, [])
    if len(shown) < 5:
        shown.append(rel)


class Workers:
    """The parsing processes of one scan, started when a pass first needs them and kept for
    the next pass (starting them costs more than a pass over a few hundred files)."""

    def __init__(self, count: int | None, root: Path, languages: dict[str, str]) -> None:
        self.count = count if count is not None else (os.cpu_count() or 1)
        self.root, self.languages = root, languages
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = _pool(self.count, self.root, self.languages)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def _run(
    root: Path,
    languages: dict[str, str],
    rels: list[str],
    shared: Workers,
    progress,
    names: frozenset[str] = frozenset(),
):
    if not rels:
        return
    total = len(rels)
    workers = shared.count
    if workers <= 1 or total < PARALLEL_FROM:
        _init_worker(str(root), languages)
        for i, rel in enumerate(rels):
            yield from _analyze_many([rel], names)
            if progress is not None:
                progress((i + 1) / total, rel)
        return
    size = max(1, min(200, total // (workers * 8) or 1))
    chunks = [rels[i : i + size] for i in range(0, total, size)]
    done: set[str] = set()
    try:
        for batch in shared.pool().map(partial(_analyze_many, names=names), chunks):
            yield from batch
            done.update(rel for rel, *_ in batch)
            if progress is not None:
                progress(len(done) / total, batch[-1][0] if batch else "")
    except BrokenProcessPool:
        shared.close()
        # A worker died (a parser crash on some file): the files not yet done are parsed
        # one per task, so only the file that kills its worker is lost, and counted.
        for rel in [r for r in rels if r not in done]:
            try:
                with _pool(1, root, languages) as pool:
                    yield from pool.submit(_analyze_many, [rel], names).result()
            except BrokenProcessPool:
                yield rel, [], [], "parser crash", []


def _pool(workers: int, root: Path, languages: dict[str, str]) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("forkserver"),
        initializer=_init_worker,
        initargs=(str(root), languages),
    )
