"""Python: imports (``import a.b as c``, ``from .x import y``), module and class constants,
single-return functions, calls with keyword arguments."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tree_sitter import Node, Query

from inventory.discovery.code.frontends.base import (
    FileFacts,
    Frontend,
    Function,
    Site,
    binary,
    captured,
    member_callee,
    parse_int,
    text,
    unknown,
)
from inventory.discovery.code.values import Bytes, Dict, Int, Ref, Seq, Str, Unknown, Value


class PythonFrontend(Frontend):
    language = "python"
    family = "python"
    function_types = ("function_definition", "lambda")

    def __init__(self) -> None:
        import tree_sitter_python

        super().__init__(tree_sitter_python.language())
        self.q_calls = Query(self.ts_language, "(call) @c")

    # ---------------------------------------------------------------- facts
    def facts(self, root: Node, relpath: str, source: bytes) -> FileFacts:
        facts = FileFacts(relpath, self.language, source=source)
        module = relpath.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        facts.package = module
        self._walk(root, facts, -1, "")
        return facts

    def _walk(self, node: Node, facts: FileFacts, scope: int, klass: str) -> None:
        for child in node.named_children:
            t = child.type
            if t == "import_statement":
                for name in child.children_by_field_name("name"):
                    if name.type == "aliased_import":
                        facts.imports[text(name.child_by_field_name("alias"))] = text(
                            name.child_by_field_name("name")
                        )
                    else:
                        dotted = text(name)
                        facts.imports[dotted.split(".")[0]] = dotted.split(".")[0]
                        facts.imports[dotted] = dotted
            elif t == "import_from_statement":
                module_node = child.child_by_field_name("module_name")
                module = self._module(text(module_node), facts.package)
                if any(c.type == "wildcard_import" for c in child.named_children):
                    facts.wildcards.append(module)
                for name in child.children_by_field_name("name"):
                    if name.type == "aliased_import":
                        local = text(name.child_by_field_name("alias"))
                        facts.imports[local] = f"{module}.{text(name.child_by_field_name('name'))}"
                    else:
                        facts.imports[text(name)] = f"{module}.{text(name)}"
            elif t == "expression_statement":
                for inner in child.named_children:
                    if inner.type == "assignment":
                        self._assign(inner, facts, scope, klass)
            elif t == "function_definition":
                self._function(child, facts, klass)
                body = child.child_by_field_name("body")
                if body is not None:
                    self._walk(body, facts, child.start_byte, "")
            elif t == "class_definition":
                body = child.child_by_field_name("body")
                if body is not None:
                    self._walk(body, facts, scope, text(child.child_by_field_name("name")))
            elif t == "decorated_definition" or t in (
                "if_statement",
                "try_statement",
                "with_statement",
                "for_statement",
                "while_statement",
                "block",
                "else_clause",
                "except_clause",
                "finally_clause",
                "elif_clause",
                "with_clause",
            ):
                self._walk(child, facts, scope, klass)

    @staticmethod
    def _module(raw: str, here: str) -> str:
        if not raw.startswith("."):
            return raw
        dots = len(raw) - len(raw.lstrip("."))
        parts = here.split(".")
        base = parts[: max(0, len(parts) - dots)]
        rest = raw.lstrip(".")
        return ".".join([*base, rest] if rest else base)

    def _assign(self, node: Node, facts: FileFacts, scope: int, klass: str) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        if left.type == "identifier":
            facts.add_def(text(left), scope, right)
            if klass:
                facts.add_def(f"{klass}.{text(left)}", scope, right)
        elif left.type == "attribute" and text(left.child_by_field_name("object")) == "self":
            facts.add_def(f"self.{text(left.child_by_field_name('attribute'))}", -1, right)
        elif left.type in ("pattern_list", "tuple_pattern") and right.type in (
            "expression_list",
            "tuple",
        ):
            names = [c for c in left.named_children]
            values = [c for c in right.named_children]
            for n, v in zip(names, values, strict=False):
                if n.type == "identifier":
                    facts.add_def(text(n), scope, v)

    def _function(self, node: Node, facts: FileFacts, klass: str) -> None:
        name = text(node.child_by_field_name("name"))
        params: list[str] = []
        defaults: dict[str, Node] = {}
        plist = node.child_by_field_name("parameters")
        for p in plist.named_children if plist is not None else []:
            if p.type == "identifier":
                params.append(text(p))
            elif p.type in ("default_parameter", "typed_default_parameter"):
                pname = text(p.child_by_field_name("name"))
                params.append(pname)
                if p.child_by_field_name("value") is not None:
                    defaults[pname] = p.child_by_field_name("value")  # type: ignore[assignment]
            elif p.type == "typed_parameter":
                first = p.named_children[0] if p.named_children else None
                if first is not None and first.type == "identifier":
                    params.append(text(first))
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        body = node.child_by_field_name("body")
        returns = None
        if body is not None:
            rets = [c for c in body.named_children if c.type == "return_statement"]
            if len(rets) == 1 and rets[0].named_children:
                returns = rets[0].named_children[0]
        fn = Function(params, defaults, returns)
        facts.functions[f"{klass}.{name}" if klass else name] = fn
        if not klass:
            facts.functions[f"{facts.package}.{name}"] = fn

    def enclosing_function(self, node: Node) -> str | None:
        """As the base class; a method is ``Klass.method`` (as `FileFacts.functions` keys it)."""
        parent = node.parent
        while parent is not None and parent.type not in self.function_types:
            parent = parent.parent
        if parent is None or parent.type != "function_definition":
            return None
        name = text(parent.child_by_field_name("name"))
        holder = parent.parent
        if holder is not None and holder.type == "decorated_definition":
            holder = holder.parent
        klass = holder.parent if holder is not None and holder.type == "block" else None
        if klass is not None and klass.type == "class_definition":
            return f"{text(klass.child_by_field_name('name'))}.{name}"
        return name

    # ---------------------------------------------------------------- sites
    def sites(self, root: Node, wanted: frozenset[str]) -> Iterator[Site]:
        for node in captured(self.q_calls, root):
            fn = node.child_by_field_name("function")
            if fn is None:
                continue
            last = text(fn.child_by_field_name("attribute")) if fn.type == "attribute" else text(fn)
            if last not in wanted:
                continue
            args, kwargs = self._args(node.child_by_field_name("arguments"))
            yield Site(node, fn, args, kwargs, last)

    @staticmethod
    def _args(arglist: Node | None) -> tuple[list[Node], dict[str, Node]]:
        args: list[Node] = []
        kwargs: dict[str, Node] = {}
        for a in arglist.named_children if arglist is not None else []:
            if a.type == "keyword_argument":
                value = a.child_by_field_name("value")
                if value is not None:
                    kwargs[text(a.child_by_field_name("name"))] = value
            elif a.type not in ("comment",):
                args.append(a)
        return args, kwargs

    def callee(self, site: Site, ev) -> tuple[str | None, Value | None]:
        fn = site.callee
        if fn is None:
            return None, None
        if fn.type == "identifier":
            value = ev.lookup(text(fn), fn)
            if isinstance(value, Ref):
                return value.name, None
            return (
                text(fn) if isinstance(value, Unknown) and value.text == text(fn) else None
            ), None
        if fn.type == "attribute":
            obj = ev.value(fn.child_by_field_name("object"))
            return member_callee(obj, text(fn.child_by_field_name("attribute")))
        return None, None

    # ---------------------------------------------------------------- values
    def evaluate(self, node: Node, ev) -> Value:
        t = node.type
        if t == "string":
            if any(c.type == "interpolation" for c in node.named_children):
                return unknown(node)
            try:
                lit = ast.literal_eval(text(node))
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return unknown(node)
            return Bytes(len(lit)) if isinstance(lit, bytes) else Str(str(lit))
        if t == "concatenated_string":
            parts = [ev.value(c) for c in node.named_children]
            if all(isinstance(p, Str) for p in parts):
                return Str("".join(p.value for p in parts))  # type: ignore[union-attr]
            return unknown(node)
        if t == "integer":
            n = parse_int(text(node))
            return Int(n) if n is not None else unknown(node)
        if t == "identifier":
            return ev.lookup(text(node), node)
        if t == "attribute":
            obj_node = node.child_by_field_name("object")
            attr = text(node.child_by_field_name("attribute"))
            if obj_node is not None and obj_node.type == "identifier" and text(obj_node) == "self":
                return ev.lookup(f"self.{attr}", node)
            obj = ev.value(obj_node)
            if isinstance(obj, Ref):
                return ev.qualified(f"{obj.name}.{attr}")
            if isinstance(obj, Unknown) and obj_node is not None and obj_node.type == "identifier":
                klass = ev.lookup(f"{text(obj_node)}.{attr}", node)
                if not isinstance(klass, Unknown):
                    return klass
            return unknown(node)
        if t == "call":
            fn = node.child_by_field_name("function")
            args, kwargs = self._args(node.child_by_field_name("arguments"))
            last = (
                text(fn.child_by_field_name("attribute"))
                if fn is not None and fn.type == "attribute"
                else text(fn)
            )
            site = Site(node, fn, args, kwargs, last)
            if (
                fn is not None
                and fn.type == "identifier"
                and text(fn) in ev.facts.functions
                and text(fn) not in ev.facts.imports
            ):
                return ev.call_value(text(fn), site, None)
            if fn is not None and fn.type == "identifier" and text(fn) == "len" and args:
                inner = ev.value(args[0])
                return Int(inner.length) if isinstance(inner, Bytes) else unknown(node)
            qname, receiver = self.callee(site, ev)
            if qname is None and receiver is None:
                return unknown(node)
            return ev.call_value(qname, site, receiver)
        if t == "binary_operator":
            left = ev.value(node.child_by_field_name("left"))
            right = ev.value(node.child_by_field_name("right"))
            op = text(node.child_by_field_name("operator"))
            return binary(op, left, right, node)
        if t == "parenthesized_expression" and node.named_children:
            return ev.value(node.named_children[0])
        if t in ("list", "tuple"):
            return Seq([ev.value(c) for c in node.named_children])
        if t == "dictionary":
            items: dict[str, Value] = {}
            for pair in node.named_children:
                if pair.type == "pair":
                    key = ev.value(pair.child_by_field_name("key"))
                    if isinstance(key, Str):
                        items[key.value] = ev.value(pair.child_by_field_name("value"))
            return Dict(items)
        if t == "unary_operator":
            inner = ev.value(node.child_by_field_name("argument"))
            if isinstance(inner, Int) and text(node.child_by_field_name("operator")) == "-":
                return Int(-inner.value)
        return unknown(node)


# -------------------------------------------------------------------- across files
def _split(project, qualified: str) -> tuple[str, str] | None:
    """'pkg.config.KEY' -> ('pkg/config.py', 'KEY') when pkg.config is a module of the tree."""
    if "." not in qualified:
        return None
    module, name = qualified.rsplit(".", 1)
    rel = project.python_module(module)
    return (rel, name) if rel else None


def resolve_qualified(project, ev, qualified: str) -> Value | None:
    found = _split(project, qualified)
    if found is None:
        # `from pkg import config` then `config.KEY`: the module itself
        return None
    return project.constant(*found)


def resolve_unqualified(project, ev, name: str) -> Value | None:
    for module in ev.facts.wildcards:
        rel = project.python_module(module)
        if rel:
            value = project.constant(rel, name)
            if value is not None:
                return value
    return None


def resolve_function(project, ev, qualified: str):
    found = _split(project, qualified)
    return project.function(*found) if found else None


def function_file(project, ev, qualified: str) -> tuple[str, str] | None:
    """'pkg.util.make_key' -> ('pkg/util.py', 'make_key') when that module of the tree
    defines the function (``from .util import make_key``, ``import pkg.util as u``);
    'pkg.util.Keys.make' -> ('pkg/util.py', 'Keys.make'), a static or class method."""
    found = _split(project, qualified)
    if found is None and qualified.count(".") >= 2:
        module, klass, method = qualified.rsplit(".", 2)
        rel = project.python_module(module)
        found = (rel, f"{klass}.{method}") if rel else None
    if found is None:
        return None
    other = project.evaluator(found[0])
    return found if other is not None and found[1] in other.facts.functions else None


PythonFrontend.function_file = staticmethod(function_file)  # type: ignore[attr-defined]
PythonFrontend.resolve_qualified = staticmethod(resolve_qualified)  # type: ignore[attr-defined]
PythonFrontend.resolve_unqualified = staticmethod(resolve_unqualified)  # type: ignore[attr-defined]
PythonFrontend.resolve_function = staticmethod(resolve_function)  # type: ignore[attr-defined]
