"""C and C++: ``#define`` and ``const`` definitions, enum constants, ``#include "..."``
headers of the tree, calls (through pointers: ``&ctx`` is ``ctx``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node, Query

from inventory.discovery.code.frontends.base import (
    FileFacts,
    Frontend,
    Function,
    Site,
    binary,
    captured,
    parse_int,
    text,
    unknown,
)
from inventory.discovery.code.values import Int, Obj, Ref, Str, Unknown, Value


class CFrontend(Frontend):
    family = "c"
    function_types = ("function_definition", "lambda_expression")

    def __init__(self, language: str) -> None:
        if language == "cpp":
            import tree_sitter_cpp as grammar
        else:
            import tree_sitter_c as grammar  # type: ignore[no-redef]
        self.language = language
        super().__init__(grammar.language())
        self.q_calls = Query(self.ts_language, "(call_expression) @c")
        self.q_defs = Query(
            self.ts_language,
            "(preproc_def) @c (init_declarator) @c (enumerator) @c (preproc_include) @c"
            " (function_definition) @c",
        )

    def facts(self, root: Node, relpath: str, source: bytes) -> FileFacts:
        facts = FileFacts(relpath, self.language, source=source)
        for node in captured(self.q_defs, root):
            t = node.type
            if t == "preproc_def":
                value = node.child_by_field_name("value")
                if value is not None:
                    facts.add_def(text(node.child_by_field_name("name")), -1, value)
            elif t == "init_declarator":
                name = node.child_by_field_name("declarator")
                while (
                    name is not None
                    and name.type not in ("identifier",)
                    and name.child_by_field_name("declarator")
                ):
                    name = name.child_by_field_name("declarator")
                value = node.child_by_field_name("value")
                if name is not None and value is not None:
                    facts.add_def(text(name), self.scope_of(node), value)
            elif t == "enumerator":
                value = node.child_by_field_name("value")
                if value is not None:
                    facts.add_def(text(node.child_by_field_name("name")), -1, value)
            elif t == "preproc_include":
                path = node.child_by_field_name("path")
                if path is not None and path.type == "string_literal":
                    facts.includes.append(text(path).strip('"'))
                elif path is not None:
                    facts.imports[text(path).strip("<>")] = text(path).strip("<>")
            elif t == "function_definition":
                self._function(node, facts)
        return facts

    def _function(self, node: Node, facts: FileFacts) -> None:
        decl = node.child_by_field_name("declarator")
        while decl is not None and decl.type != "function_declarator":
            decl = decl.child_by_field_name("declarator")
        if decl is None:
            return
        params = []
        plist = decl.child_by_field_name("parameters")
        for p in plist.named_children if plist is not None else []:
            d = p.child_by_field_name("declarator")
            while d is not None and d.type != "identifier" and d.child_by_field_name("declarator"):
                d = d.child_by_field_name("declarator")
            if d is not None:
                params.append(text(d))
        body = node.child_by_field_name("body")
        rets = [c for c in body.named_children if c.type == "return_statement"] if body else []
        returns = rets[0].named_children[0] if len(rets) == 1 and rets[0].named_children else None
        facts.functions[text(decl.child_by_field_name("declarator"))] = Function(
            params, {}, returns
        )

    def sites(self, root: Node, wanted: frozenset[str]) -> Iterator[Site]:
        for node in captured(self.q_calls, root):
            fn = node.child_by_field_name("function")
            last = _last(fn)
            if last in wanted:
                args_node = node.child_by_field_name("arguments")
                args = (
                    [a for a in args_node.named_children if a.type != "comment"]
                    if args_node
                    else []
                )
                yield Site(node, fn, args, {}, last)

    def callee(self, site: Site, ev) -> tuple[str | None, Value | None]:
        fn = site.callee
        if fn is None:
            return None, None
        if fn.type in ("identifier", "qualified_identifier"):
            name = text(fn).removeprefix("::")
            if name in ev.facts.functions:
                return None, None  # the project's own function of that name: not the library's
            if name in ev.rules.methods and site.args:  # EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, ...)
                first = ev.value(site.args[0])
                if isinstance(first, Obj):
                    return name, first
            return name, None
        if fn.type == "field_expression":
            value = ev.value(fn.child_by_field_name("argument"))
            name = text(fn.child_by_field_name("field"))
            if isinstance(value, Obj):
                return name, value
        return None, None

    def evaluate(self, node: Node, ev) -> Value:
        t = node.type
        if t == "string_literal":
            parts = [c for c in node.named_children]
            if any(c.type not in ("string_content", "escape_sequence") for c in parts):
                return unknown(node)
            return Str("".join(text(c) for c in parts))
        if t == "concatenated_string":
            parts = [ev.value(c) for c in node.named_children]
            if all(isinstance(p, Str) for p in parts):
                return Str("".join(p.value for p in parts))  # type: ignore[union-attr]
            return unknown(node)
        if t == "number_literal":
            n = parse_int(text(node))
            return Int(n) if n is not None else unknown(node)
        if t == "preproc_arg":
            return _macro(text(node), ev, node)
        if t in ("identifier", "qualified_identifier"):
            name = text(node)
            value = ev.lookup(name, node)
            if isinstance(value, Unknown) and value.text == name:
                fn = ev.facts.functions.get(self.enclosing_function(node) or "")
                if fn is not None and name in fn.params:
                    return value  # a parameter: what the caller passes
                return Ref(name)  # a library macro or enum: NID_secp384r1, EVP_PKEY_RSA
            return value
        if t == "call_expression":
            fn = node.child_by_field_name("function")
            args_node = node.child_by_field_name("arguments")
            args = [a for a in args_node.named_children if a.type != "comment"] if args_node else []
            site = Site(node, fn, args, {}, _last(fn))
            if fn is not None and fn.type == "identifier" and text(fn) in ev.facts.functions:
                return ev.call_value(text(fn), site, None)
            qname, receiver = self.callee(site, ev)
            if qname is None and receiver is None:
                return unknown(node)
            return ev.call_value(qname, site, receiver)
        if t == "pointer_expression":
            return ev.value(node.child_by_field_name("argument"))
        if t in ("parenthesized_expression", "cast_expression"):
            inner = node.child_by_field_name("value") or (
                node.named_children[-1] if node.named_children else None
            )
            return ev.value(inner)
        if t == "binary_expression":
            return binary(
                text(node.child_by_field_name("operator")),
                ev.value(node.child_by_field_name("left")),
                ev.value(node.child_by_field_name("right")),
                node,
            )
        if t == "sizeof_expression":
            return unknown(node)
        return unknown(node)


def _macro(body: str, ev, node: Node) -> Value:
    raw = body.strip().strip("()").strip()
    n = parse_int(raw)
    if n is not None:
        return Int(n)
    if raw.startswith('"') and raw.endswith('"') and raw.count('"') == 2:
        return Str(raw[1:-1])
    if raw.replace("_", "").isalnum() and not raw[:1].isdigit():
        return ev.lookup(raw, node) if raw in ev.facts.defs else Ref(raw)
    return Unknown(raw[:80])


def _last(fn: Node | None) -> str:
    if fn is None:
        return ""
    if fn.type == "field_expression":
        return text(fn.child_by_field_name("field"))
    return text(fn).rsplit("::", 1)[-1]


def headers(project, ev, include: str) -> list[str]:
    """The tree's file an ``#include "..."`` names: beside the including file first (the
    compiler's first place to look), else the one file of the tree whose path ends with
    the include's path; none when several do (an include path this scan does not know)."""
    here = ev.facts.relpath.rsplit("/", 1)[0] if "/" in ev.facts.relpath else ""
    parts: list[str] = here.split("/") if here else []
    for piece in include.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in (".", ""):
            parts.append(piece)
    beside = "/".join(parts)
    if beside in project.files:
        return [beside]
    named = [
        rel
        for rel in project.files_named(include.rsplit("/", 1)[-1])
        if rel == include or rel.endswith("/" + include.lstrip("./"))
    ]
    return named if len(named) == 1 else []


