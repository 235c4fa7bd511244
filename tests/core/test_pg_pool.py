"""PostgreSQL connections are kept, not churned: more request threads than pooled connections
wait for one instead of opening and closing a backend per request."""

from __future__ import annotations

import threading

from sqlalchemy import event, text

from core.db import PG_POOL_SIZE, create_db_engine


def test_bursts_of_forty_threads_reuse_the_pool(pg_url):
    """Three bursts of 40 requests with quiet moments between them (all connections back
    in the pool): overflow connections would be closed at each quiet moment and opened
    again by the next burst."""
    engine = create_db_engine(pg_url)
    opened: list[object] = []
    event.listen(engine, "connect", lambda conn, _record: opened.append(conn))
    burst = threading.Barrier(40)

    def requests() -> None:
        for _ in range(3):
            burst.wait(60)
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_sleep(0.05)"))
            burst.wait(60)  # quiet: every connection is back

    threads = [threading.Thread(target=requests) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    engine.dispose()
    assert 1 <= len(opened) <= PG_POOL_SIZE  # 120 checkouts, the pool's connections only
