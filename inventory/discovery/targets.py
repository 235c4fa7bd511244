"""Scan targets and the scopes that allow them.

A target is ``host:port``, ``[v6]:port``, ``host`` (the kind's default port) or a CIDR range
with ports (``10.0.0.0/30:443,8443``); a store target is a path. Every target must fall
inside a scope its organization registered, checked before any packet is sent. Host names
are compared as written (no DNS lookup happens before the check).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from core.errors import NO_TARGETS, InputError
from core.i18n import N_, say
from core.tenancy import Forbidden
from core.their_words import their_words

DEFAULT_PORTS = {"tls": 443, "ssh": 22}
MAX_ENDPOINTS = 65536


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_ports(text: str, where: str) -> list[int]:
    """``"443,8000-8002"`` -> [443, 8000, 8001, 8002]."""
    ports: list[int] = []
    for part in text.split(","):
        part = part.strip()
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise InputError(N_("{value} is not a port or a port range"), where, value=repr(part))
        first, last = int(lo), int(hi or lo)
        if not 1 <= first <= last <= 65535:
            raise InputError(N_("port range {value} is outside 1-65535"), where, value=repr(part))
        ports.extend(range(first, last + 1))
        if len(ports) > MAX_ENDPOINTS:
            raise InputError(N_("more than {count} ports"), where, count=MAX_ENDPOINTS)
    return ports


def canonical_ports(text: str, where: str) -> str:
    """One spelling per port set, so the same set twice is seen as the same scope:
    ``"8443, 443,444-445"`` -> ``"443-445,8443"``.

    >>> canonical_ports("8443, 443,444-445", "ports")
    '443-445,8443'
    """
    ports = sorted(set(parse_ports(text, where)))
    runs: list[list[int]] = []
    for port in ports:
        if runs and port == runs[-1][1] + 1:
            runs[-1][1] = port
        else:
            runs.append([port, port])
    return ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def _host_ok(host: str) -> bool:
    if not host or len(host) > 253:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return all(p and len(p) <= 63 and p.replace("-", "").isalnum() for p in host.split("."))


def parse_target(text: str, kind: str, where: str) -> list[Endpoint]:
    """Endpoints of one target string; ``where`` names it in errors (``targets[2]``)."""
    text = text.strip()
    if not text:
        raise InputError(N_("empty target"), where)
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise InputError(N_("missing ']' after an IPv6 address"), where)
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") > 1 and "/" not in text.split(":")[0]:
        host, port_text = text, ""  # bare IPv6 address
    else:
        host, _, port_text = text.partition(":")
    ports = parse_ports(port_text, where) if port_text else [DEFAULT_PORTS[kind]]
    if "/" in host:
        try:
            net = ipaddress.ip_network(host, strict=False)
        except ValueError as exc:
            raise InputError(
                N_("{value} is not a CIDR range: {reason}"),
                where,
                value=repr(host),
                reason=their_words(str(exc)),
            ) from exc
        if net.num_addresses * len(ports) > MAX_ENDPOINTS:
            raise InputError(
                N_("{host} with {ports} port(s) is more than {count} endpoints"),
                where,
                host=host,
                ports=len(ports),
                count=MAX_ENDPOINTS,
            )
        hosts = [str(a) for a in (net.hosts() if net.num_addresses > 2 else net)]
        return [Endpoint(h, p) for h in hosts for p in ports]
    if not _host_ok(host):
        raise InputError(N_("{value} is not a host name or IP address"), where, value=repr(host))
    return [Endpoint(host, p) for p in ports]


def parse_targets(texts: list[str], kind: str) -> list[Endpoint]:
    """Every endpoint, in order, without repeats."""
    out: dict[Endpoint, None] = {}
    for i, text in enumerate(texts):
        for endpoint in parse_target(text, kind, f"targets[{i}]"):
            out[endpoint] = None
        if len(out) > MAX_ENDPOINTS:
            raise InputError(
                N_("more than {count} endpoints in one scan"), f"targets[{i}]", count=MAX_ENDPOINTS
            )
    if not out:
        raise InputError(NO_TARGETS, "targets")
    return list(out)


def read_target_file(path: Path) -> list[str]:
    """Targets from a file: one a line; blank lines and ``#`` comments are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]


# ---------------------------------------------------------------------- scopes
@dataclass(frozen=True)
class Scope:
    kind: str  # "network" or "path"
    value: str
    ports: str | None = None

    def allows(self, endpoint: Endpoint) -> bool:
        if self.kind != "network":
            return False
        if self.ports and endpoint.port not in parse_ports(self.ports, "scope.ports"):
            return False
        try:
            address = ipaddress.ip_address(endpoint.host)
        except ValueError:
            return endpoint.host.lower() == self.value.lower()
        try:
            return address in ipaddress.ip_network(self.value, strict=False)
        except ValueError:
            return False

    def allows_path(self, path: Path) -> bool:
        if self.kind != "path":
            return False
        return path.resolve().is_relative_to(Path(self.value).resolve())


def validate_scope(kind: str, value: str, ports: str | None) -> Scope:
    """A scope as the API or CLI gives it, checked; errors name the field."""
    if kind == "network":
        value = value.strip()
        try:
            value = str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            if "/" in value or not _host_ok(value):
                raise InputError(
                    N_("{value} is not a CIDR range or host name"), "value", value=repr(value)
                ) from None
        if ports:
            ports = canonical_ports(ports, "ports")
            if len(ports) > 200:
                raise InputError(
                    N_("more than {length} characters once written as ranges"), "ports", length=200
                )
    elif kind == "path":
        if not value.startswith("/"):
            raise InputError(N_("a path scope must be an absolute directory"), "value")
        if ports:
            raise InputError(N_("a path scope takes no ports"), "ports")
        value = str(Path(value).resolve())
    else:
        raise InputError(
            N_("unknown scope kind {kind}; use network or path"), "kind", kind=repr(kind)
        )
    return Scope(kind, value, ports or None)


def check_in_scope(endpoints: list[Endpoint], scopes: list[Scope]) -> None:
    """Raise ``OutOfScope`` naming the first endpoints no scope allows."""
    outside = [e for e in endpoints if not any(s.allows(e) for s in scopes)]
    if outside:
        shown = ", ".join(str(e) for e in outside[:5])
        if len(outside) > 5:
            shown = say(N_("{shown} and {more} more"), shown=shown, more=len(outside) - 5)
        raise OutOfScope(
            say(
                N_(
                    "{shown} outside this organization's registered scan scopes; "
                    "register the range first ({how})"
                ),
                shown=shown,
                how="pqcplan scan scope add / POST /api/v1/scan-scopes",
            )
        )


def check_paths_in_scope(paths: list[Path], scopes: list[Scope]) -> None:
    outside = [p for p in paths if not any(s.allows_path(p) for s in scopes)]
    if outside:
        raise OutOfScope(
            say(
                N_("{shown} outside this organization's registered path scopes"),
                shown=", ".join(map(str, outside[:5])),
            )
        )


class OutOfScope(Forbidden):
    """A target the organization has not registered as its own (HTTP 403, CLI exit 2)."""
