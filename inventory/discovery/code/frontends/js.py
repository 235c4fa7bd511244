"""JavaScript and TypeScript: ES imports, ``require``, destructuring, ``const`` bindings,
options objects, template strings without substitutions, ``new`` and method chains."""

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
from inventory.discovery.code.values import Dict, Int, Ref, Seq, Str, Unknown, Value

GLOBALS = {"crypto": "crypto", "window": "window", "globalThis": "globalThis", "self": "self"}


def module_name(spec: str) -> str:
    """'node:crypto' -> 'crypto'; './util/config' stays relative (resolved by the project)."""
    return spec.removeprefix("node:")


class JsFrontend(Frontend):
    family = "js"
    function_types = (
        "function_declaration",
        "arrow_function",
        "function_expression",
        "method_definition",
        "function",
    )

    def __init__(self, language: str) -> None:
        import tree_sitter_javascript
        import tree_sitter_typescript

        grammar = {
            "javascript": tree_sitter_javascript.language,
            "typescript": tree_sitter_typescript.language_typescript,
            "tsx": tree_sitter_typescript.language_tsx,
        }[language]
        self.language = language
        super().__init__(grammar())
        self.q_calls = Query(self.ts_language, "(call_expression) @c (new_expression) @c")
        self.q_defs = Query(
            self.ts_language,
            "(variable_declarator) @c (import_statement) @c (function_declaration) @c"
            " (assignment_expression) @c",
        )

    def facts(self, root: Node, relpath: str, source: bytes) -> FileFacts:
        facts = FileFacts(relpath, self.language, source=source)
        for node in captured(self.q_defs, root):
            if node.type == "import_statement":
                self._import(node, facts)
            elif node.type == "variable_declarator":
                self._declarator(node, facts)
            elif node.type == "assignment_expression":
                self._export(node, facts)
            else:
                self._function(node, facts)
        return facts

    def _import(self, node: Node, facts: FileFacts) -> None:
        source = module_name(text(node.child_by_field_name("source")).strip("'\"`"))
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        for part in clause.named_children if clause is not None else []:
            if part.type == "identifier":  # default import
                facts.imports[text(part)] = source
            elif part.type == "namespace_import":
                facts.imports[text(part.named_children[-1])] = source
            elif part.type == "named_imports":
                for spec in part.named_children:
                    if spec.type != "import_specifier":
                        continue
                    name = text(spec.child_by_field_name("name"))
                    alias = spec.child_by_field_name("alias")
                    facts.imports[text(alias) if alias is not None else name] = f"{source}.{name}"

    def _export(self, node: Node, facts: FileFacts) -> None:
        """CommonJS: ``module.exports.BITS = 1024``, ``exports.BITS = 1024`` and
        ``module.exports = { BITS: 1024 }`` at file level define ``BITS``."""
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or self.scope_of(node) != -1:
            return
        target = text(left)
        if target in ("module.exports", "exports") and right.type == "object":
            for pair in right.named_children:
                key = pair.child_by_field_name("key") if pair.type == "pair" else None
                value = pair.child_by_field_name("value") if pair.type == "pair" else None
                if key is not None and value is not None and value.type != "identifier":
                    facts.add_def(text(key).strip("'\"`"), -1, value)
        elif target.startswith(("module.exports.", "exports.")) and target.count(".") <= 2:
            name = target.rsplit(".", 1)[-1]
            if name not in facts.defs:
                facts.add_def(name, -1, right)

    def _declarator(self, node: Node, facts: FileFacts) -> None:
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name is None or value is None:
            return
        scope = self.scope_of(node)
        if name.type == "identifier" and value.type in ("arrow_function", "function_expression"):
            self._function(value, facts, text(name))
        elif name.type == "identifier":
            facts.add_def(text(name), scope, value)
        elif name.type == "object_pattern":  # const { createHash, subtle } = require('crypto')
            for prop in name.named_children:
                if prop.type == "shorthand_property_identifier_pattern":
                    facts.add_def(f"{text(prop)}#member", scope, value)
                elif prop.type == "pair_pattern":
                    key, alias = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                    if alias is not None and alias.type == "identifier":
                        facts.add_def(f"{text(alias)}#member", scope, value)
                        facts.add_def(f"{text(alias)}#as", scope, key)  # type: ignore[arg-type]

    def _function(self, node: Node, facts: FileFacts, name: str = "") -> None:
        params = []
        defaults: dict[str, Node] = {}
        plist = node.child_by_field_name("parameters")
        if plist is None and node.child_by_field_name("parameter") is not None:
            plist_items = [node.child_by_field_name("parameter")]  # x => ...
        else:
            plist_items = plist.named_children if plist is not None else []
        for p in plist_items:
            target = p.child_by_field_name("pattern") or p
            value = p.child_by_field_name("value")
            if target.type == "assignment_pattern":  # (bits = 2048)
                value = target.child_by_field_name("right")
                target = target.child_by_field_name("left")
            if target is not None and target.type == "identifier":
                params.append(text(target))
                if value is not None:
                    defaults[text(target)] = value
        body = node.child_by_field_name("body")
        if body is not None and body.type != "statement_block":
            returns: Node | None = body  # (bits) => expr
        else:
            rets = [c for c in body.named_children if c.type == "return_statement"] if body else []
            one = len(rets) == 1 and rets[0].named_children
            returns = rets[0].named_children[0] if one else None
        facts.functions[name or text(node.child_by_field_name("name"))] = Function(
            params, defaults, returns
        )

    def enclosing_function(self, node: Node) -> str | None:
        """As the base class, and ``const makeKey = (bits) => ...`` is ``makeKey``."""
        parent = node.parent
        while parent is not None:
            if parent.type in self.function_types:
                name = parent.child_by_field_name("name")
                holder = parent.parent
                if name is None and holder is not None and holder.type == "variable_declarator":
                    name = holder.child_by_field_name("name")
                return text(name) if name is not None else None
            parent = parent.parent
        return None

    def sites(self, root: Node, wanted: frozenset[str]) -> Iterator[Site]:
        for node in captured(self.q_calls, root):
            site = self.site(node)
            if site is not None and site.last_name in wanted:
                yield site

    def site(self, node: Node) -> Site | None:
        fn = node.child_by_field_name(
            "function" if node.type == "call_expression" else "constructor"
        )
        args_node = node.child_by_field_name("arguments")
        args = (
            [a for a in args_node.named_children if a.type != "comment"]
            if args_node is not None
            else []
        )
        if fn is None:
            return None
        last = (
            text(fn.child_by_field_name("property")) if fn.type == "member_expression" else text(fn)
        )
        return Site(node, fn, args, {}, last, is_new=node.type == "new_expression")

    def callee(self, site: Site, ev) -> tuple[str | None, Value | None]:
        fn = site.callee
        if fn is None:
            return None, None
        if fn.type == "identifier":
            value = ev.value(fn)
            if isinstance(value, Ref):
                return value.name, None
            return None, None
        if fn.type == "member_expression":
            obj = ev.value(fn.child_by_field_name("object"))
            return member_callee(obj, text(fn.child_by_field_name("property")))
        return None, None

    def evaluate(self, node: Node, ev) -> Value:
        t = node.type
        if t == "string":
            return Str(
                "".join(
                    text(c)
                    for c in node.named_children
                    if c.type in ("string_fragment", "escape_sequence")
                )
            )
        if t == "template_string":
            if any(c.type == "template_substitution" for c in node.named_children):
                return unknown(node)
            return Str(text(node)[1:-1])
        if t == "number":
            n = parse_int(text(node))
            return Int(n) if n is not None else unknown(node)
        if t == "identifier":
            name = text(node)
            value = ev.lookup(name, node)
            if isinstance(value, Unknown) and value.text == name:
                member = ev.facts.defs.get(f"{name}#member")
                if member:
                    holder = ev.value(member[-1][2])
                    alias = ev.facts.defs.get(f"{name}#as")
                    key = text(alias[-1][2]) if alias else name
                    if isinstance(holder, Ref):
                        return Ref(f"{holder.name}.{key}")
                if name in GLOBALS:
                    return Ref(GLOBALS[name])
            return value
        if t == "member_expression":
            obj = ev.value(node.child_by_field_name("object"))
            prop = text(node.child_by_field_name("property"))
            if isinstance(obj, Ref):
                base = obj.name
                if base in ("window", "globalThis", "self") and prop == "crypto":
                    return Ref("crypto")
                return ev.qualified(f"{base}.{prop}")
            if isinstance(obj, Dict) and prop in obj.items:
                return obj.items[prop]
            return unknown(node)
        if t in ("call_expression", "new_expression"):
            site = self.site(node)
            if site is None:
                return unknown(node)
            fn = site.callee
            if fn is not None and fn.type == "identifier" and text(fn) == "require" and site.args:
                spec = ev.value(site.args[0])
                if isinstance(spec, Str):
                    return (
                        ev.qualified(module_name(spec.value))
                        if not spec.value.startswith(".")
                        else Ref(_relative(ev.facts.relpath, spec.value))
                    )
                return unknown(node)
            if fn is not None and fn.type == "identifier" and text(fn) in ev.facts.functions:
                return ev.call_value(text(fn), site, None)
            qname, receiver = self.callee(site, ev)
            if qname is None and receiver is None:
                return unknown(node)
            return ev.call_value(qname, site, receiver)
        if t == "object":
            items: dict[str, Value] = {}
            for pair in node.named_children:
                if pair.type == "pair":
                    key = pair.child_by_field_name("key")
                    k = text(key).strip("'\"`") if key is not None else ""
                    items[k] = ev.value(pair.child_by_field_name("value"))
                elif pair.type == "shorthand_property_identifier":
                    items[text(pair)] = ev.lookup(text(pair), pair)
            return Dict(items)
        if t == "array":
            return Seq([ev.value(c) for c in node.named_children])
        if t == "binary_expression":
            return binary(
                text(node.child_by_field_name("operator")),
                ev.value(node.child_by_field_name("left")),
                ev.value(node.child_by_field_name("right")),
                node,
            )
        if (
            t
            in (
                "parenthesized_expression",
                "as_expression",
                "satisfies_expression",
                "non_null_expression",
                "await_expression",
            )
            and node.named_children
        ):
            return ev.value(node.named_children[0])
        return unknown(node)


