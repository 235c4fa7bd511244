"""Real peers on loopback for the discovery tests: Go crypto/tls, OpenSSL s_server, and
misbehaving servers. Each is started once per module that asks for it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.inventory.discovery import pki
from tests.peers.gobuild import go_binary

PEERS = ROOT / "tests" / "peers"


@dataclass
class Peer:
    ports: list[int]
    chain: list  # x509 certificates served, leaf first
    proc: subprocess.Popen | None = None

    @property
    def port(self) -> int:
        return self.ports[0]


def start_go_tls(binary: Path, cert: Path, key: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(binary), "-cert", str(cert), "-key", str(key), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_ports(proc: subprocess.Popen) -> list[int]:
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"peer did not start: {proc.stderr.read()}")
    return json.loads(line)


def stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def tls_server_binary() -> Path:
    if shutil.which("go") is None:
        pytest.fail("Go is needed to build the TLS test peer (tests/peers/tlsserver)")
    return go_binary(PEERS / "tlsserver")


@pytest.fixture(scope="module")
def go_tls(tls_server_binary: Path, tmp_path_factory) -> Iterator:
    """A factory: go_tls(groups, chain, key, *extra) -> Peer, stopped at module end."""
    started: list[subprocess.Popen] = []
    folder = tmp_path_factory.mktemp("gotls")

    def start(groups: str, chain: list, key, *extra: str) -> Peer:
        stem = f"p{len(started)}"
        cert_path, key_path = pki.write_pair(folder, stem, chain, key)
        proc = start_go_tls(tls_server_binary, cert_path, key_path, "-groups", groups, *extra)
        started.append(proc)
        return Peer(read_ports(proc), chain, proc)

    yield start
    for proc in started:
        stop(proc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def openssl_tls12(tmp_path_factory) -> Iterator[Peer]:
    """OpenSSL s_server speaking TLS 1.2 only, RSA-2048, two suites and two groups, server order."""
    folder = tmp_path_factory.mktemp("s_server")
    key = pki.rsa_key(2048)
    cert = pki.make_cert(key, "openssl.test", sans=("openssl.test",))
    cert_path, key_path = pki.write_pair(folder, "rsa", [cert], key)
    port = free_port()
    proc = subprocess.Popen(
        [
            "openssl",
            "s_server",
            "-quiet",
            "-accept",
            f"127.0.0.1:{port}",
            "-cert",
            str(cert_path),
            "-key",
            str(key_path),
            "-tls1_2",
            "-cipher",
            "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA",
            "-groups",
            "P-384:P-256",
            "-serverpref",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_listening(port, proc)
    yield Peer([port], [cert], proc)
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def s_server(tmp_path_factory) -> Iterator:
    """A factory: s_server(chain, key, *args) -> Peer running `openssl s_server` (Debian's
    OpenSSL 3.0) with the given options; every server stops at module end."""
    folder = tmp_path_factory.mktemp("s_server_any")
    started: list[subprocess.Popen] = []

    def start(chain: list, key, *args: str) -> Peer:
        cert_path, key_path = pki.write_pair(folder, f"s{len(started)}", chain, key)
        port = free_port()
        proc = subprocess.Popen(
            [
                *("openssl", "s_server", "-quiet", "-accept", f"127.0.0.1:{port}"),
                *("-cert", str(cert_path), "-key", str(key_path), *args),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(proc)
        wait_listening(port, proc)
        peer = Peer([port], chain, proc)
        peer.folder = folder  # type: ignore[attr-defined]
        return peer

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------------- misbehaving peers
class Misbehaving:
    """Loopback servers that refuse, hang, send garbage or close mid-handshake."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.ports: dict[str, int] = {}
        self.accepted: dict[str, int] = {}  # connections each server has seen
        self._servers: list = []
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)
        self.ports["refuse"] = free_port()  # nothing listens there

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        handlers = {
            "hang": self._hang,
            "garbage": self._garbage,
            "midway": self._midway,
            "silent_close": self._silent_close,
        }
        for kind, handler in handlers.items():
            server = self.loop.run_until_complete(
                asyncio.start_server(self._counted(kind, handler), "127.0.0.1", 0)
            )
            self._servers.append(server)
            self.ports[kind] = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    def _counted(self, kind: str, handler):
        self.accepted[kind] = 0

        async def run(reader, writer) -> None:
            self.accepted[kind] += 1
            await handler(reader, writer)

        return run

    @staticmethod
    async def _hang(reader, writer) -> None:
        await reader.read(65536)
        await asyncio.sleep(3600)

    @staticmethod
    async def _garbage(reader, writer) -> None:
        await reader.read(5)
        writer.write(b"SSH-2.0-NotTLS\r\n\x00\xff garbage follows")
        await writer.drain()
        writer.close()

    @staticmethod
    async def _midway(reader, writer) -> None:
        await reader.read(5)
        # a ServerHello record header announcing 90 bytes, then 10 of them, then close
        writer.write(bytes.fromhex("160303005a") + bytes.fromhex("0200005603") + b"\x00" * 5)
        await writer.drain()
        writer.close()

    @staticmethod
    async def _silent_close(reader, writer) -> None:
        await reader.read(5)
        writer.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="module")
def misbehaving() -> Iterator[Misbehaving]:
    peers = Misbehaving()
    yield peers
    peers.close()


# ---------------------------------------------------------------------- SSH peers
@pytest.fixture(scope="session")
def ssh_server_binary() -> Path:
    return go_binary(PEERS / "sshserver")


@pytest.fixture(scope="module")
def go_ssh(ssh_server_binary: Path) -> Iterator:
    """A factory: go_ssh(kex_csv) -> Peer running golang.org/x/crypto/ssh."""
    started: list[subprocess.Popen] = []

    def start(kex: str) -> Peer:
        proc = subprocess.Popen(
            [str(ssh_server_binary), "-kex", kex],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        return Peer(read_ports(proc), [], proc)

    yield start
    for proc in started:
        stop(proc)


SSHD = Path("/usr/sbin/sshd")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory) -> Iterator:
    """A factory: sshd(*config_lines) -> Peer, Debian's OpenSSH on loopback with Ed25519,
    RSA-3072 and ECDSA P-384 host keys (made once per module) and the extra sshd_config
    lines given (KexAlgorithms, HostKeyAlgorithms...); every server stops at module end."""
    if not SSHD.exists():
        pytest.fail("OpenSSH server missing: bash scripts/peers.sh (Debian openssh-server)")
    folder = tmp_path_factory.mktemp("sshd")
    keys = {"ed25519": [], "rsa": ["-b", "3072"], "ecdsa": ["-b", "384"]}
    for kind, extra in keys.items():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", kind, *extra, "-N", "", "-f", str(folder / kind)],
            check=True,
        )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    started: list[subprocess.Popen] = []

    def start(*config: str) -> Peer:
        lines = ["ListenAddress 127.0.0.1", "UsePAM no", "StrictModes no", "PidFile none"]
        lines += [f"HostKey {folder / kind}" for kind in keys] + list(config)
        path = folder / f"sshd_config_{len(started)}"
        path.write_text("\n".join(lines) + "\n")
        port = free_port()
        proc = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(path), "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(proc)
        wait_listening(port, proc)
        peer = Peer([port], [], proc)
        peer.key_files = {kind: folder / f"{kind}.pub" for kind in keys}  # type: ignore[attr-defined]
        return peer

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(5)


@pytest.fixture(scope="module")
def openssh(sshd) -> Peer:
    """Debian's OpenSSH 9.2 with its default algorithms."""
    return sshd()
