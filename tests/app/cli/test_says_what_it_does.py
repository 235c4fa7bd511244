"""A long command says at once what it is doing, on a terminal only: a person sees a line
before the libraries and the database are loaded, while a pipe or a CI log gets the answer
alone (stdout stays clean JSON, stderr stays empty)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXCHANGE_DATA

JAVA = EXCHANGE_DATA / "cbomkit-hyperion-java-1.6.cdx.json"
ARGS = ["judge", str(JAVA), "--format", "json", "--as-of", "2026-11-27"]
PQCPLAN = Path(sys.executable).with_name("pqcplan")


def _in_terminal(args: list[str]) -> bytes:
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(str(PQCPLAN), [str(PQCPLAN), *args])
        finally:
            os._exit(127)
    out = bytearray()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(fd)
    os.waitpid(pid, 0)
    return bytes(out)


def test_a_terminal_is_told_first_what_is_being_done() -> None:
    out = _in_terminal(ARGS).decode("utf-8", "replace")
    said = "judging cbomkit-hyperion-java-1.6.cdx.json under kr-2035, us-nist-ir8547"
    assert said in out
    assert out.index(said) < out.index('"profiles"')  # before the answer


def test_a_pipe_gets_the_answer_alone() -> None:
    proc = subprocess.run(
        [str(PQCPLAN), *ARGS], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 1, proc.stderr  # MD5 and 3DES fail the gate
    assert proc.stderr == ""
    assert proc.stdout.startswith("{")
