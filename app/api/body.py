"""Read a request body with a hard size cap, refusing oversized uploads before parsing."""

from __future__ import annotations

from fastapi import Request

from inventory.errors import InputError, TooLarge


async def read_body_limited(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InputError("Content-Length is not a number", "header Content-Length")
        if int(declared) > max_bytes:
            raise TooLarge(
                f"upload of {int(declared)} bytes exceeds the limit of {max_bytes} bytes",
                "body",
            )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"upload exceeds the limit of {max_bytes} bytes", "body")
        chunks.append(chunk)
    return b"".join(chunks)
