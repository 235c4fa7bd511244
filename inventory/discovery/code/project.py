"""Names across the files of a scanned tree: a constant in `config.py`, a `static final`
field of another class, a Go constant in a sibling file, a `#define` in an included header,
an exported JavaScript constant, and the functions of another file that wrap an API call
(``wrapper_names``: the names the scan's first pass found; `analysis` reads such a file's
wrappers, `function_file` says which file and function a call names, per language).

Files are parsed on demand when a name leads to them (and kept), so a scan reads each
file's facts at most once per process. Every file a finding's value came through is
recorded in `used`, so a cached result can be dropped when one of them changes.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from inventory.discovery.code.frontends.base import FileFacts, Frontend
from inventory.discovery.code.values import Value, with_via

MAX_FILE_BYTES = 2_000_000
GO_MOD = "go.mod"  # in ``files`` beside the source files: a Go module's root and path


class Project:
    def __init__(self, root: Any, files: dict[str, str], frontends: dict[str, Frontend]) -> None:
        """``files``: relative path -> language of every source file in the tree (and
        ``GO_MOD`` for each go.mod)."""
        from inventory.discovery.code.rules import ruleset

        self.root = root
        self.files = files
        self.frontends = frontends
        self._ruleset = ruleset
        self._facts: dict[str, tuple[FileFacts, Any] | None] = {}
        self._visiting: set[tuple[str, str]] = set()
        self.used: set[str] = set()
        self._py_modules: dict[str, str] | None = None
        self._by_name: dict[str, list[str]] | None = None
        self._by_dir: dict[str, list[str]] | None = None
        self._analyses: dict[str, Any] = {}
        self._analysis_used: dict[str, set[str]] = {}  # the files each analysis read
        self.wrapper_names: frozenset[str] = frozenset()
        self._go_modules: list[tuple[str, str]] | None = None

    # ---------------------------------------------------------------- indexes
    def _modules(self) -> dict[str, str]:
        if self._py_modules is None:
            self._py_modules = {}
            for rel, lang in self.files.items():
                if lang == "python":
                    mod = rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
                    self._py_modules[mod] = rel
        return self._py_modules

    def _names(self) -> dict[str, list[str]]:
        if self._by_name is None:
            self._by_name = {}
            self._by_dir = {}
            for rel in self.files:
                p = PurePosixPath(rel)
                self._by_name.setdefault(p.stem, []).append(rel)
                self._by_name.setdefault(p.name, []).append(rel)
                self._by_dir.setdefault(str(p.parent), []).append(rel)
        return self._by_name

    def siblings(self, relpath: str) -> list[str]:
        self._names()
        assert self._by_dir is not None
        return self._by_dir.get(str(PurePosixPath(relpath).parent), [])

    def python_module(self, module: str) -> str | None:
        mods = self._modules()
        if module in mods:
            return mods[module]
        hits = [rel for mod, rel in mods.items() if mod.endswith("." + module)]
        return hits[0] if len(hits) == 1 else None

    def files_named(self, name: str) -> list[str]:
        return self._names().get(name, [])

    # ---------------------------------------------------------------- facts
    def evaluator(self, relpath: str) -> Any:
        """The Evaluator of another file (parsed once), or None."""
        if relpath not in self._facts:
            self._facts[relpath] = self._load(relpath)
        loaded = self._facts[relpath]
        if loaded is None:
            return None
        self.used.add(relpath)
        return loaded[1]

    def _load(self, relpath: str) -> tuple[FileFacts, Any] | None:
        from inventory.discovery.code.engine import Evaluator

        lang = self.files.get(relpath)
        fe = self.frontends.get(lang or "")
        if fe is None:
            return None
        try:
            path = self.root / relpath
            if path.stat().st_size > MAX_FILE_BYTES:
                return None
            source = path.read_bytes()
            source.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        tree = fe.parser.parse(source)
        facts = fe.facts(tree.root_node, relpath, source)
        ev = Evaluator(fe, facts, self._ruleset(fe.family), self)
        ev.facts_root = tree.root_node  # type: ignore[attr-defined]
        return facts, ev

    def analysis(self, relpath: str) -> Any:
        """Another file's `FileAnalysis` (its findings and wrappers, those through third
        files' wrappers included), made once, or None."""
        if relpath in self._analyses:
            ev = self.evaluator(relpath)
            self.used |= self._analysis_used.get(relpath, set())  # what it came through
            return self._analyses[relpath] if ev is not None else None
        from inventory.discovery.code.engine import FileAnalysis

        ev = self.evaluator(relpath)
        if ev is None:
            return None
        self._analyses[relpath] = None  # a cycle back to this file finds nothing
        outer, self.used = self.used, set()
        done = FileAnalysis(ev, ev.facts.source.split(b"\n"))
        try:
            done.run()
        except RecursionError:
            return None
        finally:
            inner, self.used = self.used, outer | self.used | {relpath}
            self._analysis_used[relpath] = inner
        self._analyses[relpath] = done
        return done

    def function_file(self, ev: Any, qualified: str) -> tuple[str, str] | None:
        """(file, function name) of the tree's function a call names, when the language's
        imports determine it; None otherwise (a library, an ambiguous name)."""
        hook = getattr(ev.fe, "function_file", None)
        return hook(self, ev, qualified) if hook is not None else None

    def go_modules(self) -> list[tuple[str, str]]:
        """(module path, directory) of every go.mod of the tree, longest module path first."""
        if self._go_modules is None:
            found = []
            for rel in sorted(r for r, lang in self.files.items() if lang == GO_MOD):
                try:
                    lines = (self.root / rel).read_text("utf-8", "replace").splitlines()
                except OSError:
                    continue
                module = next((ln.split()[1] for ln in lines if ln.startswith("module ")), "")
                if module:
                    found.append((module.strip('"'), rel.removesuffix("go.mod").rstrip("/")))
            self._go_modules = sorted(found, key=lambda m: len(m[0]), reverse=True)
        return self._go_modules

    def constant(self, relpath: str, name: str) -> Value | None:
        """A file-level definition of ``name`` in ``relpath``, evaluated there."""
        key = (relpath, name)
        if key in self._visiting:
            return None
        ev = self.evaluator(relpath)
        if ev is None:
            return None
        defs = [d for d in ev.facts.defs.get(name, []) if d[1] == -1]
        if not defs:
            return None
        node = max(defs, key=lambda d: d[0])[2]
        self._visiting.add(key)
        try:
            value = ev.value(node)
        finally:
            self._visiting.discard(key)
        return with_via(value, f"{name} ({relpath}:{node.start_point[0] + 1})")

    def function(self, relpath: str, name: str) -> Any:
        ev = self.evaluator(relpath)
        if ev is None or name not in ev.facts.functions:
            return None
        return (ev, ev.facts.functions[name])

    # ---------------------------------------------------------------- lookups
    def lookup_qualified(self, ev: Any, qualified: str) -> Value | None:
        hook = getattr(ev.fe, "resolve_qualified", None)
        return hook(self, ev, qualified) if hook is not None else None

    def lookup_unqualified(self, ev: Any, name: str) -> Value | None:
        hook = getattr(ev.fe, "resolve_unqualified", None)
        return hook(self, ev, name) if hook is not None else None

    def lookup_function(self, ev: Any, qualified: str) -> Any:
        hook = getattr(ev.fe, "resolve_function", None)
        return hook(self, ev, qualified) if hook is not None else None
