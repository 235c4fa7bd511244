"""What every language front end gives the evaluator: the file's names and its call sites.

A front end reads one parsed file into `FileFacts` (imports, definitions, simple functions)
and turns the nodes of its grammar into `values` (`evaluate`). The evaluator (`engine`) asks
it for the call sites worth a look (`sites`) and for the qualified name of a callee.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from inventory.discovery.code.values import Int, Obj, Ref, Str, Unknown, Value


@dataclass
class Function:
    params: list[str]
    defaults: dict[str, Node]
    returns: Node | None  # the expression of its only (or last top-level) return


@dataclass
class FileFacts:
    relpath: str
    language: str
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    wildcards: list[str] = field(default_factory=list)  # packages/modules imported with *
    # name -> [(start byte, scope start byte or -1 for the file, value node)]
    defs: dict[str, list[tuple[int, int, Node]]] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    package: str = ""  # Java/Kotlin package, Go package directory, Python module
    includes: list[str] = field(default_factory=list)  # C/C++ "quoted" includes
    source: bytes = b""

    def add_def(self, name: str, scope: int, node: Node) -> None:
        self.defs.setdefault(name, []).append((node.start_byte, scope, node))


@dataclass
class Site:
    """A call, an object creation or a composite literal in the code."""

    node: Node
    callee: Node | None  # the expression naming what is called
    args: list[Node]
    kwargs: dict[str, Node]
    last_name: str  # the callee's last identifier, for the quick filter
    is_new: bool = False
    type_name: str | None = None  # Go composite literals: the qualified type text


class Frontend:
    """One grammar. Subclasses set the names and implement the four methods."""

    language = ""
    family = ""  # which rules apply: python, jvm, go, c, js
    function_types: tuple[str, ...] = ()  # node types that open a scope

    def __init__(self, ts_language: Any) -> None:
        from tree_sitter import Language, Parser

        self.ts_language = Language(ts_language)
        self.parser = Parser(self.ts_language)

    def facts(self, root: Node, relpath: str, source: bytes) -> FileFacts:
        raise NotImplementedError

    def sites(self, root: Node, wanted: frozenset[str]) -> Iterator[Site]:
        raise NotImplementedError

    def evaluate(self, node: Node, ev: Any) -> Value:
        """The value of one expression node; `ev` resolves names (engine.Evaluator)."""
        raise NotImplementedError

    def callee(self, node: Node, ev: Any) -> tuple[str | None, Value | None]:
        """(qualified name, receiver value) of what a site calls.

        A static or free function gives its qualified name and no receiver; a method called
        on a value gives the method name and the receiver's value.
        """
        raise NotImplementedError

    def enclosing_function(self, node: Node) -> str | None:
        """The name of the function or method around ``node`` (as `FileFacts.functions`
        keys it), or None at file level."""
        parent = node.parent
        while parent is not None:
            if parent.type in self.function_types:
                name = parent.child_by_field_name("name")
                if name is None:  # C: the name sits in the declarator
                    decl = parent.child_by_field_name("declarator")
                    while decl is not None and decl.child_by_field_name("declarator") is not None:
                        decl = decl.child_by_field_name("declarator")
                    name = decl
                return text(name) if name is not None else None
            parent = parent.parent
        return None

    # helpers shared by the front ends
    def scope_of(self, node: Node) -> int:
        parent = node.parent
        while parent is not None:
            if parent.type in self.function_types:
                return parent.start_byte
            parent = parent.parent
        return -1


def captured(query: Any, root: Node, name: str = "c") -> list[Node]:
    """The nodes a query captures, in document order (the cursor does not promise it)."""
    from tree_sitter import QueryCursor

    nodes = QueryCursor(query).captures(root).get(name, [])
    return sorted(nodes, key=lambda n: n.start_byte)


def text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


_INT = re.compile(r"^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[0-9][0-9_]*)[uUlLnN]*$")


def parse_int(raw: str) -> int | None:
    """An integer literal of any of the scanned languages, or None (floats, expressions)."""
    raw = raw.strip()
    if not _INT.match(raw):
        return None
    digits = raw.rstrip("uUlLnN").replace("_", "")
    try:
        if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
            return int(digits, 8)
        return int(digits, 0)
    except ValueError:
        return None


def unknown(node: Node | None) -> Unknown:
    shown = text(node)
    return Unknown(shown if len(shown) <= 80 else shown[:77] + "...")


def member_callee(receiver: Value, member: str) -> tuple[str | None, Value | None]:
    """What ``receiver.member(...)`` calls: a qualified name when the receiver is a module or
    class (a Ref), the method of an object a call returned (an Obj), else nothing known."""
    if isinstance(receiver, Ref):
        return f"{receiver.name}.{member}", None
    if isinstance(receiver, Obj):
        return member, receiver
    return None, None


def binary(op: str, left: Value, right: Value, node: Node) -> Value:
    if op == "+" and isinstance(left, Str) and isinstance(right, Str | Int):
        return Str(left.value + str(right.value))
    if op == "+" and isinstance(left, Int) and isinstance(right, Str):
        return Str(str(left.value) + right.value)
    if isinstance(left, Int) and isinstance(right, Int):
        ops = {
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a // b if b else None,
            "//": lambda a, b: a // b if b else None,
            "<<": lambda a, b: a << b if 0 <= b < 64 else None,
        }
        fn = ops.get(op)
        result = fn(left.value, right.value) if fn else None
        if result is not None:
            return Int(result)
    return unknown(node)
