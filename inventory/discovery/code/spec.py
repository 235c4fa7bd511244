"""Algorithm strings in the notations libraries use, read into fields.

``jca`` ("AES/GCM/NoPadding", "SHA256withRSA", "PBKDF2WithHmacSHA256"), ``openssl``
("aes-256-cbc", "RSA-SHA256", "id-aes128-GCM"), ``jwt`` (JOSE "alg" values, RFC 7518 section
3.1 and the ML-DSA JOSE draft), ``webcrypto`` (the algorithm dictionaries of the Web
Cryptography API), and curve names in every spelling the scanned libraries use.
Each parser returns only what the string says; a part it does not state is left out.
"""

from __future__ import annotations

import re
from typing import Any

from inventory.discovery.code.values import Dict, Int, Str, Value

Fields = dict[str, Any]

_HASH = re.compile(
    r"^(?:SHA-?|SHA_)(1|224|256|384|512|3[-_]?(?:224|256|384|512)|512/(?:224|256))$", re.I
)
_NAMED_HASHES = {"md5": "MD5", "md4": "MD4", "md2": "MD2", "ripemd160": "RIPEMD-160"}


def hash_name(raw: str) -> str:
    """'sha256' / 'SHA-256' / 'SHA_256' -> 'SHA-256'; others as written, tidied."""
    t = raw.strip()
    m = _HASH.match(t)
    if m:
        part = m.group(1).upper().replace("_", "").replace("-", "")
        if part.startswith("3") and len(part) > 1:
            return f"SHA3-{part[1:]}"
        return f"SHA-{part}"
    return _NAMED_HASHES.get(t.lower().replace("-", "").replace("_", ""), t)


# ------------------------------------------------------------------ curves
_CURVES = {
    "p256": "P-256",
    "secp256r1": "P-256",
    "prime256v1": "P-256",
    "x962prime256v1": "P-256",
    "curvep256": "P-256",
    "p384": "P-384",
    "secp384r1": "P-384",
    "curvep384": "P-384",
    "p521": "P-521",
    "secp521r1": "P-521",
    "curvep521": "P-521",
    "p224": "P-224",
    "secp224r1": "P-224",
    "p192": "P-192",
    "secp192r1": "P-192",
    "prime192v1": "P-192",
    "secp256k1": "secp256k1",
    "x25519": "X25519",
    "curve25519": "X25519",
    "x448": "X448",
    "curve448": "X448",
    "ed25519": "Ed25519",
    "ed448": "Ed448",
    "brainpoolp256r1": "brainpoolP256r1",
    "brainpoolp384r1": "brainpoolP384r1",
    "brainpoolp512r1": "brainpoolP512r1",
    "sm2": "SM2",
}
_CURVE_PREFIXES = (
    "nid_",
    "mbedtls_ecp_dp_",
    "psa_ecc_family_",
    "ec_",
    "curve_",
    "elliptic.",
    "ecdh.",
)


def curve_name(raw: str) -> str | None:
    """A curve in any spelling (``NID_X9_62_prime256v1``, ``MBEDTLS_ECP_DP_SECP256R1``,
    ``elliptic.P256``, ``tls.CurveP256``, ``SECP256R1``, ``P-256``) -> canonical, else None."""
    t = raw.strip().rsplit(".", 1)[-1].rsplit("/", 1)[-1].lower()
    for prefix in _CURVE_PREFIXES:
        if t.startswith(prefix):
            t = t[len(prefix) :]
    key = t.replace("-", "").replace("_", "").replace("x962", "").replace("curve", "curve", 1)
    if key.startswith("curve") and key not in _CURVES:
        key = key[len("curve") :]
    return _CURVES.get(key)


# ------------------------------------------------------------------ JCA
_JCA_SIG = re.compile(
    r"^(?P<digest>[A-Za-z0-9-]+?)with(?P<alg>[A-Za-z0-9]+?)(?:and(?P<extra>\w+))?$", re.I
)
_KEYED_AES = re.compile(r"^(AES)_(128|192|256)$", re.I)


