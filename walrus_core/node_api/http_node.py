"""A client of Walrus storage nodes over HTTP (spec walrus-node-api.md §8):
store a blob on a served committee (metadata first, then slivers, then a
BLS-signed confirmation per node), and read a blob from any set of
Walrus-API node URLs given their shard map, verifying everything received.

All nodes are spoken to in parallel, at most ``per_node`` requests at a time
each; every request has a timeout and is retried a bounded number of times
with backoff on 503, 502/504, timeouts and connection errors, so a slow,
dead or lying node costs at most its own timeouts and never wrong bytes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp

from .. import Sliver, decode, encode, verify_slivers
from ..config import EncodingConfig
from ..errors import InconsistentBlobError, VerificationError, WalrusCoreError
from ..metadata import BlobId, BlobMetadata, pair_index_for_shard, shard_index_for_pair
from ..reference.errors import BlobUnavailableError, StorageError, StoreIncompleteError
from ..reference.nodes import parts_size, sliver_bcs_parts
from ..reference.progress import ProgressFn, no_progress
from ..reference.retrieve import ReadResult
from ..reference.store import StoreResult
from . import bls, wire
from .certificate import make_certificate
from .wire import KINDS, ApiError

if TYPE_CHECKING:
    from ..reference.committee import Committee

_T = TypeVar("_T")
RETRY_STATUS = frozenset({502, 503, 504})


@dataclass(frozen=True)
class ClientConfig:
    """Timeouts (seconds), retries and the per-node request limit."""

    timeout: float = 120.0  # one whole request, body included
    connect_timeout: float = 5.0
    read_timeout: float = 30.0  # silence on an open connection
    retries: int = 3  # extra attempts after the first, on 5xx / timeouts / connection errors
    backoff: float = 0.2  # first pause; doubles each retry
    per_node: int = 8


class NodeUnavailableError(StorageError):
    """A node did not answer usefully (connection refused, timeouts, 5xx) after the retries."""


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
        pause = cfg.backoff
        last = ""
        for attempt in range(cfg.retries + 1):
            if self.down:
                last = last or "found down earlier"
                break
            if attempt:
                await asyncio.sleep(pause)
                pause *= 2
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
                # nothing listens there: retrying now would only delay the caller
                self.down = True
                last = f"cannot connect ({exc.os_error.strerror or exc.os_error})"
                break
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if 200 <= status < 300:
                return status, raw
            if status in RETRY_STATUS:
                last = f"HTTP {status}"
                continue
            raise _api_error(status, raw)
        self.down = True  # later requests to this node fail at once
        raise NodeUnavailableError(f"{self.name}: {method} {path.split('?')[0]} failed: {last}")

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

    async def get_sliver(self, blob_id: BlobId, pair: int, kind: str) -> bytes:
        return (await self.request("GET", wire.sliver_path(blob_id, pair, kind)))[1]

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


def _api_error(status: int, raw: bytes) -> ApiError:
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    return ApiError.from_envelope(status, doc)


def _session() -> aiohttp.ClientSession:
    # no global connection cap: the per-node semaphores bound the load on each node
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=False))


async def _in_thread(fn: Callable[..., _T], *args: Any) -> _T:
    return await asyncio.get_running_loop().run_in_executor(None, lambda: fn(*args))


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


# ------------------------------------------------------------------ store
def _committee_nodes(
    committee: Committee, session: aiohttp.ClientSession, config: ClientConfig
) -> list[HttpNode]:
    nodes = []
    for info in committee.nodes:
        if not info.url:
            raise StorageError(f"node-{info.index:03d} has no url in committee.json")
        nodes.append(HttpNode(info.url, session, config, f"node-{info.index:03d}"))
    return nodes


async def _store_async(
    committee: Committee, data: Any, progress: ProgressFn, config: ClientConfig
) -> StoreResult:
    n = committee.n_shards
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    progress("encode", 0, 1)
    encoded = await _in_thread(encode, data, n)
    timings["encode"] = time.perf_counter() - t0
    progress("encode", 1, 1)
    md = encoded.metadata
    blob_id = md.blob_id
    put_body = wire.metadata_put_body(md.to_bcs())
    message = wire.confirmation_message(committee.epoch, blob_id)
    failures: dict[str, str] = {}
    confirmed: dict[int, bytes] = {}  # node index -> signature
    sent = [0]
    done = [0]

    async def store_on(index: int, node: HttpNode) -> None:
        info = committee.nodes[index]
        try:
            await node.put_metadata(blob_id, put_body)
            sent[0] += len(put_body)
            puts = []
            for t in info.shards:
                pair = encoded.pairs[pair_index_for_shard(t, blob_id, n)]
                for kind, sliver in zip(KINDS, (pair.primary, pair.secondary)):
                    parts = sliver_bcs_parts(sliver)
                    puts.append(node.put_sliver(blob_id, pair.index, kind, parts))
                    sent[0] += parts_size(parts)
            await asyncio.gather(*puts)
            got_message, signature = await node.confirmation(blob_id)
            if got_message != message:
                raise VerificationError(f"{node.name}: confirmation signs other bytes than expected")
            if info.bls_public_key is None or not await _in_thread(
                bls.verify, info.bls_public_key, signature, message
            ):
                raise VerificationError(f"{node.name}: confirmation signature does not verify")
            confirmed[index] = signature
        except (WalrusCoreError, ValueError) as exc:
            msg = _why(exc)
            failures[node.name] = msg if msg.startswith(node.name) else f"{node.name}: {msg}"
        finally:
            done[0] += 1
            progress("store", done[0], len(committee.nodes))
            timings[f"{node.name} store"] = time.perf_counter() - t0

    async with _session() as session:
        nodes = _committee_nodes(committee, session, config)
        progress("store", 0, len(nodes))
        await asyncio.gather(*(store_on(i, node) for i, node in enumerate(nodes)))
    timings["total"] = time.perf_counter() - t0
    signed = sorted({t for i in confirmed for t in committee.nodes[i].shards})
    certified = len(signed) >= committee.quorum
    cert_path = None
    if certified:
        cert = make_certificate(committee, blob_id, message, confirmed)
        cert_path = await _in_thread(committee.write_certified, md, cert)
    result = StoreResult(
        blob_id=blob_id,
        unencoded_length=md.unencoded_length,
        encoded_length=EncodingConfig(n).encoded_blob_length(md.unencoded_length),
        signed_shards=len(signed),
        threshold=committee.quorum,
        certified=certified,
        certificate_path=cert_path,
        failures=failures,
        bytes_sent=sent[0],
        timings=timings,
        confirmed_by=[f"node-{i:03d}" for i in sorted(confirmed)],
    )
    if not certified:
        detail = "; ".join(failures.values()) or "no failures reported"
        raise StoreIncompleteError(
            f"blob {blob_id} not certified: nodes holding {len(signed)} shards confirmed, "
            f"{committee.quorum} needed ({detail})"
        )
    return result


def store_blob_http(
    committee: Committee, data: Any, *, progress: ProgressFn = no_progress, config: ClientConfig | None = None
) -> StoreResult:
    """Store ``data`` on a served committee (every node has a url)."""
    return asyncio.run(_store_async(committee, data, progress, config or ClientConfig()))


def store_file_http(
    committee: Committee,
    path: Path | str,
    *,
    progress: ProgressFn = no_progress,
    config: ClientConfig | None = None,
) -> StoreResult:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return store_blob_http(committee, data, progress=progress, config=config)


# ------------------------------------------------------------------ read
class _Reader:
    """One read: nodes by shard, the verified metadata, and who lied."""

    def __init__(
        self, blob_id: BlobId, by_shard: Mapping[int, HttpNode], n: int, progress: ProgressFn
    ) -> None:
        self.blob_id = blob_id
        self.by_shard = by_shard
        self.n = n
        self.progress = progress
        self.problems: list[str] = []
        self.blamed: set[str] = set()  # nodes that sent bad data or are down: skipped from then on

    def _nodes(self) -> list[HttpNode]:
        seen: dict[str, HttpNode] = {}
        for t in sorted(self.by_shard):
            seen.setdefault(self.by_shard[t].name, self.by_shard[t])
        return list(seen.values())

    async def metadata(self) -> BlobMetadata:
        """The first metadata a node sends that verifies against the blob ID."""

        async def one(node: HttpNode) -> BlobMetadata:
            raw = await node.get_metadata(self.blob_id)
            md = await _in_thread(BlobMetadata.from_bcs, raw)
            if md.blob_id != self.blob_id or md.n_shards != self.n:
                raise VerificationError("metadata of another blob or shard count")
            return md

        tasks = {asyncio.ensure_future(one(node)): node for node in self._nodes()}
        try:
            for fut in asyncio.as_completed(list(tasks)):
                try:
                    return await fut
                except (WalrusCoreError, ValueError) as exc:
                    self.problems.append(f"metadata: {_why(exc)}")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        raise BlobUnavailableError(
            f"blob {self.blob_id}: no node sent valid metadata ({'; '.join(self.problems) or 'no nodes'})"
        )

    async def slivers(self, md: BlobMetadata, kind: str, need: int) -> list[Sliver]:
        """``need`` verified slivers of ``kind``, the systematic ones first,
        asking for more while some are missing or bad."""
        n = self.n
        first = list(range(need)) if kind == "primary" else [n - 1 - j for j in range(need)]
        order = first + [q for q in range(n) if q not in set(first)]
        good: list[Sliver] = []

        async def fetch(pair: int) -> tuple[int, Sliver | None]:
            node = self.by_shard.get(shard_index_for_pair(pair, self.blob_id, n))
            if node is None or node.name in self.blamed:
                return pair, None
            index = pair if kind == "primary" else n - 1 - pair
            try:
                raw = await node.get_sliver(self.blob_id, pair, kind)
                sliver = Sliver.from_bcs(raw, kind)
                if sliver.index != index:
                    raise VerificationError(f"sent sliver index {sliver.index} for {kind} {index}")
                return pair, sliver
            except ApiError as exc:
                self.problems.append(f"{node.name}: {kind} sliver {index}: {exc.reason}")
            except NodeUnavailableError as exc:
                if node.name not in self.blamed:  # one line per node that is down
                    self.problems.append(f"{_why(exc)} (node skipped)")
                self.blamed.add(node.name)
            except (WalrusCoreError, ValueError) as exc:
                self.blamed.add(node.name)
                self.problems.append(f"{node.name}: {kind} sliver {index} malformed: {_why(exc)}")
            return pair, None

        while len(good) < need and order:
            batch, order = order[: need - len(good)], order[need - len(good) :]
            fetched = [(q, s) for q, s in await asyncio.gather(*(fetch(q) for q in batch)) if s is not None]
            verdicts = await _in_thread(verify_slivers, [s for _, s in fetched], md)
            for (pair, sliver), problem in zip(fetched, verdicts):
                if problem:
                    node = self.by_shard[shard_index_for_pair(pair, self.blob_id, n)]
                    self.blamed.add(node.name)
                    self.problems.append(f"{node.name}: {kind} sliver {sliver.index} corrupt: {problem}")
                else:
                    good.append(sliver)
            self.progress(f"read {kind[:3]}", len(good), need)
        return good


async def _read_async(
    blob_id: BlobId, by_shard: Mapping[int, HttpNode], n: int, progress: ProgressFn
) -> ReadResult:
    reader = _Reader(blob_id, by_shard, n, progress)
    md = await reader.metadata()
    cfg = EncodingConfig(n)
    attempts = []
    for kind, need in (
        ("primary", cfg.n_primary_source_symbols),
        ("secondary", cfg.n_secondary_source_symbols),
    ):
        slivers = await reader.slivers(md, kind, need)
        if len(slivers) < need:
            attempts.append(f"{need} valid {kind} slivers needed, {len(slivers)} found")
            continue
        try:
            data = await _in_thread(decode, slivers, md)
        except InconsistentBlobError as exc:
            raise BlobUnavailableError(f"blob {blob_id} is inconsistently encoded: {exc}") from exc
        if len(data) != md.unencoded_length:  # never hand out wrong bytes
            raise BlobUnavailableError(
                f"blob {blob_id}: decoded {len(data)} bytes, expected {md.unencoded_length}"
            )
        return ReadResult(blob_id, bytes(data), kind, len(slivers), reader.problems)
    raise BlobUnavailableError(
        f"cannot read blob {blob_id}: " + " and ".join(attempts) + f". Unusable: {'; '.join(reader.problems)}"
    )


async def _with_nodes(
    shard_urls: Mapping[int, str], config: ClientConfig, run: Callable[[dict[int, HttpNode]], Awaitable[_T]]
) -> _T:
    async with _session() as session:
        by_url: dict[str, HttpNode] = {}
        by_shard = {}
        for t, url in shard_urls.items():
            key = url.rstrip("/")
            by_shard[t] = by_url.setdefault(key, HttpNode(key, session, config))
        return await run(by_shard)


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
    cfg = config or ClientConfig()
    return asyncio.run(_with_nodes(urls, cfg, lambda nodes: _read_async(bid, nodes, n, progress)))


def read_blob_http(
    committee: Committee,
    blob_id: BlobId,
    *,
    progress: ProgressFn = no_progress,
    config: ClientConfig | None = None,
) -> ReadResult:
    """Read a blob from a served committee."""
    cfg = config or ClientConfig()

    async def run() -> ReadResult:
        async with _session() as session:
            nodes = _committee_nodes(committee, session, cfg)
            by_shard = {t: nodes[committee.owner[t]] for t in range(committee.n_shards)}
            return await _read_async(blob_id, by_shard, committee.n_shards, progress)

    return asyncio.run(run())


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
            nodes = _committee_nodes(committee, session, cfg)
            return list(await asyncio.gather(*(one(i, x) for i, x in enumerate(nodes))))

    return asyncio.run(run())
