"""Misbehaving Walrus-API nodes for client tests: an aiohttp server in a
background thread on 127.0.0.1 that serves one encoded blob wrongly (corrupt
slivers, wrong indices, truncated bodies, bodies longer than a sliver, a
connection closed mid-body, garbage BCS) or not at all (503 to every sliver, a byte at a time, hangs,
bounded by a sleep the test outlasts with short client timeouts)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from aiohttp import web

from walrus_core import EncodedBlob
from walrus_core.node_api import wire

MODES = (
    "corrupt",
    "wrong-index",
    "truncated",
    "oversized",
    "cut-off",
    "garbage",
    "busy",
    "trickle",
    "hang",
    "honest",
)
HANG_SECONDS = 30.0


def _app(encoded: EncodedBlob, mode: str, stop: asyncio.Event, hung_up: list[int]) -> web.Application:
    n = len(encoded.pairs)
    md_bytes = encoded.metadata.to_bcs()

    async def hang() -> None:
        # until the test ends (the server stops) or HANG_SECONDS pass
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), HANG_SECONDS)

    async def metadata(request: web.Request) -> web.StreamResponse:
        if mode == "hang":
            await hang()
        if mode == "garbage":
            return web.Response(body=b"\x07garbage", content_type="application/octet-stream")
        return web.Response(body=md_bytes, content_type="application/octet-stream")

    async def sliver(request: web.Request) -> web.StreamResponse:
        pair = int(request.match_info["pair"])
        kind = request.match_info["kind"]
        if mode == "hang":
            await hang()
        if mode == "busy":
            return await anything(request)
        s = encoded.pairs[pair].primary if kind == "primary" else encoded.pairs[pair].secondary
        body = bytearray(s.to_bcs())
        if mode == "corrupt":
            body[3] ^= 0x55
        elif mode == "wrong-index":
            other = (s.index + 1) % n
            body[-2:] = other.to_bytes(2, "little")
        elif mode == "truncated":
            body = body[: len(body) // 2]
        elif mode == "garbage":
            body = bytearray(b"\xff\xff\xff\xff\x0f" + bytes(10))
        elif mode == "oversized":
            body += bytes(1 << 20)
        elif mode == "trickle":  # the whole length announced, then a byte every 0.1 s
            resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            resp.content_length = len(body)
            await resp.prepare(request)
            for sent, byte in enumerate(bytes(body[: int(HANG_SECONDS / 0.1)])):
                if stop.is_set():
                    break
                try:
                    await resp.write(bytes([byte]))
                except (ConnectionError, RuntimeError):  # the client gave up on this body
                    hung_up.append(sent)
                    break
                await asyncio.sleep(0.1)
            return resp
        elif mode == "cut-off":  # the whole length announced, half sent, the connection closed
            resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            resp.content_length = len(body)
            await resp.prepare(request)
            await resp.write(bytes(body[: len(body) // 2]))
            assert request.transport is not None
            request.transport.close()
            return resp
        return web.Response(body=bytes(body), content_type="application/octet-stream")

    async def anything(request: web.Request) -> web.StreamResponse:
        if mode == "hang":
            await hang()
        return web.json_response(wire.ApiError("UNAVAILABLE").envelope(), status=503)

    app = web.Application()
    app.router.add_get("/v1/blobs/{blob_id}/metadata", metadata)
    app.router.add_get("/v1/blobs/{blob_id}/slivers/{pair}/{kind}", sliver)
    app.router.add_route("*", "/{tail:.*}", anything)
    return app


@contextmanager
def fake_node(encoded: EncodedBlob, mode: str, hung_up: list[int] | None = None) -> Iterator[str]:
    """A misbehaving node serving ``encoded``; yields its URL."""
    assert mode in MODES
    stop = asyncio.Event()
    seen = [] if hung_up is None else hung_up  # trickle: bytes sent before each client hung up
    with serving(lambda: _app(encoded, mode, stop, seen), stop) as url:
        yield url


@contextmanager
def serving(make_app: Callable[[], web.Application], stop: asyncio.Event | None = None) -> Iterator[str]:
    """Serve the app from ``make_app`` (built on the server's own loop) on
    127.0.0.1 in a background thread; yields its URL. ``stop`` is set first
    when the server shuts down (hanging handlers watch it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runners: list[web.AppRunner] = []

    async def start() -> None:
        runner = web.AppRunner(make_app(), handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        runners.append(runner)
        ready.set()

    def run() -> None:
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(30)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:

        async def shutdown() -> None:
            if stop is not None:
                stop.set()
            for runner in runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
        sock.close()
