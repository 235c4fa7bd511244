"""X25519MLKEM768 against an independent peer: Go's crypto/mlkem and crypto/ecdh.

The openssl engine assembles the hybrid from its parts; this checks the layout (ML-KEM
first in key share, ciphertext and secret, as TLS codepoint 0x11EC has it) against code
that shares nothing with ours, in both directions.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from testbed.engines.registry import get_engine
from tests.peers.gobuild import go_binary

PEER_SRC = Path(__file__).parent / "peers" / "hybridkem"


@pytest.fixture(scope="module")
def go_peer() -> Path:
    return go_binary(PEER_SRC)


def _ask(peer: Path, **request: str) -> dict[str, bytes]:
    out = subprocess.run(
        [str(peer)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return {k: bytes.fromhex(v) for k, v in json.loads(out).items()}


def test_go_encapsulates_to_our_key(go_peer: Path):
    engine = get_engine("openssl")
    pk, sk = engine.kem_keypair("X25519MLKEM768")
    theirs = _ask(go_peer, op="encaps", pk=pk.hex())
    assert len(theirs["ct"]) == 1088 + 32 and len(theirs["ss"]) == 64
    assert engine.decapsulate("X25519MLKEM768", sk, theirs["ct"]) == theirs["ss"]


def test_we_encapsulate_to_gos_key(go_peer: Path):
    engine = get_engine("openssl")
    keys = _ask(go_peer, op="keygen")
    ct, ss = engine.encapsulate("X25519MLKEM768", keys["pk"])
    assert _ask(go_peer, op="decaps", sk=keys["sk"].hex(), ct=ct.hex())["ss"] == ss
    # the ML-KEM half alone agrees with liboqs too, from the same 64-byte seed
    liboqs = get_engine("liboqs")
    _, expanded = liboqs.kem_keypair_from_seed("ML-KEM-768", keys["sk"][:64])
    assert liboqs.decapsulate("ML-KEM-768", expanded, ct[:1088]) == ss[:32]
