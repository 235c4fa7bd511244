"""Go: imports (with aliases), package-level and local const/var, short declarations,
composite literals (``tls.Config{...}``) as calls with keyed fields, methods on values."""

from __future__ import annotations

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
from inventory.discovery.code.values import Dict, Int, Obj, Ref, Seq, Str, Value


class GoFrontend(Frontend):
    language = "go"
    family = "go"
    function_types = ("function_declaration", "method_declaration", "func_literal")

    def __init__(self) -> None:
        import tree_sitter_go

        super().__init__(tree_sitter_go.language())
        self.q_calls = Query(self.ts_language, "(call_expression) @c (composite_literal) @c")
        self.q_defs = Query(
            self.ts_language,
            "(const_spec) @c (var_spec) @c (short_var_declaration) @c (assignment_statement) @c",
        )

    def facts(self, root: Node, relpath: str, source: bytes) -> FileFacts:
        facts = FileFacts(relpath, self.language, source=source)
        for child in root.named_children:
            if child.type == "package_clause":
                facts.package = text(child.named_children[0]) if child.named_children else ""
            elif child.type == "import_declaration":
                for spec in _import_specs(child):
                    path = text(spec.child_by_field_name("path")).strip('"`')
                    alias = spec.child_by_field_name("name")
                    local = text(alias) if alias is not None else path.rsplit("/", 1)[-1]
                    if local.startswith("v") and local[1:].isdigit() and "/" in path:
                        local = path.rsplit("/", 2)[-2]
                    if local in ("_", "."):
                        continue
                    facts.imports[local] = path
            elif child.type == "function_declaration":
                self._function(child, facts)
        for node in captured(self.q_defs, root):
            self._def(node, facts)
        return facts

    def _def(self, node: Node, facts: FileFacts) -> None:
        scope = self.scope_of(node)
        if node.type in ("const_spec", "var_spec"):
            names = node.children_by_field_name("name")
            value = node.child_by_field_name("value")
            values = value.named_children if value is not None else []
            for name, v in zip(names, values, strict=False):
                facts.add_def(text(name), scope, v)
        else:
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                return
            lefts, rights = left.named_children, right.named_children
            if len(rights) == 1 and len(lefts) > 1:  # key, err := rsa.GenerateKey(...)
                rights = [rights[0]] + [None] * (len(lefts) - 1)  # type: ignore[list-item]
            for name, v in zip(lefts, rights, strict=False):
                if v is not None and name.type == "identifier" and text(name) != "_":
                    facts.add_def(text(name), scope, v)

    def _function(self, node: Node, facts: FileFacts) -> None:
        params = []
        plist = node.child_by_field_name("parameters")
        for p in plist.named_children if plist is not None else []:
            params.extend(text(n) for n in p.children_by_field_name("name"))
        body = node.child_by_field_name("body")
        stmts = body.named_children if body is not None else []
        if stmts and stmts[0].type == "statement_list":
            stmts = stmts[0].named_children
        rets = [s for s in stmts if s.type == "return_statement"]
        returns = None
        if len(rets) == 1 and rets[0].named_children:
            exprs = rets[0].named_children[0]
            returns = (
                exprs.named_children[0]
                if exprs.type == "expression_list" and exprs.named_children
                else exprs
            )
        facts.functions[text(node.child_by_field_name("name"))] = Function(params, {}, returns)

    def sites(self, root: Node, wanted: frozenset[str]) -> Iterator[Site]:
        for node in captured(self.q_calls, root):
            site = self.site(node)
            if site is not None and site.last_name in wanted:
                yield site

    def site(self, node: Node) -> Site | None:
        if node.type == "composite_literal":
            type_node = node.child_by_field_name("type")
            if type_node is None or type_node.type != "qualified_type":
                return None
            body = node.child_by_field_name("body")
            kwargs: dict[str, Node] = {}
            for el in body.named_children if body is not None else []:
                if el.type == "keyed_element":
                    key, value = el.child_by_field_name("key"), el.child_by_field_name("value")
                    if key is None or value is None:
                        kids = el.named_children
                        if len(kids) != 2:
                            continue
                        key, value = kids
                    kwargs[text(key)] = (
                        value.named_children[0]
                        if value.type == "literal_element" and value.named_children
                        else value
                    )
            return Site(
                node,
                type_node,
                [],
                kwargs,
                text(type_node.child_by_field_name("name")),
                is_new=True,
            )
        fn = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        args = [a for a in args_node.named_children if a.type != "comment"] if args_node else []
        if fn is None:
            return None
        last = (
            text(fn.child_by_field_name("field")) if fn.type == "selector_expression" else text(fn)
        )
        return Site(node, fn, args, {}, last)

    def callee(self, site: Site, ev) -> tuple[str | None, Value | None]:
        fn = site.callee
        if fn is None:
            return None, None
        if site.is_new:
            pkg = text(fn.child_by_field_name("package"))
            if pkg in ev.facts.imports:
                return f"{ev.facts.imports[pkg]}.{text(fn.child_by_field_name('name'))}", None
            return None, None
        if fn.type == "selector_expression":
            operand = fn.child_by_field_name("operand")
            name = text(fn.child_by_field_name("field"))
            return member_callee(ev.value(operand), name)
        if fn.type == "identifier":
            return text(fn), None
        return None, None

    def evaluate(self, node: Node, ev) -> Value:
        t = node.type
        if t in ("interpreted_string_literal", "raw_string_literal"):
            raw = text(node)
            return Str(raw[1:-1])
        if t == "int_literal":
            n = parse_int(text(node))
            return Int(n) if n is not None else unknown(node)
        if t == "identifier":
            return ev.lookup(text(node), node)
        if t == "selector_expression":
            operand = node.child_by_field_name("operand")
            name = text(node.child_by_field_name("field"))
            value = ev.value(operand)
            if isinstance(value, Ref):
                return ev.qualified(f"{value.name}.{name}")
            return unknown(node)
        if t in ("call_expression", "composite_literal"):
            site = self.site(node)
            if site is None:
                if t == "composite_literal":
                    body = node.child_by_field_name("body")
                    items = [
                        ev.value(
                            e.named_children[0]
                            if e.type == "literal_element" and e.named_children
                            else e
                        )
                        for e in (body.named_children if body is not None else [])
                    ]
                    return Seq(items)
                return unknown(node)
            if (
                site.callee is not None
                and site.callee.type == "identifier"
                and text(site.callee) in ev.facts.functions
            ):
                return ev.call_value(text(site.callee), site, None)
            if (
                site.callee is not None
                and site.callee.type == "identifier"
                and text(site.callee) == "make"
                and len(site.args) > 1
            ):
                size = ev.value(site.args[1])
                from inventory.discovery.code.values import Bytes

                return Bytes(size.value) if isinstance(size, Int) else unknown(node)
            qname, receiver = self.callee(site, ev)
            if qname is None and receiver is None:
                return unknown(node)
            value = ev.call_value(qname, site, receiver)
            if isinstance(value, Obj) and site.is_new:
                value.kwargs = {k: ev.value(v) for k, v in site.kwargs.items()}
            return value
        if t == "binary_expression":
            return binary(
                text(node.child_by_field_name("operator")),
                ev.value(node.child_by_field_name("left")),
                ev.value(node.child_by_field_name("right")),
                node,
            )
        if t == "unary_expression" and text(node.child_by_field_name("operator")) == "&":
            return ev.value(node.child_by_field_name("operand"))
        if t == "parenthesized_expression" and node.named_children:
            return ev.value(node.named_children[0])
        if t == "literal_value":
            return Dict({})
        return unknown(node)


