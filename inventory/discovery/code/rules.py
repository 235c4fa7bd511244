"""The crypto APIs the code scanner knows: data files (`rules/*.yaml`), one per family.

A rule says which call, object creation or method call is cryptography and where in it the
algorithm and its parameters are stated:

- ``call``: a qualified callee (or a list): a function, a static method, a constructor;
- ``of`` + ``method``: a method called on what one of the ``of`` calls returned (the
  ``KeyPairGenerator`` that ``getInstance("RSA")`` gave, then ``initialize(2048)``); without
  an algorithm of its own it adds its parameters to that finding;
- ``desc``: a value that describes an algorithm or a parameter where it is passed
  (``hashes.SHA256()``, ``ec.SECP256R1()``, ``new ECGenParameterSpec("secp256r1")``); one
  that no finding consumes and that has ``standalone`` is a finding of its own;
- ``bytes``: a call whose result is a byte string of a stated length (``os.urandom(32)``).

Fields (``algorithm``, ``key_size``, ``key_bytes``, ``curve``, ``mode``, ``padding``,
``digest``, ``spec``) take a literal or a list of sources: ``arg N``, ``kw NAME`` (keyword
argument), ``field N NAME`` (a key of an options object passed as argument N),
``recv`` (the receiver itself). ``{name}`` and ``{owner}`` in a literal are the callee's
last and second-to-last name segments. ``spec`` is a string in a library's own notation,
read by a named parser (``as: jca``...). ``default`` states a library's documented default,
with its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "rules"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 10x faster
FIELDS = (
    "algorithm",
    "key_size",
    "key_bytes",
    "curve",
    "mode",
    "padding",
    "digest",
    "spec",
    "protocol",
)
FAMILIES = ("python", "jvm", "go", "c", "js")


class RulesError(ValueError):
    pass


@dataclass(frozen=True)
class Source:
    kind: str  # arg, kw, field, recv
    index: int = -1
    name: str = ""


@dataclass(frozen=True)
class Param:
    literal: str | int | None = None
    sources: tuple[Source, ...] = ()
    parser: str = ""  # for spec


@dataclass(frozen=True)
class Rule:
    kind: str  # call, method, desc, bytes
    names: tuple[str, ...]  # call/desc/bytes callees, or the `on` callees of a method rule
    methods: tuple[str, ...] = ()
    params: dict[str, Param] = field(default_factory=dict)
    primitive: str = "other"
    function: str = "other"
    standalone: bool = False
    library: str = ""
    default: dict[str, Any] = field(default_factory=dict)
    default_source: str = ""
    each: str = ""  # a field whose source is a list: one finding per element
    length: Param | None = None  # bytes rules
    bits: bool = False
    prefix: str = ""  # pattern rules: the qualified callee starts with it

    @property
    def emits(self) -> bool:
        return "algorithm" in self.params or "spec" in self.params


@dataclass
class Wanted(frozenset):  # type: ignore[type-arg]
    """Names worth a look: a set, plus the patterns of `pattern` rules."""

    patterns: tuple[re.Pattern[str], ...] = ()

    def __contains__(self, name: object) -> bool:
        if frozenset.__contains__(self, name):
            return True
        return isinstance(name, str) and any(p.match(name) for p in self.patterns)


@dataclass
class RuleSet:
    family: str
    calls: dict[str, list[Rule]] = field(default_factory=dict)  # by full callee
    methods: dict[str, list[Rule]] = field(default_factory=dict)  # by method name
    descs: dict[str, Rule] = field(default_factory=dict)
    bytes_rules: dict[str, Rule] = field(default_factory=dict)
    wanted: frozenset[str] = frozenset()  # last name segments worth evaluating a site for
    patterns: list[tuple[re.Pattern[str], Rule]] = field(default_factory=list)
    words: frozenset[str] = frozenset()  # tokens of the quick file filter
    classes: frozenset[str] = frozenset()  # every dotted prefix of a rule's name

    def call_rules(self, name: str) -> list[Rule]:
        found = self.calls.get(name)
        if found:
            return found
        last = _last(name)
        return [
            rule
            for pattern, rule in self.patterns
            if name.startswith(rule.prefix) and pattern.match(last)
        ]


def _source(text: str, where: str) -> Source:
    parts = str(text).split()
    if parts[0] == "arg" and len(parts) == 2 and parts[1].isdigit():
        return Source("arg", int(parts[1]))
    if parts[0] == "kw" and len(parts) == 2:
        return Source("kw", name=parts[1])
    if parts[0] == "field" and len(parts) == 3 and parts[1].isdigit():
        return Source("field", int(parts[1]), parts[2])
    if parts == ["recv"]:
        return Source("recv")
    raise RulesError(f"{where}: {text!r} is not a source (arg N, kw NAME, field N NAME, recv)")


def _param(value: Any, where: str) -> Param:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return Param(literal=value)
    if isinstance(value, list):
        return Param(sources=tuple(_source(v, where) for v in value))
    if isinstance(value, dict) and "from" in value:
        return Param(
            sources=tuple(_source(v, where) for v in value["from"]), parser=value.get("as", "")
        )
    raise RulesError(f"{where}: {value!r} is neither a literal nor a list of sources")


def _names(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


def _rule(raw: dict[str, Any], where: str, library: str) -> Rule:
    kinds = [k for k in ("call", "of", "desc", "bytes", "pattern") if k in raw]
    if len(kinds) != 1:
        raise RulesError(f"{where}: a rule has exactly one of call, on, desc, bytes")
    kind = {"of": "method"}.get(kinds[0], kinds[0])
    params = {f: _param(raw[f], f"{where}.{f}") for f in FIELDS if f in raw}
    if kind == "method" and "method" not in raw:
        raise RulesError(f"{where}: an `of` rule names its `method`")
    unknown = set(raw) - {
        *FIELDS,
        "call",
        "of",
        "desc",
        "bytes",
        "pattern",
        "prefix",
        "method",
        "primitive",
        "function",
        "standalone",
        "library",
        "default",
        "default_source",
        "each",
        "length",
        "bits",
    }
    if unknown:
        raise RulesError(f"{where}: unknown keys {sorted(unknown)}")
    if raw.get("default") and not raw.get("default_source"):
        raise RulesError(f"{where}: a library default needs its default_source")
    return Rule(
        kind=kind,
        names=_names(raw[kinds[0]]),
        methods=_names(raw["method"]) if "method" in raw else (),
        params=params,
        primitive=raw.get("primitive", "other"),
        function=raw.get("function", "other"),
        standalone=bool(raw.get("standalone", False)),
        library=raw.get("library", library),
        default=dict(raw.get("default") or {}),
        default_source=raw.get("default_source", ""),
        each=raw.get("each", ""),
        length=_param(raw["length"], f"{where}.length") if "length" in raw else None,
        bits=bool(raw.get("bits", False)),
        prefix=raw.get("prefix", ""),
    )


def _last(name: str) -> str:
    for sep in ("#", ".", "/", "::"):
        name = name.rsplit(sep, 1)[-1]
    return name


def build(family: str, docs: list[dict[str, Any]]) -> RuleSet:
    rs = RuleSet(family)
    wanted: set[str] = set()
    words: set[str] = set()
    for doc in docs:
        library = doc.get("library", "")
        for i, raw in enumerate(doc.get("rules") or []):
            where = f"{family}:{library or doc.get('file', '')}[{i}]"
            rule = _rule(raw, where, library)
            if rule.kind == "pattern":
                for name in rule.names:
                    rs.patterns.append((re.compile(name), rule))
                    words.add(rule.prefix or name.lstrip("^").split("(", 1)[0].split("[", 1)[0])
                continue
            if rule.kind == "method":
                for m in rule.methods:
                    rs.methods.setdefault(m, []).append(rule)
                    wanted.add(m)
                    words.add(m)
                continue
            for name in rule.names:
                target = {"call": rs.calls, "desc": None, "bytes": None}[rule.kind]
                if rule.kind == "desc":
                    rs.descs[name] = rule
                elif rule.kind == "bytes":
                    rs.bytes_rules[name] = rule
                else:
                    target.setdefault(name, []).append(rule)  # type: ignore[union-attr]
                if rule.kind == "call" or (rule.kind == "desc" and rule.standalone):
                    wanted.add(_last(name))
                words.add(_last(name))
    prefixes: set[str] = set()
    for name in [
        *rs.calls,
        *rs.descs,
        *(n for rules in rs.methods.values() for r in rules for n in r.names),
    ]:
        parts = name.split(".")
        prefixes.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    rs.classes = frozenset(prefixes)
    rs.wanted = Wanted(wanted)
    rs.wanted.patterns = tuple(p for p, _ in rs.patterns)
    rs.words = frozenset(w for w in words if len(w) >= 3)
    return rs


@cache
def ruleset(family: str) -> RuleSet:
    if family not in FAMILIES:
        raise RulesError(f"no rules for {family!r}")
    docs = []
    for path in sorted(DATA.glob(f"{family}*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        doc["file"] = path.name
        docs.append(doc)
    return build(family, docs)
