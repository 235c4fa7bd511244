"""Java and Kotlin: imports (single, wildcard, static, aliased), fields and local variables,
`new` and constructor calls, method calls on variables, string concatenation."""

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
from inventory.discovery.code.values import Bytes, Int, Obj, Ref, Seq, Str, Unknown, Value

JAVA_LANG = {"String", "Integer", "System", "Math", "Long", "Object", "Byte"}


class JavaFrontend(Frontend):
    language = "java"
    family = "jvm"
    function_types = ("method_declaration", "constructor_declaration", "lambda_expression")
    _calls = "(method_invocation) @c (object_creation_expression) @c"

    def __init__(self) -> None:
        import tree_sitter_java

        super().__init__(tree_sitter_java.language())
        self.q_calls = Query(self.ts_language, self._calls)

    # ---------------------------------------------------------------- facts
    def facts(self, root: Node, relpath: str, source: bytes) -> FileFacts:
        facts = FileFacts(relpath, self.language, source=source)
        self._walk(root, facts, "")
        return facts

    def _walk(self, node: Node, facts: FileFacts, klass: str) -> None:
        for child in node.named_children:
            t = child.type
            if t == "package_declaration":
                for c in child.named_children:
                    if c.type in ("scoped_identifier", "identifier"):
                        facts.package = text(c)
            elif t == "import_declaration":
                names = [
                    c for c in child.named_children if c.type in ("scoped_identifier", "identifier")
                ]
                if not names:
                    continue
                dotted = text(names[0])
                if any(c.type == "asterisk" for c in child.named_children):
                    facts.wildcards.append(dotted)
                else:
                    facts.imports[dotted.rsplit(".", 1)[-1]] = dotted
            elif t in (
                "class_declaration",
                "interface_declaration",
                "enum_declaration",
                "record_declaration",
            ):
                name = text(child.child_by_field_name("name"))
                body = child.child_by_field_name("body")
                if body is not None:
                    self._walk(body, facts, f"{klass}.{name}" if klass else name)
            elif t in ("field_declaration", "constant_declaration", "local_variable_declaration"):
                scope = self.scope_of(child)
                declared = text(child.child_by_field_name("type")).split("<", 1)[0]
                for decl in child.children_by_field_name("declarator"):
                    if decl.child_by_field_name("name") is not None and declared:
                        facts.add_def(
                            f"{text(decl.child_by_field_name('name'))}#type",
                            scope,
                            child.child_by_field_name("type"),
                        )  # type: ignore[arg-type]
                    name, value = (
                        decl.child_by_field_name("name"),
                        decl.child_by_field_name("value"),
                    )
                    if name is not None and value is not None:
                        facts.add_def(text(name), scope, value)
                        if klass and scope == -1:
                            facts.add_def(f"{klass.rsplit('.', 1)[-1]}.{text(name)}", -1, value)
            elif t == "method_declaration":
                self._method(child, facts, klass)
                body = child.child_by_field_name("body")
                if body is not None:
                    self._walk(body, facts, klass)
            elif t in (
                "class_body",
                "block",
                "constructor_declaration",
                "constructor_body",
                "if_statement",
                "try_statement",
                "for_statement",
                "enhanced_for_statement",
                "while_statement",
                "enum_body",
                "interface_body",
                "static_initializer",
                "expression_statement",
                "switch_expression",
                "switch_block",
                "try_with_resources_statement",
                "catch_clause",
                "finally_clause",
                "enum_body_declarations",
            ):
                self._walk(child, facts, klass)

    def _method(self, node: Node, facts: FileFacts, klass: str) -> None:
        params = []
        plist = node.child_by_field_name("parameters")
        for p in plist.named_children if plist is not None else []:
            if p.type == "formal_parameter":
                params.append(text(p.child_by_field_name("name")))
        body = node.child_by_field_name("body")
        rets = [c for c in body.named_children if c.type == "return_statement"] if body else []
        returns = rets[0].named_children[0] if len(rets) == 1 and rets[0].named_children else None
        name = text(node.child_by_field_name("name"))
        facts.functions[name] = Function(params, {}, returns)
        if klass:
            facts.functions[f"{klass.rsplit('.', 1)[-1]}.{name}"] = facts.functions[name]

    # ---------------------------------------------------------------- sites
    def sites(self, root: Node, wanted: frozenset[str]) -> Iterator[Site]:
        for node in captured(self.q_calls, root):
            site = self.site(node)
            if site is not None and site.last_name in wanted:
                yield site

    def site(self, node: Node) -> Site | None:
        args_node = node.child_by_field_name("arguments")
        args = [a for a in args_node.named_children if a.type != "comment"] if args_node else []
        if node.type == "object_creation_expression":
            type_node = node.child_by_field_name("type")
            name = text(type_node).split("<", 1)[0]
            return Site(node, type_node, args, {}, name.rsplit(".", 1)[-1], is_new=True)
        return Site(node, node, args, {}, text(node.child_by_field_name("name")))

    def callee(self, site: Site, ev) -> tuple[str | None, Value | None]:
        node = site.node
        if site.is_new:
            return self.type_name(text(site.callee).split("<", 1)[0], ev), None
        obj = node.child_by_field_name("object")
        name = text(node.child_by_field_name("name"))
        if obj is None:
            if name in ev.facts.imports:  # import static a.b.C.method
                return ev.facts.imports[name], None
            return name, None
        value = ev.value(obj)
        if isinstance(value, Ref | Obj):
            return member_callee(value, name)
        if obj.type == "identifier":  # a variable of a declared library type: its methods
            declared = ev.facts.defs.get(f"{text(obj)}#type")
            if declared:
                klass = self.type_name(text(declared[-1][2]).split("<", 1)[0], ev)
                return name, Obj(klass, site=(ev.facts.relpath, -1))
        return None, None

    def type_name(self, name: str, ev) -> str:
        """A simple or qualified class name as this file sees it."""
        head, _, rest = name.partition(".")
        if head in ev.facts.imports:
            full = ev.facts.imports[head]
            return f"{full}.{rest}" if rest else full
        if "." in name and name[:1].islower():
            return name
        known = ev.rules.classes if hasattr(ev.rules, "classes") else None
        for package in ev.facts.wildcards:
            candidate = f"{package}.{name}"
            if known is not None and (
                candidate in known or any(k.startswith(candidate + ".") for k in known)
            ):
                return candidate
        return (
            f"{ev.facts.package}.{name}"
            if ev.facts.package and name[:1].isupper() and head not in JAVA_LANG
            else name
        )

    # ---------------------------------------------------------------- values
    def evaluate(self, node: Node, ev) -> Value:
        t = node.type
        if t == "string_literal":
            if any(
                c.type not in ("string_fragment", "escape_sequence", '"')
                for c in node.named_children
            ):
                return unknown(node)
            raw = text(node)
            body = raw[3:-3] if raw.startswith('"""') else raw[1:-1]
            return Str(body.encode().decode("unicode_escape", "replace") if "\\" in body else body)
        if t in (
            "decimal_integer_literal",
            "hex_integer_literal",
            "octal_integer_literal",
            "binary_integer_literal",
        ):
            n = parse_int(text(node))
            return Int(n) if n is not None else unknown(node)
        if t == "identifier":
            name = text(node)
            value = ev.lookup(name, node)
            if isinstance(value, Unknown) and value.text == name and name[:1].isupper():
                return Ref(self.type_name(name, ev))
            return value
        if t == "field_access":
            obj_node = node.child_by_field_name("object")
            fld = text(node.child_by_field_name("field"))
            if obj_node is not None and obj_node.type == "this":
                return ev.lookup(fld, node)
            obj = ev.value(obj_node)
            if isinstance(obj, Ref):
                return ev.qualified(f"{obj.name}.{fld}")
            if isinstance(obj, Unknown) and obj_node is not None:
                return ev.qualified(f"{self.type_name(text(obj_node), ev)}.{fld}")
            return unknown(node)
        if t in ("method_invocation", "object_creation_expression"):
            site = self.site(node)
            if site is None:
                return unknown(node)
            if (
                not site.is_new
                and node.child_by_field_name("object") is None
                and site.last_name in ev.facts.functions
            ):
                return ev.call_value(site.last_name, site, None)
            qname, receiver = self.callee(site, ev)
            if qname is None and receiver is None:
                return unknown(node)
            return ev.call_value(qname, site, receiver)
        if t == "binary_expression":
            left = ev.value(node.child_by_field_name("left"))
            right = ev.value(node.child_by_field_name("right"))
            op = text(node.child_by_field_name("operator"))
            return binary(op, left, right, node)
        if t in ("parenthesized_expression", "cast_expression"):
            inner = node.child_by_field_name("value") or (
                node.named_children[-1] if node.named_children else None
            )
            return ev.value(inner)
        if t == "array_creation_expression" and node.child_by_field_name("value") is None:
            dims = [c for c in node.named_children if c.type == "dimensions_expr"]
            if text(node.child_by_field_name("type")) == "byte" and len(dims) == 1:
                size = ev.value(dims[0].named_children[0]) if dims[0].named_children else None
                if isinstance(size, Int):
                    return Bytes(size.value)
            return unknown(node)
        if t in ("array_creation_expression", "array_initializer"):
            init = node.child_by_field_name("value") if t == "array_creation_expression" else node
            return (
                Seq([ev.value(c) for c in init.named_children])
                if init is not None
                else unknown(node)
            )
        if t == "unary_expression":
            inner = ev.value(node.child_by_field_name("operand"))
            if isinstance(inner, Int) and text(node.child_by_field_name("operator")) == "-":
                return Int(-inner.value)
        return unknown(node)


