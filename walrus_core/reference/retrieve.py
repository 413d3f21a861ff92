"""read: gather primary slivers (else secondary ones), verify each against the
metadata, decode with the consistency check, and return the exact bytes, or
raise BlobUnavailableError naming what is missing. Never wrong bytes. To a
file the same happens within a memory budget (stream_decode.decode_to)."""

from __future__ import annotations

import collections
import functools
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..blob import decode
from ..config import EncodingConfig
from ..errors import InconsistentBlobError, MemoryBudgetError, NotEnoughShardsError, WalrusCoreError
from ..metadata import BlobId, BlobMetadata, shard_index_for_pair
from ..sliver import Sliver
from ..stream import DEFAULT_MEMORY
from ..stream_decode import decode_memory, decode_to
from .committee import Committee
from .errors import BlobUnavailableError, StorageError
from .files import atomic_write
from .nodes import SliverCheck, check_loaded, sliver_index
from .progress import ProgressFn, no_progress

if TYPE_CHECKING:
    from .node_types import SliverSource

# slivers of one batch loaded at once: file reads, or HTTP requests in flight
LOAD_THREADS = 32


def parse_blob_id(text: str) -> BlobId:
    """A blob ID from its 43-character URL-safe base64 text (InvalidBlobIdError otherwise)."""
    return BlobId.from_str(text.strip())


MetadataSource = tuple[str, Callable[[], "bytes | None"]]


def find_metadata(committee: Committee, blob_id: BlobId) -> tuple[BlobMetadata, int, list[str]]:
    """The first copy of the blob's metadata that verifies (the writer's certified
    copy, then each node's), the bytes read to find it, and the copies refused."""
    sources = [certified_metadata(committee, blob_id), *node_metadata(committee.node_dirs(), blob_id)]
    return first_valid_metadata(blob_id, committee.n_shards, sources)


def certified_metadata(committee: Committee, blob_id: BlobId) -> MetadataSource:
    return ("certified copy", lambda: committee.certified_metadata_bytes(blob_id))


def node_metadata(nodes: Iterable[SliverSource], blob_id: BlobId) -> list[MetadataSource]:
    return [(node.name, functools.partial(node.read_metadata_bytes, blob_id)) for node in nodes]


def first_valid_metadata(
    blob_id: BlobId, n_shards: int, sources: Iterable[MetadataSource]
) -> tuple[BlobMetadata, int, list[str]]:
    """The first metadata among ``sources`` that is this blob's (its hashes
    give the blob ID) for ``n_shards``, the bytes read, and the copies refused."""
    problems: list[str] = []
    moved = 0
    for name, get in sources:
        try:
            raw = get()
        except StorageError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if raw is None:
            continue
        moved += len(raw)
        try:
            md = BlobMetadata.from_bcs(raw)
        except (WalrusCoreError, ValueError) as exc:
            problems.append(f"{name}: metadata invalid ({exc})")
            continue
        if md.blob_id != blob_id or md.n_shards != n_shards:
            problems.append(f"{name}: metadata is for another blob or shard count")
            continue
        return md, moved, problems
    detail = "; ".join(problems) if problems else "no node has it"
    raise BlobUnavailableError(f"blob {blob_id}: no valid metadata found ({detail})")


@dataclass
class ReadResult:
    blob_id: BlobId
    data: bytes = field(repr=False)  # empty when streamed to a file; a repr of megabytes would cost seconds
    kind: str
    slivers_used: int
    problems: list[str] = field(default_factory=list)
    streamed_length: int | None = None

    @property
    def length(self) -> int:
        return len(self.data) if self.streamed_length is None else self.streamed_length

    def to_json(self) -> dict[str, Any]:
        return {
            "blob_id": str(self.blob_id),
            "length": self.length,
            "decoded_from": f"{self.slivers_used} {self.kind} slivers",
            "problems": self.problems,
        }


def _pair_order(n: int, need: int, kind: str) -> list[int]:
    """Pairs to try: the systematic slivers first (cheapest to decode), then the rest."""
    # primary sliver i is in pair i (0..p-1 are plain data); secondary j is in pair n-1-j (j < s plain)
    first = list(range(need)) if kind == "primary" else [n - 1 - j for j in range(need)]
    rest = [i for i in range(n) if i not in set(first)]
    return first + rest


def _load_pair(nodes: Mapping[int, SliverSource], md: BlobMetadata, kind: str, pair: int) -> SliverCheck:
    """The sliver of ``kind`` in ``pair``, from the node holding its shard (not yet verified)."""
    shard = shard_index_for_pair(pair, md.blob_id, md.n_shards)
    return nodes[shard].load_sliver(md, kind, sliver_index(kind, pair, md.n_shards), shard)


