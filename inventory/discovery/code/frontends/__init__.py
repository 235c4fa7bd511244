"""One front end per grammar; made once per process (a parser each)."""

from __future__ import annotations

from functools import cache

from inventory.discovery.code.frontends.base import Frontend

EXTENSIONS = {
    ".py": "python",
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".go": "go",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
}
LANGUAGES = ("python", "java", "kotlin", "go", "c", "cpp", "javascript", "typescript", "tsx")


@cache
def frontend(language: str) -> Frontend:
    if language == "python":
        from inventory.discovery.code.frontends.python import PythonFrontend

        return PythonFrontend()
    if language in ("java", "kotlin"):
        from inventory.discovery.code.frontends.jvm import JavaFrontend, KotlinFrontend

        return JavaFrontend() if language == "java" else KotlinFrontend()
    if language == "go":
        from inventory.discovery.code.frontends.golang import GoFrontend

        return GoFrontend()
    if language in ("c", "cpp"):
        from inventory.discovery.code.frontends.clang import CFrontend

        return CFrontend(language)
    if language in ("javascript", "typescript", "tsx"):
        from inventory.discovery.code.frontends.js import JsFrontend

        return JsFrontend(language)
    raise KeyError(language)
