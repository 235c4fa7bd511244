"""The algorithm catalog against its real data file: names, sources, aliases, classification."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from inventory.catalog import (
    DATA_FILE,
    CatalogError,
    Classification,
    get_catalog,
    load_catalog,
    lookup_key,
    split_mode,
)
from inventory.choices import Primitive, QuantumStatus

REQUIRED_NAMES = [
    *(f"ML-KEM-{n}" for n in (512, 768, 1024)),
    *(f"ML-DSA-{n}" for n in (44, 65, 87)),
    *(
        f"SLH-DSA-{h}-{p}"
        for h in ("SHA2", "SHAKE")
        for p in ("128s", "128f", "192s", "192f", "256s", "256f")
    ),
    "Falcon-512",
    "Falcon-1024",
    "HQC-128",
    "HQC-192",
    "HQC-256",
    *(f"FrodoKEM-{n}-{v}" for n in (640, 976, 1344) for v in ("AES", "SHAKE")),
    *(
        f"Classic-McEliece-{p}{f}"
        for p in ("348864", "460896", "6688128", "6960119", "8192128")
        for f in ("", "f")
    ),
    "BIKE-L1",
    "BIKE-L3",
    "BIKE-L5",
    "sntrup761",
    "LMS",
    "HSS",
    "XMSS",
    "XMSS-MT",
    "X25519MLKEM768",
    "SecP256r1MLKEM768",
    "SecP384r1MLKEM1024",
    "X25519Kyber768Draft00",
    "Kyber512",
    "Kyber768",
    "Kyber1024",
    "Dilithium2",
    "Dilithium3",
    "Dilithium5",
    "SMAUG-T-128",
    "SMAUG-T-192",
    "SMAUG-T-256",
    "NTRU+KEM-768",
    "NTRU+KEM-864",
    "NTRU+KEM-1152",
    "HAETAE-2",
    "HAETAE-3",
    "HAETAE-5",
    *(f"AIMer-{n}{v}" for n in (128, 192, 256) for v in ("f", "s")),
    *(f"RSA-{n}" for n in (1024, 2048, 3072, 4096, 8192)),
    "RSA",
    *(f"DH-{n}" for n in (1024, 2048, 3072, 4096)),
    *(f"DSA-{n}" for n in (1024, 2048, 3072)),
    "ECDSA-P256",
    "ECDSA-P384",
    "ECDSA-P521",
    "ECDSA-secp256k1",
    "ECDSA-brainpoolP256r1",
    "ECDSA-brainpoolP384r1",
    "ECDSA-brainpoolP512r1",
    "ECDH-P256",
    "ECDH-P384",
    "ECDH-P521",
    "X25519",
    "X448",
    "Ed25519",
    "Ed448",
    "SM2",
    "AES-128",
    "AES-192",
    "AES-256",
    "3DES",
    "DES",
    "RC4",
    "ChaCha20-Poly1305",
    "ARIA-128",
    "ARIA-256",
    "SEED",
    "LEA-128",
    "LEA-256",
    "SHA-1",
    "MD5",
    "SHA-224",
    "SHA-256",
    "SHA-384",
    "SHA-512",
    "SHA3-256",
    "SHA3-384",
    "SHA3-512",
    "SHAKE128",
    "SHAKE256",
    "HMAC-SHA1",
    "HMAC-SHA256",
    "HMAC-SHA384",
    "HMAC-SHA512",
    "HKDF-SHA256",
    "PBKDF2-SHA256",
]


@pytest.fixture(scope="module")
def catalog():
    return get_catalog()


@pytest.fixture(scope="module")
def raw_data() -> dict:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the data file
def test_version_and_cache(catalog):
    assert catalog.version == "2026.12.1"
    assert get_catalog() is catalog


@pytest.mark.parametrize("name", REQUIRED_NAMES)
def test_required_canonical_name_exists(catalog, name):
    info = catalog.get(name)
    assert info is not None, f"{name} missing from the catalog"
    assert info.name == name


def test_every_fact_has_a_known_source(catalog):
    for info in catalog:
        assert info.sources, f"{info.name} lists no sources"
        for src in info.sources:
            assert src in catalog.sources, f"{info.name}: unknown source {src}"
        if info.sizes:
            assert info.sizes.sources, f"{info.name}: sizes without a source"
            for src in info.sizes.sources:
                assert src in catalog.sources, f"{info.name}: unknown size source {src}"
    for src in catalog.sources.values():
        assert src.url.startswith("https://") and src.title and src.accessed


def test_raw_file_sizes_all_carry_a_source(raw_data):
    for entry in raw_data["algorithms"]:
        sizes = entry.get("sizes") or {}
        numbers = {k: v for k, v in sizes.items() if k != "source"}
        if numbers:
            assert sizes.get("source"), f"{entry['name']}: sizes {sorted(numbers)} lack a source"


def test_every_alias_and_oid_resolves_to_its_own_entry(catalog, raw_data):
    owners: dict[str, set[str]] = defaultdict(set)
    oid_owners: dict[str, set[str]] = defaultdict(set)
    for entry in raw_data["algorithms"]:
        name = entry["name"]
        for text in [name, *entry.get("aliases", [])]:
            owners[lookup_key(str(text))].add(name)
            assert catalog.normalize(str(text)) == name, f"alias {text!r} of {name}"
        for oid in entry.get("oids", []):
            oid_owners[oid].add(name)
            assert catalog.normalize(oid) == name, f"OID {oid} of {name}"
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    assert not shared, f"aliases naming several entries: {shared}"
    shared_oids = {k: v for k, v in oid_owners.items() if len(v) > 1}
    assert not shared_oids, f"OIDs naming several entries: {shared_oids}"


def test_references_between_entries_are_sound(catalog):
    for info in catalog:
        for use, names in info.replacements.items():
            for name in names:
                target = catalog.get(name)
                assert target is not None, f"{info.name}.replacements.{use}: {name}"
                if info.quantum_status is QuantumStatus.BROKEN:
                    assert target.quantum_status in (QuantumStatus.RESISTANT, QuantumStatus.HYBRID)
                if info.quantum_status is QuantumStatus.WEAKENED:
                    assert target.quantum_status is QuantumStatus.RESISTANT
        for name in (*info.components, *info.variants.values(), *info.alternates.values()):
            assert catalog.get(name) is not None, f"{info.name} refers to unknown {name}"
        if info.quantum_status is QuantumStatus.HYBRID:
            assert len(info.components) == 2


# --------------------------------------------------------------------------- sizes
@pytest.mark.parametrize(
    ("name", "pk", "sk", "ct", "cat"),
    [
        ("ML-KEM-512", 800, 1632, 768, 1),
        ("ML-KEM-768", 1184, 2400, 1088, 3),
        ("ML-KEM-1024", 1568, 3168, 1568, 5),
    ],
)
def test_ml_kem_sizes_match_reference(catalog, name, pk, sk, ct, cat):
    info = catalog.get(name)
    assert (info.sizes.public_key, info.sizes.secret_key, info.sizes.ciphertext) == (pk, sk, ct)
    assert info.sizes.shared_secret == 32
    assert info.nist_category == cat
    assert info.standard == "FIPS 203"
    assert info.sizes.sources == ("fips203",)


@pytest.mark.parametrize(
    ("name", "pk", "sk", "sig", "cat"),
    [
        ("ML-DSA-44", 1312, 2560, 2420, 2),
        ("ML-DSA-65", 1952, 4032, 3309, 3),
        ("ML-DSA-87", 2592, 4896, 4627, 5),
    ],
)
def test_ml_dsa_sizes_match_reference(catalog, name, pk, sk, sig, cat):
    info = catalog.get(name)
    assert (info.sizes.public_key, info.sizes.secret_key, info.sizes.signature) == (pk, sk, sig)
    assert info.nist_category == cat
    assert info.standard == "FIPS 204"


@pytest.mark.parametrize(
    ("name", "pk", "sk", "last"),
    [
        ("SMAUG-T-128", 672, 832, 672),
        ("SMAUG-T-192", 1088, 1312, 992),
        ("SMAUG-T-256", 1440, 1728, 1376),
        ("NTRU+KEM-768", 1152, 2336, 1152),
        ("NTRU+KEM-1152", 1728, 3488, 1728),
        ("HAETAE-2", 992, 1408, 1474),
        ("HAETAE-5", 2080, 2752, 2948),
        ("AIMer-128f", 32, 48, 5888),
        ("AIMer-192s", 48, 72, 9120),
        ("AIMer-256s", 64, 96, 17056),
    ],
)
def test_kpqc_sizes_confirmed(catalog, name, pk, sk, last):
    info = catalog.get(name)
    assert info.standard == "KpqC"
    s = info.sizes
    assert (s.public_key, s.secret_key, s.ciphertext or s.signature) == (pk, sk, last)
    assert "kpqclean-liboqs" in s.sources


def test_falcon_is_fn_dsa_draft(catalog):
    info = catalog.get("Falcon-512")
    assert info.standard == "FIPS 206 (draft)"
    assert catalog.normalize("FN-DSA-512") == "Falcon-512"
    assert catalog.normalize("FN-DSA-1024") == "Falcon-1024"


# --------------------------------------------------------------------------- normalization
@pytest.mark.parametrize(
    ("raw", "context", "expected"),
    [
        # spelling variants
        ("ml-kem-768", {}, "ML-KEM-768"),
        ("MLKEM768", {}, "ML-KEM-768"),
        ("ML_KEM_768", {}, "ML-KEM-768"),
        (" ML KEM 768 ", {}, "ML-KEM-768"),
        ("Kyber768", {}, "Kyber768"),
        ("slh-dsa-shake-256f", {}, "SLH-DSA-SHAKE-256f"),
        # OpenSSL names
        ("prime256v1", {}, "ECDH-P256"),
        ("secp384r1", {}, "ECDH-P384"),
        ("prime256v1", {"primitive": Primitive.SIGNATURE}, "ECDSA-P256"),
        ("prime256v1", {"primitive": "signature"}, "ECDSA-P256"),
        ("EC", {"curve": "P-521", "primitive": "key-agree"}, "ECDH-P521"),
        ("Curve25519", {"primitive": "signature"}, "Ed25519"),
        ("ECDSA-P256", {"primitive": "key_exchange"}, "ECDSA-P256"),
        ("id-ecPublicKey", {"curve": "prime256v1"}, "ECDSA-P256"),
        ("id-ecPublicKey", {"curve": "secp384r1", "primitive": "key_exchange"}, "ECDH-P384"),
        ("rsaEncryption", {"key_size": 2048}, "RSA-2048"),
        ("rsaEncryption", {"key_size": "3072"}, "RSA-3072"),
        ("sha256WithRSAEncryption", {}, "RSA"),
        ("sha256WithRSAEncryption", {"key_size": 4096}, "RSA-4096"),
        ("ecdsa-with-SHA256", {"curve": "P-256"}, "ECDSA-P256"),
        ("ecdsa-with-SHA384", {"curve": "secp384r1"}, "ECDSA-P384"),
        ("ecdsa-with-SHA256", {}, "ECDSA"),
        # OIDs
        ("1.2.840.113549.1.1.11", {}, "RSA"),
        ("1.2.840.113549.1.1.11", {"key_size": 2048}, "RSA-2048"),
        ("1.2.840.10045.2.1", {"curve": "P-256"}, "ECDSA-P256"),
        ("1.2.840.10045.2.1", {"curve": "1.3.132.0.34"}, "ECDSA-P384"),
        ("2.16.840.1.101.3.4.4.1", {}, "ML-KEM-512"),
        ("2.16.840.1.101.3.4.4.2", {}, "ML-KEM-768"),
        ("2.16.840.1.101.3.4.4.3", {}, "ML-KEM-1024"),
        ("2.16.840.1.101.3.4.3.17", {}, "ML-DSA-44"),
        ("2.16.840.1.101.3.4.3.18", {}, "ML-DSA-65"),
        ("2.16.840.1.101.3.4.3.19", {}, "ML-DSA-87"),
        ("2.16.840.1.101.3.4.3.20", {}, "SLH-DSA-SHA2-128s"),
        ("2.16.840.1.101.3.4.3.31", {}, "SLH-DSA-SHAKE-256f"),
        ("urn:oid:1.3.101.112", {}, "Ed25519"),
        # IANA TLS groups and codepoints
        ("x25519", {}, "X25519"),
        ("X25519MLKEM768", {}, "X25519MLKEM768"),
        ("0x11ec", {}, "X25519MLKEM768"),
        ("0x11EC", {}, "X25519MLKEM768"),
        ("0x11eb", {}, "SecP256r1MLKEM768"),
        ("0x6399", {}, "X25519Kyber768Draft00"),
        ("secp256r1", {}, "ECDH-P256"),
        ("ffdhe2048", {}, "DH-2048"),
        ("0x0017", {}, "ECDH-P256"),
        # SSH
        ("ssh-rsa", {"key_size": 3072}, "RSA-SHA1"),  # RSA over SHA-1 (RFC 4253 6.6)
        ("rsa-sha2-512", {"key_size": 3072}, "RSA-3072"),
        ("ssh-dss", {}, "DSA-SHA1"),
        ("diffie-hellman-group14-sha1", {}, "DH-2048-SHA1"),
        ("diffie-hellman-group1-sha1", {}, "DH-1024-SHA1"),
        ("diffie-hellman-group-exchange-sha1", {"key_size": 2048}, "DH-2048-SHA1"),
        ("ecdsa-sha2-nistp256", {}, "ECDSA-P256"),
        ("ssh-ed25519", {}, "Ed25519"),
        ("curve25519-sha256", {}, "X25519"),
        ("curve25519-sha256@libssh.org", {}, "X25519"),
        ("mlkem768x25519-sha256", {}, "X25519MLKEM768"),
        ("sntrup761x25519-sha512@openssh.com", {}, "sntrup761x25519-sha512"),
        ("diffie-hellman-group14-sha256", {}, "DH-2048"),
        ("diffie-hellman-group-exchange-sha256", {"key_size": 4096}, "DH-4096"),
        ("chacha20-poly1305@openssh.com", {}, "ChaCha20-Poly1305"),
        ("hmac-sha2-256", {}, "HMAC-SHA256"),
        # JOSE
        ("RS256", {}, "RSA"),
        ("ES256", {}, "ECDSA-P256"),
        ("ES512", {}, "ECDSA-P521"),
        ("EdDSA", {}, "Ed25519"),
        ("EdDSA", {"curve": "Ed448"}, "Ed448"),
        ("HS256", {}, "HMAC-SHA256"),
        # family + size / curve / parameter set
        ("RSA", {"key_size": 2048}, "RSA-2048"),
        ("RSA", {"key_size": 1792}, "RSA"),  # no member of that size
        ("RSA", {"parameter_set": "2048"}, "RSA-2048"),
        ("ECDSA", {"curve": "P-256"}, "ECDSA-P256"),
        ("ECDSA", {"curve": "brainpoolP384r1"}, "ECDSA-brainpoolP384r1"),
        ("ECDH", {"curve": "X25519"}, "X25519"),
        ("AES", {"key_size": 256}, "AES-256"),
        ("AES", {}, "AES"),
        ("ML-KEM", {"parameter_set": "768"}, "ML-KEM-768"),
        ("SLH-DSA", {"parameter_set": "SHA2-128s"}, "SLH-DSA-SHA2-128s"),
        ("ARIA", {"key_size": 256}, "ARIA-256"),
        # modes are split off
        ("AES-256-GCM", {}, "AES-256"),
        ("aes-128-cbc", {}, "AES-128"),
        ("aes128-ctr", {}, "AES-128"),
        ("AES-GCM", {"key_size": 128}, "AES-128"),
        ("des-ede3-cbc", {}, "3DES"),
        ("ARIA-128-GCM", {}, "ARIA-128"),
        ("LEA-256-CTR", {}, "LEA-256"),
        ("SEED-CBC", {}, "SEED"),
        # unknown
        ("FooCipher-9", {}, None),
        ("", {}, None),
    ],
)
def test_normalize(catalog, raw, context, expected):
    assert catalog.normalize(raw, **context) == expected


def test_normalize_none(catalog):
    assert catalog.normalize(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AES-256-GCM", ("AES-256", "GCM")),
        ("aes128-ctr", ("aes128", "CTR")),
        ("AES_128_CBC", ("AES_128", "CBC")),
        ("AES-256-GCM-SIV", ("AES-256", "GCM-SIV")),
        ("ML-KEM-768", ("ML-KEM-768", None)),
        ("ChaCha20-Poly1305", ("ChaCha20-Poly1305", None)),
    ],
)
def test_split_mode(raw, expected):
    assert split_mode(raw) == expected


# --------------------------------------------------------------------------- classification
def test_rsa_2048_is_broken_with_reason(catalog):
    result = catalog.classify("RSA", key_size=2048)
    assert isinstance(result, Classification)
    assert (result.canonical, result.known) == ("RSA-2048", True)
    assert result.status is QuantumStatus.BROKEN
    assert "Shor" in result.reason
    assert "ML-DSA-65" in result.reason and "ML-KEM-768" in result.reason
    assert result.info is catalog.get("RSA-2048")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = QuantumStatus.RESISTANT  # type: ignore[misc]


def test_unknown_is_kept_not_guessed(catalog):
    result = catalog.classify("  FooCipher-9  ", key_size=128)
    assert result.canonical == "FooCipher-9"
    assert result.known is False
    assert result.status is QuantumStatus.UNKNOWN
    assert result.info is None
    assert "FooCipher-9" in result.reason and catalog.version in result.reason


@pytest.mark.parametrize(
    ("raw", "context", "status"),
    [
        ("AES-128", {}, QuantumStatus.WEAKENED),
        ("AES-192", {}, QuantumStatus.WEAKENED),
        ("AES-256-GCM", {}, QuantumStatus.RESISTANT),
        ("SEED", {}, QuantumStatus.WEAKENED),
        ("LEA-256", {}, QuantumStatus.RESISTANT),
        ("SHA-256", {}, QuantumStatus.RESISTANT),
        ("SHA-224", {}, QuantumStatus.WEAKENED),
        ("HMAC-SHA256", {}, QuantumStatus.RESISTANT),
        ("ECDSA", {}, QuantumStatus.BROKEN),
        ("Ed25519", {}, QuantumStatus.BROKEN),
        ("SM2", {}, QuantumStatus.BROKEN),
        ("DH", {}, QuantumStatus.BROKEN),
        ("ML-KEM-768", {}, QuantumStatus.RESISTANT),
        ("HAETAE-3", {}, QuantumStatus.RESISTANT),
        ("X25519MLKEM768", {}, QuantumStatus.HYBRID),
        ("0x11ed", {}, QuantumStatus.HYBRID),
    ],
)
def test_statuses(catalog, raw, context, status):
    assert catalog.classify(raw, **context).status is status


@pytest.mark.parametrize("name", ["MD5", "SHA-1", "DES", "3DES", "RC4"])
def test_legacy_is_classically_broken_not_shor_broken(catalog, name):
    result = catalog.classify(name)
    assert result.status is QuantumStatus.WEAKENED
    assert result.classically_broken
    assert "classical attacks today" in result.reason


def test_hmac_sha1_is_not_classically_broken(catalog):
    assert not catalog.classify("hmac-sha1").classically_broken


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Kyber512", "ML-KEM-512"),
        ("Kyber768", "ML-KEM-768"),
        ("Kyber1024", "ML-KEM-1024"),
        ("Dilithium2", "ML-DSA-44"),
        ("Dilithium3", "ML-DSA-65"),
        ("Dilithium5", "ML-DSA-87"),
    ],
)
def test_round3_entries_point_to_fips(catalog, old, new):
    result = catalog.classify(old)
    assert result.status is QuantumStatus.RESISTANT
    assert "not interoperable" in result.reason and new in result.reason
    assert "not interoperate" in result.info.notes
    use = "key_exchange" if old.startswith("Kyber") else "signature"
    assert result.info.replacement_for(use) == [new]


def test_hybrid_reason_names_components(catalog):
    result = catalog.classify("SecP256r1MLKEM768")
    assert result.info.components == ("ECDH-P256", "ML-KEM-768")
    assert "ECDH-P256" in result.reason and "ML-KEM-768" in result.reason


def test_replacement_for_uses_and_fallbacks(catalog):
    rsa = catalog.get("RSA-2048")
    assert rsa.replacement_for("signature")[0] == "ML-DSA-65"
    assert rsa.replacement_for("tls_key_exchange")[0] == "X25519MLKEM768"
    assert "HAETAE-3" in rsa.replacement_for("signature")
    assert rsa.replacement_for("firmware_signing")[0] == "LMS"
    p384 = catalog.get("ECDSA-P384")
    assert p384.replacement_for("ssh_host_key") == p384.replacement_for("signature")
    assert p384.replacement_for("signature")[0] == "ML-DSA-87"
    assert catalog.get("ECDH-P256").replacement_for("ssh_key_exchange")[0] == "ML-KEM-768"
    assert catalog.get("AES-128").replacement_for("data_at_rest") == ["AES-256"]
    assert catalog.get("ML-KEM-768").replacement_for("key_exchange") == []
    with pytest.raises(TypeError):
        rsa.replacements["signature"] = ("RSA-4096",)  # type: ignore[index]


def test_elliptic_curve_entries_name_their_curve(catalog):
    assert catalog.get("ECDSA-P384").curve == "P-384"
    assert catalog.get("ECDH-P256").curve == "P-256"
    assert catalog.get("X25519").curve == "Curve25519"
    assert catalog.get("ECDSA-brainpoolP512r1").curve == "brainpoolP512r1"
    assert catalog.get("RSA-2048").curve is None
    assert catalog.curve("prime256v1") == "P-256" and catalog.curve("1.3.132.0.35") == "P-521"
    assert catalog.curve("nonsense") is None


def test_records_serialise(catalog):
    data = dataclasses.asdict(catalog.get("ECDSA"))
    assert data["name"] == "ECDSA" and data["variants"]["P-256"] == "ECDSA-P256"


# --------------------------------------------------------------------------- malformed files
def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "algorithms.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _entry(data: dict, name: str) -> dict:
    return next(e for e in data["algorithms"] if e["name"] == name)


def test_packaged_file_loads_uncached():
    fresh = load_catalog()
    assert fresh is not get_catalog() and fresh.names() == get_catalog().names()


def test_bad_field_type_names_entry_and_field(tmp_path, raw_data):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    _entry(data, "ML-KEM-768")["sizes"]["public_key"] = "eleven hundred"
    with pytest.raises(CatalogError) as err:
        load_catalog(_write(tmp_path, data))
    message = str(err.value)
    assert "'ML-KEM-768'" in message and "sizes.public_key" in message


def test_bad_enum_names_entry_and_field(tmp_path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    _entry(data, "AES-128")["quantum_status"] = "shaky"
    with pytest.raises(CatalogError) as err:
        load_catalog(_write(tmp_path, data))
    assert "'AES-128'" in str(err.value) and "quantum_status" in str(err.value)


def test_size_without_source_is_a_defect(tmp_path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    del _entry(data, "HQC-128")["sizes"]["source"]
    with pytest.raises(CatalogError) as err:
        load_catalog(_write(tmp_path, data))
    assert "'HQC-128'" in str(err.value) and "sizes.source" in str(err.value)


def test_alias_shared_by_two_entries_is_rejected(tmp_path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    _entry(data, "ML-KEM-512")["aliases"].append("ml_kem 768")
    with pytest.raises(CatalogError) as err:
        load_catalog(_write(tmp_path, data))
    assert "'ML-KEM-512'" in str(err.value) and "ML-KEM-768" in str(err.value)
    assert "aliases" in str(err.value)


def test_unknown_source_and_replacement_are_rejected(tmp_path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    _entry(data, "RSA-2048")["sources"].append("my-blog")
    _entry(data, "DES")["replacements"]["encryption"] = ["AES-512"]
    with pytest.raises(CatalogError) as err:
        load_catalog(_write(tmp_path, data))
    assert len(err.value.problems) == 2
    assert any("'RSA-2048'" in p and "sources" in p and "my-blog" in p for p in err.value.problems)
    assert any("'DES'" in p and "replacements.encryption" in p for p in err.value.problems)


def test_unknown_field_is_rejected(tmp_path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    _entry(data, "X25519")["quantum_staus"] = "broken"
    with pytest.raises(CatalogError) as err:
        load_catalog(_write(tmp_path, data))
    assert "'X25519'" in str(err.value) and "quantum_staus" in str(err.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "algorithms.yaml"
    path.write_text('version: "1"\nsources: {a: [\n', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"line \d+"):
        load_catalog(path)


@pytest.mark.parametrize(
    ("raw", "context", "expected"),
    [
        ("SHA256-RSA", {"key_size": 2048}, "RSA-2048"),
        ("RSA-PKCS1-1.5-SHA512", {}, "RSA"),
        ("SHA512withECDSA", {"curve": "P-384"}, "ECDSA-P384"),
        ("desede-168-cbc-pkcs5", {}, "3DES"),
        ("aes-128-cbc-pkcs5", {}, "AES-128"),
        ("3DES-EDE-CBC", {}, "3DES"),
        ("AES-128-CCM-8", {}, "AES-128"),
        ("AES-128-GCM-128-12", {}, "AES-128"),  # CycloneDX 1.7 style: mode, tag, IV
    ],
)
def test_descriptive_names_from_other_tools(raw, context, expected):
    assert get_catalog().normalize(raw, **context) == expected


def test_a_whole_cipher_suite_never_collapses_to_one_part():
    assert get_catalog().normalize("ECDHE-RSA-AES128-GCM-SHA256") is None