class KotlinFrontend(JavaFrontend):
    language = "kotlin"
    function_types = ("function_declaration", "lambda_literal", "anonymous_function")
    _calls = "(call_expression) @c"

    def __init__(self) -> None:
        import tree_sitter_kotlin
        from tree_sitter import Language, Parser

        self.ts_language = Language(tree_sitter_kotlin.language())
        self.parser = Parser(self.ts_language)
        self.q_calls = Query(self.ts_language, self._calls)

    def _walk(self, node: Node, facts: FileFacts, klass: str) -> None:
        for child in node.named_children:
            t = child.type
            if t == "package_header":
                for c in child.named_children:
                    if c.type in ("qualified_identifier", "identifier"):
                        facts.package = text(c)
            elif t == "import":
                ids = [
                    c
                    for c in child.named_children
                    if c.type in ("qualified_identifier", "identifier")
                ]
                if not ids:
                    continue
                dotted = text(ids[0])
                alias = text(ids[1]) if len(ids) > 1 else ""
                if text(child).rstrip().endswith("*"):
                    facts.wildcards.append(dotted)
                else:
                    facts.imports[alias or dotted.rsplit(".", 1)[-1]] = dotted
            elif t == "property_declaration":
                decl = next(
                    (c for c in child.named_children if c.type == "variable_declaration"), None
                )
                value = child.named_children[-1] if child.named_children else None
                if decl is not None and value is not None and value is not decl:
                    name = text(decl.named_children[0]) if decl.named_children else ""
                    scope = self.scope_of(child)
                    facts.add_def(name, scope, value)
                    if klass and scope == -1:
                        facts.add_def(f"{klass}.{name}", -1, value)
            elif t in ("class_declaration", "object_declaration", "companion_object"):
                name = next(
                    (
                        text(c)
                        for c in child.named_children
                        if c.type in ("identifier", "type_identifier")
                    ),
                    "",
                )
                self._walk(child, facts, name or klass)
            elif t == "function_declaration":
                body = next((c for c in child.named_children if c.type == "function_body"), None)
                self._kfunction(child, facts, klass)
                if body is not None:
                    self._walk(body, facts, klass)
            elif t in (
                "class_body",
                "block",
                "function_body",
                "statements",
                "if_expression",
                "try_expression",
                "for_statement",
                "while_statement",
                "control_structure_body",
                "source_file",
                "catch_block",
                "finally_block",
                "companion_object",
            ):
                self._walk(child, facts, klass)

    def _kfunction(self, node: Node, facts: FileFacts, klass: str = "") -> None:
        name = text(node.child_by_field_name("name"))
        params = []
        for plist in (c for c in node.named_children if c.type == "function_value_parameters"):
            for p in plist.named_children:
                if p.type == "parameter" and p.named_children:
                    params.append(text(p.named_children[0]))
        body = next((c for c in node.named_children if c.type == "function_body"), None)
        returns = None
        if body is not None and body.named_children and body.named_children[0].type != "block":
            returns = body.named_children[0]  # fun f() = expr
        elif body is not None:
            found = (
                [n for n in body.named_children[0].named_children if n.type == "jump_expression"]
                if body.named_children
                else []
            )
            if len(found) == 1 and found[0].named_children:
                returns = found[0].named_children[0]
        facts.functions[name] = Function(params, {}, returns)
        # a top-level function by its package name, an object's or class's by its own
        qualifier = klass or (f"{facts.package}" if facts.package else "")
        if qualifier:
            facts.functions[f"{qualifier}.{name}"] = facts.functions[name]

    def site(self, node: Node) -> Site | None:
        if not node.named_children:
            return None
        fn = node.named_children[0]
        suffix = next(
            (c for c in node.named_children if c.type in ("value_arguments", "call_suffix")), None
        )
        if suffix is not None and suffix.type == "call_suffix":
            suffix = next((c for c in suffix.named_children if c.type == "value_arguments"), None)
        args: list[Node] = []
        kwargs: dict[str, Node] = {}
        for a in suffix.named_children if suffix is not None else []:
            if a.type != "value_argument" or not a.named_children:
                continue
            if (
                len(a.named_children) >= 2
                and a.named_children[0].type == "identifier"
                and "=" in text(a)
            ):
                kwargs[text(a.named_children[0])] = a.named_children[-1]
            else:
                args.append(a.named_children[-1])
        if fn.type == "navigation_expression":
            last = text(fn.named_children[-1]) if fn.named_children else ""
            last = last.lstrip(".?")
        else:
            last = text(fn)
        return Site(node, fn, args, kwargs, last.rsplit(".", 1)[-1])

    def callee(self, site: Site, ev) -> tuple[str | None, Value | None]:
        fn = site.callee
        if fn is None:
            return None, None
        if fn.type in ("identifier", "simple_identifier"):
            name = text(fn)
            if name in ev.facts.imports:
                return ev.facts.imports[name], None
            if name[:1].isupper():
                return self.type_name(name, ev), None
            return name, None
        if fn.type == "navigation_expression" and len(fn.named_children) >= 2:
            obj_node = fn.named_children[0]
            name = text(fn.named_children[-1]).lstrip(".?")
            value = ev.value(obj_node)
            if isinstance(value, Ref | Obj):
                return member_callee(value, name)
            if (
                isinstance(value, Unknown)
                and obj_node.type in ("identifier", "simple_identifier")
                and text(obj_node)[:1].isupper()
            ):
                return f"{self.type_name(text(obj_node), ev)}.{name}", None
        return None, None

    def evaluate(self, node: Node, ev) -> Value:
        t = node.type
        if t == "string_literal":
            parts = node.named_children
            if any(c.type not in ("string_content", "escape_sequence") for c in parts):
                return unknown(node)
            return Str("".join(text(c) for c in parts))
        if t in ("number_literal", "integer_literal", "hex_literal", "long_literal"):
            n = parse_int(text(node))
            return Int(n) if n is not None else unknown(node)
        if t in ("identifier", "simple_identifier"):
            name = text(node)
            value = ev.lookup(name, node)
            if isinstance(value, Unknown) and name[:1].isupper():
                return Ref(self.type_name(name, ev))
            return value
        if t == "navigation_expression" and len(node.named_children) >= 2:
            obj = ev.value(node.named_children[0])
            name = text(node.named_children[-1]).lstrip(".?")
            if isinstance(obj, Ref):
                return ev.qualified(f"{obj.name}.{name}")
            return unknown(node)
        if t == "call_expression":
            site = self.site(node)
            if site is None:
                return unknown(node)
            if (
                site.callee is not None
                and site.callee.type == "identifier"
                and text(site.callee) in ev.facts.functions
            ):
                return ev.call_value(text(site.callee), site, None)
            qname, receiver = self.callee(site, ev)
            if qname is None and receiver is None:
                return unknown(node)
            return ev.call_value(qname, site, receiver)
        if t in ("additive_expression", "multiplicative_expression"):
            kids = node.children
            if len(kids) == 3:
                return binary(text(kids[1]), ev.value(kids[0]), ev.value(kids[2]), node)
        if t == "parenthesized_expression" and node.named_children:
            return ev.value(node.named_children[0])
        return unknown(node)


