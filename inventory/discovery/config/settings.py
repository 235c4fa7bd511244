"""What TLS, SSH and key settings say, read into findings (shared by every config format).

Protocol versions, groups (curves and ML-KEM hybrids), cipher suites and lists, SSH
algorithm lists and key specifications become `Finding`s located at the setting's line.
"""

from __future__ import annotations

import re

from inventory.discovery.code.engine import Finding
from inventory.discovery.code.spec import curve_name, hash_name, tls_protocol

__all__ = ["curve_name", "hash_name"]

Loc = tuple[str, int, str]  # (relative path, line, the line's text)

# TLS 1.2 suite names (OpenSSL and IANA spellings) -> (key exchange, authentication, cipher)
_SUITE = re.compile(
    r"^(?:TLS_)?(?P<kx>ECDHE|DHE|EDH|ECDH|DH|RSA|PSK|SRP)?[-_]?(?:(?P<au>RSA|ECDSA|DSS|PSK|anon|aNULL)[-_])?"
    r"(?:WITH_)?(?P<cipher>AES(?:_|-)?(?:128|256)(?:[-_](?:GCM|CBC|CCM))?|CHACHA20[-_]POLY1305|3DES|DES[-_]CBC3|"
    r"DES|RC4|CAMELLIA(?:128|256)|NULL|IDEA|SEED|ARIA\d+)",
    re.I,
)


def _f(
    loc: Loc, api: str, library: str, algorithm: str, primitive: str, function: str, **kw
) -> Finding:
    path, line, code = loc
    return Finding(
        path, line, 1, code.strip()[:300], api, library, algorithm, primitive, function, **kw
    )


def protocols(loc: Loc, api: str, library: str, values: list[str]) -> list[Finding]:
    out = []
    for v in values:
        v = v.strip().lstrip("+")
        if not v or v.startswith(("-", "!")) or v.lower() in ("all",):
            continue
        proto = tls_protocol(v)
        if proto:
            out.append(_f(loc, api, library, proto, "other", "data_in_transit", protocol=proto))
    return out


def groups(
    loc: Loc, api: str, library: str, values: list[str], function: str = "tls_key_exchange"
) -> list[Finding]:
    out = []
    for v in values:
        v = v.strip().lstrip("?*")
        if not v or v.lower() in ("auto", "default"):
            continue
        curve = curve_name(v)
        if curve in ("X25519", "X448"):
            out.append(_f(loc, api, library, curve, "key_exchange", function))
        elif curve:
            out.append(_f(loc, api, library, "ECDH", "key_exchange", function, curve=curve))
        elif v.lower().startswith("ffdhe"):
            out.append(
                _f(
                    loc,
                    api,
                    library,
                    "DH",
                    "key_exchange",
                    function,
                    key_size=int(v[5:]) if v[5:].isdigit() else None,
                )
            )
        else:
            out.append(_f(loc, api, library, v, "key_exchange", function))
    return out


def cipher_list(loc: Loc, api: str, library: str, text: str) -> list[Finding]:
    """An OpenSSL cipher string or IANA suite list: one finding per distinct named cipher and
    key exchange; keywords (HIGH, !aNULL, @SECLEVEL=2) are not algorithms and are skipped."""
    seen: set[tuple[str, str]] = set()
    out = []
    for raw in re.split(r"[:,\s]+", text.strip().strip("\"'")):
        if not raw or raw[0] in "!-+@" or (raw.isupper() and "-" not in raw and "_" not in raw):
            continue
        m = _SUITE.match(raw)
        if not m:
            continue
        cipher = m.group("cipher").upper().replace("_", "-")
        cipher = {"DES-CBC3": "3DES", "CHACHA20-POLY1305": "ChaCha20-Poly1305"}.get(cipher, cipher)
        size = re.search(r"(128|256)", cipher)
        alg = "AES" if cipher.startswith("AES") else cipher
        mode = (
            "GCM"
            if "GCM" in cipher
            else "CCM"
            if "CCM" in cipher
            else "CBC"
            if alg == "AES"
            else None
        )
        key = (alg, f"{size.group(1) if size else ''}{mode or ''}")
        if key not in seen:
            seen.add(key)
            out.append(
                _f(
                    loc,
                    api,
                    library,
                    alg,
                    "symmetric",
                    "data_in_transit",
                    key_size=int(size.group(1)) if size and alg == "AES" else None,
                    mode=mode,
                )
            )
        kx = (m.group("kx") or "").upper()
        if kx in ("RSA",) and not m.group("au") and ("kx", "RSA") not in seen:
            seen.add(("kx", "RSA"))
            out.append(
                _f(
                    loc,
                    api,
                    library,
                    "RSA",
                    "key_exchange",
                    "tls_key_exchange",
                    notes=["RSA key transport: no forward secrecy"],
                )
            )
        elif kx in ("ECDHE", "DHE", "EDH") and ("kx", kx) not in seen:
            seen.add(("kx", kx))
            out.append(
                _f(
                    loc,
                    api,
                    library,
                    "ECDH" if kx == "ECDHE" else "DH",
                    "key_exchange",
                    "tls_key_exchange",
                )
            )
    return out


_SSH_KINDS = {
    "kexalgorithms": ("key_exchange", "ssh_key_exchange"),
    "hostkeyalgorithms": ("signature", "ssh_host_key"),
    "pubkeyacceptedalgorithms": ("signature", "ssh_user_auth"),
    "pubkeyacceptedkeytypes": ("signature", "ssh_user_auth"),
    "casignaturealgorithms": ("signature", "ssh_user_auth"),
    "hostbasedacceptedalgorithms": ("signature", "ssh_user_auth"),
    "ciphers": ("symmetric", "data_in_transit"),
    "macs": ("mac", "integrity"),
}


def ssh_list(loc: Loc, api: str, keyword: str, value: str) -> list[Finding]:
    primitive, function = _SSH_KINDS[keyword.lower()]
    out = []
    for name in value.strip().lstrip("+-^").split(","):
        name = name.strip()
        if not name or "*" in name:
            continue
        out.append(_f(loc, api, "openssh", name, primitive, function, protocol="SSH-2"))
    return out


def ssh_host_key(loc: Loc, api: str, path: str) -> list[Finding]:
    base = path.rsplit("/", 1)[-1].lower()
    for key, alg in (("ed25519", "Ed25519"), ("ecdsa", "ECDSA"), ("rsa", "RSA"), ("dsa", "DSA")):
        if f"_{key}_" in base or base.startswith(f"{key}_") or f"{key}" in base.split("_"):
            return [
                _f(
                    loc,
                    api,
                    "openssh",
                    alg,
                    "signature",
                    "ssh_host_key",
                    protocol="SSH-2",
                    notes=[f"key type from the file name {base}"],
                )
            ]
    return []


def digest(loc: Loc, api: str, library: str, value: str, function: str) -> list[Finding]:
    return [_f(loc, api, library, hash_name(value), "hash", function)]


def key_spec(
    loc: Loc,
    api: str,
    library: str,
    algorithm: str,
    primitive: str = "signature",
    function: str = "other",
    **kw,
) -> list[Finding]:
    from inventory.discovery.code.engine import settle_unknowns

    notes = kw.pop("notes", None) or []
    finding = _f(loc, api, library, algorithm, primitive, function, **kw)
    finding.notes.extend(notes)
    settle_unknowns(finding)
    return [finding]
