"""store: encode a blob, send each node the sliver pairs of its shards plus the
metadata, collect signed acknowledgments, and certify the blob once the
signing nodes hold at least n - f shards.

One driver (:func:`store_with`) for every kind of node (node_types.StorableNode:
a node directory here, a served node in node_api/http_store.py): it encodes
in memory, or banded when the blob does not fit the memory budget, hands each
node its metadata and slivers, collects and verifies the acknowledgments,
certifies at n - f shards and cleans up what was not kept. A :class:`StorePlan`
says how the nodes are spoken to: node directories are kept one after the
other in committee order (their checks and disk writes run ahead of that, so
a crash leaves a prefix of nodes kept); served nodes are all spoken to at
once, and stragglers get a grace period once the blob is certified."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from .._args import check_int
from ..backends import cpu_count
from ..blob import EncodedBlob, encode
from ..config import EncodingConfig
from ..errors import DataTooLargeError, WalrusCoreError
from ..metadata import BlobId, BlobMetadata, pair_index_for_shard, shard_index_for_pair
from ..sliver import SliverPair
from ..stream import DEFAULT_MEMORY, encode_to
from .committee import Committee
from .errors import StorageError, StoreIncompleteError
from .node_types import StorableNode
from .nodes import Ack
from .progress import ProgressFn, no_progress

# Node directories whose checks and disk writes may run ahead of the one being
# kept: their fsyncs wait on the disk, not the CPU, and a deeper queue keeps it busy.
NODES_AHEAD = 4

# Test hook: called after each node has been handled (the writer "crashes" if it raises).
# Only stores that keep nodes in order call it.
after_node: Callable[[Any], None] | None = None

# What a node's failure may raise; anything else is a crash of the writer.
NODE_FAILURES = (WalrusCoreError, OSError, ValueError)

Staged = TypeVar("Staged")
Signed = TypeVar("Signed")


@dataclass
class StoreResult:
    blob_id: BlobId
    unencoded_length: int
    encoded_length: int
    signed_shards: int
    threshold: int
    certified: bool
    certificate_path: Path | None
    acks: list[Ack] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    bytes_sent: int = 0  # the metadata and sliver bytes of the nodes that acknowledged
    timings: dict[str, float] = field(default_factory=dict)  # seconds: encode, and per node stage/keep
    confirmed_by: list[str] = field(default_factory=list)  # nodes that confirmed over HTTP (BLS)

    def to_json(self) -> dict[str, Any]:
        return {
            "blob_id": str(self.blob_id),
            "unencoded_length": self.unencoded_length,
            "encoded_length": self.encoded_length,
            "signed_shards": self.signed_shards,
            "threshold": self.threshold,
            "certified": self.certified,
            "certificate": str(self.certificate_path) if self.certificate_path else None,
            "acknowledged_by": [f"node-{a.node:03d}" for a in self.acks] + self.confirmed_by,
            "failures": self.failures,
            "bytes_sent": self.bytes_sent,
            "timings": self.timings,
        }


@dataclass(frozen=True)
class StorePlan(Generic[Staged, Signed]):
    """How the store driver speaks to a committee's nodes (committee order)."""

    nodes: Sequence[StorableNode[Staged, Signed]]
    # the certificate's JSON from the blob ID and the verified acknowledgments
    certificate: Callable[[BlobId, Sequence[Signed]], dict[str, Any]]
    # keep the nodes one after the other, in committee order, in the calling
    # thread (a crash leaves a prefix kept); otherwise each node as it finishes
    in_order: bool
    window: int  # nodes staged at once (in order: how many run ahead of the one kept)
    grace: float | None = None  # not in order: how long stragglers get once certified