# -------------------------------------------------------------------- across files
def resolve_qualified(project, ev, qualified: str) -> Value | None:
    """'com.acme.Config.KEY_SIZE' -> the field in com/acme/Config.java (or .kt)."""
    if "." not in qualified:
        return None
    klass, member = qualified.rsplit(".", 1)
    simple = klass.rsplit(".", 1)[-1]
    for ext in (".java", ".kt"):
        for rel in project.files_named(simple + ext):
            other = project.evaluator(rel)
            if other is None:
                continue
            pkg = other.facts.package
            if klass == f"{pkg}.{simple}" or klass == simple or not pkg:
                value = project.constant(rel, f"{simple}.{member}") or project.constant(rel, member)
                if value is not None:
                    return value
    return None


def function_file(project, ev, qualified: str) -> tuple[str, str] | None:
    """The file defining a static method (``KeyUtil.makeKey``, ``import static``), a Kotlin
    object's function or a Kotlin top-level function (imported, or of the same package),
    found by its class file name or its package's directory and checked by the package
    the file declares; None when no file or more than one fits."""
    head, _, member = qualified.rpartition(".")
    if not head:  # unqualified: a Kotlin top-level function of this file's package
        if ev.facts.language != "kotlin" or not ev.facts.package:
            return None
        head = ev.facts.package
    simple = head.rsplit(".", 1)[-1]
    for ext in (".java", ".kt"):
        for rel in project.files_named(simple + ext):
            other = project.evaluator(rel)
            if other is None or f"{simple}.{member}" not in other.facts.functions:
                continue
            pkg = other.facts.package
            if head == f"{pkg}.{simple}" or (head == simple and pkg == ev.facts.package):
                return rel, member
    hits = set()
    if "." not in qualified:  # the same package, most often the same directory
        for rel in project.siblings(ev.facts.relpath):
            other = project.evaluator(rel) if rel.endswith((".kt", ".kts")) else None
            facts = other.facts if other is not None else None
            if (
                facts is not None
                and facts.package == head
                and f"{head}.{member}" in facts.functions
            ):
                hits.add(rel)
    top, owner = (head, f"{head}.{member}"), (head.rpartition(".")[0], f"{simple}.{member}")
    for package, key in (top, owner):
        if not package:
            continue
        directory = package.replace(".", "/")
        for rel, lang in project.files.items():
            if lang != "kotlin" or not (rel.rsplit("/", 1)[0] + "/").endswith(directory + "/"):
                continue
            other = project.evaluator(rel)
            facts = other.facts if other is not None else None
            if facts is not None and facts.package == package and key in facts.functions:
                hits.add(rel)
    return (hits.pop(), member) if len(hits) == 1 else None


for _cls in (JavaFrontend, KotlinFrontend):
    _cls.resolve_qualified = staticmethod(resolve_qualified)  # type: ignore[attr-defined]
    _cls.function_file = staticmethod(function_file)  # type: ignore[attr-defined]