def jca(raw: str) -> Fields:
    """JCA standard names: transformations, signatures, MACs, KDFs and plain names."""
    t = raw.strip()
    if "/" in t:  # Cipher transformation: algorithm/mode/padding
        parts = t.split("/")
        out = jca(parts[0])
        if "digest" in out and len(parts) == 2:  # "SHA256withRSA/PSS"
            out["padding"] = parts[1].upper()
            return out
        if len(parts) > 1 and parts[1]:
            out["mode"] = parts[1].upper()
        if len(parts) > 2 and parts[2]:
            out["padding"] = parts[2]
            m = re.search(r"OAEPWith(.+?)AndMGF1", parts[2], re.I)
            if m:
                out["padding"], out["digest"] = "OAEP", hash_name(m.group(1))
        return out
    m = _KEYED_AES.match(t)
    if m:
        return {"algorithm": "AES", "key_size": int(m.group(2))}
    m = _JCA_SIG.match(t)
    if m and not t.lower().startswith(("pbkdf2", "pbe")):
        alg = m.group("alg")
        out = {"algorithm": alg, "digest": hash_name(m.group("digest"))}
        if alg.upper() in ("RSA", "ECDSA", "DSA", "EC") and m.group("extra"):
            out["padding"] = m.group("extra")
        if alg.upper() == "RSA/PSS" or (m.group("extra") or "").upper() == "MGF1":
            out["padding"] = "PSS"
        return out
    if t.upper() in ("RSASSA-PSS", "RSA-PSS"):
        return {"algorithm": "RSA", "padding": "PSS"}
    if t.upper().startswith("HMAC") and len(t) > 4:
        return {"algorithm": "HMAC", "digest": hash_name(t[4:].lstrip("-"))}
    if t.upper().startswith("PBKDF2WITHHMAC"):
        return {"algorithm": "PBKDF2", "digest": hash_name(t[len("PBKDF2WithHmac") :])}
    if _HASH.match(t) or t.lower().replace("-", "") in _NAMED_HASHES:
        return {"algorithm": hash_name(t)}
    if t.upper() in ("EC", "ECDSA", "ECDH", "XDH"):
        return {"algorithm": t.upper()}
    return {"algorithm": t}


# ------------------------------------------------------------------ OpenSSL / Node names
_OSSL_CIPHER = re.compile(
    r"^(?:id-)?(?P<alg>aes|camellia|aria|sm4|des-ede3|des-ede|des|bf|cast5?|rc2|idea|seed)"
    r"(?:-?(?P<bits>\d{2,3}))?(?:-(?P<mode>[a-z0-9]+))?$",
    re.I,
)


def openssl(raw: str) -> Fields:
    """OpenSSL (and Node's) algorithm names: 'aes-256-gcm', 'des-ede3-cbc', 'RSA-SHA256'."""
    t = raw.strip()
    low = t.lower()
    if low in ("chacha20-poly1305", "chacha20"):
        return {"algorithm": "ChaCha20-Poly1305" if "poly" in low else "ChaCha20"}
    m = _OSSL_CIPHER.match(low)
    if m and not _HASH.match(t):
        alg = {"des-ede3": "3DES", "des-ede": "2DES", "bf": "Blowfish", "cast": "CAST5"}.get(
            m.group("alg"), m.group("alg").upper()
        )
        out: Fields = {"algorithm": alg}
        if m.group("bits") and alg in ("AES", "CAMELLIA", "ARIA"):
            out["key_size"] = int(m.group("bits"))
        if m.group("mode"):
            out["mode"] = m.group("mode").upper()
        if alg == "3DES":
            out["key_size"] = 168
        return out
    m = re.match(
        r"^(rsa|ecdsa|dsa|ed25519|ed448)[-_]?(?:with[-_]?)?(sha[-_]?\d+|sha3-\d+|md5|sha1)?$", low
    )
    if m:
        out = {"algorithm": m.group(1).upper().replace("ED", "Ed")}
        if m.group(2):
            out["digest"] = hash_name(m.group(2))
        return out
    m = re.match(r"^(sha\d+|sha3-\d+|md5|sha1)[-_]?(rsa|ecdsa|dsa)$", low)
    if m:
        return {"algorithm": m.group(2).upper(), "digest": hash_name(m.group(1))}
    if _HASH.match(t) or low.replace("-", "") in _NAMED_HASHES:
        return {"algorithm": hash_name(t)}
    if low.startswith(("x25519mlkem", "secp256r1mlkem", "secp384r1mlkem")):
        return {"algorithm": t}
    return {"algorithm": t}


# ------------------------------------------------------------------ JOSE
_JWT = {
    "RS": ("RSA", "PKCS1-v1_5"),
    "PS": ("RSA", "PSS"),
    "ES": ("ECDSA", None),
    "HS": ("HMAC", None),
}
_ES_CURVE = {"256": "P-256", "384": "P-384", "512": "P-521", "256K": "secp256k1"}


