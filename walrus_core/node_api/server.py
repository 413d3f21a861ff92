"""A Sui-less Walrus storage node on aiohttp: node NODE of a committee served
over the Walrus storage-node API (spec walrus-node-api.md §4), storing into
its node directory (reference/nodes.py) with atomic writes.

Blocking work (disk, sliver verification, symbol expansion, signing) runs in
a thread pool, so one slow request never holds up the event loop; requests
beyond ``max_pending`` in flight get 503 UNAVAILABLE (clients retry). A reply
of 201 is sent only after the file and its directory entry are fsynced.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from .. import InvalidProofError, Sliver, verify_slivers
from ..config import EncodingConfig
from ..errors import VerificationError, WalrusCoreError
from ..metadata import BlobId, BlobMetadata, pair_index_for_shard, shard_index_for_pair
from ..reference.errors import StorageError
from . import bls, wire
from .symbols import (
    SliverLookup,
    parse_symbol_id,
    serve_decoding_symbols,
    serve_recovery_symbols,
    target_symbol_ids,
)
from .wire import KINDS, ApiError, WireFormatError

if TYPE_CHECKING:
    from ..reference.committee import Committee
    from ..reference.nodes import NodeDir

log = logging.getLogger("walrus_core.node_api.server")
_T = TypeVar("_T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OCTET = "application/octet-stream"
DEFAULT_MAX_PENDING = 64
# axum's plain-text answer to a body over its limit (Walrus sends no envelope for it)
PAYLOAD_TOO_LARGE_TEXT = "Failed to buffer the request body: length limit exceeded"
METADATA_CACHE = 256  # blobs whose parsed metadata a node keeps in memory


@dataclass
class NodeState:
    """What a served node needs: its directory, its shards and its BLS key."""

    node: NodeDir
    epoch: int
    secret_key: bytes
    public_key: bytes
    max_pending: int = DEFAULT_MAX_PENDING

    @property
    def n(self) -> int:
        return self.node.n_shards

    def owns_pair(self, blob_id: BlobId, pair: int) -> bool:
        return shard_index_for_pair(pair, blob_id, self.n) in self.node.shards

    def owned_pairs(self, blob_id: BlobId) -> list[int]:
        """The pairs of the node's shards for this blob, in ascending shard order."""
        return [pair_index_for_shard(t, blob_id, self.n) for t in sorted(self.node.shards)]


# ------------------------------------------------------------------ request parsing
def _blob_id(request: web.Request) -> BlobId:
    text = request.match_info["blob_id"]
    try:
        return BlobId.from_str(text)
    except WalrusCoreError as exc:
        raise ApiError("INVALID_PATH", str(exc)) from None


def _kind(text: str) -> str:
    if text not in KINDS:
        raise ApiError("INVALID_PATH", f"sliver type must be primary or secondary, not {text!r}")
    return text


def _pair(request: web.Request) -> int:
    text = request.match_info["pair"]
    if not text.isdigit() or len(text) > 5:
        raise ApiError("INVALID_PATH", f"bad sliver pair index {text!r}")
    return int(text)


def _flag(request: web.Request, name: str) -> bool:
    value = request.query.get(name, "false")
    if value not in ("true", "false"):
        raise ApiError("INVALID_QUERY", f"{name} must be true or false")
    return value == "true"


def _only_keys(request: web.Request, allowed: set[str]) -> None:
    unknown = set(request.query) - allowed
    if unknown:
        raise ApiError("INVALID_QUERY", f"unknown field(s) {sorted(unknown)}")


def _int_query(value: str, name: str) -> int:
    if not value.isdigit() or len(value) > 5:
        raise ApiError("INVALID_QUERY", f"{name} must be a small non-negative integer, got {value!r}")
    return int(value)


