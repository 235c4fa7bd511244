"""The liboqs loader, and proof that liboqs-python 0.16 and liboqs 0.13 pair safely.

liboqs-python reads the C structs OQS_KEM and OQS_SIG through ctypes ``_fields_``; a
layout that differs from the C one reads garbage or corrupts memory. These tests compile
a small C program against the installed liboqs headers and compare every field offset
and the struct sizes with the ctypes view.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from testbed.engines.oqs_loader import (
    LIBOQS_VERSION,
    LiboqsUnavailable,
    install_path,
    load_oqs,
    shared_library,
)

REPO = Path(__file__).resolve().parents[2]


def _oqs():
    result = load_oqs()
    assert not isinstance(result, LiboqsUnavailable), result
    return result


def test_loader_returns_the_module_for_the_built_library() -> None:
    oqs = _oqs()
    assert oqs.oqs_version() == LIBOQS_VERSION
    lib = shared_library(install_path())
    assert lib is not None
    assert Path(oqs.native()._name).resolve() == lib.resolve()
    assert "ML-KEM-768" in oqs.get_enabled_kem_mechanisms()


def _run_isolated(tmp_path: Path, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    code = textwrap.dedent(
        """
        import sys
        from testbed.engines.oqs_loader import load_oqs, LiboqsUnavailable
        from testbed.engines import get_engine, EngineUnavailable
        r = load_oqs()
        assert isinstance(r, LiboqsUnavailable), r
        print("REASON:", r.reason)
        assert "oqs" not in sys.modules
        try:
            get_engine("liboqs")
        except EngineUnavailable as exc:
            print("ENGINE:", exc)
        print("ALIVE")
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OQS_INSTALL_PATH", "PQCPLAN_CACHE")}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(REPO), **env_extra)
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_missing_library_is_a_reason_not_an_install(tmp_path: Path) -> None:
    """No liboqs: a clear reason, no git clone, no SystemExit, the process lives on."""
    # a fake git on PATH would record any attempt by liboqs-python's installer
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    marker = tmp_path / "git-was-called"
    git = fake_bin / "git"
    git.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    git.chmod(0o755)
    started = time.monotonic()
    proc = _run_isolated(tmp_path, {"PATH": f"{fake_bin}:{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stderr
    assert "ALIVE" in proc.stdout
    assert "liboqs shared library not found at" in proc.stdout
    assert "run scripts/build_liboqs.sh" in proc.stdout
    assert "ENGINE: liboqs shared library not found" in proc.stdout
    assert not marker.exists()
    assert time.monotonic() - started < 30  # the installer's 5 s countdown never ran


def test_unloadable_library_is_a_reason(tmp_path: Path) -> None:
    prefix = tmp_path / "broken"
    (prefix / "lib").mkdir(parents=True)
    (prefix / "lib" / "liboqs.so").write_bytes(b"not an ELF file")
    proc = _run_isolated(tmp_path, {"OQS_INSTALL_PATH": str(prefix)})
    assert proc.returncode == 0, proc.stderr
    assert "does not load" in proc.stdout
    assert "ALIVE" in proc.stdout


STRUCT_PROGRAM = r"""
#include <stdio.h>
#include <stddef.h>
#include <oqs/oqs.h>
#define F(T, f) printf(#T " " #f " %zu\n", offsetof(T, f))
int main(void) {
    F(OQS_KEM, method_name); F(OQS_KEM, alg_version); F(OQS_KEM, claimed_nist_level);
    F(OQS_KEM, ind_cca); F(OQS_KEM, length_public_key); F(OQS_KEM, length_secret_key);
    F(OQS_KEM, length_ciphertext); F(OQS_KEM, length_shared_secret);
    F(OQS_KEM, length_keypair_seed); F(OQS_KEM, keypair_derand); F(OQS_KEM, keypair);
    F(OQS_KEM, encaps); F(OQS_KEM, decaps);
    printf("OQS_KEM sizeof %zu\n", sizeof(OQS_KEM));
    F(OQS_SIG, method_name); F(OQS_SIG, alg_version); F(OQS_SIG, claimed_nist_level);
    F(OQS_SIG, euf_cma); F(OQS_SIG, suf_cma); F(OQS_SIG, sig_with_ctx_support);
    F(OQS_SIG, length_public_key); F(OQS_SIG, length_secret_key);
    F(OQS_SIG, length_signature); F(OQS_SIG, keypair); F(OQS_SIG, sign);
    F(OQS_SIG, sign_with_ctx_str); F(OQS_SIG, verify); F(OQS_SIG, verify_with_ctx_str);
    printf("OQS_SIG sizeof %zu\n", sizeof(OQS_SIG));
    return 0;
}
"""

# ctypes field name (liboqs-python) -> C field name, where they differ
_C_NAME = {
    "keypair_derand_cb": "keypair_derand",
    "keypair_cb": "keypair",
    "encaps_cb": "encaps",
    "decaps_cb": "decaps",
    "sign_cb": "sign",
    "sign_with_ctx_cb": "sign_with_ctx_str",
    "verify_cb": "verify",
    "verify_with_ctx_cb": "verify_with_ctx_str",
}


def test_ctypes_struct_layouts_match_the_c_headers(tmp_path: Path) -> None:
    oqs = _oqs()
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler is needed to check the struct layouts"
    src = tmp_path / "layout.c"
    src.write_text(STRUCT_PROGRAM)
    exe = tmp_path / "layout"
    include = install_path() / "include"
    subprocess.run([cc, f"-I{include}", str(src), "-o", str(exe)], check=True)
    c_view: dict[tuple[str, str], int] = {}
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        struct, field, value = line.split()
        c_view[(struct, field)] = int(value)
    for struct, cls in (("OQS_KEM", oqs.KeyEncapsulation), ("OQS_SIG", oqs.Signature)):
        names = []
        for field, _ in cls._fields_:
            c_field = _C_NAME.get(field, field)
            names.append(c_field)
            assert getattr(cls, field).offset == c_view[(struct, c_field)], (struct, field)
        # liboqs-python declares every field of the C struct, in order, same total size
        c_fields = [f for (s, f) in c_view if s == struct and f != "sizeof"]
        assert names == c_fields, struct
        assert ctypes.sizeof(cls) == c_view[(struct, "sizeof")], struct


def test_every_function_liboqs_python_calls_is_exported() -> None:
    """Every ``native().X`` liboqs-python 0.16 uses exists in the loaded liboqs."""
    oqs = _oqs()
    source = Path(oqs.__file__).with_name("oqs.py").read_text()
    import re

    called = set(re.findall(r"native\(\)\.(OQS_\w+)", source))
    assert "OQS_SIG_supports_ctx_str" in called
    lib = ctypes.CDLL(str(shared_library(install_path())))
    optional = {"OQS_SIG_STFL_keygen_and_sign_supported"}  # probed with getattr
    missing = sorted(name for name in called - optional if not hasattr(lib, name))
    assert missing == []


def test_the_shim_agrees_with_the_struct_flag() -> None:
    oqs = _oqs()
    for alg in ("ML-DSA-65", "Falcon-512", "SPHINCS+-SHA2-128f-simple", "MAYO-1"):
        with oqs.Signature(alg) as sig:
            assert oqs.sig_supports_context(alg) == bool(sig.sig_with_ctx_support), alg
    assert oqs.sig_supports_context("ML-DSA-65") is True
    assert oqs.sig_supports_context("no-such-alg") is False


@pytest.mark.parametrize("alg", ["ML-KEM-768", "Kyber768", "FrodoKEM-640-SHAKE"])
def test_liboqs_python_reports_what_the_headers_say(alg: str) -> None:
    oqs = _oqs()
    with oqs.KeyEncapsulation(alg) as kem:
        d = kem.details
        assert d["name"] == alg
        assert d["is_ind_cca"] is True
        assert d["claimed_nist_level"] in (1, 3)
        pk = kem.generate_keypair()
        ct, ss = kem.encap_secret(pk)
        assert kem.decap_secret(ct) == ss
        assert (len(pk), len(ct), len(ss)) == (
            d["length_public_key"],
            d["length_ciphertext"],
            d["length_shared_secret"],
        )


def test_build_script_is_idempotent() -> None:
    """With the library in place the script only prints where it is (no rebuild)."""
    env = dict(os.environ)
    env.pop("OQS_INSTALL_PATH", None)
    started = time.monotonic()
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "build_liboqs.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    prefix = Path(proc.stdout.strip())
    assert shared_library(prefix) is not None
    assert (prefix / "include" / "oqs" / "oqs.h").exists()
    assert "already installed" in proc.stderr
    assert time.monotonic() - started < 10