def jwt(raw: str) -> Fields:
    """A JOSE "alg" (RFC 7518 3.1, RFC 8037, the ML-DSA JOSE draft) -> fields."""
    t = raw.strip()
    up = t.upper()
    if up == "NONE":
        return {"algorithm": "none"}
    if up in ("EDDSA", "ED25519"):
        return {"algorithm": "EdDSA" if up == "EDDSA" else "Ed25519"}
    if up.startswith("ML-DSA"):
        return {"algorithm": up}
    m = re.match(r"^(RS|PS|ES|HS)(256K|256|384|512)$", up)
    if m:
        alg, padding = _JWT[m.group(1)]
        bits = m.group(2).rstrip("K")
        out: Fields = {"algorithm": alg, "digest": f"SHA-{bits}"}
        if padding:
            out["padding"] = padding
        if alg == "ECDSA":
            out["curve"] = _ES_CURVE[m.group(2)]
        if alg == "HMAC":
            out["algorithm"] = f"HMAC-SHA{bits}"
        return out
    if up.startswith(("RSA-OAEP", "RSA1_5")):
        return {"algorithm": "RSA", "padding": "OAEP" if "OAEP" in up else "PKCS1-v1_5"}
    m = re.match(r"^A(128|192|256)(GCM|KW|GCMKW|CBC-HS\d+)$", up)
    if m:
        return {"algorithm": "AES", "key_size": int(m.group(1)), "mode": m.group(2)}
    if up.startswith("ECDH-ES"):
        return {"algorithm": "ECDH"}
    return {"algorithm": t}


# ------------------------------------------------------------------ WebCrypto
_WEB_RSA = {"RSA-OAEP": "OAEP", "RSA-PSS": "PSS", "RSASSA-PKCS1-V1_5": "PKCS1-v1_5"}


def webcrypto(value: Value) -> Fields:
    """A WebCrypto AlgorithmIdentifier: a name, or a dictionary with name, modulusLength,
    namedCurve, hash, length."""
    if isinstance(value, Str):
        return webcrypto(Dict({"name": value}))
    if not isinstance(value, Dict):
        return {}
    items = value.items
    name = items.get("name")
    if not isinstance(name, Str):
        return {}
    up = name.value.upper()
    out: Fields = {}
    if up in _WEB_RSA:
        out = {"algorithm": "RSA", "padding": _WEB_RSA[up]}
        if isinstance(items.get("modulusLength"), Int):
            out["key_size"] = items["modulusLength"].value  # type: ignore[union-attr]
    elif up in ("ECDSA", "ECDH"):
        out = {"algorithm": up}
        curve = items.get("namedCurve")
        if isinstance(curve, Str):
            out["curve"] = curve_name(curve.value) or curve.value
    elif up.startswith("AES-"):
        out = {"algorithm": "AES", "mode": up[4:]}
        if isinstance(items.get("length"), Int):
            out["key_size"] = items["length"].value  # type: ignore[union-attr]
    elif up == "HMAC":
        out = {"algorithm": "HMAC"}
    elif up in ("PBKDF2", "HKDF"):
        out = {"algorithm": up}
    elif _HASH.match(name.value):
        return {"algorithm": hash_name(name.value)}
    else:
        out = {"algorithm": name.value}
    digest = items.get("hash")
    if isinstance(digest, Dict):
        digest = digest.items.get("name")
    if isinstance(digest, Str):
        out["digest"] = hash_name(digest.value)
        if up == "HMAC":
            out["algorithm"] = "HMAC-" + out["digest"].replace("-", "")
    return out


def tls_protocol(raw: str) -> str | None:
    """'TLSv1.1', 'PROTOCOL_TLSv1', 'VersionTLS10', 'TLS1_VERSION', 'SSLv3' -> 'TLS 1.1'..."""
    t = raw.rsplit("/", 1)[-1].upper()
    for noise in ("SSL.", "TLS.", "PROTOCOL_", "_VERSION", "VERSION", "TLSVERSION."):
        t = t.replace(noise, "")
    m = re.search(r"(SSL|TLS)V?_?(\d)(?:[._]?(\d))?$", t)
    if not m:
        return None
    major, minor = m.group(2), m.group(3)
    if m.group(1) == "SSL":
        return f"SSL {major}.0"
    if major == "1":
        return f"TLS 1.{minor or 0}"
    return f"TLS 1.{int(major) - 1}" if minor is None and major in "23" else None


def digest_class(raw: str) -> Fields:
    """Bouncy Castle digest classes: 'SHA256Digest' -> SHA-256."""
    return {"algorithm": hash_name(raw.removesuffix("Digest"))}


def signer_class(raw: str) -> Fields:
    return {"algorithm": raw.removesuffix("Signer")}


def go_hash(raw: str) -> Fields:
    """Go hash constructors by package and function: 'sha512.New384' -> SHA-384."""
    package, _, fn = raw.rpartition(".")
    package = package.rsplit("/", 1)[-1]
    digits = "".join(ch for ch in fn if ch.isdigit())
    if package == "sha512" and digits in ("384", "224", "256") and fn != "Sum512":
        return {"algorithm": f"SHA-{'512/' if digits in ('224', '256') else ''}{digits}"}
    if package == "sha256" and digits == "224":
        return {"algorithm": "SHA-224"}
    if package == "sha3":
        return {"algorithm": f"SHA3-{digits or '256'}"}
    if package in ("blake2b", "blake2s"):  # blake2b.New256 -> BLAKE2b-256 (the catalog's names)
        return {"algorithm": f"BLAKE2{package[-1]}-{digits}" if digits else f"BLAKE2{package[-1]}"}
    return {"algorithm": hash_name(package)}


