"""One reader per configuration format; each returns findings with their lines."""

from __future__ import annotations

import base64
import json
import re
import shlex
from typing import Any

import inventory.discovery.config.settings as st
from inventory.discovery.code.engine import Finding
from inventory.discovery.code.spec import curve_name


class Unreadable(ValueError):
    """A file of a known format that does not parse (the scan counts it and goes on)."""


def read(kind: str, rel: str, text: str) -> list[Finding]:
    if kind == "conf":
        if re.search(r"^\s*ssl_(protocols|ciphers|ecdh_curve|conf_command)\b", text, re.M):
            kind = "nginx"
        elif re.search(r"^\s*SSL(Protocol|CipherSuite|OpenSSLConfCmd)\b", text, re.M | re.I):
            kind = "apache"
        else:
            return []
    return READERS[kind](rel, text)


def _lines(text: str):
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if stripped:
            yield number, line, stripped


# ------------------------------------------------------------------ nginx
def nginx(rel: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    for number, line, stmt in _lines(text):
        for part in stmt.split(";"):
            words = part.replace("{", " ").replace("}", " ").split()
            if not words:
                continue
            key, args = words[0].lower(), [w.strip("'\"") for w in words[1:]]
            loc = (rel, number, line)
            api = f"nginx {key}"
            if key in ("ssl_protocols", "proxy_ssl_protocols", "grpc_ssl_protocols"):
                out += st.protocols(loc, api, "nginx", args)
            elif key in ("ssl_ecdh_curve",):
                out += st.groups(loc, api, "nginx", ":".join(args).split(":"))
            elif key in ("ssl_ciphers", "proxy_ssl_ciphers"):
                out += st.cipher_list(loc, api, "nginx", " ".join(args))
            elif (
                key == "ssl_conf_command"
                and len(args) >= 2
                and args[0].lower() in ("groups", "curves")
            ):
                out += st.groups(loc, api, "nginx", args[1].split(":"))
            elif key == "ssl_conf_command" and len(args) >= 2 and args[0].lower() == "minprotocol":
                out += st.protocols(loc, api, "nginx", [args[1]])
    return out


# ------------------------------------------------------------------ Apache httpd
def apache(rel: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    for number, line, stmt in _lines(text):
        words = stmt.split()
        key, args = words[0].lower(), [w.strip("'\"") for w in words[1:]]
        loc = (rel, number, line)
        api = f"apache {words[0]}"
        if key in ("sslprotocol", "sslproxyprotocol"):
            out += st.protocols(loc, api, "apache-httpd", args)
        elif key in ("sslciphersuite", "sslproxyciphersuite"):
            suites = args[-1] if args else ""
            out += st.cipher_list(loc, api, "apache-httpd", suites)
        elif (
            key == "sslopensslconfcmd"
            and len(args) >= 2
            and args[0].lower() in ("curves", "groups")
        ):
            out += st.groups(loc, api, "apache-httpd", args[1].split(":"))
        elif key == "sslopensslconfcmd" and len(args) >= 2 and args[0].lower() == "minprotocol":
            out += st.protocols(loc, api, "apache-httpd", [args[1]])
    return out


# ------------------------------------------------------------------ HAProxy
def haproxy(rel: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    for number, line, stmt in _lines(text):
        words = stmt.split()
        loc = (rel, number, line)
        key = words[0].lower()
        api = f"haproxy {words[0]}"
        if key in ("ssl-default-bind-ciphers", "ssl-default-server-ciphers"):
            out += st.cipher_list(loc, api, "haproxy", " ".join(words[1:]))
        elif key in ("ssl-default-bind-curves", "ssl-default-server-curves"):
            out += st.groups(loc, api, "haproxy", " ".join(words[1:]).split(":"))
        elif key in ("ssl-default-bind-options", "ssl-default-server-options", "bind", "server"):
            for i, w in enumerate(words):
                if w in ("ssl-min-ver", "ssl-max-ver") and i + 1 < len(words):
                    out += st.protocols(loc, api, "haproxy", [words[i + 1]])
                elif w == "curves" and i + 1 < len(words):
                    out += st.groups(loc, api, "haproxy", words[i + 1].split(":"))
                elif w == "ciphers" and i + 1 < len(words):
                    out += st.cipher_list(loc, api, "haproxy", words[i + 1])
                elif w in ("force-sslv3", "force-tlsv10", "force-tlsv11"):
                    out += st.protocols(loc, api, "haproxy", [w.removeprefix("force-")])
    return out


# ------------------------------------------------------------------ OpenSSH
def ssh(rel: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    for number, line, stmt in _lines(text):
        parts = re.split(r"[\s=]+", stmt, maxsplit=1)
        if len(parts) < 2:
            continue
        key, value = parts[0].lower(), parts[1].strip().strip('"')
        loc = (rel, number, line)
        api = f"openssh {parts[0]}"
        if key in st._SSH_KINDS:
            out += st.ssh_list(loc, api, key, value)
        elif key == "hostkey":
            out += st.ssh_host_key(loc, api, value)
    return out


# ------------------------------------------------------------------ OpenSSL config
def openssl_cnf(rel: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    section = ""
    for number, line, stmt in _lines(text):
        if stmt.startswith("[") and stmt.endswith("]"):
            section = stmt.strip("[] ").lower()
            continue
        if "=" not in stmt:
            continue
        key, value = (p.strip() for p in stmt.split("=", 1))
        value = value.strip("'\"")
        loc = (rel, number, line)
        api = f"openssl.cnf [{section}] {key}"
        low = key.lower()
        if low in ("minprotocol", "maxprotocol"):
            out += st.protocols(loc, api, "openssl", [value])
        elif low in ("groups", "curves"):
            out += st.groups(loc, api, "openssl", value.split(":"))
        elif low == "cipherstring":
            out += st.cipher_list(loc, api, "openssl", value)
        elif low == "default_md" and value.lower() not in ("default",):
            out += st.digest(loc, api, "openssl", value, "certificate_signature")
        elif low == "default_bits" and value.isdigit():
            out += st.key_spec(
                loc, api, "openssl", "RSA", key_size=int(value), function="certificate_signature"
            )
    return out


# ------------------------------------------------------------------ java.security
def java_security(rel: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    for number, line, stmt in _lines(text):
        if "=" not in stmt:
            continue
        key, value = (p.strip() for p in stmt.split("=", 1))
        loc = (rel, number, line)
        api = f"java.security {key}"
        if key == "jdk.tls.namedGroups":
            out += st.groups(loc, api, "jsse", [v.strip() for v in value.split(",")])
        elif key in ("jdk.tls.client.protocols", "jdk.tls.server.protocols"):
            out += st.protocols(loc, api, "jsse", [v.strip() for v in value.split(",")])
        elif key == "jdk.tls.disabledAlgorithms":
            disabled = {v.strip().split()[0].upper() for v in value.split(",") if v.strip()}
            for proto in ("SSLv3", "TLSv1", "TLSv1.1"):
                if proto.upper() not in disabled:
                    out += st.protocols(loc, api, "jsse", [proto])
                    out[-1].notes.append(
                        f"{proto} is not in jdk.tls.disabledAlgorithms: it stays enabled"
                    )
    return out


# ------------------------------------------------------------------ YAML (Kubernetes, compose)
def _yaml_docs(rel: str, text: str) -> list[Any]:
    import yaml

    try:
        return [d for d in yaml.compose_all(text, Loader=yaml.SafeLoader) if d is not None]
    except yaml.YAMLError as exc:
        raise Unreadable(str(exc).splitlines()[0]) from None


def _node_map(node: Any) -> dict[str, Any]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _scalar(node: Any) -> str | None:
    import yaml

    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _line_of(node: Any) -> int:
    return node.start_mark.line + 1


def kubernetes(rel: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    lines = text.splitlines()
    for doc in _yaml_docs(rel, text):
        top = _node_map(doc)
        kind = _scalar(top.get("kind"))
        if kind is None or "apiVersion" not in top:
            continue

        def loc(node: Any) -> tuple[str, int, str]:
            n = _line_of(node)
            return (rel, n, lines[n - 1] if n - 1 < len(lines) else "")

        meta = _node_map(top.get("metadata"))
        annotations = _node_map(meta.get("annotations"))
        for key, node in annotations.items():
            value = _scalar(node) or ""
            short = key.rsplit("/", 1)[-1]
            api = f"Kubernetes {kind} annotation {key}"
            if short in ("ssl-ciphers", "proxy-ssl-ciphers"):
                out += st.cipher_list(loc(node), api, "ingress-nginx", value)
            elif short in ("ssl-protocols", "proxy-ssl-protocols"):
                out += st.protocols(loc(node), api, "ingress-nginx", value.split())
        data = _node_map(top.get("data"))
        if kind == "ConfigMap":
            for key, node in data.items():
                value = _scalar(node) or ""
                api = f"Kubernetes ConfigMap {key}"
                if key == "ssl-protocols":
                    out += st.protocols(loc(node), api, "ingress-nginx", value.split())
                elif key == "ssl-ciphers":
                    out += st.cipher_list(loc(node), api, "ingress-nginx", value)
                elif key == "ssl-ecdh-curve":
                    out += st.groups(loc(node), api, "ingress-nginx", value.split(":"))
        if kind == "Secret" and _scalar(top.get("type")) == "kubernetes.io/tls":
            cert = data.get("tls.crt")
            value = _scalar(cert) if cert is not None else None
            if value:
                out += _tls_secret(loc(cert), value)
        if kind == "Certificate":  # cert-manager
            spec = _node_map(top.get("spec"))
            pk = _node_map(spec.get("privateKey"))
            alg = _scalar(pk.get("algorithm")) if "algorithm" in pk else None
            if alg:
                size = _scalar(pk.get("size")) if "size" in pk else None
                fields: dict[str, Any] = {}
                if alg.upper() == "RSA":
                    fields["key_size"] = int(size) if size and size.isdigit() else None
                elif alg.upper() == "ECDSA" and size and size.isdigit():
                    fields["curve"] = {"256": "P-256", "384": "P-384", "521": "P-521"}.get(size)
                out += st.key_spec(
                    loc(pk.get("algorithm")),
                    "cert-manager Certificate privateKey",
                    "cert-manager",
                    alg,
                    function="certificate_signature",
                    **fields,
                )
                if fields.get("key_size") is None and alg.upper() == "RSA":
                    out[-1].unknown["key_size"] = "not stated: cert-manager's default applies"
    return out


def _tls_secret(loc: tuple[str, int, str], b64: str) -> list[Finding]:
    from inventory.discovery.certs import cert_facts

    try:
        pem = base64.b64decode(b64, validate=False)
        from cryptography import x509

        certs = (
            x509.load_pem_x509_certificates(pem)
            if b"BEGIN" in pem
            else [x509.load_der_x509_certificate(pem)]
        )
    except (ValueError, TypeError):
        return [
            st.key_spec(
                loc,
                "Kubernetes Secret tls.crt",
                "kubernetes",
                "unknown",
                function="tls_authentication",
            )[0]
        ]
    out = []
    for i, cert in enumerate(certs):
        facts = cert_facts(cert)
        f = st.key_spec(
            loc,
            "Kubernetes Secret tls.crt",
            "kubernetes",
            facts.public_key_algorithm,
            function="tls_authentication" if i == 0 else "certificate_signature",
            key_size=facts.key_size,
            curve=facts.curve,
        )[0]
        f.notes.append(
            f"certificate {facts.subject}, signed with {facts.signature_algorithm}, "
            f"valid until {facts.not_after.date()}"
        )
        out.append(f)
    return out


def compose(rel: str, text: str) -> list[Finding]:
    """Docker Compose: environment variables and commands that set TLS or make keys."""
    out: list[Finding] = []
    lines = text.splitlines()
    for doc in _yaml_docs(rel, text):
        services = _node_map(_node_map(doc).get("services"))
        for _name, svc in services.items():
            spec = _node_map(svc)
            env = spec.get("environment")
            pairs: list[tuple[str, str, Any]] = []
            env_map = _node_map(env)
            if env_map:
                pairs = [(k, _scalar(v) or "", v) for k, v in env_map.items()]
            elif env is not None and hasattr(env, "value") and isinstance(env.value, list):
                for item in env.value:
                    raw = _scalar(item) or ""
                    if "=" in raw:
                        k, v = raw.split("=", 1)
                        pairs.append((k, v, item))
            for key, value, node in pairs:
                n = _line_of(node)
                out += _env_setting(
                    (rel, n, lines[n - 1] if n - 1 < len(lines) else ""), key, value
                )
            command = spec.get("command")
            if command is not None:
                n = _line_of(command)
                cmd = _scalar(command) or " ".join(
                    _scalar(c) or "" for c in getattr(command, "value", [])
                )
                out += _shell(
                    (rel, n, lines[n - 1] if n - 1 < len(lines) else ""), cmd, "compose command"
                )
    return out


_ENV = re.compile(
    r"(SSL|TLS)_?(PROTOCOLS?|MIN_VERSION|VERSION|CIPHERS?|CIPHER_SUITES|CURVES?|GROUPS|ECDH_CURVE)$",
    re.I,
)


def _env_setting(loc, key: str, value: str) -> list[Finding]:
    m = _ENV.search(key)
    if not m or not value:
        return []
    what = m.group(2).upper()
    api = f"environment {key}"
    if what.startswith(("PROTOCOL", "MIN_VERSION", "VERSION")):
        return st.protocols(loc, api, "environment", re.split(r"[\s,:]+", value))
    if what.startswith("CIPHER"):
        return st.cipher_list(loc, api, "environment", value)
    return st.groups(loc, api, "environment", re.split(r"[\s,:]+", value))


def _shell(loc, command: str, api: str) -> list[Finding]:
    """`openssl genrsa 1024`, `openssl req -newkey rsa:2048`, `ssh-keygen -t rsa -b 1024`..."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    out: list[Finding] = []
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w == "genrsa":
            bits = next((x for x in words[i + 1 :] if x.isdigit()), None)
            out += st.key_spec(
                loc,
                f"{api}: openssl genrsa",
                "openssl",
                "RSA",
                key_size=int(bits) if bits else None,
            )
        elif w == "-newkey" and nxt:
            alg, _, param = nxt.partition(":")
            if alg.lower() == "rsa":
                out += st.key_spec(
                    loc,
                    f"{api}: openssl -newkey",
                    "openssl",
                    "RSA",
                    key_size=int(param) if param.isdigit() else None,
                )
            elif alg.lower() in ("ec", "ed25519", "ed448"):
                out += st.key_spec(
                    loc,
                    f"{api}: openssl -newkey",
                    "openssl",
                    alg.upper() if alg.lower() == "ec" else alg.capitalize().replace("Ed", "Ed"),
                )
            else:
                out += st.key_spec(loc, f"{api}: openssl -newkey", "openssl", alg)
        elif w in ("-name",) and i > 0 and "ecparam" in words[:i]:
            out += st.key_spec(
                loc, f"{api}: openssl ecparam", "openssl", "EC", curve=curve_name(nxt) or nxt
            )
        elif w == "-algorithm" and "genpkey" in words[:i]:
            out += st.key_spec(loc, f"{api}: openssl genpkey", "openssl", nxt)
        elif w == "ssh-keygen":
            t = (
                words[words.index("-t", i) + 1]
                if "-t" in words[i:] and words.index("-t", i) + 1 < len(words)
                else None
            )
            b = (
                words[words.index("-b", i) + 1]
                if "-b" in words[i:] and words.index("-b", i) + 1 < len(words)
                else None
            )
            if t:
                alg = {"rsa": "RSA", "ecdsa": "ECDSA", "ed25519": "Ed25519", "dsa": "DSA"}.get(
                    t.lower(), t
                )
                out += st.key_spec(
                    loc,
                    f"{api}: ssh-keygen",
                    "openssh",
                    alg,
                    key_size=int(b) if b and b.isdigit() and alg in ("RSA", "DSA") else None,
                )
        elif w in ("-md5", "-sha1") and "openssl" in words:
            out += st.digest(loc, f"{api}: openssl {w}", "openssl", w[1:], "other")
    return out


def dockerfile(rel: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    joined: list[tuple[int, str, str]] = []
    buffer, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        joined.append((start, text.splitlines()[start - 1], buffer + line))
        buffer = ""
    for number, first, stmt in joined:
        words = stmt.strip().split(None, 1)
        if len(words) < 2:
            continue
        loc = (rel, number, first)
        instr = words[0].upper()
        if instr == "RUN":
            out += _shell(loc, words[1], "Dockerfile RUN")
        elif instr in ("ENV", "ARG"):
            for part in re.findall(r"(\w+)=(\"[^\"]*\"|\S+)", words[1]):
                out += _env_setting(loc, part[0], part[1].strip('"'))
    return out


def docker_daemon(rel: str, text: str) -> list[Finding]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise Unreadable(str(exc)) from None
    out: list[Finding] = []
    if isinstance(data, dict) and data.get("tls") is False and data.get("hosts"):
        lines = text.splitlines()
        n = next((i for i, ln in enumerate(lines, 1) if '"tls"' in ln), 1)
        f = st.key_spec(
            (rel, n, lines[n - 1]), "dockerd tls", "docker", "none", "other", "data_in_transit"
        )[0]
        f.notes.append("the Docker API is exposed without TLS")
        out.append(f)
    return out


def yaml_any(rel: str, text: str) -> list[Finding]:
    if "apiVersion" not in text and "services:" in text:
        return compose(rel, text)
    if "apiVersion" not in text or "kind" not in text:
        return []
    return kubernetes(rel, text)


def terraform(rel: str, text: str) -> list[Finding]:
    from inventory.discovery.config.terraform import read_terraform

    return read_terraform(rel, text)


READERS = {
    "nginx": nginx,
    "apache": apache,
    "haproxy": haproxy,
    "ssh": ssh,
    "openssl": openssl_cnf,
    "java": java_security,
    "yaml": yaml_any,
    "compose": compose,
    "dockerfile": dockerfile,
    "docker-daemon": docker_daemon,
    "terraform": terraform,
}
