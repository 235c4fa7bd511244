"""Findings in one parsed file: evaluate the call sites the rules name, resolve their
arguments through constants, variables, simple functions and imports (within the file and,
through `Project`, across the package), and record what the code states.

A finding's parameters are what the code says at the call; one the rule expects but the code
leaves to run time (a function parameter, user input) is listed in ``unknown`` with the
expression it was written as. A descriptor (``hashes.SHA256()``) that no finding consumed is
reported on its own when its rule says it stands alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tree_sitter import Node

from inventory.discovery.code.frontends.base import FileFacts, Frontend, Site, text
from inventory.discovery.code.rules import Param, Rule, RuleSet
from inventory.discovery.code.spec import PARSERS, curve_name, hash_name, tls_protocol, webcrypto
from inventory.discovery.code.values import (
    Bytes,
    Dict,
    Int,
    Obj,
    Ref,
    Seq,
    Str,
    Unknown,
    Value,
    describe,
    with_via,
)

MAX_DEPTH = 16
PARAM_FIELDS = ("key_size", "curve", "mode", "padding", "digest")
# what a wrapper's call states: (the finding it replaces "path:line:column:api", where the API
# call is "path:line", the API, fields, unknown, notes, rule)
Through = tuple[str, str, str, dict[str, Any], dict[str, str], list[str], Rule]


@dataclass
class Finding:
    path: str
    line: int  # 1-based
    column: int  # 1-based
    code: str
    api: str
    library: str
    algorithm: str
    primitive: str
    function: str = "other"
    key_size: int | None = None
    curve: str | None = None
    mode: str | None = None
    padding: str | None = None
    digest: str | None = None
    protocol: str | None = None
    unknown: dict[str, str] = field(default_factory=dict)  # field -> what the code wrote
    notes: list[str] = field(default_factory=list)
    # "path:line:column:api" of the API call inside another file's function this finding
    # states through a call of that function (the wrapper's own finding is then dropped)
    wrapper: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Evaluator:
    """Resolves names for one file; `project` looks across files."""

    def __init__(
        self, frontend: Frontend, facts: FileFacts, rules: RuleSet, project: Any = None
    ) -> None:
        self.fe, self.facts, self.rules, self.project = frontend, facts, rules, project
        self.env: list[dict[str, Value]] = []  # bound parameters of simple functions
        self.depth = 0
        self.consumed: set[int] = set()  # start bytes of descriptor sites used as parameters

    # ---------------------------------------------------------------- values
    def value(self, node: Node | None) -> Value:
        if node is None:
            return Unknown("")
        if self.depth > MAX_DEPTH:
            return Unknown(text(node)[:80])
        self.depth += 1
        try:
            return self.fe.evaluate(node, self)
        finally:
            self.depth -= 1

    def lookup(self, name: str, at: Node) -> Value:
        """A name as the code at ``at`` sees it."""
        for frame in reversed(self.env):
            if name in frame:
                return frame[name]
        defs = self.facts.defs.get(name)
        if defs:
            scope = self.fe.scope_of(at)
            found = self._pick(defs, scope, at.start_byte)
            if found is not None:
                return with_via(self.value(found), self._via(name, found))
        if name in self.facts.imports:
            return self.qualified(self.facts.imports[name])
        if self.project is not None:
            outside = self.project.lookup_unqualified(self, name)
            if outside is not None:
                return outside
        return self.fe.unresolved(name, self) if hasattr(self.fe, "unresolved") else Unknown(name)

    @staticmethod
    def _pick(defs: list[tuple[int, int, Node]], scope: int, at: int) -> Node | None:
        same = [d for d in defs if d[1] == scope and d[0] <= at]
        if same:
            return max(same, key=lambda d: d[0])[2]
        if scope != -1:
            inner = [d for d in defs if d[1] == scope]
            if inner:  # assigned later in the same function (a loop): not knowable here
                return None
        top = [d for d in defs if d[1] == -1]
        if top:
            before = [d for d in top if d[0] <= at]
            return max(before or top, key=lambda d: d[0])[2]
        return None

    def _via(self, name: str, node: Node) -> str:
        return f"{name} ({self.facts.relpath}:{node.start_point[0] + 1})"

    def qualified(self, name: str) -> Value:
        """A qualified name: a constant across files when the project has it, else a Ref."""
        if self.project is not None:
            found = self.project.lookup_qualified(self, name)
            if found is not None:
                return found
        return Ref(name)

    def call_value(self, qname: str | None, site: Site, receiver: Value | None) -> Value:
        """The value of a call: a simple function's result when it is one, else an Obj."""
        args = [self.value(a) for a in site.args]
        kwargs = {k: self.value(v) for k, v in site.kwargs.items()}
        if qname is not None and receiver is None:
            bytes_rule = self.rules.bytes_rules.get(qname)
            if bytes_rule is not None and bytes_rule.length is not None:
                got = _source_value(bytes_rule.length, args, kwargs, None)
                if isinstance(got, Int):
                    n = got.value // 8 if bytes_rule.bits else got.value
                    return Bytes(n, got.via)
            fn = self._function(qname)
            if fn is not None:
                return self._apply(fn, args, kwargs)
        callee = qname if receiver is None else _method_name(receiver, qname or "?")
        return Obj(callee, args, kwargs, (self.facts.relpath, site.node.start_byte))

    def _function(self, qname: str) -> Any:
        local = self.facts.functions.get(qname)
        if local is not None:
            return (self, local)
        if self.project is not None:
            return self.project.lookup_function(self, qname)
        return None

    def _apply(self, found: Any, args: list[Value], kwargs: dict[str, Value]) -> Value:
        ev, fn = found
        if fn.returns is None or len(ev.env) > 8:
            return Unknown("function result")
        frame: dict[str, Value] = {}
        for i, pname in enumerate(fn.params):
            if i < len(args):
                frame[pname] = args[i]
            elif pname in kwargs:
                frame[pname] = kwargs[pname]
            elif pname in fn.defaults:
                frame[pname] = ev.value(fn.defaults[pname])
            else:
                frame[pname] = Unknown(pname)
        ev.env.append(frame)
        try:
            return ev.value(fn.returns)
        finally:
            ev.env.pop()