_C_PREFIXES = (
    "EVP_PKEY_",
    "EVP_",
    "MBEDTLS_CIPHER_ID_",
    "MBEDTLS_CIPHER_",
    "MBEDTLS_MD_",
    "MBEDTLS_PK_",
    "NID_",
    "PSA_ALG_",
)
_C_NAMES = {"ECKEY": "EC", "ECDSA": "ECDSA", "RSASSA_PSS": "RSA", "RSA_PSS": "RSA"}


def c_name(raw: str) -> Fields:
    """C constants and getters: EVP_aes_256_gcm, EVP_PKEY_RSA, MBEDTLS_MD_SHA256,
    MBEDTLS_CIPHER_AES_128_CBC -> fields."""
    t = raw.strip().removeprefix("mbedtls_")
    for suffix in ("_Init", "_starts", "_init", "_ex"):
        t = t.removesuffix(suffix)
    for prefix in _C_PREFIXES:
        if t.upper().startswith(prefix):
            t = t[len(prefix) :]
            break
    if t.upper() in _C_NAMES:
        return {"algorithm": _C_NAMES[t.upper()]}
    return openssl(t.replace("_", "-"))


_MODP_BITS = {
    "modp1": 768,
    "modp2": 1024,
    "modp5": 1536,
    "modp14": 2048,
    "modp15": 3072,
    "modp16": 4096,
    "modp17": 6144,
    "modp18": 8192,
}  # RFC 2409 6.1-6.2, RFC 3526


def modp(raw: str) -> Fields:
    bits = _MODP_BITS.get(raw.strip().lower())
    return {"algorithm": "DH", "key_size": bits} if bits else {"algorithm": "DH"}


_BC_SUFFIXES = (
    "KEMGenerator",
    "KEMExtractor",
    "KeyPairGenerator",
    "ParametersGenerator",
    "BytesGenerator",
    "BasicAgreement",
    "Agreement",
    "BlockCipherMac",
    "BlockCipher",
    "Engine",
    "Digest",
    "Signer",
    "Encoding",
    "Mac",
    "Generator",
    "Extractor",
)
_BC_NAMES = {
    "DESede": "3DES",
    "ChaCha7539": "ChaCha20",
    "ChaCha": "ChaCha20",
    "RSABlinded": "RSA",
    "RSABlindedEngine": "RSA",
    "AESFast": "AES",
    "AESLight": "AES",
    "ECDH": "ECDH",
    "ECDHC": "ECDH",
    "ECDSA": "ECDSA",
    "H": "HMAC",
    "C": "CMAC",
    "G": "GMAC",
    "KG": "KGMAC",
    "X25519": "X25519",
    "X448": "X448",
    "Ed25519": "Ed25519",
    "Ed448": "Ed448",
    "PKCS5S2": "PBKDF2",
    "ML": "ML-KEM",
    "MLKEM": "ML-KEM",
    "MLDSA": "ML-DSA",
    "SLHDSA": "SLH-DSA",
    "Kyber": "ML-KEM",
    "OAEP": "RSA",
    "PKCS1": "RSA",
    "HKDF": "HKDF",
}


def bc_class(raw: str) -> Fields:
    """Bouncy Castle light-weight class names: 'AESEngine' -> AES, 'SHA256Digest' ->
    SHA-256, 'RSAKeyPairGenerator' -> RSA, 'GCMBlockCipher' -> GCM (a mode)."""
    name = raw.rsplit(".", 1)[-1]
    for suffix in _BC_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if suffix == "Digest":
                return {"algorithm": hash_name(base)}
            if suffix in ("BlockCipher",) and base.upper() in (
                "CBC",
                "GCM",
                "CCM",
                "CTR",
                "CFB",
                "OFB",
                "SIC",
                "EAX",
                "OCB",
                "GCMSIV",
                "KCCM",
                "KGCM",
                "CTS",
                "G3413CFB",
                "G3413CBC",
            ):
                return {"mode": base.upper()}
            return {"algorithm": _BC_NAMES.get(base, base)}
    return {"algorithm": _BC_NAMES.get(name, name)}


PARSERS = {
    "bc": bc_class,
    "modp": modp,
    "cname": c_name,
    "gohash": go_hash,
    "jca": jca,
    "openssl": openssl,
    "jwt": jwt,
    "digest": digest_class,
    "signer": signer_class,
}
