"""How a sync route runs: its handler on a worker thread, its answer checked on the loop.

FastAPI runs a sync handler on a worker thread and then validates its answer on another
(one more hop through the worker threads' limiter, the GIL and the OS scheduler: several
milliseconds each on a busy machine). A writer's transaction is open across both, and on
SQLite one writer of a process holds its turn meanwhile, so every hop in it is paid by
every writer queued behind it (issue 24: writes were most of the p99 under 50 clients).
:class:`WorkerRoute` hands FastAPI a coroutine that runs the same handler on a worker
thread, so FastAPI validates the answer on the event loop: one hop, not two.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute


def _on_a_worker(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)  # FastAPI reads the handler's signature through __wrapped__
    async def handler(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(func, *args, **kwargs)

    return handler


def _plain_sync(func: Callable[..., Any]) -> bool:
    return inspect.isfunction(func) and not (
        inspect.iscoroutinefunction(func)
        or inspect.isgeneratorfunction(func)
        or inspect.isasyncgenfunction(func)
    )


class WorkerRoute(APIRoute):
    """An API route whose sync handler's answer is validated on the event loop."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if _plain_sync(endpoint):
            endpoint = _on_a_worker(endpoint)
        super().__init__(path, endpoint, **kwargs)