def directory_plan(committee: Committee, workers: int | None = None) -> StorePlan[Any, Ack]:
    """The committee's node directories, kept in order. ``workers``: nodes
    checked and spooled at once (default: a few; 1 = one node after the other,
    nothing ahead)."""
    window = max(NODES_AHEAD, cpu_count() // 2) if workers is None else check_int(workers, "workers", 1)
    return StorePlan(committee.node_dirs(), committee.make_certificate, True, window)


def store_blob(
    committee: Committee, data: Any, *, progress: ProgressFn = no_progress, workers: int | None = None
) -> StoreResult:
    """Store ``data`` (any contiguous buffer) on the committee's nodes.

    Raises StoreIncompleteError (after writing what it could) when fewer than
    n - f shards were acknowledged; storing the same blob again changes nothing.
    ``workers``: nodes served at once (default: a few; 1 = one after the other)."""
    return store_with(committee, directory_plan(committee, workers), data, progress=progress)


def store_file(
    committee: Committee,
    path: Path | str,
    *,
    progress: ProgressFn = no_progress,
    workers: int | None = None,
    memory: int = DEFAULT_MEMORY,
) -> StoreResult:
    """Store the file at ``path``; one larger than the committee's shard count
    allows is refused (DataTooLargeError) before any of it is read. A file
    whose encoding would not fit in ``memory`` bytes is encoded banded and
    sent pair by pair (see :func:`store_with`); smaller ones are encoded in
    memory, faster."""
    return store_with(
        committee, directory_plan(committee, workers), Path(path), progress=progress, memory=memory
    )


def store_streamed(
    committee: Committee,
    path: Path | str,
    *,
    progress: ProgressFn = no_progress,
    memory: int = DEFAULT_MEMORY,
) -> StoreResult:
    """Store a file of any size within about ``memory`` bytes, banded
    whatever its size (see :func:`store_with`)."""
    plan = directory_plan(committee)
    return store_with(committee, plan, Path(path), progress=progress, memory=memory, banded=True)


def store_with(
    committee: Committee,
    plan: StorePlan[Staged, Signed],
    source: Any,
    *,
    progress: ProgressFn = no_progress,
    memory: int = DEFAULT_MEMORY,
    banded: bool | None = None,
) -> StoreResult:
    """The one store driver. ``source``: a buffer, or a file's :class:`Path`.

    A buffer, and a file whose encoding fits in ``memory`` bytes, are encoded
    in memory; then each node (``plan.window`` at once) is staged and sent its
    pairs. A larger file (or any with ``banded=True``) is encoded in one
    banded pass (:func:`walrus_core.stream.encode_to`, its slivers in an
    unnamed temporary file beside the committee), each node staged once the
    metadata is known and sent each pair as it comes: memory is about
    ``memory``, whatever the blob. Then the nodes keep their shares and
    sign; each signature is checked against the committee's key for the
    node. Certified once they hold n - f shards (StoreIncompleteError
    otherwise, after keeping what it could); storing the same blob again
    changes nothing. Interrupted, it leaves nothing staged behind."""
    run = _Run(committee, plan, progress)
    if isinstance(source, Path):
        size = input_size(committee, source)
        if banded is None:
            cfg = EncodingConfig(committee.n_shards)
            banded = size is not None and size + cfg.encoded_blob_length(size) > memory
        if banded:
            return run.finish(run.banded(source, memory))
        source = read_input(committee, source)
    encoded = encode_for_store(source, committee.n_shards, progress, run.timings)
    return run.finish(run.in_memory(encoded))


class _Run(Generic[Staged, Signed]):
    """One store: what was staged on which node, which nodes signed, which failed."""

    def __init__(self, committee: Committee, plan: StorePlan[Staged, Signed], progress: ProgressFn) -> None:
        self.committee = committee
        self.plan = plan
        self.nodes = plan.nodes
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.tally = StoreTally(committee, no_progress)  # "store" progress once the nodes keep
        self.staged: dict[int, Staged] = {}  # node position -> staged, not yet kept or abandoned
        self.dropped: set[int] = set()  # positions whose staging is abandoned
        self.failed: dict[int, BaseException] = {}  # positions that failed before the keeping
        self.signed: dict[int, Signed] = {}

    # --- staging
    def stage(self, k: int, md: BlobMetadata, pairs: Sequence[SliverPair] = ()) -> Staged:
        """Stage node ``k`` and send it ``pairs``; abandoned at once if the
        store dropped it meanwhile (a crash, a straggler)."""
        node = self.nodes[k]
        t0 = time.perf_counter()
        staged = node.stage(md)
        try:
            if pairs:
                node.send(staged, pairs)
        except BaseException:
            node.abandon(staged)
            raise
        finally:
            self.timings[f"{node.name} stage"] = time.perf_counter() - t0
        self.staged[k] = staged
        if k in self.dropped:
            self.drop(k)
        return staged

    def drop(self, k: int) -> None:
        self.dropped.add(k)
        staged = self.staged.pop(k, None)
        if staged is not None:
            with contextlib.suppress(Exception):
                self.nodes[k].abandon(staged)

    def keep(self, k: int, staged: Staged) -> Signed:
        node = self.nodes[k]
        t0 = time.perf_counter()
        try:
            signed = node.confirm(staged, self.committee)
        except BaseException:
            self.drop(k)  # whatever a failed keep left staged
            raise
        finally:
            self.timings[f"{node.name} keep"] = time.perf_counter() - t0
        self.staged.pop(k, None)
        return signed

    # --- encoding
    def in_memory(self, encoded: EncodedBlob) -> BlobMetadata:
        md = encoded.metadata
        n = md.n_shards
        by_node = [
            [encoded.pairs[pair_index_for_shard(t, md.blob_id, n)] for t in node.shards]
            for node in self.nodes
        ]
        self.collect(md, lambda k: self.stage(k, md, by_node[k]))
        return md

    def banded(self, path: Path, memory: int) -> BlobMetadata:
        n = self.committee.n_shards
        owner: dict[int, int] = {t: k for k, node in enumerate(self.nodes) for t in node.shards}
        blob_ids: list[BlobId] = []

        def begin(md: BlobMetadata) -> None:
            blob_ids.append(md.blob_id)
            for k in range(len(self.nodes)):
                try:
                    self.stage(k, md)
                except NODE_FAILURES as exc:
                    self.failed[k] = exc

        def send(pair: SliverPair) -> None:
            k = owner[shard_index_for_pair(pair.index, blob_ids[0], n)]
            staged = self.staged.get(k)
            if staged is not None:
                try:
                    self.nodes[k].send(staged, [pair])
                except NODE_FAILURES as exc:
                    self.failed[k] = exc
                    self.drop(k)
            self.progress("send", pair.index + 1, n)

        t0 = time.perf_counter()
        try:
            md = encode_to(
                path,
                n,
                send,
                memory=memory,
                progress=lambda done, total: self.progress("encode", done, total),
                tmpdir=str(self.committee.root),  # beside the nodes' disk: /tmp may be small, or in memory
                on_metadata=begin,
            )
        except BaseException as exc:
            for k in list(self.staged):
                self.drop(k)
            if isinstance(exc, OSError):
                raise StorageError(f"cannot store {path}: {exc.strerror or exc}") from exc
            raise
        self.timings["encode"] = time.perf_counter() - t0
        self.collect(md, self.staged_or_failure)
        return md

    def staged_or_failure(self, k: int) -> Staged:
        if k in self.failed:
            raise self.failed[k]
        return self.staged[k]

    # --- keeping
    def collect(self, md: BlobMetadata, prepare: Callable[[int], Staged]) -> None:
        """Have every node keep its staged share (``prepare(k)`` stages node
        ``k``, or returns what was staged) and record its answer."""
        self.tally.progress = self.progress
        self.progress("store", 0, len(self.nodes))
        plan = self.plan
        window = max(1, min(plan.window, len(self.nodes)))
        with ThreadPoolExecutor(window) as pool:
            try:
                if plan.in_order:
                    self.keep_in_order(pool, window, prepare)
                else:
                    self.keep_as_done(pool, lambda k: self.keep(k, prepare(k)))
            finally:  # a crash: nothing not yet kept stays staged
                self.dropped.update(range(len(self.nodes)))
                for k in list(self.staged):
                    self.drop(k)

    def answer(self, k: int, got: Callable[[], Signed]) -> None:
        node = self.nodes[k]
        try:
            self.signed[k] = got()
            self.tally.confirmed.append(node.index)
        except NODE_FAILURES as exc:
            self.tally.fail(node.name, exc)
        self.tally.answered_one()

    def keep_in_order(self, pool: ThreadPoolExecutor, window: int, prepare: Callable[[int], Staged]) -> None:
        # node k + window is staged once node k is kept: with a window of 1
        # nothing runs ahead
        futures: dict[int, Future[Staged]] = {}
        try:
            for k in range(len(self.nodes)):
                for j in range(k, min(k + window, len(self.nodes))):
                    if j not in futures:
                        futures[j] = pool.submit(prepare, j)
                future = futures.pop(k)
                self.answer(k, lambda: self.keep(k, future.result()))  # noqa: B023
                if after_node is not None:
                    after_node(self.nodes[k])
        finally:
            for f in futures.values():
                f.cancel()

    def keep_as_done(self, pool: ThreadPoolExecutor, stage_and_keep: Callable[[int], Signed]) -> None:
        futures = {pool.submit(stage_and_keep, k): k for k in range(len(self.nodes))}
        pending = set(futures)
        deadline: float | None = None
        try:
            while pending:
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                done, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
                for f in done:
                    self.answer(futures[f], f.result)
                if not done and deadline is not None:  # the grace is over
                    for f in pending:
                        name = self.nodes[futures[f]].name
                        self.tally.failures[name] = (
                            f"{name}: still storing {self.plan.grace:g} s after certification"
                        )
                        self.tally.answered_one()
                    return
                if deadline is None and self.plan.grace is not None and self.tally.certified:
                    deadline = time.monotonic() + self.plan.grace
        finally:
            for f in futures:
                f.cancel()

    def finish(self, md: BlobMetadata) -> StoreResult:
        signed = [self.signed[k] for k in sorted(self.signed)]
        acks: list[Ack] = [a for a in signed if isinstance(a, Ack)]
        others = [
            f"node-{self.nodes[k].index:03d}"
            for k in sorted(self.signed)
            if not isinstance(self.signed[k], Ack)
        ]
        pair_bytes = EncodingConfig(md.n_shards).pair_length(md.unencoded_length)
        md_bytes = len(md.to_bcs())
        sent = sum(md_bytes + len(self.nodes[k].shards) * pair_bytes for k in self.signed)
        blob_id = md.blob_id
        result = StoreResult(
            blob_id, md.unencoded_length, 0, 0, 0, False, None, acks, {}, sent, self.timings, others
        )
        return self.tally.finish(md, lambda: self.plan.certificate(blob_id, signed), result)


def encode_for_store(
    data: Any, n_shards: int, progress: ProgressFn, timings: dict[str, float]
) -> EncodedBlob:
    """The first step of every store, over directories or HTTP: encode
    ``data`` for ``n_shards``, reported to ``progress`` and timed in ``timings``."""
    progress("encode", 0, 1)
    t0 = time.perf_counter()
    encoded = encode(data, n_shards)
    timings["encode"] = time.perf_counter() - t0
    progress("encode", 1, 1)
    return encoded


def failure_note(node_name: str, exc: BaseException) -> str:
    """What a store reports for a node that failed with ``exc``, naming the node once."""
    msg = str(exc) or type(exc).__name__
    return msg if msg.startswith(node_name) else f"{node_name}: {msg}"


class StoreTally:
    """What every store, over directories or HTTP, keeps of the nodes'
    answers: which confirmed, which failed and why, how many answered
    (reported to ``progress``); certified once the nodes that confirmed hold
    at least n - f shards."""

    def __init__(self, committee: Committee, progress: ProgressFn) -> None:
        self.committee = committee
        self.progress = progress
        self.confirmed: list[int] = []  # node indices
        self.failures: dict[str, str] = {}
        self.answered = 0
        progress("store", 0, len(committee.nodes))

    @property
    def signed_shards(self) -> int:
        return len({t for i in self.confirmed for t in self.committee.nodes[i].shards})

    @property
    def certified(self) -> bool:
        return self.signed_shards >= self.committee.quorum

    def fail(self, node_name: str, exc: BaseException) -> None:
        self.failures[node_name] = failure_note(node_name, exc)

    def answered_one(self) -> None:
        self.answered += 1
        self.progress("store", self.answered, len(self.committee.nodes))

    def finish(
        self, md: BlobMetadata, make_certificate: Callable[[], dict[str, Any]], result: StoreResult
    ) -> StoreResult:
        """The end of every store: fill in ``result`` (counts, failures) and
        keep the certificate and the metadata once certified; raise
        StoreIncompleteError below n - f shards."""
        committee = self.committee
        result.failures = self.failures
        result.signed_shards = self.signed_shards
        result.threshold = committee.quorum
        result.encoded_length = EncodingConfig(committee.n_shards).encoded_blob_length(md.unencoded_length)
        result.certified = self.certified
        if not result.certified:
            detail = "; ".join(self.failures.values()) or "no failures reported"
            raise StoreIncompleteError(
                f"blob {md.blob_id} not certified: nodes holding {result.signed_shards} shards "
                f"acknowledged, {committee.quorum} needed ({detail})",
            )
        result.certificate_path = committee.write_certified(md, make_certificate())
        return result


def _size_limit(committee: Committee, path: Path | str, size: int) -> None:
    limit = EncodingConfig(committee.n_shards).max_blob_size
    if size > limit:
        raise DataTooLargeError(f"{path} has {size} bytes; {committee.n_shards} shards take at most {limit}")


def input_size(committee: Committee, path: Path | str) -> int | None:
    """The size of a regular file to store (None for a pipe or device),
    refused when larger than the committee's shard count allows."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        return None
    _size_limit(committee, path, st.st_size)
    return st.st_size


def read_input(committee: Committee, path: Path | str) -> bytes:
    """The bytes of a file to store; one larger than the committee's shard
    count allows is refused (DataTooLargeError) before any of it is read."""
    limit = EncodingConfig(committee.n_shards).max_blob_size
    try:
        with open(path, "rb") as fh:
            _size_limit(committee, path, os.fstat(fh.fileno()).st_size)
            return fh.read(limit + 1)  # a pipe or device reports no size: read one byte past the limit
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
