"""A client of Walrus storage nodes over HTTP (spec walrus-node-api.md §8):
one node's requests (HttpNode, RemoteNode; transport.py: the configuration,
the retry policy and the blocking sliver GET), and reading a blob from any set
of Walrus-API node URLs given their shard map, verifying everything
received. Storing a blob on a served committee is in http_store.py.

All nodes are spoken to in parallel, at most ``per_node`` requests at a time
each; every request has a timeout and is retried a bounded number of times
with backoff on 503, 502/504, timeouts and connection errors, so a slow,
dead or lying node costs at most its own timeouts and never wrong bytes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import inspect
import itertools
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp

from ..backends import cpu_count
from ..errors import VerificationError, WalrusCoreError
from ..metadata import BlobId, BlobMetadata
from ..reference.errors import StorageError
from ..reference.nodes import SliverCheck, check_loaded
from ..reference.progress import ProgressFn, no_progress
from ..reference.retrieve import (
    MetadataSource,
    ReadResult,
    certified_metadata,
    first_valid_metadata,
    output_path,
    read_with_metadata,
    read_with_metadata_to_file,
)
from ..sliver import sliver_bcs_size
from ..stream import DEFAULT_MEMORY
from . import wire
from .transport import Attempts, BlockingNode, ClientConfig, NodeUnavailableError, node_socket
from .wire import ApiError

if TYPE_CHECKING:
    from ..recovery import RecoverySymbol
    from ..reference.committee import Committee
    from ..sliver import Sliver

_T = TypeVar("_T")


class HttpNode:
    """One storage node at ``url``, spoken to over the Walrus API."""

    def __init__(
        self, url: str, session: aiohttp.ClientSession, config: ClientConfig, name: str = ""
    ) -> None:
        self.url = url.rstrip("/")
        self.session = session
        self.config = config
        self.name = name or self.url
        self.limit = asyncio.Semaphore(config.per_node)
        self.down = False  # set once the node failed a request after its retries

    def __repr__(self) -> str:
        return f"HttpNode({self.name})"

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | Sequence[bytes | memoryview] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """(status, body) of a 2xx answer. A Walrus error answer (4xx) raises
        ApiError; unavailability after the retries NodeUnavailableError.
        ``body`` may be a list of pieces, sent one after the other without
        joining them (a sliver's BCS around its symbols)."""
        cfg = self.config
        timeout = aiohttp.ClientTimeout(
            total=cfg.timeout, sock_connect=cfg.connect_timeout, sock_read=cfg.read_timeout
        )
        attempts = Attempts(self, method, path)
        for pause in attempts.pauses():
            if pause:
                await asyncio.sleep(pause)
            sent_headers = dict(headers or {})
            data: Any = body
            if isinstance(body, (list, tuple)):
                sent_headers["Content-Length"] = str(sum(len(memoryview(x).cast("B")) for x in body))
                data = _pieces(body)
            try:
                async with (
                    self.limit,
                    self.session.request(
                        method, self.url + path, data=data, headers=sent_headers, timeout=timeout
                    ) as resp,
                ):
                    raw = await resp.read()
                    status = resp.status
            except aiohttp.ClientConnectorError as exc:
                attempts.unreachable(exc.os_error.strerror or str(exc.os_error))
                break
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                attempts.failed(exc)
                continue
            if attempts.answered(status, raw):
                return status, raw
        raise attempts.give_up()

    async def json_data(self, path: str) -> Any:
        _, raw = await self.request("GET", path)
        try:
            return wire.success_data(json.loads(raw), path)
        except ValueError as exc:
            raise wire.WireFormatError(f"{self.name}: {path}: not JSON") from exc

    # --- routes
    async def put_metadata(self, blob_id: BlobId, put_body: bytes) -> int:
        headers = {"Content-Type": "application/octet-stream"}
        return (await self.request("PUT", wire.blob_path(blob_id) + "/metadata", put_body, headers))[0]

    async def get_metadata(self, blob_id: BlobId) -> bytes:
        return (await self.request("GET", wire.blob_path(blob_id) + "/metadata"))[1]

    async def put_sliver(
        self, blob_id: BlobId, pair: int, kind: str, body: bytes | Sequence[bytes | memoryview]
    ) -> int:
        return (await self.request("PUT", wire.sliver_path(blob_id, pair, kind), body))[0]

    async def sliver_status(self, blob_id: BlobId, pair: int, kind: str) -> str:
        return str(await self.json_data(wire.sliver_path(blob_id, pair, kind) + "/status"))

    async def confirmation(self, blob_id: BlobId) -> tuple[bytes, bytes]:
        data = await self.json_data(wire.blob_path(blob_id) + "/confirmation/permanent")
        if not isinstance(data, dict) or "signed" not in data:
            raise wire.WireFormatError(f"{self.name}: confirmation without a signed message")
        return wire.parse_signed_message(data["signed"])

    async def recovery_symbols(self, blob_id: BlobId, query: str) -> bytes:
        return (await self.request("GET", wire.blob_path(blob_id) + "/recoverySymbols?" + query))[1]

    async def health(self, detailed: bool = True) -> Any:
        return await self.json_data("/v1/health" + ("?detailed=true" if detailed else ""))


async def _pieces(parts: Sequence[bytes | memoryview]) -> AsyncIterator[bytes | memoryview]:
    for part in parts:
        yield memoryview(part).cast("B")


# aiohttp >= 3.12 lets the client make its own sockets
_HAS_SOCKET_FACTORY = "socket_factory" in inspect.signature(aiohttp.TCPConnector).parameters


def _session() -> aiohttp.ClientSession:
    # no global connection cap: the per-node semaphores bound the load on each node
    options: dict[str, Any] = {"socket_factory": node_socket} if _HAS_SOCKET_FACTORY else {}
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=False, **options))


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _node_urls(committee: Committee) -> list[tuple[str, str]]:
    """(url, name) of every node of a served committee, in committee order."""
    for info in committee.nodes:
        if not info.url:
            raise StorageError(f"node-{info.index:03d} has no url in committee.json")
    return [(str(info.url), f"node-{info.index:03d}") for info in committee.nodes]


