"""One API process on SQLite under many concurrent writers never stalls (issue 24, item 4).

A request's transaction holds the process's SQLite writer gate across awaits: the sync
handler runs on a worker thread, its answer is validated on another, and the session's
exit commits on a third. Writers used to block on the gate inside worker threads, so when
as many writers waited as there are worker threads (anyio's limiter, 40), the holder had
no thread left to validate its answer on: nothing finished until a waiter gave up at the
busy timeout, and then a burst of 503s (~10 s stalls under 50 closed-loop clients). An
async route that wrote on the event loop (the evidence upload) blocked the loop itself.

Here a real uvicorn server on loopback with 4 worker threads (so the stall comes with a
handful of clients) takes closed-loop writers from more clients than it has threads, with
evidence uploads among them. Nothing is timed: every request must be answered 2xx, no
writer may have waited the busy timeout (the gate's own count, from ``/metrics``), and no
more than one thread may ever have blocked on the gate at once (request writers wait for
their turn without a thread), and a request refused for its API key takes no turn.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.models import Organization
from tests.app.api.live_server import serve

CLIENTS = 8
ROUNDS = 8
THREADS = 4
BUSY_TIMEOUT_S = 10
STEP = "/api/v1/procedure/kr-pilot/select-system"


def _gate(metrics: str) -> dict[str, float]:
    out = {}
    for line in metrics.splitlines():
        if line.startswith("pqcplan_sqlite_writer_"):
            head, _, value = line.rpartition(" ")
            out[head.split("{", 1)[0].removeprefix("pqcplan_sqlite_writer_")] = float(value)
    return out


def _writer(base: str, headers: dict[str, str], n: int, statuses: Counter[str]) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        for i in range(ROUNDS):
            body = {"name": f"c{n}-{i}", "asset_type": "service", "owner": "o"}
            created = http.post("/api/v1/assets", json=body)
            statuses[str(created.status_code)] += 1
            if created.status_code == 201:
                patch = {"owner": f"c{n}-{i}"}
                answer = http.patch(f"/api/v1/assets/{created.json()['id']}", json=patch)
                statuses[str(answer.status_code)] += 1
            if n % 3 == 0:  # an async route that writes: it must not block the event loop
                params = {"filename": f"c{n}-{i}.txt"}
                upload = http.post(f"{STEP}/evidence/file", params=params, content=b"minutes")
                statuses[str(upload.status_code)] += 1


def test_closed_loop_writers_beyond_the_worker_threads_never_wait_out_the_gate(
    sqlite_url: str, tmp_path: Path
) -> None:
    url = f"{sqlite_url}?timeout={BUSY_TIMEOUT_S}"
    app = create_app(Settings(database_url=url, api_threads=THREADS))
    with app.state.sessionmaker.begin() as session:
        org = Organization(slug="busy", name="Busy", sector=Sector.FINANCE, tier=Tier.PRIVATE)
        session.add(org)
        session.flush()
        _, secret = issue_key(session, org.id, Role.OFFICER, "writers")
    headers = {"Authorization": f"Bearer {secret}"}
    statuses: Counter[str] = Counter()
    with serve(app) as base:
        before = _gate(httpx.get(f"{base}/metrics").text)
        stranger = httpx.post(
            f"{base}/api/v1/assets", json={"name": "x", "asset_type": "service"}, timeout=60
        )
        assert stranger.status_code == 401
        # the caller is checked before a writer takes its turn: a stranger holds nobody up
        assert _gate(httpx.get(f"{base}/metrics").text)["turns"] == before["turns"]
        clients = [
            threading.Thread(target=_writer, args=(base, headers, n, statuses))
            for n in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        after = _gate(httpx.get(f"{base}/metrics").text)

    uploads = ROUNDS * len(range(0, CLIENTS, 3))
    assert statuses == Counter({"201": CLIENTS * ROUNDS + uploads, "200": CLIENTS * ROUNDS})
    assert after["timeouts"] == before["timeouts"] == 0, after
    assert after["turn_timeouts"] == 0, after
    assert after["most_waiting"] <= 1, after  # no pile of writers blocked in worker threads
    assert after["turns"] - before["turns"] == 2 * CLIENTS * ROUNDS + uploads, after
    assert after["writes"] - before["writes"] >= after["turns"] - before["turns"], after
