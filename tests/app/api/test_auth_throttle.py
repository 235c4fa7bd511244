"""Repeated invalid API keys from one address answer 429; other clients go on unslowed.

Runs a real server on loopback and connects from two source addresses (127.0.0.2 and
127.0.0.1), since the throttle keys on the client address the server sees.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.models import Organization

LIMIT, WINDOW = 3, 2.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(sqlite_url: str) -> Iterator[tuple[str, str]]:
    app = create_app(
        Settings(
            database_url=sqlite_url,
            auth_failure_limit=LIMIT,
            auth_failure_window_seconds=WINDOW,
        )
    )
    with app.state.sessionmaker.begin() as s:
        org = Organization(slug="o", name="O", sector=Sector.OTHER, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        secret = issue_key(s, org.id, Role.OFFICER, "valid")[1]
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", secret
    srv.should_exit = True
    thread.join(timeout=10)


def _client(base: str, source: str) -> httpx.Client:
    return httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=source))


def _get(client: httpx.Client, key: str) -> httpx.Response:
    return client.get("/api/v1/assets", headers={"Authorization": f"Bearer {key}"})


def test_bad_keys_are_throttled_per_address(server):
    base, valid = server
    with _client(base, "127.0.0.2") as guesser, _client(base, "127.0.0.1") as user:
        for i in range(LIMIT):
            assert _get(guesser, f"pqc_guess{i}").status_code == 401
        blocked = _get(guesser, "pqc_guess-again")
        assert blocked.status_code == 429, blocked.text
        assert 1 <= int(blocked.headers["retry-after"]) <= WINDOW
        assert "127.0.0.2" in blocked.json()["detail"]
        # A blocked address learns nothing, not even from a valid key.
        assert _get(guesser, valid).status_code == 429

        # Another address: its valid key answers at once, its bad key counts on its own.
        started = time.monotonic()
        for _ in range(5):
            assert _get(user, valid).status_code == 200
        assert time.monotonic() - started < 5
        assert _get(user, "pqc_typo").status_code == 401

        time.sleep(WINDOW + 0.2)  # the window slides: the guesser may try again
        assert _get(guesser, valid).status_code == 200
        assert _get(guesser, "pqc_guess-later").status_code == 401


def test_missing_keys_and_valid_keys_do_not_count(server):
    base, valid = server
    with _client(base, "127.0.0.3") as client:
        for _ in range(LIMIT + 2):
            assert client.get("/api/v1/assets").status_code == 401  # no key at all
            assert _get(client, valid).status_code == 200
        assert _get(client, "pqc_wrong").status_code == 401
