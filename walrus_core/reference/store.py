"""store: encode a blob, send each node the sliver pairs of its shards plus the
metadata, collect signed acknowledgments, and certify the blob once the
signing nodes hold at least n - f shards."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._args import check_int
from ..backends import cpu_count
from ..blob import EncodedBlob, encode
from ..config import EncodingConfig
from ..errors import DataTooLargeError, WalrusCoreError
from ..metadata import BlobId, BlobMetadata, pair_index_for_shard, shard_index_for_pair
from ..sliver import Sliver, SliverPair
from ..stream import DEFAULT_MEMORY, encode_to
from .committee import Committee
from .errors import StorageError, StoreIncompleteError
from .files import KINDS, METADATA_NAME, Parts, parts_size, sliver_file_name
from .nodes import (
    Ack,
    Checked,
    NodeDir,
    Receipt,
    Spooled,
    sliver_bcs_parts,
    sliver_index,
)
from .progress import ProgressFn, no_progress

# Nodes whose slivers are spooled to disk at once: their fsyncs wait on the
# disk, not the CPU, and a deeper queue keeps it busy.
SPOOL_THREADS = 4

# Test hook: called after each node has been handled (the writer "crashes" if it raises).
after_node: Callable[[NodeDir], None] | None = None


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
    bytes_sent: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # seconds: encode, and per node check/keep
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


def store_blob(
    committee: Committee, data: Any, *, progress: ProgressFn = no_progress, workers: int | None = None
) -> StoreResult:
    """Store ``data`` (any contiguous buffer) on the committee's nodes.

    Raises StoreIncompleteError (after writing what it could) when fewer than
    n - f shards were acknowledged; storing the same blob again changes nothing.
    ``workers``: nodes served at once (default: half the CPUs; 1 = one after the other)."""
    n = committee.n_shards
    timings: dict[str, float] = {}
    encoded = encode_for_store(data, n, progress, timings)
    md = encoded.metadata
    blob_id = md.blob_id
    md_bcs = md.to_bcs()
    # What goes to each node: the metadata and the pairs of its shards. The
    # slivers travel as objects (one process); the node checks each as if it
    # came off the wire.
    by_shard: dict[int, tuple[int, tuple[Any, Any]]] = {}
    for pair in encoded.pairs:
        t = shard_index_for_pair(pair.index, blob_id, n)
        by_shard[t] = (pair.index, (pair.primary, pair.secondary))
    sizes = {t: parts_size(p) for t, (_, p) in by_shard.items()}

    acks: list[Ack] = []
    tally = StoreTally(committee, progress)
    sent = 0
    nodes = committee.node_dirs()

    def check(node: NodeDir) -> Checked:
        t0 = time.perf_counter()
        try:
            return node.check(md_bcs, dict(by_shard[t] for t in node.shards))
        finally:
            timings[f"{node.name} check"] = time.perf_counter() - t0

    def spool(node: NodeDir) -> Spooled:
        t0 = time.perf_counter()
        try:
            items: list[tuple[str, Parts]] = [(METADATA_NAME, [md_bcs])]
            for pair, kind, sliver in node_slivers(encoded, node.shards):
                name = sliver_file_name(kind, sliver_index(kind, pair, n), n)
                items.append((name, sliver_bcs_parts(sliver)))
            return node.spool(blob_id, items)
        finally:
            timings[f"{node.name} spool"] = time.perf_counter() - t0

    # Pipelined: the nodes' checks (native code on all cores, without the GIL)
    # run in a pool while another thread spools each node's slivers to durable
    # temporary files; this thread then keeps the nodes in order (renames what
    # passed its check, signs), so disk writes overlap the checks and a crash
    # between two nodes leaves a prefix of them kept. With workers=1 nothing
    # runs ahead: one node after the other.
    wanted = check_int(workers, "workers", 1) if workers is not None else max(2, cpu_count()) // 2
    n_workers = min(len(nodes), wanted)
    ahead = n_workers > 1 or workers is None
    with ThreadPoolExecutor(n_workers) as pool, ThreadPoolExecutor(SPOOL_THREADS) as spooler:
        futures = [pool.submit(check, node) for node in nodes] if ahead else []
        spools = [spooler.submit(spool, node) for node in nodes] if ahead else []
        try:
            for k, node in enumerate(nodes):
                spooled: Spooled | None = None
                try:
                    if ahead:
                        spooled = spools[k].result()
                        checked = futures[k].result()
                    else:
                        checked = check(node)
                    t0 = time.perf_counter()
                    ack = node.keep(checked, spooled)
                    spooled = None
                    timings[f"{node.name} keep"] = time.perf_counter() - t0
                    committee.verify_ack(ack)
                    acks.append(ack)
                    tally.confirmed.append(node.index)
                    sent += len(md_bcs) + sum(sizes[t] for t in node.shards)
                except (WalrusCoreError, OSError) as exc:
                    tally.fail(node.name, exc)
                finally:
                    if spooled is not None:
                        node.discard(spooled)
                tally.answered_one()
                if after_node is not None:
                    after_node(node)
        finally:
            for f in futures:
                f.cancel()
            for k, sf in enumerate(spools):  # a crash: drop what was spooled but not kept
                if not sf.cancel() and k >= tally.answered:
                    with contextlib.suppress(Exception):
                        nodes[k].discard(sf.result())

    result = StoreResult(
        blob_id, md.unencoded_length, 0, 0, 0, False, None, acks, bytes_sent=sent, timings=timings
    )
    return tally.finish(md, lambda: committee.make_certificate(blob_id, acks), result)


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


def node_slivers(encoded: EncodedBlob, shards: Sequence[int]) -> list[tuple[int, str, Sliver]]:
    """(pair index, kind, sliver) of every sliver a node holding ``shards``
    receives, shard after shard, primary before secondary."""
    md = encoded.metadata
    out: list[tuple[int, str, Sliver]] = []
    for t in shards:
        pair = encoded.pairs[pair_index_for_shard(t, md.blob_id, md.n_shards)]
        out += ((pair.index, kind, sliver) for kind, sliver in zip(KINDS, (pair.primary, pair.secondary)))
    return out


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
    whose encoding would not fit in ``memory`` bytes is stored streamed
    (:func:`store_streamed`); smaller ones are encoded in memory, faster."""
    size = input_size(committee, path)
    if size is not None and size + EncodingConfig(committee.n_shards).encoded_blob_length(size) > memory:
        return store_streamed(committee, path, progress=progress, memory=memory)
    return store_blob(committee, read_input(committee, path), progress=progress, workers=workers)


