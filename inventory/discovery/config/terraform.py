"""Terraform (parsed with tree-sitter-hcl): KMS keys and TLS policies of AWS, Google Cloud
and Azure, and the hashicorp/tls provider's keys. A ``var.NAME`` resolves to the variable's
``default`` in the same file; any other expression is stated as unknown.

Key specifications are the providers' documented names: AWS KMS ``KeySpec`` (RSA_2048,
ECC_NIST_P256, SYMMETRIC_DEFAULT = AES-256-GCM, HMAC_256, ML_DSA_65...), Google Cloud KMS
``CryptoKeyVersionAlgorithm`` (EC_SIGN_P256_SHA256, RSA_SIGN_PSS_3072_SHA256,
GOOGLE_SYMMETRIC_ENCRYPTION...), Azure Key Vault ``key_type``/``key_size``/``curve``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import inventory.discovery.config.settings as st
from inventory.discovery.code.engine import Finding

Loc = tuple[str, int, str]


@cache
def _parser() -> Any:
    import tree_sitter_hcl
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_hcl.language()))


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def _string(expr: Any, variables: dict[str, str]) -> str | None:
    """A literal (or var.NAME with a literal default), else None."""
    if expr is None:
        return None
    raw = _text(expr).strip()
    m = re.fullmatch(r'"([^"$]*)"', raw)
    if m:
        return m.group(1)
    if re.fullmatch(r"-?\d+", raw) or raw in ("true", "false"):
        return raw
    m = re.fullmatch(r"var\.(\w+)", raw)
    if m and m.group(1) in variables:
        return variables[m.group(1)]
    return None


def read_terraform(rel: str, text: str) -> list[Finding]:
    tree = _parser().parse(text.encode())
    lines = text.splitlines()
    variables: dict[str, str] = {}
    blocks: list[tuple[list[str], Any]] = []

    def visit(node: Any, path: list[str]) -> None:
        for child in node.named_children:
            if child.type == "block":
                ids = [c for c in child.named_children if c.type in ("identifier", "string_lit")]
                labels = [_text(c).strip('"') for c in ids]
                body = next((c for c in child.named_children if c.type == "body"), None)
                if labels[:1] == ["variable"] and len(labels) > 1 and body is not None:
                    for attr in body.named_children:
                        if attr.type == "attribute" and _text(attr.named_children[0]) == "default":
                            value = _string(attr.named_children[1], {})
                            if value is not None:
                                variables[labels[1]] = value
                if body is not None:
                    blocks.append(([*path, *labels], body))
                    visit(body, [*path, *labels])
            elif child.type == "body":
                visit(child, path)

    visit(tree.root_node, [])
    out: list[Finding] = []
    for path, body in blocks:
        attrs: dict[str, tuple[Any, Any]] = {}
        for attr in body.named_children:
            if attr.type == "attribute" and len(attr.named_children) >= 2:
                attrs[_text(attr.named_children[0])] = (attr, attr.named_children[1])
        resource = (
            path[1]
            if path[:1] in (["resource"], ["data"]) and len(path) > 1
            else (path[0] if path else "")
        )
        nested = path[-1] if path else ""
        for name, (attr, expr) in attrs.items():
            n = attr.start_point[0] + 1
            loc = (rel, n, lines[n - 1] if n - 1 < len(lines) else "")
            value = _string(expr, variables)
            out += _attribute(loc, resource, nested, name, value, _text(expr), attrs, variables)
    return out


def _attribute(
    loc: Loc,
    resource: str,
    block: str,
    name: str,
    value: str | None,
    raw: str,
    attrs: dict[str, Any],
    variables: dict[str, str],
) -> list[Finding]:
    api = (
        f"terraform {resource}.{name}"
        if block == resource or not block
        else f"terraform {resource} {block}.{name}"
    )
    key = (resource, name)
    if key in (
        ("aws_kms_key", "customer_master_key_spec"),
        ("aws_kms_key", "key_spec"),
        ("aws_kms_external_key", "key_spec"),
        ("aws_kms_replica_key", "key_spec"),
    ):
        return _unknown_or(loc, api, "aws-kms", value, raw, _aws_key_spec)
    if key == ("aws_acm_certificate", "key_algorithm"):
        return _unknown_or(loc, api, "aws-acm", value, raw, _aws_key_spec)
    if name == "ssl_policy" and resource in (
        "aws_lb_listener",
        "aws_alb_listener",
        "aws_lb_listener_certificate",
    ):
        return _unknown_or(loc, api, "aws-elb", value, raw, _aws_elb_policy)
    if name == "minimum_protocol_version" or (
        name == "security_policy" and resource.startswith("aws_api_gateway")
    ):
        return _unknown_or(loc, api, "aws", value, raw, lambda v: [("protocol", v)])
    if resource == "google_kms_crypto_key" and name == "algorithm":
        return _unknown_or(loc, api, "gcp-kms", value, raw, _gcp_algorithm)
    if resource == "google_compute_ssl_policy" and name == "min_tls_version":
        return _unknown_or(loc, api, "gcp", value, raw, lambda v: [("protocol", v)])
    if resource.startswith("azurerm_") and name in (
        "min_tls_version",
        "minimum_tls_version",
        "min_protocol_version",
    ):
        return _unknown_or(
            loc,
            api,
            "azure",
            value,
            raw,
            lambda v: [("protocol", v if "TLS" in v.upper() else f"TLSv{v}")],
        )
    if resource.startswith("azurerm_key_vault") and name == "key_type":
        size = _string(attrs.get("key_size", (None, None))[1], variables)
        curve = _string(attrs.get("curve", (None, None))[1], variables)
        return _unknown_or(
            loc, api, "azure-key-vault", value, raw, lambda v: _azure_key(v, size, curve)
        )
    if resource == "tls_private_key" and name == "algorithm":
        bits = _string(attrs.get("rsa_bits", (None, None))[1], variables)
        curve = _string(attrs.get("ecdsa_curve", (None, None))[1], variables)
        return _unknown_or(
            loc,
            api,
            "terraform-tls",
            value,
            raw,
            lambda v: _tls_provider(v, bits, curve, "rsa_bits" in attrs),
        )
    return []


def _unknown_or(
    loc: Loc, api: str, library: str, value: str | None, raw: str, parse
) -> list[Finding]:
    if value is None:
        f = st.key_spec(loc, api, library, "unknown")[0]
        f.unknown["algorithm"] = raw[:80]
        return [f]
    out: list[Finding] = []
    for item in parse(value):
        kind, payload = item[0], item[1]
        if kind == "protocol":
            found = st.protocols(loc, api, library, [payload])
            out += found or [st.key_spec(loc, api, library, payload, "other", "data_in_transit")[0]]
        elif kind == "group":
            out += st.groups(loc, api, library, [payload])
        else:
            extra = item[2] if len(item) > 2 else {}
            out += st.key_spec(loc, api, library, payload, **extra)
    return out


# AWS SYMMETRIC_DEFAULT and Google GOOGLE_SYMMETRIC_ENCRYPTION: AES-256 in GCM (their docs)
_CLOUD_AES256_GCM = (
    "key",
    "AES",
    {"key_size": 256, "mode": "GCM", "primitive": "symmetric", "function": "data_at_rest"},
)


def _aws_key_spec(v: str) -> list[tuple]:
    up = v.upper()
    if up == "SYMMETRIC_DEFAULT":
        return [_CLOUD_AES256_GCM]
    m = re.fullmatch(r"RSA_(\d+)", up)
    if m:
        return [("key", "RSA", {"key_size": int(m.group(1))})]
    m = re.fullmatch(r"(?:ECC_NIST_|EC_)(\w+)", up)
    if m:
        return [("key", "ECDSA", {"curve": st.curve_name(m.group(1)) or m.group(1)})]
    if up == "ECC_SECG_P256K1":
        return [("key", "ECDSA", {"curve": "secp256k1"})]
    m = re.fullmatch(r"HMAC_(\d+)", up)
    if m:
        return [("key", f"HMAC-SHA{m.group(1)}", {"primitive": "mac"})]
    m = re.fullmatch(r"ML_DSA_(\d+)", up)
    if m:
        return [("key", f"ML-DSA-{m.group(1)}", {})]
    return [("key", v, {})]


def _aws_elb_policy(v: str) -> list[tuple]:
    """AWS ELB security policy names state their lowest TLS version and, with "PQ", the
    ML-KEM hybrid key exchange (AWS Elastic Load Balancing security policy tables)."""
    up = v.upper()
    m = re.search(r"TLS13-1-(\d)|TLS-1-(\d)", up)
    if m:
        minor = m.group(1) or m.group(2)
        proto = f"TLSv1.{minor}"
    elif re.search(r"FS-1-2", up):
        proto = "TLSv1.2"
    elif re.search(r"FS-1-1", up):
        proto = "TLSv1.1"
    else:
        proto = "TLSv1"
    out: list[tuple] = [("protocol", proto)]
    out.append(("group", "X25519MLKEM768" if "-PQ-" in up else "P-256"))
    return out


def _gcp_algorithm(v: str) -> list[tuple]:
    up = v.upper()
    if up == "GOOGLE_SYMMETRIC_ENCRYPTION":
        return [_CLOUD_AES256_GCM]
    m = re.fullmatch(r"EC_SIGN_(P\d+|SECP256K1)_(SHA\d+)", up)
    if m:
        return [
            (
                "key",
                "ECDSA",
                {
                    "curve": st.curve_name(m.group(1)) or m.group(1),
                    "digest": st.hash_name(m.group(2)),
                },
            )
        ]
    m = re.fullmatch(r"RSA_(SIGN|DECRYPT)_(PSS|PKCS1|OAEP|RAW_PKCS1)_(\d+)(?:_(SHA\d+))?", up)
    if m:
        extra = {"key_size": int(m.group(3)), "padding": m.group(2).replace("PKCS1", "PKCS1-v1_5")}
        if m.group(4):
            extra["digest"] = st.hash_name(m.group(4))
        return [("key", "RSA", extra)]
    m = re.fullmatch(r"HMAC_(SHA\d+)", up)
    if m:
        return [("key", f"HMAC-{m.group(1)}", {"primitive": "mac"})]
    m = re.fullmatch(r"PQ_SIGN_(ML_DSA_\d+|SLH_DSA_\w+)", up)
    if m:
        return [("key", m.group(1).replace("_", "-"), {})]
    m = re.fullmatch(r"ML_KEM_(\d+)", up)
    if m:
        return [("key", f"ML-KEM-{m.group(1)}", {"primitive": "key_exchange"})]
    return [("key", v, {})]


def _azure_key(v: str, size: str | None, curve: str | None) -> list[tuple]:
    base = v.upper().removesuffix("-HSM")
    if base == "RSA":
        return [("key", "RSA", {"key_size": int(size) if size and size.isdigit() else None})]
    if base == "EC":
        return [("key", "ECDSA", {"curve": st.curve_name(curve or "") or curve})]
    if base == "OCT":
        return [
            (
                "key",
                "AES",
                {
                    "key_size": int(size) if size and size.isdigit() else None,
                    "primitive": "symmetric",
                    "function": "key_wrapping",
                },
            )
        ]
    return [("key", v, {})]


def _tls_provider(v: str, bits: str | None, curve: str | None, bits_given: bool) -> list[tuple]:
    up = v.upper()
    if up == "RSA":
        if bits and bits.isdigit():
            return [("key", "RSA", {"key_size": int(bits)})]
        if not bits_given:  # hashicorp/tls: rsa_bits defaults to 2048
            return [
                (
                    "key",
                    "RSA",
                    {"key_size": 2048, "notes": ["rsa_bits: the tls provider's default, 2048"]},
                )
            ]
        return [("key", "RSA", {})]
    if up == "ECDSA":
        return [("key", "ECDSA", {"curve": st.curve_name(curve or "P224") or curve})]
    if up == "ED25519":
        return [("key", "Ed25519", {})]
    return [("key", v, {})]