def resolve_unqualified(project, ev, name: str) -> Value | None:
    """A #define or constant of a header this file includes with quotes."""
    for include in ev.facts.includes:
        for rel in headers(project, ev, include):
            if rel != ev.facts.relpath:
                value = project.constant(rel, name)
                if value is not None:
                    return value
    return None


CFrontend.resolve_unqualified = staticmethod(resolve_unqualified)  # type: ignore[attr-defined]


def function_file(project, ev, qualified: str) -> tuple[str, str] | None:
    """A function declared in a header this file includes with quotes (``#include
    "keys.h"``) and defined in that header or in the source file of the same name
    (keys.c, keys.cpp...); None when none or several define it."""
    if not qualified.replace("_", "").isalnum():
        return None
    word = re.compile(rb"(?<![\w])" + re.escape(qualified.encode()) + rb"\s*\(")
    hits: set[str] = set()
    for include in ev.facts.includes:
        stem = include.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for header in headers(project, ev, include):
            declared = project.evaluator(header)
            if declared is None or not word.search(declared.facts.source):
                continue
            folder = header.rsplit("/", 1)[0] + "/" if "/" in header else ""
            sources = [r for ext in SOURCES for r in project.files_named(stem + ext)]
            beside = [r for r in sources if r.startswith(folder) and "/" not in r[len(folder) :]]
            for rel in [header, *(beside or sources)]:
                other = project.evaluator(rel)
                if other is not None and qualified in other.facts.functions:
                    hits.add(rel)
    return (hits.pop(), qualified) if len(hits) == 1 else None


SOURCES = (".c", ".cc", ".cpp", ".cxx")
CFrontend.function_file = staticmethod(function_file)  # type: ignore[attr-defined]
