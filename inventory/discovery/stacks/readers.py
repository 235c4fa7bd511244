"""Manifests, lock files, SBOMs and package lists, read into components with their lines."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from inventory.discovery.stacks.component import Component

MANIFESTS = {
    "requirements.txt": "requirements",
    "poetry.lock": "toml-lock",
    "uv.lock": "toml-lock",
    "cargo.lock": "toml-lock",
    "pipfile.lock": "pipfile",
    "pom.xml": "pom",
    "build.gradle": "gradle",
    "build.gradle.kts": "gradle",
    "gradle.lockfile": "gradle-lock",
    "go.mod": "gomod",
    "package-lock.json": "npm-lock",
    "package.json": "package-json",
    "status": "dpkg-status",
    "packages.config": "nuget-config",
}


def kind_of(rel: str) -> str | None:
    name = rel.rsplit("/", 1)[-1].lower()
    if name in MANIFESTS:
        if name == "status" and "dpkg" not in rel.lower():
            return None
        return MANIFESTS[name]
    if re.fullmatch(r"requirements[-_.\w]*\.txt", name):
        return "requirements"
    if (
        name.endswith((".cdx.json", ".bom.json"))
        or name in ("bom.json", "sbom.json")
        or (name.startswith("sbom") and name.endswith(".json"))
    ):
        return "sbom-json"
    if name.endswith(".spdx.json"):
        return "sbom-json"
    if name.endswith(".spdx"):
        return "spdx-tag"
    if name.endswith(".csproj"):
        return "csproj"
    if ("dpkg" in name or name in ("packages.txt", "installed-packages.txt")) and name.endswith(
        (".txt", ".list", ".log")
    ):
        return "dpkg-list"
    if name.startswith(("dockerfile", "containerfile")) or name.endswith(".dockerfile"):
        return "dockerfile"
    return None


def _line(text: str, needle: str) -> int | None:
    idx = text.find(needle)
    return text.count("\n", 0, idx) + 1 if idx >= 0 else None


def read(kind: str, rel: str, text: str) -> list[Component]:
    return READERS[kind](rel, text)


def requirements(rel: str, text: str) -> list[Component]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        m = re.match(
            r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(===?|>=|~=)\s*([\w.!+-]+)", line
        )
        if m:
            version = m.group(3) if m.group(2).startswith("==") else None
            out.append(Component("pypi", _pep503(m.group(1)), version, rel, n, direct=True))
        elif re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*$", line):
            out.append(Component("pypi", _pep503(line), None, rel, n))
    return out


def _pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def toml_lock(rel: str, text: str) -> list[Component]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None
    eco = "cargo" if rel.lower().endswith("cargo.lock") else "pypi"
    out = []
    for pkg in data.get("package", []):
        if isinstance(pkg, dict) and "name" in pkg:
            name = pkg["name"] if eco == "cargo" else _pep503(pkg["name"])
            out.append(
                Component(
                    eco,
                    name,
                    str(pkg.get("version") or "") or None,
                    rel,
                    _line(text, f'name = "{pkg["name"]}"'),
                    direct=False,
                )
            )
    return out


def pipfile(rel: str, text: str) -> list[Component]:
    data = json.loads(text)
    out = []
    for section in ("default", "develop"):
        for name, spec in (data.get(section) or {}).items():
            version = spec.get("version", "").lstrip("=") if isinstance(spec, dict) else None
            out.append(
                Component("pypi", _pep503(name), version or None, rel, _line(text, f'"{name}"'))
            )
    return out


def pom(rel: str, text: str) -> list[Component]:
    import xml.etree.ElementTree as ET

    if "<!ENTITY" in text:
        raise ValueError("entity declarations are refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(str(exc)) from None
    ns = root.tag.split("}", 1)[0] + "}" if root.tag.startswith("{") else ""
    props = {}
    for p in root.findall(f"{ns}properties/*"):
        props[p.tag.removeprefix(ns)] = (p.text or "").strip()

    def resolve(value: str | None) -> str | None:
        if value is None:
            return None
        m = re.fullmatch(r"\$\{([^}]+)\}", value.strip())
        return props.get(m.group(1)) if m else value.strip()

    out = []
    for dep in root.iter(f"{ns}dependency"):
        group, artifact = dep.findtext(f"{ns}groupId"), dep.findtext(f"{ns}artifactId")
        if not group or not artifact:
            continue
        out.append(
            Component(
                "maven",
                f"{group.strip()}:{artifact.strip()}",
                resolve(dep.findtext(f"{ns}version")),
                rel,
                _line(text, f"<artifactId>{artifact.strip()}</artifactId>"),
            )
        )
    for key in ("maven.compiler.release", "maven.compiler.source", "java.version"):
        if props.get(key):
            out.append(
                Component("maven-compiler", "java", props[key], rel, _line(text, f"<{key}>"))
            )
            break
    return out


_GRADLE = re.compile(r"""["']([\w.-]+):([\w.-]+):([\w.+-]+)["']""")


def gradle(rel: str, text: str) -> list[Component]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        for m in _GRADLE.finditer(line):
            out.append(Component("maven", f"{m.group(1)}:{m.group(2)}", m.group(3), rel, n))
        m = re.search(
            r"(?:jvmToolchain\(|languageVersion\.set\(JavaLanguageVersion\.of\(|VERSION_)(\d+)",
            line,
        )
        if m:
            out.append(Component("maven-compiler", "java", m.group(1), rel, n))
    return out


def gradle_lock(rel: str, text: str) -> list[Component]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^([\w.-]+):([\w.-]+):([\w.+-]+)=", line)
        if m:
            out.append(
                Component("maven", f"{m.group(1)}:{m.group(2)}", m.group(3), rel, n, direct=False)
            )
    return out


def gomod(rel: str, text: str) -> list[Component]:
    out = []
    in_block = False
    for n, line in enumerate(text.splitlines(), 1):
        s = line.split("//", 1)[0].strip()
        if re.match(r"^go\s+\d", s):
            out.append(Component("golang", "go", s.split()[1], rel, n))
        elif s.startswith("toolchain "):
            out.append(Component("golang", "toolchain", s.split()[1], rel, n))
        elif s.startswith("require ("):
            in_block = True
        elif in_block and s == ")":
            in_block = False
        elif (in_block or s.startswith("require ")) and s:
            parts = s.removeprefix("require ").split()
            if len(parts) >= 2:
                out.append(
                    Component(
                        "golang", parts[0], parts[1], rel, n, direct="// indirect" not in line
                    )
                )
    return out


def npm_lock(rel: str, text: str) -> list[Component]:
    data = json.loads(text)
    out = []
    for path, info in (data.get("packages") or {}).items():
        if path and isinstance(info, dict) and info.get("version"):
            name = path.rsplit("node_modules/", 1)[-1]
            out.append(
                Component(
                    "npm",
                    name,
                    info["version"],
                    rel,
                    _line(text, f'"{path}"'),
                    direct=path.count("node_modules/") == 1,
                )
            )
    if not out:
        for name, info in (data.get("dependencies") or {}).items():
            if isinstance(info, dict):
                out.append(
                    Component("npm", name, info.get("version"), rel, _line(text, f'"{name}"'))
                )
    return out


def package_json(rel: str, text: str) -> list[Component]:
    data = json.loads(text)
    engines = data.get("engines") if isinstance(data, dict) else None
    node = engines.get("node") if isinstance(engines, dict) else None
    if isinstance(node, str):
        m = re.search(r"(\d+(?:\.\d+)*)", node)
        if m:
            return [Component("node-engine", "node", m.group(1), rel, _line(text, '"node"'))]
    return []


def dpkg_status(rel: str, text: str) -> list[Component]:
    out = []
    for block in re.split(r"\n\s*\n", text):
        fields = dict(re.findall(r"^([\w-]+):\s*(.*)$", block, re.M))
        if "Package" in fields and "not-installed" not in fields.get("Status", ""):
            if fields.get("Status") and "installed" not in fields["Status"]:
                continue
            out.append(
                Component(
                    "deb",
                    fields["Package"],
                    fields.get("Version"),
                    rel,
                    _line(text, f"Package: {fields['Package']}\n"),
                )
            )
    return out


def dpkg_list(rel: str, text: str) -> list[Component]:
    if re.search(r"^Package: ", text, re.M):
        return dpkg_status(rel, text)
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^(?:ii|hi|iU)\s+(\S+?)(?::\w+)?\s+(\S+)\s", line)
        if m:
            out.append(Component("deb", m.group(1), m.group(2), rel, n))
        else:
            m = re.match(r"^([a-z0-9][a-z0-9.+-]+)(?::\w+)?\s*[= ]\s*(\d[\w.:~+-]*)\s*$", line)
            if m:
                out.append(Component("deb", m.group(1), m.group(2), rel, n))
    return out


_PURL = re.compile(r"^pkg:(?P<type>[\w.+-]+)/(?P<path>[^@?#]+)(?:@(?P<version>[^?#]+))?")


def from_purl(purl: str) -> tuple[str, str, str | None] | None:
    m = _PURL.match(purl)
    if not m:
        return None
    kind, path, version = m.group("type"), m.group("path"), m.group("version")
    from urllib.parse import unquote

    path, version = unquote(path), unquote(version) if version else None
    if kind == "maven":
        return "maven", path.replace("/", ":", 1), version
    if kind in ("deb", "rpm", "apk"):
        return kind if kind != "apk" else "generic", path.rsplit("/", 1)[-1], version
    if kind == "golang":
        return "golang", path, version
    if kind == "pypi":
        return "pypi", _pep503(path), version
    return kind, path.rsplit("/", 1)[-1] if kind in ("generic", "github") else path, version


def sbom_json(rel: str, text: str) -> list[Component]:
    data = json.loads(text)
    if not isinstance(data, dict):
        return []
    items: list[tuple[str, str, str | None]] = []
    if data.get("bomFormat") == "CycloneDX":
        stack: list[Any] = list(data.get("components") or [])
        while stack:
            comp = stack.pop()
            if not isinstance(comp, dict):
                continue
            stack.extend(comp.get("components") or [])
            parsed = from_purl(comp.get("purl", "")) if comp.get("purl") else None
            if parsed:
                items.append(parsed)
            elif comp.get("name"):
                items.append(("generic", str(comp["name"]), comp.get("version")))
    elif "spdxVersion" in data:
        for pkg in data.get("packages") or []:
            if not isinstance(pkg, dict):
                continue
            purls = [
                r.get("referenceLocator")
                for r in pkg.get("externalRefs") or []
                if isinstance(r, dict) and r.get("referenceType") == "purl"
            ]
            parsed = from_purl(purls[0]) if purls else None
            items.append(parsed or ("generic", str(pkg.get("name", "")), pkg.get("versionInfo")))
    return [
        Component(e, n, v, rel, _line(text, f'"{n.rsplit(":", 1)[-1]}"'), direct=False)
        for e, n, v in items
        if n
    ]


def spdx_tag(rel: str, text: str) -> list[Component]:
    out = []
    name, line = None, None
    for n, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("PackageName:"):
            name, line = raw.split(":", 1)[1].strip(), n
        elif raw.startswith("PackageVersion:") and name:
            out.append(Component("generic", name, raw.split(":", 1)[1].strip(), rel, line))
            name = None
        elif raw.startswith("ExternalRef:") and "purl" in raw and out:
            parsed = from_purl(raw.split()[-1])
            if parsed:
                out[-1].ecosystem, out[-1].name, out[-1].version = (
                    parsed[0],
                    parsed[1],
                    parsed[2] or out[-1].version,
                )
    return out


def csproj(rel: str, text: str) -> list[Component]:
    out = []
    for m in re.finditer(r"<TargetFrameworks?>([^<]+)</TargetFrameworks?>", text):
        for fw in m.group(1).split(";"):
            v = re.match(r"net(\d+\.\d+)", fw.strip())
            if v and not fw.startswith("netstandard"):
                out.append(
                    Component("dotnet-target", "net", v.group(1), rel, _line(text, m.group(0)))
                )
    for m in re.finditer(r'<PackageReference\s+Include="([^"]+)"\s+Version="([^"]+)"', text):
        out.append(Component("nuget", m.group(1), m.group(2), rel, _line(text, m.group(0))))
    return out


def nuget_config(rel: str, text: str) -> list[Component]:
    return [
        Component("nuget", m.group(1), m.group(2), rel, _line(text, m.group(0)))
        for m in re.finditer(r'<package\s+id="([^"]+)"\s+version="([^"]+)"', text)
    ]


def dockerfile(rel: str, text: str) -> list[Component]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^\s*FROM\s+(?:--platform=\S+\s+)?([\w./-]+):([\w.-]+)", line, re.I)
        if m:
            image, tag = m.group(1), m.group(2)
            base = image if image.startswith("mcr.microsoft.com/") else image.rsplit("/", 1)[-1]
            version = re.match(r"(\d+(?:\.\d+)*)", tag)
            out.append(Component("docker", base, version.group(1) if version else None, rel, n))
    return out


READERS = {
    "requirements": requirements,
    "toml-lock": toml_lock,
    "pipfile": pipfile,
    "pom": pom,
    "gradle": gradle,
    "gradle-lock": gradle_lock,
    "gomod": gomod,
    "npm-lock": npm_lock,
    "package-json": package_json,
    "dpkg-status": dpkg_status,
    "dpkg-list": dpkg_list,
    "sbom-json": sbom_json,
    "spdx-tag": spdx_tag,
    "csproj": csproj,
    "nuget-config": nuget_config,
    "dockerfile": dockerfile,
}