def _relative(here: str, spec: str) -> str:
    """'./config' seen from 'src/app.js' -> 'file:src/config'."""
    parts = here.split("/")[:-1]
    for piece in spec.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in (".", ""):
            parts.append(piece)
    return "file:" + "/".join(parts)


def resolve_qualified(project, ev, qualified: str) -> Value | None:
    """'file:src/config.KEY_BITS' (or a relative import's name) -> the exported constant."""
    if qualified.startswith("."):
        return None
    if not qualified.startswith("file:"):
        return None
    path, _, name = qualified[5:].rpartition(".")
    if not path:
        return None
    rel = _module_file(project, path, ev.facts.language != "javascript")
    return project.constant(rel, name) if rel is not None else None


def _module_file(project, path: str, typescript: bool = False) -> str | None:
    """The file an import path names: as written, with an extension added, or a .ts source
    for the .js a TypeScript import names."""
    if path in project.files:
        return path
    stem, dot, ext = path.rpartition(".")
    if dot and ext in ("js", "mjs", "cjs", "jsx"):
        for ts in (".ts", ".mts", ".cts", ".tsx"):
            if stem + ts in project.files:
                return stem + ts
    for ext in TS_FIRST if typescript else JS_FIRST:
        if path + ext in project.files:
            return path + ext
    return None


