"""One file's findings: parse, read its facts, evaluate its call sites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inventory.discovery.code.engine import Finding, analyze_tree
from inventory.discovery.code.frontends import frontend
from inventory.discovery.code.project import Project
from inventory.discovery.code.rules import ruleset


def analyze_source(
    source: bytes, relpath: str, language: str, project: Project | None = None
) -> list[Finding]:
    return analyze_file(source, relpath, language, project)[0]


def analyze_file(
    source: bytes, relpath: str, language: str, project: Project | None = None
) -> tuple[list[Finding], list[str]]:
    """The file's findings and the names of its functions that wrap an API call."""
    fe = frontend(language)
    tree = fe.parser.parse(source)
    facts = fe.facts(tree.root_node, relpath, source)
    analysis = analyze_tree(fe, facts, tree.root_node, ruleset(fe.family), project)
    findings = analysis.run()
    return findings, sorted(analysis.exported())


def project_for(root: Path, files: dict[str, str]) -> Project:
    return Project(root, files, _Frontends())


class _Frontends(dict):  # type: ignore[type-arg]
    """Front ends made on first use: a project may hold languages no file asks for."""

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return frontend(key)
        except KeyError:
            return default