def store_streamed(
    committee: Committee,
    path: Path | str,
    *,
    progress: ProgressFn = no_progress,
    memory: int = DEFAULT_MEMORY,
) -> StoreResult:
    """Store a file of any size within about ``memory`` bytes: one banded
    encoding pass (:func:`walrus_core.stream.encode_to`, its slivers in an
    unnamed temporary file in the committee's directory), then each sliver
    pair is sent to its node, which checks it against the metadata and
    spools it; the nodes keep their shares (in order, as :func:`store_blob`)
    once every pair has been handed out. Interrupted, it leaves no
    temporary file behind."""
    n = committee.n_shards
    input_size(committee, path)
    nodes = committee.node_dirs()
    timings: dict[str, float] = {}
    receipts: dict[int, tuple[NodeDir, Receipt]] = {}  # shard -> its node's receipt
    blob_ids: list[BlobId] = []  # the blob's, once the encoder has it

    tally = StoreTally(committee, no_progress)  # "store" progress only once the nodes keep

    def fail(node: NodeDir, exc: BaseException) -> None:
        tally.fail(node.name, exc)
        for t in node.shards:
            dropped = receipts.pop(t, None)
            if dropped is not None:
                node.discard(dropped[1].spooled)

    def begin(md: BlobMetadata) -> None:
        md_bcs = md.to_bcs()
        blob_ids.append(md.blob_id)
        for node in nodes:
            try:
                receipt = node.begin_receipt(md_bcs)
            except (WalrusCoreError, OSError) as exc:
                fail(node, exc)
                continue
            receipts.update((t, (node, receipt)) for t in node.shards)

    def send(pair: SliverPair) -> None:
        entry = receipts.get(shard_index_for_pair(pair.index, blob_ids[0], n))
        if entry is not None:
            node, receipt = entry
            try:
                node.receive_pair(receipt, pair.index, (pair.primary, pair.secondary))
            except (WalrusCoreError, OSError) as exc:
                fail(node, exc)
        progress("send", pair.index + 1, n)

    t0 = time.perf_counter()
    try:
        md = encode_to(
            path,
            n,
            send,
            memory=memory,
            progress=lambda done, total: progress("encode", done, total),
            tmpdir=str(committee.root),  # beside the nodes' disk: /tmp may be small, or in memory
            on_metadata=begin,
        )
    except BaseException as exc:
        for node, receipt in receipts.values():
            node.discard(receipt.spooled)
        if isinstance(exc, OSError):
            raise StorageError(f"cannot store {path}: {exc.strerror or exc}") from exc
        raise
    timings["encode"] = time.perf_counter() - t0
    acks: list[Ack] = []
    sent = 0
    cfg = EncodingConfig(n)
    pair_bytes = (cfg.n_primary_source_symbols + cfg.n_secondary_source_symbols) * cfg.symbol_size(
        md.unencoded_length
    )
    tally.progress = progress
    progress("store", 0, len(nodes))
    try:
        for node in nodes:
            entry = receipts.get(node.shards[0]) if node.shards else None
            if entry is not None:
                t0 = time.perf_counter()
                try:
                    ack = node.finish_receipt(entry[1])
                    committee.verify_ack(ack)
                    acks.append(ack)
                    tally.confirmed.append(node.index)
                    sent += len(entry[1].metadata_bcs) + len(node.shards) * pair_bytes
                except (WalrusCoreError, OSError) as exc:
                    fail(node, exc)
                timings[f"{node.name} keep"] = time.perf_counter() - t0
            tally.answered_one()
            if after_node is not None:
                after_node(node)
    finally:
        for node, receipt in receipts.values():  # a crash: drop what was spooled but not kept
            node.discard(receipt.spooled)
    blob_id = md.blob_id
    result = StoreResult(blob_id, md.unencoded_length, 0, 0, 0, False, None, acks, {}, sent, timings)
    return tally.finish(md, lambda: committee.make_certificate(blob_id, acks), result)


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