# the extensions a module path is completed with: Node's order for JavaScript, TypeScript's
# (its own sources first) for TypeScript
JS_FIRST = (".js", ".mjs", ".cjs", ".jsx", "/index.js", ".ts", ".tsx", "/index.ts")
TS_FIRST = (".ts", ".tsx", ".d.ts", "/index.ts", "/index.tsx", ".js", ".mjs", ".cjs", "/index.js")


def function_file(project, ev, qualified: str) -> tuple[str, str] | None:
    """``import { makeKey } from './keys'`` / ``require('./keys').makeKey`` -> the function
    ``makeKey`` of keys.ts (or .js, index.ts...) when that file defines it."""
    if not qualified.startswith("file:"):
        return None
    path, _, name = qualified[5:].rpartition(".")
    rel = _module_file(project, path, ev.facts.language != "javascript") if path else None
    if rel is None:
        return None
    other = project.evaluator(rel)
    return (rel, name) if other is not None and name in other.facts.functions else None


def _fix_relative_imports(facts: FileFacts) -> None:
    for local, target in list(facts.imports.items()):
        if target.startswith("."):
            facts.imports[local] = _relative(facts.relpath, target)


_orig_facts = JsFrontend.facts


def _facts(self, root, relpath, source):  # type: ignore[no-untyped-def]
    facts = _orig_facts(self, root, relpath, source)
    _fix_relative_imports(facts)
    return facts


JsFrontend.facts = _facts  # type: ignore[method-assign]
JsFrontend.resolve_qualified = staticmethod(resolve_qualified)  # type: ignore[attr-defined]
JsFrontend.function_file = staticmethod(function_file)  # type: ignore[attr-defined]