def collect_slivers(
    nodes: Mapping[int, SliverSource],
    md: BlobMetadata,
    kind: str,
    need: int,
    progress: ProgressFn = no_progress,
) -> tuple[list[Sliver], list[SliverCheck]]:
    """Read slivers of one kind (the systematic ones first) from the nodes
    holding their shards (``nodes``: shard -> node), a batch at a time in
    parallel, and verify each batch in one native call on all cores, until
    ``need`` verify; return them and the failures."""
    good: list[Sliver] = []
    bad: list[SliverCheck] = []
    order = _pair_order(md.n_shards, need, kind)
    load = functools.partial(_load_pair, nodes, md, kind)
    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        while len(good) < need and order:
            batch, order = order[: need - len(good)], order[need - len(good) :]
            for check in check_loaded(md, list(pool.map(load, batch))):
                if check.status == "ok" and check.sliver is not None:
                    good.append(check.sliver)
                else:
                    bad.append(check)
            progress(f"read {kind[:3]}", len(good), need)
    return good, bad


def summarize(nodes: Mapping[int, SliverSource], checks: list[SliverCheck]) -> list[str]:
    """One line per node and reason: "node-002: 10 primary slivers missing (node
    directory missing): 14 (shard 20), 15 (shard 21), ..." (long lists are cut)."""
    groups: dict[tuple[str, str, str, str], list[tuple[int, int]]] = {}
    for c in checks:
        node = nodes[c.shard].name
        groups.setdefault((node, c.kind, c.status, c.reason), []).append((c.index, c.shard))
    out = []
    for (node, kind, status, reason), idx in sorted(groups.items()):
        shown = ", ".join(f"{i} (shard {t})" for i, t in sorted(idx)[:6]) + (", ..." if len(idx) > 6 else "")
        plural = "s" if len(idx) > 1 else ""
        out.append(f"{node}: {len(idx)} {kind} sliver{plural} {status} ({reason}): {shown}")
    return out


def read_blob(committee: Committee, blob_id: BlobId, *, progress: ProgressFn = no_progress) -> ReadResult:
    """Read a blob from the committee's node directories."""
    md, _, problems = find_metadata(committee, blob_id)
    nodes = {t: committee.node_for_shard(t) for t in range(committee.n_shards)}
    return read_with_metadata(nodes, md, problems, progress)


def read_with_metadata(
    nodes: Mapping[int, SliverSource],
    md: BlobMetadata,
    problems: list[str],
    progress: ProgressFn = no_progress,
) -> ReadResult:
    """Gather, verify and decode the slivers of a blob whose metadata verified,
    from any nodes (shard -> node): primary slivers, else secondary ones."""
    blob_id = md.blob_id
    cfg = EncodingConfig(md.n_shards)
    attempts = []
    for kind, need in (
        ("primary", cfg.n_primary_source_symbols),
        ("secondary", cfg.n_secondary_source_symbols),
    ):
        slivers, bad = collect_slivers(nodes, md, kind, need, progress)
        problems += summarize(nodes, bad)
        if len(slivers) < need:
            attempts.append(f"{need} valid {kind} slivers needed, {len(slivers)} found")
            continue
        try:
            data = decode(slivers, md, check="default")
        except InconsistentBlobError as exc:
            raise BlobUnavailableError(f"blob {blob_id} is inconsistently encoded: {exc}") from exc
        if len(data) != md.unencoded_length:  # belt and braces: never hand out wrong bytes
            raise BlobUnavailableError(
                f"blob {blob_id}: decoded {len(data)} bytes, expected {md.unencoded_length}"
            )
        return ReadResult(blob_id, bytes(data), kind, len(slivers), problems)
    raise BlobUnavailableError(
        f"cannot read blob {blob_id}: " + " and ".join(attempts) + f". Unusable: {'; '.join(problems)}"
    )


def _loaded(
    nodes: Mapping[int, SliverSource],
    md: BlobMetadata,
    kind: str,
    need: int,
    window: int,
    bad: list[SliverCheck],
) -> Iterator[Sliver]:
    """Slivers of one kind as loaded (the systematic ones first, not yet
    verified), at most ``window`` loads ahead of the consumer; those missing
    or unparsable go to ``bad``. Stops loading when the consumer stops."""
    load = functools.partial(_load_pair, nodes, md, kind)
    order = iter(_pair_order(md.n_shards, need, kind))
    with ThreadPoolExecutor(window) as pool:
        ahead = collections.deque(pool.submit(load, pair) for pair in itertools.islice(order, window))
        try:
            while ahead:
                check = ahead.popleft().result()
                ahead.extend(pool.submit(load, pair) for pair in itertools.islice(order, 1))
                if check.sliver is None:
                    bad.append(check)
                else:
                    yield check.sliver
        finally:
            for future in ahead:
                future.cancel()