class LoopThread:
    """An event loop in a background thread with one HTTP session, so that
    blocking code (the shared read path of reference/retrieve.py, which loads
    slivers from a thread pool) can talk to many nodes at once."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="walrus-http", daemon=True)
        self.thread.start()
        self.session: aiohttp.ClientSession = self.call(self._open())
        # slivers verified as they arrive, one per CPU at a time (more only thrash the caches)
        self.verify_slots = threading.BoundedSemaphore(cpu_count())
        self.blocking: list[BlockingNode] = []  # their idle connections closed with the loop

    async def _open(self) -> aiohttp.ClientSession:
        return _session()

    def call(self, coro: Awaitable[_T]) -> _T:
        return self.submit(coro).result()

    def submit(self, coro: Awaitable[_T]) -> concurrent.futures.Future[_T]:
        return asyncio.run_coroutine_threadsafe(_awaited(coro), self.loop)

    def remote(
        self, url: str, name: str = "", place: tuple[int, tuple[int, ...], int] = (-1, (), 0)
    ) -> RemoteNode:
        """A node at ``url``; ``place`` = (index, shards, n_shards) in its committee."""

        async def make() -> HttpNode:  # its semaphore belongs to this loop
            return HttpNode(url, self.session, self.config, name)

        node = RemoteNode(self.call(make()), self, *place)
        self.blocking.append(node.blocking)
        return node

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self.session.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()
        for node in self.blocking:
            node.close()

    def __enter__(self) -> LoopThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _awaited(coro: Awaitable[_T]) -> _T:
    return await coro


def _parsed_sliver(raw: bytes | bytearray, kind: str, index: int, shard: int) -> SliverCheck:
    """A sliver's body parsed, not yet verified (see reference.nodes.check_loaded)."""
    try:
        sliver = wire.parse_sliver_body(raw, kind)
        if sliver.index != index:
            raise VerificationError(f"sent sliver index {sliver.index}")
    except (WalrusCoreError, ValueError) as exc:
        return SliverCheck(kind, index, shard, "corrupt", _why(exc))
    return SliverCheck(kind, index, shard, "ok", sliver=sliver)