def _ref(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}:{finding.api}"


def _method_name(receiver: Value, method: str) -> str:
    if isinstance(receiver, Obj):
        return f"{receiver.callee}#{method}"
    if isinstance(receiver, Ref):
        return f"{receiver.name}.{method}"
    return f"?#{method}"


def _source_value(
    param: Param, args: list[Value], kwargs: dict[str, Value], receiver: Value | None
) -> Value | None:
    """The first of a parameter's sources that the call states."""
    for src in param.sources:
        if src.kind == "arg" and src.index < len(args):
            return args[src.index]
        if src.kind == "kw" and src.name in kwargs:
            return kwargs[src.name]
        if src.kind == "field" and src.index < len(args):
            holder = args[src.index]
            if isinstance(holder, Dict) and src.name in holder.items:
                return holder.items[src.name]
            if isinstance(holder, Dict | Obj):
                continue
            if not isinstance(holder, Unknown):
                continue
            return Unknown(f"{describe(holder)}.{src.name}")
        if src.kind == "recv" and receiver is not None:
            return receiver
    return None


# -------------------------------------------------------------------- file analysis
class FileAnalysis:
    def __init__(self, ev: Evaluator, lines: list[bytes]) -> None:
        self.ev = ev
        self.lines = lines
        self.findings: dict[float, Finding] = {}  # by the start byte of the site (+ n/10)
        self.descriptor_sites: dict[int, tuple[Site, Rule, str]] = {}
        self.emitted: dict[float, tuple[Site, Rule, str, Finding]] = {}  # for _through_callers
        self._wrappers: dict[str, list[tuple[float, Site, Rule, str]]] | None = None
        # functions whose call of another file's wrapper leaves a field to their parameter
        self.chains: dict[str, list[tuple[float, Site, tuple[str, str]]]] = {}
        # calls that set a finding's parameters later (g.initialize(bits)), by its site
        self.updates: dict[int, list[tuple[Site, Rule, Value]]] = {}

    def run(self, across: bool = True) -> list[Finding]:
        """The file's findings; ``across=False`` leaves out calls of other files' wrappers
        (a file analysed only for its wrappers, on another file's behalf)."""
        ev, rules = self.ev, self.ev.rules
        for site in ev.fe.sites(ev.facts_root, rules.wanted):  # type: ignore[attr-defined]
            try:
                self._site(site)
            except RecursionError:
                continue
        for start, (site, rule, qname) in self.descriptor_sites.items():
            if start not in ev.consumed and start not in self.findings:
                args = [ev.value(a) for a in site.args]
                kwargs = {k: ev.value(v) for k, v in site.kwargs.items()}
                self._emit(site, rule, qname, args, kwargs, None, None)
        self.wrappers()  # before the file's own calls resolve (and drop) the unknown ones
        self._through_callers()
        if across:
            self._across_files()
        return sorted(self.findings.values(), key=lambda f: (f.line, f.column, f.algorithm))

    def wrappers(self) -> dict[str, list[tuple[float, Site, Rule, str]]]:
        """Functions of this file whose API call leaves its algorithm or a parameter to one of
        the function's own parameters (``def make_key(bits): return
        rsa.generate_private_key(65537, bits)``), by the function's name."""
        if self._wrappers is not None:
            return self._wrappers
        ev = self.ev
        self._wrappers = {}
        for key, (site, rule, qname, finding) in list(self.emitted.items()):
            if not finding.unknown or key not in self.findings:
                continue
            fn_name = ev.fe.enclosing_function(site.node)
            fn = ev.facts.functions.get(fn_name or "")
            if fn is None or not fn.params:
                continue
            if any(v in fn.params for v in finding.unknown.values()):
                self._wrappers.setdefault(fn_name, []).append((key, site, rule, qname))  # type: ignore[arg-type]
        return self._wrappers

    def exported(self) -> set[str]:
        """Every function of this file that wraps an API call, directly or through a wrapper
        of another file."""
        return set(self.wrappers()) | set(self.chains)

    def _frame(self, fn_name: str, args: list[Value], kwargs: dict[str, Value]) -> dict:
        ev = self.ev
        fn = ev.facts.functions[fn_name]
        frame = {p: args[i] for i, p in enumerate(fn.params) if i < len(args)}
        frame.update({k: v for k, v in kwargs.items() if k in fn.params})
        for pname, node in fn.defaults.items():
            if pname not in frame:
                line = node.start_point[0] + 1
                frame[pname] = with_via(
                    ev.value(node), f"the default of {pname} ({ev.facts.relpath}:{line})"
                )
        return frame

    def through(
        self, fn_name: str, args: list[Value], kwargs: dict[str, Value], depth: int = 0
    ) -> list[Through]:
        """What each API call wrapped by ``fn_name`` states when the function is called with
        these values (a parameter the call leaves out takes its declared default; one the
        caller leaves to run time stays unknown, stated as the caller wrote it), followed
        through the wrappers of other files it calls in turn.

        Each item: (the finding it replaces as "path:line:column:api", where the API call is,
        the API, fields, unknown, notes, rule)."""
        ev = self.ev
        rel = ev.facts.relpath
        out: list[Through] = []
        onward = []
        ev.env.append(self._frame(fn_name, args, kwargs))
        try:
            for _key, site, rule, qname in self.wrappers().get(fn_name, []):
                inner_args = [ev.value(a) for a in site.args]
                inner_kwargs = {k: ev.value(v) for k, v in site.kwargs.items()}
                fields, unknown, notes = self._fields(rule, qname, inner_args, inner_kwargs, None)
                self._replay_updates(site.node.start_byte, fields, unknown)
                row, col = site.node.start_point
                here = f"{rel}:{row + 1}"
                out.append((f"{here}:{col + 1}:{qname}", here, qname, fields, unknown, notes, rule))
            for key, call, target in self.chains.get(fn_name, []) if depth < 4 else []:
                values = [ev.value(a) for a in call.args]
                named = {k: ev.value(v) for k, v in call.kwargs.items()}
                onward.append((key, target, values, named))
        finally:
            ev.env.pop()
        for key, target, values, named in onward:
            other = ev.project.analysis(target[0]) if ev.project is not None else None
            if other is None:
                continue
            mine = self.emitted[key][3]
            replaces = f"{mine.path}:{mine.line}:{mine.column}:{mine.api}"
            for _r, where, inner, fields, unknown, notes, rule in other.through(
                target[1], values, named, depth + 1
            ):
                notes.append(f"through {target[1]}() of {target[0]} at {rel}:{mine.line}")
                out.append((replaces, where, inner, fields, unknown, notes, rule))
        return out

    def _replay_updates(self, start: int, fields: dict[str, Any], unknown: dict[str, str]) -> None:
        """The parameter-setting calls on a finding's object (``g.initialize(bits)``) read
        again under the current bindings (a wrapper's parameters at one of its calls)."""
        ev = self.ev
        for site, rule, receiver in self.updates.get(start, []):
            args = [ev.value(a) for a in site.args]
            kwargs = {k: ev.value(v) for k, v in site.kwargs.items()}
            got, missing, _notes = self._fields(rule, "", args, kwargs, receiver)
            for f in PARAM_FIELDS:
                if got.get(f) is not None:
                    fields[f] = got[f]
                    unknown.pop(f, None)
                elif f in missing and f != "curve" and fields.get(f) is None:
                    unknown[f] = missing[f]

    def _through_callers(self) -> None:
        """A finding whose algorithm or parameter is a parameter of the function around it
        is stated where that function is called: one finding per call in the file, located
        at the call, instead of the wrapper's own (kept when nothing calls it)."""
        ev = self.ev
        wrappers = self.wrappers()
        if not wrappers:
            return
        resolved: set[str] = set()
        for call in ev.fe.sites(ev.facts_root, frozenset(wrappers)):
            args = [ev.value(a) for a in call.args]
            kwargs = {k: ev.value(v) for k, v in call.kwargs.items()}
            found = self.through(call.last_name, args, kwargs)
            for i, (replaces, where, qname, fields, unknown, notes, rule) in enumerate(found):
                line = where.rsplit(":", 1)[-1]
                notes.append(
                    f"through {call.last_name}() whose call is here ({qname} at line {line})"
                )
                self._store(
                    call,
                    rule,
                    f"{qname} via {call.last_name}",
                    fields,
                    unknown,
                    notes,
                    None,
                    float(call.node.start_byte) + 0.5 + i / 1000,
                )
                resolved.add(replaces)
        for key, (_site, _rule, _qname, finding) in self.emitted.items():
            if _ref(finding) in resolved:
                self.findings.pop(key, None)

    def _across_files(self) -> None:
        """Calls of another file's wrapper functions (``from .util import make_key`` then
        ``make_key(1024)``): the wrapped API call is stated here, located at the call. Only
        calls named like a wrapper some file of the tree defines (``project.wrapper_names``)
        are looked at, and only a callee the language's imports resolve to that file. A
        function of this file whose such call leaves a field to its own parameter is a
        wrapper in turn (``chains``)."""
        ev, project = self.ev, self.ev.project
        names = getattr(project, "wrapper_names", None)
        if not names:
            return
        last = frozenset(n.rsplit(".", 1)[-1] for n in names)  # Keys.make is called as .make
        aliases = {  # from .keys import make_key as new_key
            local for local, target in ev.facts.imports.items() if target.rsplit(".", 1)[-1] in last
        }
        stored: list[tuple[float, Site, tuple[str, str]]] = []
        for call in ev.fe.sites(ev.facts_root, last | aliases):
            qname, receiver = ev.fe.callee(call, ev)
            if receiver is not None or qname is None or ev.rules.call_rules(qname):
                continue
            if qname in ev.facts.functions and not any(c in qname for c in "./:"):
                continue  # this file's own function of that name
            target = project.function_file(ev, qname)
            if target is None or target[0] == ev.facts.relpath:
                continue
            other = project.analysis(target[0])
            if other is None or target[1] not in other.exported():
                continue
            args = [ev.value(a) for a in call.args]
            kwargs = {k: ev.value(v) for k, v in call.kwargs.items()}
            found = other.through(target[1], args, kwargs)
            for i, (replaces, where, inner, fields, unknown, notes, rule) in enumerate(found):
                notes.append(
                    f"through {target[1]}() of {target[0]} ({inner} at {where}), called here"
                )
                key = float(call.node.start_byte) + 0.25 + i / 1000
                self._store(
                    call,
                    rule,
                    f"{inner} via {target[1]}",
                    fields,
                    unknown,
                    notes,
                    None,
                    key,
                    wrapper=replaces,
                )
                stored.append((key, call, target))
        for key, call, target in stored:
            finding = self.findings.get(key)
            fn_name = ev.fe.enclosing_function(call.node)
            fn = ev.facts.functions.get(fn_name or "")
            if finding is None or not finding.unknown or fn is None or not fn.params:
                continue
            if any(v in fn.params for v in finding.unknown.values()):
                self.chains.setdefault(fn_name, []).append((key, call, target))  # type: ignore[arg-type]

    def _site(self, site: Site) -> None:
        ev, rules = self.ev, self.ev.rules
        qname, receiver = ev.fe.callee(site, ev)
        if receiver is None and qname is not None:
            matched = rules.call_rules(qname)
            if matched:
                args = [ev.value(a) for a in site.args]
                kwargs = {k: ev.value(v) for k, v in site.kwargs.items()}
                for i, rule in enumerate(matched):
                    self._emit(site, rule, qname, args, kwargs, None, None, i)
                return
            desc = rules.descs.get(qname)
            if desc is not None and desc.standalone:
                self.descriptor_sites[site.node.start_byte] = (site, desc, qname)
            return
        if isinstance(receiver, Obj) and qname:
            for rule in rules.methods.get(qname, ()):
                if not any(_matches(receiver.callee, on) for on in rule.names):
                    continue
                args = [ev.value(a) for a in site.args]
                kwargs = {k: ev.value(v) for k, v in site.kwargs.items()}
                base = (
                    self.findings.get(receiver.site[1])
                    if receiver.site[0] == ev.facts.relpath
                    else None
                )
                if rule.emits:
                    self._emit(
                        site, rule, f"{receiver.callee}#{qname}", args, kwargs, receiver, base
                    )
                elif base is not None:
                    self._update(base, rule, args, kwargs, receiver, site)
                    self.updates.setdefault(receiver.site[1], []).append((site, rule, receiver))
                return

    # ---------------------------------------------------------------- fields
    def _fields(
        self,
        rule: Rule,
        qname: str,
        args: list[Value],
        kwargs: dict[str, Value],
        receiver: Value | None,
    ) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        out: dict[str, Any] = {}
        unknown: dict[str, str] = {}
        notes: list[str] = []
        last = qname.replace("#", ".").rsplit(".", 1)[-1].rsplit("/", 1)[-1]
        owner = qname.replace("#", ".").rsplit(".", 2)[-2] if "." in qname.replace("#", ".") else ""
        used: set[int] = set()  # values some field could read
        pending: list[tuple[str, Value]] = []
        for name, param in rule.params.items():
            if param.literal is not None:
                lit = param.literal
                if isinstance(lit, str):
                    lit = lit.replace("{name}", last).replace("{owner}", owner)
                self._put(out, name, lit, param)
                continue
            value = _source_value(param, args, kwargs, receiver)
            if value is None:
                if name in rule.default:
                    if name == "spec":
                        self._put(out, "spec", rule.default[name], param)
                    else:
                        out.setdefault(name, rule.default[name])
                    default = rule.default[name]
                    notes.append(f"{name} {default}: the library's default ({rule.default_source})")
                elif name in PARAM_FIELDS or name == "key_bytes":
                    unknown.setdefault("key_size" if name == "key_bytes" else name, "not stated")
                continue
            ok = self._interpret(out, name, value, param)
            via = getattr(value, "via", "")
            if ok and via:
                notes.append(f"{name if name != 'spec' else 'algorithm'} from {via}")
            if ok:
                used.add(id(value))
            else:
                pending.append((name, value))
        for name, value in pending:
            if id(value) not in used:
                field_name = {"key_bytes": "key_size", "spec": "algorithm"}.get(name, name)
                unknown[field_name] = describe(value)
        spec = rule.params.get("spec")
        if spec is not None and not spec.sources and spec.parser in PARSERS and "algorithm" in out:
            for k, v in PARSERS[spec.parser](str(out["algorithm"])).items():
                out[k] = v
        for key in rule.default:
            if key not in rule.params and key not in out:
                out[key] = rule.default[key]
                notes.append(
                    f"{key} {rule.default[key]}: the library's default ({rule.default_source})"
                )
        return out, unknown, notes

    def _put(self, out: dict[str, Any], name: str, value: Any, param: Param) -> None:
        if name == "spec":
            parsed = (
                PARSERS[param.parser](str(value))
                if param.parser in PARSERS
                else {"algorithm": value}
            )
            for k, v in parsed.items():
                out.setdefault(k, v)
        elif name == "curve":
            out["curve"] = curve_name(str(value)) or str(value)
        elif name == "digest":
            out["digest"] = hash_name(str(value))
        elif name == "mode":
            mode = str(value).removesuffix("BlockCipher").removesuffix("Cipher")
            mode = mode.removeprefix("New").removesuffix("Encrypter").removesuffix("Decrypter")
            if mode.upper().startswith("AES") and len(mode) > 3:  # AESGCM, AESCCM, AESOCB3
                mode = mode[3:]
            out["mode"] = mode.removesuffix("WithNonceSize").upper()
        else:
            out[name] = value

    def _interpret(self, out: dict[str, Any], name: str, value: Value, param: Param) -> bool:
        """Put what ``value`` says about field ``name`` into ``out``; False when it says
        nothing knowable."""
        ev = self.ev
        if isinstance(value, Obj | Ref):
            desc = self._descriptor(value)
            if desc is not None:
                fields = desc
                if name in ("algorithm", "spec"):
                    for k, v in fields.items():
                        out.setdefault(k, v)
                    return "algorithm" in fields
                target = "key_size" if name == "key_bytes" else name
                if target in fields:
                    out[target] = fields[target]
                    return True
                if name in ("digest",) and "algorithm" in fields:
                    out["digest"] = hash_name(str(fields["algorithm"]))
                    return True
                if name == "mode" and "mode" in fields:
                    out["mode"] = fields["mode"]
                    return True
                if name == "curve" and "curve" in fields:
                    return True
            if isinstance(value, Ref):
                if name == "spec" and param.parser in PARSERS and param.parser != "protocol":
                    got = PARSERS[param.parser](value.name.rsplit(".", 1)[-1].rsplit("/", 1)[-1])
                    for k, v in got.items():
                        out.setdefault(k, v)
                    return True
                if name == "curve" and curve_name(value.name):
                    out["curve"] = curve_name(value.name)
                    return True
                if name in ("spec", "algorithm") and param.parser == "protocol":
                    proto = tls_protocol(value.name)
                    if proto:
                        out["algorithm"], out["protocol"] = proto, proto
                        return True
                if name in ("mode", "padding"):
                    out[name] = value.name.rsplit(".", 1)[-1].removeprefix("MODE_")
                    return True
            return False
        if isinstance(value, Seq) and value.items and name == "spec":
            return self._interpret(out, name, value.items[0], param)
        if isinstance(value, Str):
            raw = value.value
            if not raw.strip():
                return False
            if name == "spec":
                if param.parser == "webcrypto":
                    got = webcrypto(value)
                elif param.parser == "protocol":
                    proto = tls_protocol(raw)
                    got = {"algorithm": proto, "protocol": proto} if proto else {"algorithm": raw}
                elif param.parser == "list":
                    got = {"algorithm": raw}
                else:
                    got = PARSERS.get(param.parser, lambda r: {"algorithm": r})(raw)
                for k, v in got.items():
                    out.setdefault(k, v)
                return True
            if name == "curve":
                out["curve"] = curve_name(raw) or raw
                return True
            if name == "digest":
                out["digest"] = hash_name(raw)
                return True
            if name == "key_size":
                return False
            out[name] = raw
            return True
        if isinstance(value, Int):
            if name == "key_size":
                out["key_size"] = value.value
                return True
            if name == "key_bytes":
                out["key_size"] = value.value * 8
                return True
            if name == "curve":
                return False
            return False
        if isinstance(value, Bytes) and name in ("key_bytes", "key_size") and name == "key_bytes":
            out["key_size"] = value.length * 8
            return True
        if isinstance(value, Dict) and name == "spec" and param.parser == "webcrypto":
            got = webcrypto(value)
            for k, v in got.items():
                out.setdefault(k, v)
            return bool(got)
        del ev
        return False

    def _descriptor(self, value: Obj | Ref) -> dict[str, Any] | None:
        """What an Obj/Ref passed as a parameter says, by the descriptor (or call) rules."""
        rules = self.ev.rules
        name = value.callee if isinstance(value, Obj) else value.name
        rule = rules.descs.get(name)
        if rule is None:
            calls = rules.call_rules(name)
            rule = calls[0] if calls else None
        if rule is None:
            return None
        args = value.args if isinstance(value, Obj) else []
        kwargs = value.kwargs if isinstance(value, Obj) else {}
        fields, _unknown, _notes = self._fields(rule, name, args, kwargs, None)
        self._consume(value)
        return fields

    def _consume(self, value: Value, depth: int = 0) -> None:
        """A descriptor used as a parameter, and every descriptor inside it, is not a
        finding of its own. A call that is a finding by itself (an engine passed to a mode,
        a key spec passed to init) stays one: each API call is located, as CBOMkit does."""
        if not isinstance(value, Obj) or depth > 8:
            return
        if value.site[0] == self.ev.facts.relpath and value.callee in self.ev.rules.descs:
            self.ev.consumed.add(value.site[1])
            self.findings.pop(value.site[1], None)
        for inner in [*value.args, *value.kwargs.values()]:
            self._consume(inner, depth + 1)

    # ---------------------------------------------------------------- findings
    def _emit(
        self,
        site: Site,
        rule: Rule,
        qname: str,
        args: list[Value],
        kwargs: dict[str, Value],
        receiver: Value | None,
        base: Finding | None,
        nth: int = 0,
    ) -> None:
        if site.node.start_byte in self.ev.consumed:
            return  # already read as another finding's parameter
        if rule.each:
            self._emit_each(site, rule, qname, args, kwargs, nth)
            return
        fields, unknown, notes = self._fields(rule, qname, args, kwargs, receiver)
        self._store(
            site, rule, qname, fields, unknown, notes, base, float(site.node.start_byte) + nth / 10
        )

    def _emit_each(self, site, rule, qname, args, kwargs, nth) -> None:
        """One finding per element of a list the code states (TLS curve preferences)."""
        param = rule.params[rule.each]
        value = _source_value(param, args, kwargs, None)
        if isinstance(value, Str):  # "X25519MLKEM768:X25519:P-256"
            value = Seq(
                [Str(p.strip()) for p in value.value.replace(",", ":").split(":") if p.strip()]
            )
        if not isinstance(value, Seq):
            return
        for i, item in enumerate(value.items):
            fields: dict[str, Any] = {}
            name = (
                item.name
                if isinstance(item, Ref)
                else item.value
                if isinstance(item, Str)
                else None
            )
            if name is None:
                continue
            curve = curve_name(name)
            last = name.rsplit(".", 1)[-1].rsplit("/", 1)[-1]
            if rule.each == "protocol":
                proto = tls_protocol(name)
                if proto is None:
                    continue
                fields["algorithm"] = fields["protocol"] = proto
            elif curve in ("X25519", "X448"):
                fields["algorithm"] = curve
            elif curve:
                fields["algorithm"], fields["curve"] = "ECDH", curve
            else:
                fields["algorithm"] = last
            key = float(site.node.start_byte) + nth / 10 + (i + 1) / 1000
            self._store(site, rule, qname, fields, {}, [], None, key)

    def _store(self, site, rule, qname, fields, unknown, notes, base, key, wrapper="") -> None:
        algorithm = fields.get("algorithm")
        if algorithm is None and base is not None:
            algorithm = base.algorithm
        if algorithm is None:
            algorithm = "unknown"
            if "algorithm" not in unknown:
                unknown["algorithm"] = "not stated"
        node = site.node
        row, col = node.start_point
        code = self.lines[row].decode("utf-8", "replace").strip() if row < len(self.lines) else ""
        finding = Finding(
            path=self.ev.facts.relpath,
            line=row + 1,
            column=col + 1,
            code=code[:300],
            api=qname,
            library=rule.library,
            algorithm=str(algorithm),
            primitive=rule.primitive,
            function=rule.function,
            key_size=fields.get("key_size") if isinstance(fields.get("key_size"), int) else None,
            curve=fields.get("curve"),
            mode=fields.get("mode"),
            padding=fields.get("padding"),
            digest=fields.get("digest"),
            protocol=fields.get("protocol"),
            unknown=unknown,
            notes=notes,
            wrapper=wrapper,
        )
        if base is not None:
            for f in PARAM_FIELDS:
                if getattr(finding, f) is None and getattr(base, f) is not None:
                    setattr(finding, f, getattr(base, f))
                    finding.unknown.pop(f, None)
        settle_unknowns(finding)
        self.findings[key] = finding
        if not rule.each:
            self.emitted[key] = (site, rule, qname, finding)

    def _update(
        self,
        base: Finding,
        rule: Rule,
        args: list[Value],
        kwargs: dict[str, Value],
        receiver: Value,
        site: Site,
    ) -> None:
        fields, unknown, notes = self._fields(rule, "", args, kwargs, receiver)
        for f in PARAM_FIELDS:
            if fields.get(f) is not None:
                setattr(base, f, fields[f])
                base.unknown.pop(f, None)
            elif f in unknown and f not in ("curve",) and getattr(base, f) is None:
                base.unknown[f] = unknown[f]
        settle_unknowns(base)
        line = site.node.start_point[0] + 1
        base.notes.extend(f"{n} at line {line}" for n in notes)
        if any(fields.get(f) is not None for f in PARAM_FIELDS):
            base.notes.append(f"parameters set at line {line}")


