"""Cryptography in configuration files: nginx, Apache httpd, HAProxy, OpenSSH server and
client, OpenSSL config, `java.security`, Kubernetes manifests (TLS secrets, Ingress and
ingress-nginx settings, cert-manager certificates), Terraform (AWS, Google Cloud and Azure
KMS keys and TLS policies, the tls provider), Docker Compose, Dockerfiles and the Docker
daemon. Each setting is a finding located at its file and line, as code findings are.
"""

from __future__ import annotations

from pathlib import Path

from inventory.discovery.code.engine import Finding
from inventory.discovery.code.walk import Walked, check_text
from inventory.discovery.config import readers

MAX_BYTES = 1_000_000


def kind_of(rel: str) -> str | None:
    """Which reader a file needs, by its name and place."""
    low = rel.lower()
    name = low.rsplit("/", 1)[-1]
    parent = low.rsplit("/", 2)[-2] if "/" in low else ""
    if name in ("sshd_config", "ssh_config") or parent in ("sshd_config.d", "ssh_config.d"):
        return "ssh"
    if name == "java.security":
        return "java"
    if name.endswith(".cnf") or name == "openssl.cnf":
        return "openssl"
    if name.endswith(".tf"):
        return "terraform"
    if name == "daemon.json":
        return "docker-daemon"
    if name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml")):
        return "compose"
    if name.startswith(("dockerfile", "containerfile")) or name.endswith(".dockerfile"):
        return "dockerfile"
    if name.endswith((".yml", ".yaml")):
        return "yaml"
    if name == "haproxy.cfg" or ("haproxy" in low and name.endswith(".cfg")):
        return "haproxy"
    if name.endswith(".conf") or name == ".htaccess":
        if "nginx" in low:
            return "nginx"
        if "apache" in low or "httpd" in low or name in ("ssl.conf", ".htaccess"):
            return "apache"
        return "conf"  # sniffed by its content
    return None


def scan_config(root: Path, walked: Walked) -> tuple[list[Finding], dict[str, list[str]]]:
    findings: list[Finding] = []
    skipped: dict[str, list[str]] = {}
    for rel, size in walked.files:
        kind = kind_of(rel)
        if kind is None:
            continue
        if size > MAX_BYTES:
            skipped.setdefault("huge", []).append(rel)
            continue
        try:
            data = (root / rel).read_bytes()
        except OSError:
            skipped.setdefault("unreadable", []).append(rel)
            continue
        reason = check_text(data)
        if reason is not None:
            skipped.setdefault(reason, []).append(rel)
            continue
        text = data.decode("utf-8")
        try:
            findings.extend(readers.read(kind, rel, text))
        except readers.Unreadable as exc:
            skipped.setdefault(f"unparsable {kind}", []).append(f"{rel}: {exc}"[:200])
    return findings, skipped