async def _body(request: web.Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over ``limit`` bytes before
    reading more than that."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(limit, request.content_length)
    chunks = []
    size = 0
    async for chunk in request.content.iter_any():  # the chunks as received, not re-cut
        size += len(chunk)
        if size > limit:
            raise web.HTTPRequestEntityTooLarge(limit, size)
        chunks.append(chunk)
    return b"".join(chunks)


async def _bcs_body(request: web.Request, limit: int, parse: Callable[[bytes], _T]) -> tuple[bytes, _T]:
    """The request body (see _body) and ``parse`` of it; a body that is not
    the route's BCS is 400 INVALID_CONTENT_TYPE, as Walrus answers (spec §2)."""
    body = await _body(request, limit)
    try:
        return body, parse(body)
    except WireFormatError:
        raise ApiError("INVALID_CONTENT_TYPE") from None


def _json(doc: dict[str, Any]) -> web.Response:
    code = doc["success"]["code"] if "success" in doc else doc["error"]["code"]
    return web.json_response(doc, status=code)


def _ok(code: int, data: Any) -> web.Response:
    return _json(wire.success(code, data))


def _bcs(body: bytes) -> web.Response:
    return web.Response(body=body, content_type=OCTET)


class FileBody(web.StreamResponse):
    """A 200 answer whose body is an open file's first ``size`` bytes, handed
    to the kernel (sendfile) rather than read into Python: a stored sliver
    file is exactly the ``SliverData`` body, verified before it was kept.
    The file is closed once sent (or on any failure to send it)."""

    def __init__(self, file: BinaryIO, size: int) -> None:
        super().__init__(headers={"Content-Type": OCTET})
        self.content_length = size
        self.file = file

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        try:
            writer = await super().prepare(request)  # a StreamResponse sends its headers here
            transport = request.transport
            if transport is None:
                raise ConnectionResetError("connection lost")
            # falls back to reading and writing where the platform has no sendfile
            await asyncio.get_running_loop().sendfile(transport, self.file, 0, self.content_length)
            await super().write_eof()
            return writer
        finally:
            self.file.close()


# ------------------------------------------------------------------ the application
class NodeServer:
    """The route handlers of one node (see :func:`make_app`)."""

    def __init__(self, state: NodeState, threads: int | None = None) -> None:
        from ..backends import cpu_count

        self.state = state
        self.node = state.node
        self.started = time.monotonic()
        self.pool = ThreadPoolExecutor(threads or max(2, cpu_count()), thread_name_prefix="walrus-node")
        self.pending = 0
        self.sliver_limit = wire.put_sliver_body_limit(state.n)
        self.metadata_cache: dict[BlobId, BlobMetadata] = {}

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """One of ``max_pending`` places for a request in progress (its body
        held in memory, or its work in the pool); 503 UNAVAILABLE when none is free."""
        if self.pending >= self.state.max_pending:
            raise ApiError("UNAVAILABLE")
        self.pending += 1
        try:
            yield
        finally:
            self.pending -= 1

    async def in_pool(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self.pool, functools.partial(fn, *args))

    async def run(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Blocking work in the pool, in a slot."""
        with self.slot():
            return await self.in_pool(fn, *args)

    # --- storage helpers (run in the pool)
    def _metadata(self, blob_id: BlobId) -> BlobMetadata | None:
        """The blob's verified metadata; parsed once per blob while its file stays."""
        cached = self.metadata_cache.get(blob_id)
        if cached is not None and self.node.metadata_path(blob_id).is_file():
            return cached
        md = self.node.read_metadata(blob_id)
        if md is not None:
            if len(self.metadata_cache) >= METADATA_CACHE:
                self.metadata_cache.pop(next(iter(self.metadata_cache)))
            self.metadata_cache[blob_id] = md
        return md

    def _sliver(self, md: BlobMetadata, kind: str, index: int) -> Sliver | None:
        try:
            raw = self.node.read_sliver_bytes(md, kind, index)
            return Sliver.from_bcs(raw, kind) if raw is not None else None
        except (WalrusCoreError, ValueError):
            return None  # a damaged file is as good as missing (scrub reports it)

    def _holds_good(self, md: BlobMetadata, kind: str, index: int) -> bool:
        """Whether the stored sliver parses and verifies against the metadata."""
        stored = self._sliver(md, kind, index)
        return stored is not None and stored.index == index and not verify_slivers([stored], md, threads=1)[0]

    def _holds_all(self, blob_id: BlobId) -> bool:
        n = self.state.n
        for pair in self.state.owned_pairs(blob_id):
            for kind in KINDS:
                index = pair if kind == "primary" else n - 1 - pair
                if not self.node.sliver_path(blob_id, kind, index).is_file():
                    return False
        return True

    # --- routes
    async def get_metadata(self, request: web.Request) -> web.StreamResponse:
        blob_id = _blob_id(request)
        raw = await self.run(self.node.read_metadata_bytes, blob_id)
        if raw is None:
            raise ApiError("METADATA_NOT_FOUND", status="NOT_FOUND")
        return _bcs(raw)

    async def put_metadata(self, request: web.Request) -> web.StreamResponse:
        blob_id = _blob_id(request)
        _only_keys(request, {"pending"})
        pending = _flag(request, "pending")
        ctype = request.headers.get("Content-Type")
        if ctype is not None and ctype.split(";")[0].strip().lower() != OCTET:
            raise ApiError("INVALID_CONTENT_TYPE", message=wire.BAD_CONTENT_TYPE_MESSAGE)
        with self.slot():
            body, _ = await _bcs_body(request, wire.DEFAULT_BODY_LIMIT, wire.check_metadata_put_body)
            return await self.in_pool(self._put_metadata, blob_id, body, pending)

    def _put_metadata(self, blob_id: BlobId, body: bytes, pending: bool) -> web.Response:
        if self._metadata(blob_id) is not None:
            return _ok(200, "metadata already stored")
        with_id = bytes(blob_id) + body
        try:
            BlobMetadata.from_bcs(with_id, n_shards=self.state.n)
        except (WalrusCoreError, ValueError) as exc:
            raise ApiError("INVALID_METADATA", exc) from None
        self.node.write_metadata(with_id, blob_id)
        if pending:
            return _ok(202, "metadata buffered pending registration")
        return _ok(201, "metadata successfully stored")

    async def metadata_status(self, request: web.Request) -> web.StreamResponse:
        blob_id = _blob_id(request)
        md = await self.run(self._metadata, blob_id)
        return _ok(200, "stored" if md is not None else "nonexistent")

    def _check_pair(self, pair: int) -> None:
        if pair >= self.state.n:
            raise ApiError("INDEX_OUT_OF_RANGE", pair, self.state.n)

    def _check_owned(self, blob_id: BlobId, pair: int) -> None:
        if not self.state.owns_pair(blob_id, pair):
            shard = shard_index_for_pair(pair, blob_id, self.state.n)
            raise ApiError("SHARD_NOT_ASSIGNED", shard, self.state.epoch)

    async def get_sliver(self, request: web.Request) -> web.StreamResponse:
        blob_id, pair, kind = _blob_id(request), _pair(request), _kind(request.match_info["kind"])
        self._check_pair(pair)
        return await self.run(self._get_sliver, blob_id, pair, kind)

    def _get_sliver(self, blob_id: BlobId, pair: int, kind: str) -> web.StreamResponse:
        md = self._metadata(blob_id)
        if md is None:
            raise ApiError("SLIVER_NOT_FOUND")
        self._check_owned(blob_id, pair)
        index = pair if kind == "primary" else self.state.n - 1 - pair
        try:
            opened = self.node.open_sliver(md, kind, index)
        except StorageError:
            opened = None  # a file larger than any sliver of this blob is not served
        if opened is None:
            raise ApiError("SLIVER_NOT_FOUND")
        return FileBody(*opened)

    async def put_sliver(self, request: web.Request) -> web.StreamResponse:
        blob_id, pair, kind = _blob_id(request), _pair(request), _kind(request.match_info["kind"])
        _only_keys(request, {"pending"})
        pending = _flag(request, "pending")
        with self.slot():
            parse = functools.partial(wire.parse_sliver_body, kind=kind)
            body, sliver = await _bcs_body(request, self.sliver_limit, parse)
            self._check_pair(pair)
            return await self.in_pool(self._put_sliver, blob_id, pair, sliver, body, pending)

    def _put_sliver(
        self, blob_id: BlobId, pair: int, sliver: Sliver, body: bytes, pending: bool
    ) -> web.Response:
        n = self.state.n
        kind = sliver.kind
        expected = pair if kind == "primary" else n - 1 - pair
        if sliver.index != expected:
            raise ApiError("SLIVER_INDEX_MISMATCH", sliver.index, pair)
        md = self._metadata(blob_id)
        if md is None:
            raise ApiError("METADATA_NOT_FOUND")
        self._check_owned(blob_id, pair)
        if self.node.sliver_path(blob_id, kind, expected).is_file() and self._holds_good(md, kind, expected):
            return _ok(200, "sliver already stored")
        (problem,) = verify_slivers([sliver], md, threads=1)
        if problem:
            raise ApiError("INVALID_SLIVER", problem)
        # new, or replacing a copy that failed verification (repair of a corrupt file)
        self.node.write_sliver(blob_id, kind, expected, body)
        if pending:
            return _ok(202, "sliver buffered pending registration")
        return _ok(201, "sliver stored successfully")

    async def sliver_status(self, request: web.Request) -> web.StreamResponse:
        blob_id, pair, kind = _blob_id(request), _pair(request), _kind(request.match_info["kind"])
        self._check_pair(pair)
        self._check_owned(blob_id, pair)
        index = pair if kind == "primary" else self.state.n - 1 - pair
        path = self.node.sliver_path(blob_id, kind, index)
        held = await self.run(path.is_file)
        return _ok(200, "stored" if held else "nonexistent")

    async def recovery_symbols(self, request: web.Request) -> web.StreamResponse:
        blob_id = _blob_id(request)
        query = request.query
        axis = query.get("proofAxis")
        if axis is not None:
            _kind(axis)
        if "targetSliver" in query:
            target = _int_query(query["targetSliver"], "targetSliver")
            target_kind = query.get("targetType")
            if target_kind not in KINDS:
                raise ApiError("INVALID_QUERY", "targetSliver needs targetType=primary|secondary")
            if target >= self.state.n:
                raise ApiError("INDEX_OUT_OF_RANGE", target, self.state.n)
            ids = target_symbol_ids(self.state.n, self.state.owned_pairs(blob_id), target, target_kind)
        else:
            ids = sorted({parse_symbol_id(v) for v in query.getall("id", [])})
            if not ids:
                raise ApiError("NO_SYMBOLS_SPECIFIED")

        def make(md: BlobMetadata, owned: list[int], lookup: SliverLookup) -> bytes:
            return wire.recovery_symbols_body(serve_recovery_symbols(md, owned, ids, axis, lookup))

        return _bcs(await self.run(self._symbols, blob_id, make))

    def _symbols(
        self, blob_id: BlobId, make: Callable[[BlobMetadata, list[int], SliverLookup], bytes]
    ) -> bytes:
        """A symbols body from the slivers held for a known blob (404 SLIVER_NOT_FOUND else)."""
        md = self._metadata(blob_id)
        if md is None:
            raise ApiError("SLIVER_NOT_FOUND")
        return make(md, self.state.owned_pairs(blob_id), functools.partial(self._sliver, md))

    async def decoding_symbols(self, request: web.Request) -> web.StreamResponse:
        blob_id = _blob_id(request)
        target_kind = request.query.get("targetType")
        if target_kind not in KINDS:
            raise ApiError("INVALID_QUERY", "targetType must be primary or secondary")
        targets = [_int_query(v, "targetSlivers") for v in request.query.getall("targetSlivers", [])]

        def make(md: BlobMetadata, owned: list[int], lookup: SliverLookup) -> bytes:
            entries = serve_decoding_symbols(md, owned, targets, target_kind, lookup)
            return wire.decoding_symbols_body(entries)

        return _bcs(await self.run(self._symbols, blob_id, make))

    async def inconsistency_proof(self, request: web.Request) -> web.StreamResponse:
        blob_id, kind = _blob_id(request), _kind(request.match_info["kind"])
        with self.slot():
            parse = functools.partial(wire.parse_inconsistency_proof_body, kind=kind)
            _, proof = await _bcs_body(request, wire.DEFAULT_BODY_LIMIT, parse)
            return await self.in_pool(self._inconsistency_proof, blob_id, proof)

    def _inconsistency_proof(self, blob_id: BlobId, proof: Any) -> web.Response:
        md = self._metadata(blob_id)
        if md is None:
            raise ApiError("METADATA_NOT_FOUND")
        cfg = EncodingConfig(self.state.n)
        need = cfg.n_secondary_source_symbols if proof.kind == "primary" else cfg.n_primary_source_symbols
        if len(proof.symbols) != need:
            got = len(proof.symbols)
            raise ApiError(
                "INVALID_PROOF",
                f"the number of recovery symbols is incorrect (expected: {need}, actual: {got})",
            )
        try:
            proof.verify(md)
        except InvalidProofError as exc:
            raise ApiError("INVALID_PROOF", str(exc)) from None
        except (WalrusCoreError, ValueError) as exc:
            raise ApiError("INVALID_PROOF", f"some recovery symbols are invalid: {exc}") from None
        message = wire.invalid_blob_id_message(self.state.epoch, blob_id)
        return _ok(200, wire.signed_message_json(message, bls.sign(self.state.secret_key, message)))

    async def blob_status(self, request: web.Request) -> web.StreamResponse:
        blob_id = _blob_id(request)
        return await self.run(self._blob_status, blob_id)

    def _blob_status(self, blob_id: BlobId) -> web.Response:
        if self._metadata(blob_id) is None:
            return _ok(200, "nonexistent")
        certified = self._holds_all(blob_id)
        return _ok(
            200,
            {
                "permanent": {
                    "endEpoch": 0xFFFFFFFF,
                    "isCertified": certified,
                    "statusEvent": {"txDigest": "1" * 32, "eventSeq": "0"},
                    "deletableCounts": {"count_deletable_total": 0, "count_deletable_certified": 0},
                    "initialCertifiedEpoch": self.state.epoch if certified else None,
                }
            },
        )

    async def confirmation(self, request: web.Request) -> web.StreamResponse:
        blob_id = _blob_id(request)
        object_id = None
        if "object_id" in request.match_info:
            try:
                object_id = wire.parse_object_id(request.match_info["object_id"])
            except WalrusCoreError as exc:
                raise ApiError("INVALID_PATH", str(exc)) from None
        return await self.run(self._confirmation, blob_id, object_id)

    def _confirmation(self, blob_id: BlobId, object_id: bytes | None) -> web.Response:
        if self._metadata(blob_id) is None:
            raise ApiError("NOT_REGISTERED")
        if not self._holds_all(blob_id):
            raise ApiError("MISSING_SLIVERS")
        message = wire.confirmation_message(self.state.epoch, blob_id, object_id)
        signed = wire.signed_message_json(message, bls.sign(self.state.secret_key, message))
        return _ok(200, {"signed": signed})

    async def health(self, request: web.Request) -> web.StreamResponse:
        elapsed = time.monotonic() - self.started
        owned = sorted(self.node.shards)
        data: dict[str, Any] = {
            "uptime": {"secs": int(elapsed), "nanos": int((elapsed % 1) * 1e9)},
            "epoch": self.state.epoch,
            "publicKey": wire.b64(self.state.public_key),
            "nodeStatus": "Active",
            "eventProgress": {"persisted": 0, "pending": 0, "highestFinishedEventIndex": None},
            "shardSummary": {
                "owned": len(owned),
                "ownedShardStatus": {"unknown": 0, "ready": len(owned), "inTransfer": 0, "inRecovery": 0},
                "readOnly": 0,
            },
        }
        if request.query.get("detailed") == "true":
            data["shardDetail"] = {"owned": [{"shard": t, "status": "ready"} for t in owned], "other": []}
        return _ok(200, data)


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, PUT, POST, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Max-Age": "86400",
}


@web.middleware
async def _envelopes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer carries CORS headers; every error is a Walrus envelope,
    but 405 and 413, answered as Walrus answers them (empty, plain text)."""
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=CORS_HEADERS)
    try:
        response = await handler(request)
    except ApiError as exc:
        response = _json(exc.envelope())
    except web.HTTPNotFound:
        response = _json(ApiError("NOT_FOUND", request.path).envelope())
    except web.HTTPMethodNotAllowed as exc:
        # as Walrus (axum) answers them, before any handler: no AIP-193 status exists for 405 or 413
        response = web.Response(status=405, headers={"Allow": exc.headers["Allow"]})
    except web.HTTPRequestEntityTooLarge:
        response = web.Response(status=413, text=PAYLOAD_TOO_LARGE_TEXT)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        log.exception("internal error on %s %s", request.method, request.path)
        response = _json(ApiError("INTERNAL_ERROR").envelope())
    response.headers.update({"Access-Control-Allow-Origin": "*"})
    return response


def make_app(state: NodeState, *, threads: int | None = None) -> web.Application:
    """The aiohttp application of one node."""
    server = NodeServer(state, threads)
    limit = max(server.sliver_limit, wire.DEFAULT_BODY_LIMIT)
    app = web.Application(middlewares=[_envelopes], client_max_size=limit + 1)
    blob = "/v1/blobs/{blob_id}"
    sliver = blob + "/slivers/{pair}/{kind}"
    app.router.add_get(blob + "/metadata", server.get_metadata, allow_head=False)
    app.router.add_put(blob + "/metadata", server.put_metadata)
    app.router.add_get(blob + "/metadata/status", server.metadata_status, allow_head=False)
    app.router.add_get(sliver, server.get_sliver, allow_head=False)
    app.router.add_put(sliver, server.put_sliver)
    app.router.add_get(sliver + "/status", server.sliver_status, allow_head=False)
    app.router.add_get(blob + "/recoverySymbols", server.recovery_symbols, allow_head=False)
    app.router.add_get(blob + "/decodingSymbols", server.decoding_symbols, allow_head=False)
    app.router.add_post(blob + "/inconsistencyProof/{kind}", server.inconsistency_proof)
    app.router.add_get(blob + "/status", server.blob_status, allow_head=False)
    app.router.add_get(blob + "/confirmation/permanent", server.confirmation, allow_head=False)
    app.router.add_get(blob + "/confirmation/deletable/{object_id}", server.confirmation, allow_head=False)
    app.router.add_get("/v1/health", server.health, allow_head=False)

    async def close_pool(_: web.Application) -> None:
        server.pool.shutdown(wait=True)  # in-flight writes finish before the process exits

    app.on_cleanup.append(close_pool)
    app["server"] = server
    return app


def node_state(committee: Committee, index: int) -> NodeState:
    """The state of node ``index`` of a committee directory."""
    node = committee.node(index)
    if not node.exists:
        raise VerificationError(f"{node.name}: node directory {node.path} is missing")
    secret = bls.read_secret_key(committee.bls_key_path(index))
    public = bls.public_key(secret)
    published = committee.nodes[index].bls_public_key
    if published is not None and published != public:
        raise VerificationError(f"{node.name}: its BLS key does not match committee.json")
    return NodeState(node, committee.epoch, secret, public)


def serve(
    committee: Committee,
    index: int,
    host: str | None = None,
    port: int | None = None,
    *,
    max_pending: int = DEFAULT_MAX_PENDING,
) -> None:
    """Serve node ``index`` until SIGTERM / SIGINT (in-flight requests finish;
    then the process returns normally)."""
    from urllib.parse import urlsplit

    state = node_state(committee, index)
    state.max_pending = max_pending
    url = committee.nodes[index].url
    parts = urlsplit(url) if url else None
    host = host or (parts.hostname if parts else None) or "127.0.0.1"
    port = port or (parts.port if parts else None)
    if port is None:
        raise VerificationError(f"{state.node.name} has no url in committee.json: give --port")
    app = make_app(state)
    print(f"{state.node.name} serving {len(state.node.shards)} shards on http://{host}:{port}", flush=True)
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=10, access_log=None)