class RemoteNode:
    """A node over HTTP with the blocking interface the shared read path uses
    (reference.retrieve.SliverSource), like a node directory."""

    def __init__(
        self,
        node: HttpNode,
        loop: LoopThread,
        index: int = -1,
        shards: tuple[int, ...] = (),
        n_shards: int = 0,
    ) -> None:
        self.node = node
        self.loop = loop
        self.name = node.name
        self.index = index
        self.shards = shards
        self.n_shards = n_shards
        self._up: bool | None = None
        self.blocking = BlockingNode(node)

    def __repr__(self) -> str:
        return f"RemoteNode({self.name})"

    def read_metadata_bytes(self, blob_id: BlobId) -> bytes | None:
        try:
            return self.loop.call(self.node.get_metadata(blob_id))
        except ApiError as exc:
            if exc.code == 404:
                return None
            raise StorageError(f"{exc.reason}: {exc.message}") from exc

    def load_sliver(self, metadata: BlobMetadata, kind: str, index: int, shard: int) -> SliverCheck:
        """Fetch and verify one sliver (check_loaded will not verify it again),
        both in the caller's thread: received straight into its buffer and
        verified on one native thread with the GIL released, while the other
        slivers are still downloading. Never raises for bad answers: a node
        that is down, refuses or sends garbage is reported in the result."""
        pair = index if kind == "primary" else metadata.n_shards - 1 - index
        path = wire.sliver_path(metadata.blob_id, pair, kind)
        try:
            _, raw = self.blocking.get_into(path, sliver_bcs_size(metadata, kind))
        except ApiError as exc:
            return SliverCheck(kind, index, shard, "missing", exc.reason)
        except NodeUnavailableError:
            return SliverCheck(kind, index, shard, "missing", "node unavailable")
        except (WalrusCoreError, ValueError) as exc:
            return SliverCheck(kind, index, shard, "corrupt", _why(exc))
        loaded = _parsed_sliver(raw, kind, index, shard)
        with self.loop.verify_slots:
            return check_loaded(metadata, [loaded], threads=1)[0]

    # --- what scrub and info need (reference.node_types.CheckableNode)
    @property
    def exists(self) -> bool:
        """Whether the node answers its health route (asked once)."""
        if self._up is None:
            try:
                self.loop.call(self.node.health(detailed=False))
                self._up = True
            except (WalrusCoreError, ValueError):
                self._up = False
        return self._up

    def link_on_path(self, blob_id: BlobId | None = None) -> Path | None:
        return None  # no local directories in the way

    def blobs(self) -> list[BlobId]:
        return []  # the API lists no blobs: the certified ones are the writer's list

    def stray_files(self, blob_id: BlobId) -> list[str]:
        return []  # a served node keeps its own directory tidy

    def read_metadata(self, blob_id: BlobId) -> BlobMetadata | None:
        try:
            raw = self.read_metadata_bytes(blob_id)
            md = BlobMetadata.from_bcs(raw) if raw is not None else None
        except (WalrusCoreError, ValueError):
            return None
        return md if md is not None and md.blob_id == blob_id and md.n_shards == self.n_shards else None

    def has_sliver(self, blob_id: BlobId, kind: str, index: int) -> bool:
        pair = index if kind == "primary" else self.n_shards - 1 - index
        try:
            return self.loop.call(self.node.sliver_status(blob_id, pair, kind)) == "stored"
        except (WalrusCoreError, ValueError):
            return False

    def check_slivers(
        self, metadata: BlobMetadata, wanted: Sequence[tuple[str, int, int]]
    ) -> list[SliverCheck]:
        """Fetch (all at once) and verify every (kind, index, shard) of ``wanted``."""
        with concurrent.futures.ThreadPoolExecutor(max(1, min(len(wanted), 16))) as pool:
            loaded = list(pool.map(lambda w: self.load_sliver(metadata, *w), wanted))
        return check_loaded(metadata, loaded)

    # --- what repair needs (reference.node_types.RepairableNode)
    def send_recovery_symbols(
        self, metadata: BlobMetadata, kind: str, index: int, targets: Sequence[int]
    ) -> tuple[list[RecoverySymbol], int]:
        """The listed-ids form of ``/recoverySymbols``: X[P][S] from this node's
        ``kind`` sliver ``index`` only (proofAxis), parsed but not verified."""
        ids = (f"id={index}-{t}" if kind == "primary" else f"id={t}-{index}" for t in targets)
        query = f"proofAxis={kind}&" + "&".join(ids)
        raw = self.loop.call(self.node.recovery_symbols(metadata.blob_id, query))
        return wire.parse_recovery_symbols_body(raw), len(raw)

    def replace_sliver(
        self, metadata: BlobMetadata, kind: str, index: int, shard: int, sliver: Sliver
    ) -> bool:
        """PUT the sliver; the node verifies it and replaces only a copy of its
        own that fails verification (201), answering 200 when its copy is good."""
        pair = index if kind == "primary" else metadata.n_shards - 1 - index
        return self.loop.call(self.node.put_sliver(metadata.blob_id, pair, kind, sliver.to_bcs())) == 201


@contextlib.contextmanager
def served_nodes(committee: Committee, config: ClientConfig | None = None) -> Iterator[list[RemoteNode]]:
    """The committee's nodes over HTTP, in committee order, for the shared
    read, scrub and info code."""
    with LoopThread(config or ClientConfig()) as loop:
        yield [
            loop.remote(url, name, (info.index, info.shards, committee.n_shards))
            for (url, name), info in zip(_node_urls(committee), committee.nodes)
        ]


def _metadata_as_answered(nodes: Sequence[RemoteNode], blob_id: BlobId) -> Iterator[MetadataSource]:
    """Every node asked for the metadata at once; their answers in the order
    they arrive (a hanging node never holds up the others)."""

    def ask(node: RemoteNode) -> tuple[bytes | None, BaseException | None]:
        try:
            return node.read_metadata_bytes(blob_id), None
        except StorageError as exc:
            return None, exc

    with concurrent.futures.ThreadPoolExecutor(max(1, min(len(nodes), 16))) as pool:
        futures = {pool.submit(ask, node): node for node in nodes}
        try:
            for fut in concurrent.futures.as_completed(futures):
                raw, error = fut.result()
                yield futures[fut].name, functools.partial(_reraise, raw, error)
        finally:
            for fut in futures:
                fut.cancel()


