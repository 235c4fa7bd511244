"""What the TLS and SSH endpoint scanners share: the failure a target becomes, the head of
every result, one connection, the time budget per target and the bounded fan-out.

A target that refuses, hangs or answers with something else is not an error of the scan:
it becomes that target's result, with a ``status`` and a plain-words ``error``.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from core.errors import said_of
from core.i18n import N_, say
from core.their_words import their_words


class ScanFailure(Exception):
    """The target cannot be scanned; ``status`` says why (refused, timeout, closed...)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class EndpointResult:
    """The head every endpoint result starts with; each scanner adds its facts after it."""

    host: str
    port: int
    status: str = "ok"
    error: str | None = None

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"


class CountedResult(Protocol):
    host: str
    port: int
    connections: int


R = TypeVar("R", bound=CountedResult)


class EndpointScan(Protocol[R]):
    """One target's scan: ``run`` fills ``result`` and returns it."""

    result: R

    def run(self) -> Awaitable[R]: ...


async def connect(
    host: str, port: int, *, limit: int = 2**16
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open one TCP connection; a refusal or a network error becomes a ``ScanFailure``.

    Closing it resets the connection (SO_LINGER 0) instead of the FIN exchange: a probe has
    nothing left to say, and a scan of a thousand endpoints opens tens of thousands of
    connections that would otherwise sit in TIME_WAIT, holding ephemeral ports.
    """
    try:
        reader, writer = await asyncio.open_connection(host, port, limit=limit)
    except ConnectionRefusedError as exc:
        raise ScanFailure(
            "refused",
            say(N_("connection refused: {reason}"), reason=their_words(exc, str(exc.strerror))),
        ) from exc
    except OSError as exc:
        raise ScanFailure(
            "error", say(N_("cannot connect: {reason}"), reason=their_words(exc))
        ) from exc
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
    return reader, writer


_RESET_ON_CLOSE = struct.pack("ii", 1, 0)


async def run_within(
    scan: EndpointScan[R],
    timeout: float,
    *,
    protocol_errors: tuple[type[Exception], ...] = (),
) -> R:
    """The scan's result, or a fresh one that says why it failed; never raises.

    A failed result keeps only the target, the connections made and the time spent: partial
    facts are dropped, so a result is either complete or plainly marked as failed.
    """
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            return await scan.run()
    except ScanFailure as exc:
        status, message = exc.status, str(exc)
    except TimeoutError:
        status, message = (
            "timeout",
            say(N_("no complete answer within {seconds} s"), seconds=f"{timeout:g}"),
        )
    except protocol_errors as exc:
        status, message = "error", say(N_("protocol error: {reason}"), reason=said_of(exc))
    except OSError as exc:
        status, message = "error", say(N_("network error: {reason}"), reason=their_words(exc))
    partial = scan.result
    return type(partial)(
        host=partial.host,
        port=partial.port,
        status=status,
        error=message,
        connections=partial.connections,
        seconds=time.perf_counter() - started,
    )


def run_loop(coro: Awaitable[R]) -> R:
    """Run a scan to completion on uvloop when it is installed (libuv's loop spends about 40%
    less CPU per probe connection than asyncio's own), else on asyncio's."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is in the lock file; Windows has none
        return asyncio.run(coro)  # type: ignore[arg-type]
    return uvloop.run(coro)  # type: ignore[arg-type]


async def scan_all(
    targets: Iterable[tuple[str, int]],
    scan_one: Callable[[str, int], Awaitable[R]],
    *,
    concurrency: int,
    on_result: Callable[[R], None] | None = None,
) -> list[R]:
    """Scan every target with at most ``concurrency`` at once; results in target order."""
    sem = asyncio.Semaphore(concurrency)

    async def one(host: str, port: int) -> R:
        async with sem:
            result = await scan_one(host, port)
        if on_result is not None:
            on_result(result)
        return result

    return list(await asyncio.gather(*(one(h, p) for h, p in targets)))
