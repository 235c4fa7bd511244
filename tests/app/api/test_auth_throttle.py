"""Failed API keys are throttled per key and client, and per client for keys not seen
working there; good keys from a shared address keep working; X-Forwarded-For is believed
only from configured proxies.

Runs a real server on loopback and connects from several source addresses (127.0.0.x),
since the throttle keys on the client address the server sees.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from app.api.main import create_app
from app.api.observability import proxy_options
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.models import Organization

LIMIT, CLIENT_LIMIT, WINDOW = 3, 5, 3.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serve(url: str, trusted: str = "") -> Iterator[tuple[str, list[str]]]:
    app = create_app(
        Settings(
            database_url=url,
            api_runs_jobs=False,
            auth_failure_limit=LIMIT,
            auth_client_failure_limit=CLIENT_LIMIT,
            auth_failure_window_seconds=WINDOW,
        )
    )
    with app.state.sessionmaker.begin() as s:
        org = Organization(slug="o", name="O", sector=Sector.OTHER, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        secrets = [issue_key(s, org.id, Role.OFFICER, f"k{i}")[1] for i in range(2)]
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", **proxy_options(trusted)
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", secrets
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server(db_url: str) -> Iterator[tuple[str, list[str]]]:
    with _serve(db_url) as served:
        yield served


def _client(base: str, source: str) -> httpx.Client:
    return httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=source))


def _get(client: httpx.Client, key: str, **headers: str) -> httpx.Response:
    return client.get("/api/v1/assets", headers={"Authorization": f"Bearer {key}", **headers})


def test_a_spraying_address_keeps_its_working_keys_and_others_are_not_slowed(server):
    base, (used, unused) = server
    with _client(base, "127.0.0.2") as nat, _client(base, "127.0.0.1") as elsewhere:
        assert _get(nat, used).status_code == 200  # someone behind the NAT works with it
        for i in range(CLIENT_LIMIT):
            assert _get(nat, f"pqc_guess{i}").status_code == 401
        blocked = _get(nat, "pqc_guess-again")
        assert blocked.status_code == 429, blocked.text
        wait = int(blocked.headers["retry-after"])
        assert 1 <= wait <= math.ceil(WINDOW / CLIENT_LIMIT)  # one failure's refill, both DBs
        assert "127.0.0.2" in blocked.json()["detail"]
        assert _get(nat, used).status_code == 200  # the key that worked here still works
        # a key never seen working here is refused unlooked-at: no oracle for guesses
        assert _get(nat, unused).status_code == 429
        started = time.monotonic()
        for _ in range(5):  # another address: at once
            assert _get(elsewhere, unused).status_code == 200
        assert time.monotonic() - started < 5
        time.sleep(WINDOW / CLIENT_LIMIT + 0.3)  # one failure refilled: one more try
        assert _get(nat, unused).status_code == 200


def test_one_bad_key_repeated_is_refused_alone(server):
    base, (valid, _) = server
    with _client(base, "127.0.0.3") as client:
        for _ in range(LIMIT):
            assert _get(client, "pqc_revoked").status_code == 401
        repeated = _get(client, "pqc_revoked")
        assert repeated.status_code == 429
        assert 1 <= int(repeated.headers["retry-after"]) <= math.ceil(WINDOW / LIMIT)
        assert _get(client, "pqc_another").status_code == 401  # not this client's other keys
        assert _get(client, valid).status_code == 200


def test_missing_keys_and_valid_keys_do_not_count(server):
    base, (valid, _) = server
    with _client(base, "127.0.0.4") as client:
        for _ in range(CLIENT_LIMIT + 2):
            assert client.get("/api/v1/assets").status_code == 401  # no key at all
            assert _get(client, valid).status_code == 200
        assert _get(client, "pqc_wrong").status_code == 401


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_forwarded_addresses_are_believed_only_from_configured_proxies(sqlite_url, trusted):
    with _serve(sqlite_url, trusted) as (base, _), _client(base, "127.0.0.1") as client:
        forged = {"X-Forwarded-For": "10.9.9.9"}
        for i in range(CLIENT_LIMIT):
            _get(client, f"pqc_guess{i}", **forged)
        detail = _get(client, "pqc_more", **forged).json()["detail"]
    seen = "10.9.9.9" if trusted else "127.0.0.1"
    assert f"from {seen};" in detail