def _reraise(raw: bytes | None, error: BaseException | None) -> bytes | None:
    if error is not None:
        raise error
    return raw


def _read(
    blob_id: BlobId,
    n: int,
    by_shard: Mapping[int, RemoteNode],
    first: Sequence[MetadataSource],
    progress: ProgressFn,
    out: Path | None = None,
    memory: int = DEFAULT_MEMORY,
) -> ReadResult:
    """The shared read path over remote nodes: metadata from whichever node
    answers first with a copy that verifies, then retrieve.read_with_metadata
    (or, to the file ``out``, read_with_metadata_to_file within ``memory``)."""
    unique = list({node.name: node for node in by_shard.values()}.values())
    sources = itertools.chain(first, _metadata_as_answered(unique, blob_id))
    md, _, problems = first_valid_metadata(blob_id, n, sources)
    if out is not None:
        return read_with_metadata_to_file(by_shard, md, problems, out, progress=progress, memory=memory)
    return read_with_metadata(by_shard, md, problems, progress)


def read_blob_from_nodes(
    blob_id: BlobId | str,
    shard_urls: Mapping[int, str] | Sequence[str],
    *,
    config: ClientConfig | None = None,
    progress: ProgressFn = no_progress,
) -> ReadResult:
    """Read a blob from Walrus-API storage nodes: ``shard_urls`` maps every
    shard index to the URL of the node holding it (a sequence: position =
    shard). Metadata is checked against the blob ID, every sliver against the
    metadata, and the decoded bytes against both; raises BlobUnavailableError
    when too few nodes send good data. Works against real Walrus nodes that
    answer plain HTTP/1.1."""
    bid = blob_id if isinstance(blob_id, BlobId) else BlobId.from_str(blob_id)
    urls = dict(shard_urls) if isinstance(shard_urls, Mapping) else dict(enumerate(shard_urls))
    n = len(urls)
    if sorted(urls) != list(range(n)) or n < 4:
        raise StorageError("shard_urls must name a node for every shard 0..n-1 (n >= 4)")
    with LoopThread(config or ClientConfig()) as loop:
        by_url: dict[str, RemoteNode] = {}
        for url in urls.values():
            key = url.rstrip("/")
            if key not in by_url:
                by_url[key] = loop.remote(key)
        by_shard = {t: by_url[url.rstrip("/")] for t, url in urls.items()}
        return _read(bid, n, by_shard, [], progress)


def read_blob_http(
    committee: Committee,
    blob_id: BlobId,
    *,
    progress: ProgressFn = no_progress,
    config: ClientConfig | None = None,
    out: Path | str | None = None,
    memory: int = DEFAULT_MEMORY,
) -> ReadResult:
    """Read a blob from a served committee (the writer's certified copy of
    the metadata first, when this machine has it); with ``out``, straight
    into that file within ``memory`` bytes, as reference.read_to_file."""
    path = None if out is None else output_path(out)
    with served_nodes(committee, config) as nodes:
        by_shard = {t: nodes[committee.owner[t]] for t in range(committee.n_shards)}
        first = [certified_metadata(committee, blob_id)]
        return _read(blob_id, committee.n_shards, by_shard, first, progress, path, memory)


def committee_health(committee: Committee, *, config: ClientConfig | None = None) -> list[dict[str, Any]]:
    """Each served node's ``/v1/health``: reachable, epoch, shards, and
    whether its BLS key is the one committee.json publishes."""
    cfg = config or ClientConfig(timeout=10, read_timeout=5, retries=1)

    async def one(index: int, node: HttpNode) -> dict[str, Any]:
        info = committee.nodes[index]
        out: dict[str, Any] = {"node": node.name, "url": node.url}
        try:
            data = await node.health()
            shards = [x["shard"] for x in data.get("shardDetail", {}).get("owned", [])]
            key = wire.unb64(data.get("publicKey"), "publicKey")
        except (WalrusCoreError, ValueError, TypeError, KeyError, AttributeError) as exc:
            return {**out, "up": False, "error": _why(exc)}
        return {
            **out,
            "up": True,
            "epoch": data.get("epoch"),
            "owned_shards": len(shards),
            "shards_match": sorted(shards) == sorted(info.shards),
            "key_matches": key == info.bls_public_key,
        }

    async def run() -> list[dict[str, Any]]:
        async with _session() as session:
            nodes = [HttpNode(url, session, cfg, name) for url, name in _node_urls(committee)]
            return list(await asyncio.gather(*(one(i, x) for i, x in enumerate(nodes))))

    return asyncio.run(run())