_SIZED = {"RSA", "DSA", "DH", "AES", "ELGAMAL", "CAMELLIA", "ARIA"}
_CURVED = {"EC", "ECDSA", "ECDH"}


def settle_unknowns(finding: Finding) -> None:
    """Say which parameter the algorithm needs and the code leaves unstated; drop the ones
    it does not need (a curve for RSA)."""
    family = finding.algorithm.upper().split("-")[0]
    for f in PARAM_FIELDS:
        if getattr(finding, f) is not None:
            finding.unknown.pop(f, None)
    if family not in _CURVED:
        finding.unknown.pop("curve", None)
    elif finding.curve is None:
        finding.unknown.setdefault("curve", "not stated in the code")
    if family not in _SIZED:
        finding.unknown.pop("key_size", None)
    elif finding.key_size is None and not any(ch.isdigit() for ch in finding.algorithm[3:]):
        finding.unknown.setdefault("key_size", "not stated in the code")


def _matches(callee: str, pattern: str) -> bool:
    return callee == pattern


def analyze_tree(
    frontend: Frontend, facts: FileFacts, root: Node, rules: RuleSet, project: Any = None
) -> FileAnalysis:
    """One file analysed: ``.run()`` gives its findings, ``.wrappers()`` its wrapper functions."""
    ev = Evaluator(frontend, facts, rules, project)
    ev.facts_root = root  # type: ignore[attr-defined]
    return FileAnalysis(ev, facts.source.split(b"\n"))


__all__ = ["Evaluator", "FileAnalysis", "Finding", "Seq", "analyze_tree"]
