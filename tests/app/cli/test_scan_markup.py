"""`pqcplan scan` prints what servers and users say as text: a banner or error holding rich
markup (`[/x]`, `[red]`) neither crashes nor restyles the output. Real loopback peers."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

EVIL_BANNER = "SSH-2.0-[red]Evil[/red]_[/x]"
NOT_SSH = b"SSH-1.0-[bold][/x] hello\r\n"  # refused, named in the error


def _kexinit_packet() -> bytes:
    """A server KEXINIT (RFC 4253 7.1) in an unencrypted binary packet (RFC 4253 6)."""
    lists = [["diffie-hellman-group14-sha1"], ["ssh-rsa"], ["aes128-ctr"], ["aes128-ctr"]]
    lists += [["hmac-sha1"], ["hmac-sha1"], ["none"], ["none"], [], []]
    payload = bytes([20]) + b"\x00" * 16
    for names in lists:
        text = ",".join(names).encode()
        payload += struct.pack("!I", len(text)) + text
    payload += b"\x00" + b"\x00" * 4
    pad = 8 - (len(payload) + 5) % 8
    pad += 8 if pad < 4 else 0
    return struct.pack("!IB", len(payload) + pad + 1, pad) + payload + b"\x00" * pad


class _Peer:
    """Answers every connection with `greeting`, then closes."""

    def __init__(self, greeting: bytes) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.sendall(self.greeting)


@pytest.fixture
def peers() -> Iterator[tuple[_Peer, _Peer]]:
    banner = _Peer(EVIL_BANNER.encode() + b"\r\n" + _kexinit_packet())
    garbage = _Peer(NOT_SSH)
    yield banner, garbage
    banner.sock.close()
    garbage.sock.close()


def test_banner_error_and_scope_note_with_markup_are_printed_literally(tmp_path: Path, peers):
    banner, garbage = peers
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", "COLUMNS": "300"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert cli("db", "upgrade").returncode == 0
    assert (
        cli("org", "create", "mk", "Mk", "--sector", "energy", "--tier", "private").returncode == 0
    )
    note = "[/x] [red]lab[/red]"
    added = cli("scan", "scope", "add", "127.0.0.0/8", "--org", "mk", "--note", note)
    assert added.returncode == 0, added.stderr
    listed = cli("scan", "scope", "list", "--org", "mk")
    assert listed.returncode == 0 and note in listed.stdout, listed.stdout + listed.stderr

    targets = [f"127.0.0.1:{banner.port}", f"127.0.0.1:{garbage.port}"]
    out = cli("scan", "ssh", *targets, "--org", "mk", "--timeout", "5")
    assert "Traceback" not in out.stderr and "MarkupError" not in out.stderr, out.stderr
    assert out.returncode == 0, out.stdout + out.stderr
    assert EVIL_BANNER in out.stdout, out.stdout
    assert "SSH-1.0-[bold][/x] hello" in out.stdout, out.stdout


def test_a_profile_file_whose_error_quotes_markup_is_one_red_line(tmp_path: Path):
    """The validation message quotes the file's values (`[/x]`): printed, not parsed."""
    bad = tmp_path / "bad.yaml"
    bad.write_text('id: "[/x]"\nname: "[red]"\nfinal_deadline: nope\n', encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "COLUMNS": "300"}
    out = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "profiles", "validate", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert "MarkupError" not in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("invalid: ") and len(out.stderr.strip().splitlines()) == 1