def _import_specs(node: Node) -> list[Node]:
    out = []
    for child in node.named_children:
        if child.type == "import_spec":
            out.append(child)
        elif child.type == "import_spec_list":
            out.extend(c for c in child.named_children if c.type == "import_spec")
    return out


def resolve_unqualified(project, ev, name: str) -> Value | None:
    """A constant of the same package, declared in a sibling file."""
    for rel in project.siblings(ev.facts.relpath):
        if rel != ev.facts.relpath and rel.endswith(".go"):
            value = project.constant(rel, name)
            if value is not None:
                return value
    return None


def package_files(project, import_path: str) -> list[str]:
    """The tree's .go files of an imported package: by a go.mod's module path (``module
    example.com/app`` + ``example.com/app/internal/config`` -> ``internal/config/``), else
    the directory whose whole relative path ends the import path (a GOPATH-style tree
    without go.mod); a path outside every module of the tree is another module's."""
    modules = project.go_modules()
    for module, directory in modules:
        if import_path == module or import_path.startswith(module + "/"):
            rest = import_path[len(module) :].strip("/")
            target = "/".join(p for p in (directory, rest) if p)
            return [
                rel
                for rel in project.siblings(f"{target}/x.go" if target else "x.go")
                if rel.endswith(".go") and not rel.endswith("_test.go")
            ]
    if modules:
        return []
    parts = import_path.split("/")
    out = []
    for rel, lang in project.files.items():
        if lang != "go":
            continue
        directory = rel.rsplit("/", 1)[0] if "/" in rel else ""
        dparts = directory.split("/") if directory else []
        if (dparts and parts[-len(dparts) :] == dparts) or (
            dparts
            and dparts[-1] == parts[-1]
            and len(parts) > 1
            and "/".join(dparts[-2:]) == "/".join(parts[-2:])
        ):
            out.append(rel)
    return out


def resolve_qualified(project, ev, qualified: str) -> Value | None:
    """'example.com/app/internal/config.KeyBits' -> the constant in that package's files."""
    if "/" not in qualified or "." not in qualified.rsplit("/", 1)[-1]:
        return None
    path, name = qualified.rsplit(".", 1)
    for rel in package_files(project, path):
        value = project.constant(rel, name)
        if value is not None:
            return value
    return None


def function_file(project, ev, qualified: str) -> tuple[str, str] | None:
    """A function of the same package in a sibling file (``makeKey(1024)``), or of an
    imported package of the tree (``keys.Make(1024)``); None when none or several fit."""
    if "." in qualified.rsplit("/", 1)[-1]:
        path, name = qualified.rsplit(".", 1)
        candidates = package_files(project, path)
    else:
        name = qualified
        candidates = [
            rel
            for rel in project.siblings(ev.facts.relpath)
            if rel != ev.facts.relpath and rel.endswith(".go")
        ]
    hits = []
    for rel in candidates:
        other = project.evaluator(rel)
        if other is None or name not in other.facts.functions:
            continue
        if "." not in qualified and other.facts.package != ev.facts.package:
            continue  # a sibling file of another package (package main beside a library)
        hits.append(rel)
    return (hits[0], name) if len(hits) == 1 else None


GoFrontend.resolve_unqualified = staticmethod(resolve_unqualified)  # type: ignore[attr-defined]
GoFrontend.resolve_qualified = staticmethod(resolve_qualified)  # type: ignore[attr-defined]
GoFrontend.function_file = staticmethod(function_file)  # type: ignore[attr-defined]