@dataclass
class _FileAttempt:
    """What one sliver kind's try at a file read saw: the slivers refused
    (for the problem lines) and how many verified; progress passed on."""

    md: BlobMetadata
    kind: str
    progress: ProgressFn
    bad: list[SliverCheck] = field(default_factory=list)
    verified: int = 0

    def refused(self, index: int, why: str) -> None:
        n = self.md.n_shards
        pair = index if self.kind == "primary" else n - 1 - index
        shard = shard_index_for_pair(pair, self.md.blob_id, n)
        self.bad.append(SliverCheck(self.kind, index, shard, "corrupt", why))

    def report(self, step: str, done: int, total: int) -> None:
        if step == "verify":
            self.verified = done
            step = f"read {self.kind[:3]}"
        self.progress(step, done, total)


def read_with_metadata_to_file(
    nodes: Mapping[int, SliverSource],
    md: BlobMetadata,
    problems: list[str],
    out: Path,
    *,
    progress: ProgressFn = no_progress,
    memory: int = DEFAULT_MEMORY,
) -> ReadResult:
    """Gather, verify and decode the blob's slivers from any nodes (shard ->
    node) straight into the file ``out`` (atomically), within ``memory``
    bytes whatever the blob's size (stream_decode.decode_to): the systematic
    primary slivers are written as they are verified, missing rows decoded
    band by band from other primary slivers, else from secondary ones.
    MemoryBudgetError for a budget too small, before any sliver is read."""
    blob_id, n = md.blob_id, md.n_shards
    cfg = EncodingConfig(n)
    least = max(decode_memory(md, "primary"), decode_memory(md, "secondary"))
    if memory < least:
        raise MemoryBudgetError(
            f"reading blob {blob_id} ({md.unencoded_length} bytes, n = {n}) to a file needs at least "
            f"{least} bytes of memory (about {least >> 20} MiB); memory={memory} is too small"
        )
    attempts = []
    for kind, need in (
        ("primary", cfg.n_primary_source_symbols),
        ("secondary", cfg.n_secondary_source_symbols),
    ):
        sliver_bytes = cfg.symbols_per_sliver(kind) * cfg.symbol_size(md.unencoded_length)
        window = max(1, min(LOAD_THREADS, memory // (8 * sliver_bytes)))
        seen = _FileAttempt(md, kind, progress)
        try:
            done = decode_to(
                _loaded(nodes, md, kind, need, window, seen.bad),
                md,
                out,
                kind=kind,
                memory=memory,
                progress=seen.report,
                on_refused=seen.refused,
            )
        except NotEnoughShardsError:
            problems += summarize(nodes, seen.bad)
            attempts.append(f"{need} valid {kind} slivers needed, {seen.verified} found")
            continue
        except InconsistentBlobError as exc:
            raise BlobUnavailableError(f"blob {blob_id} is inconsistently encoded: {exc}") from exc
        problems += summarize(nodes, seen.bad)
        if done.decoded_rows and kind == "primary":
            problems.append(
                f"{done.decoded_rows} systematic primary slivers unusable: decoding instead, band by band"
            )
        return ReadResult(blob_id, b"", kind, len(done.used), problems, streamed_length=done.length)
    raise BlobUnavailableError(
        f"cannot read blob {blob_id}: " + " and ".join(attempts) + f". Unusable: {'; '.join(problems)}"
    )


def read_to_file(
    committee: Committee,
    blob_id: BlobId,
    out: Path | str | None,
    *,
    progress: ProgressFn = no_progress,
    memory: int = DEFAULT_MEMORY,
) -> ReadResult:
    """Read the blob and write it atomically to ``out`` (stdout when None or
    "-", decoded in memory). To a file, within ``memory`` bytes: see
    :func:`read_with_metadata_to_file`."""
    if out is None or str(out) == "-":
        result = read_blob(committee, blob_id, progress=progress)
        write_output(result.data, out)
        return result
    path = output_path(out)
    md, _, problems = find_metadata(committee, blob_id)
    nodes = {t: committee.node_for_shard(t) for t in range(committee.n_shards)}
    return read_with_metadata_to_file(nodes, md, problems, path, progress=progress, memory=memory)


def write_output(data: bytes, out: Path | str | None) -> None:
    """Write ``data`` atomically to the file ``out``, or to stdout when None or "-"."""
    if out is None or str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        atomic_write(output_path(out), data)


def output_path(out: Path | str) -> Path:
    """``out`` as an absolute path; a directory there is refused."""
    path = Path(out)
    if path.is_dir():
        raise StorageError(f"{path} is a directory")
    return path if path.is_absolute() else Path(os.getcwd()) / path
