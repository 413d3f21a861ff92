"""Quilts on the reference nodes: store many files as one blob, and read one
file back by its patch ID from just the secondary slivers of the quilt's
index and of that file, each verified against the metadata. A sliver that is
lost or fails verification is rebuilt from recovery symbols of primary
slivers (each checked against its Merkle proof), so a read survives up to f
lost shards.

The writer also keeps a note of what it stored as a quilt
(``certified/<64 hex>/quilt.json``) so that ``ls`` and ``info`` can show a
quilt's files; reading never depends on it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import WalrusCoreError
from .committee import Committee
from .errors import BlobUnavailableError, StorageError
from .files import atomic_write, parts_size, read_file
from .nodes import SliverCheck, check_loaded, sliver_bcs_parts
from .progress import ProgressFn, no_progress
from .retrieve import (
    LOAD_THREADS,
    certified_metadata,
    find_metadata,
    first_valid_metadata,
    node_metadata,
    write_output,
)
from .store import StoreResult, store_blob

if TYPE_CHECKING:
    from ..metadata import BlobId, BlobMetadata
    from ..quilt import File, IndexEntry, PatchKey, Quilt
    from ..recovery import RecoverySymbol
    from ..sliver import Sliver
    from .node_types import SliverSource

QUILT_NOTE = "quilt.json"
QUILT_NOTE_FORMAT = "walrus-core-quilt/1"
QUILT_NOTE_MAX_BYTES = 1 << 28  # far above any real note (at most n - f - 1 entries)


@dataclass
class QuiltStoreResult:
    quilt: Quilt
    stored: StoreResult

    def to_json(self) -> dict[str, Any]:
        return {
            "quilt_id": str(self.quilt.quilt_id),
            "symbol_size": self.quilt.symbol_size,
            "patches": [patch_json(p) for p in self.quilt.patches],
            "store": self.stored.to_json(),
        }


def patch_json(patch: Any) -> dict[str, Any]:
    """identifier, tags, columns and (when known) patch ID and length of a patch or index entry."""
    out: dict[str, Any] = {
        "identifier": patch.identifier,
        "tags": patch.tags,
        "start": patch.start,
        "end": patch.end,
    }
    if hasattr(patch, "patch_id"):
        out["patch_id"] = str(patch.patch_id)
        out["length"] = patch.data_length
    return out


def store_quilt(
    committee: Committee,
    files: Sequence[File],
    *,
    progress: ProgressFn = no_progress,
    workers: int | None = None,
) -> QuiltStoreResult:
    """Lay ``files`` out as one quilt, store it as an ordinary blob (its blob
    ID is the quilt ID, computed once while encoding), and note it as a quilt."""
    from ..quilt import layout

    laid = layout(files, committee.n_shards)
    if committee.served:
        from ..node_api.http_store import store_blob_http

        stored = store_blob_http(committee, laid.blob, progress=progress)
    else:
        stored = store_blob(committee, laid.blob, progress=progress, workers=workers)
    md, _, _ = find_metadata(committee, stored.blob_id)  # the certified copy just written
    q = laid.finish(md)
    note = {
        "format": QUILT_NOTE_FORMAT,
        "quilt_id": str(q.quilt_id),
        "symbol_size": q.symbol_size,
        "patches": [patch_json(p) for p in q.patches],
    }
    path = committee.certified_path(q.quilt_id)
    if path.is_dir():
        atomic_write(path / QUILT_NOTE, (json.dumps(note, indent=1, sort_keys=True) + "\n").encode())
    return QuiltStoreResult(q, stored)


def quilt_note(committee: Committee, blob_id: BlobId) -> dict[str, Any] | None:
    """The writer's note for a blob stored as a quilt, or None (none, or unreadable)."""
    try:
        raw = read_file(committee.certified_path(blob_id) / QUILT_NOTE, QUILT_NOTE_MAX_BYTES)
        note = json.loads(raw) if raw is not None else None
    except (StorageError, ValueError):
        return None
    if isinstance(note, dict) and note.get("format") == QUILT_NOTE_FORMAT:
        return note if isinstance(note.get("patches"), list) else None
    return None


@dataclass
class PatchReadResult:
    quilt_id: BlobId
    identifier: str
    tags: dict[str, str]
    data: bytes
    bytes_moved: int  # metadata, slivers and recovery symbols read from the nodes
    quilt_encoded_length: int  # what storing the whole quilt takes (encoded_blob_length)
    slivers_read: list[int] = field(default_factory=list)  # secondary sliver (= column) indices
    slivers_rebuilt: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "quilt_id": str(self.quilt_id),
            "identifier": self.identifier,
            "tags": self.tags,
            "length": len(self.data),
            "bytes_moved": self.bytes_moved,
            "quilt_encoded_length": self.quilt_encoded_length,
            "moved_fraction": self.bytes_moved / self.quilt_encoded_length,
            "slivers_read": self.slivers_read,
            "slivers_rebuilt": self.slivers_rebuilt,
            "problems": self.problems,
        }


class _SliverFetcher:
    """Secondary slivers of one quilt from the nodes, on demand: each read
    and verified against the metadata; those missing or bad are rebuilt from
    recovery symbols that peers compute from their primary slivers. Counts
    every byte read."""

    def __init__(self, nodes: Mapping[int, SliverSource], md: BlobMetadata) -> None:
        self.nodes = nodes  # by shard
        self.md = md
        self.moved = 0
        self.read: list[int] = []
        self.rebuilt: list[int] = []
        self.problems: list[str] = []

    def _node_of_pair(self, pair: int) -> tuple[Any, int]:
        from ..metadata import shard_index_for_pair

        shard = shard_index_for_pair(pair, self.md.blob_id, self.md.n_shards)
        return self.nodes[shard], shard

    def __call__(self, columns: list[int]) -> list[Sliver]:
        n = self.md.n_shards

        def load(j: int) -> SliverCheck:
            node, shard = self._node_of_pair(n - 1 - j)
            check: SliverCheck = node.load_sliver(self.md, "secondary", j, shard)
            return check

        # all at once, as a read does: a served node's latency is paid once, not per column
        with ThreadPoolExecutor(max(1, min(len(columns), LOAD_THREADS))) as pool:
            loaded = list(pool.map(load, columns))
        good: list[Sliver] = []
        bad: list[int] = []
        for check in check_loaded(self.md, loaded):
            if check.sliver is not None:
                self.moved += parts_size(sliver_bcs_parts(check.sliver))
                good.append(check.sliver)
            else:
                bad.append(check.index)
                self.problems.append(f"secondary sliver {check.index} (shard {check.shard}): {check.reason}")
        self.read += [s.index for s in good]
        if bad:
            good += self._rebuild(bad)
        return good

    def _rebuild(self, targets: list[int]) -> list[Sliver]:
        """Secondary slivers ``targets`` rebuilt from p verified recovery
        symbols each (X[i][j] with its proof against primary sliver i's root)."""
        from ..config import EncodingConfig
        from ..recovery import RecoverySymbol, recover_sliver, recovery_symbols

        need = EncodingConfig(self.md.n_shards).n_primary_source_symbols
        got: dict[int, list[RecoverySymbol]] = {j: [] for j in targets}
        for pair in range(self.md.n_shards):  # primary sliver i lives in pair i
            if all(len(v) >= need for v in got.values()):
                break
            node, shard = self._node_of_pair(pair)
            source = node.load_sliver(self.md, "primary", pair, shard).sliver
            if source is None:
                continue
            try:
                sent = recovery_symbols(source, self.md, targets)
            except (WalrusCoreError, ValueError):
                continue
            for sym in sent:
                wire = sym.to_bytes()
                self.moved += len(wire)
                try:
                    received = RecoverySymbol.from_bytes(wire)
                    received.verify(self.md)
                except (WalrusCoreError, ValueError):
                    continue
                if len(got[received.target_index]) < need:
                    got[received.target_index].append(received)
        out = []
        for j, symbols in got.items():
            try:
                out.append(recover_sliver(symbols, self.md, "secondary", j))
                self.rebuilt.append(j)
            except (WalrusCoreError, ValueError) as exc:
                self.problems.append(f"secondary sliver {j}: cannot rebuild ({exc})")
        return out


def _reader(
    committee: Committee, quilt_id: BlobId, nodes: Mapping[int, SliverSource] | None
) -> tuple[Any, _SliverFetcher, int]:
    """A reader of the quilt from ``nodes`` (by shard; the committee's node
    directories when None), with its metadata: the writer's certified copy,
    else the first node's copy that verifies."""
    from ..quilt import QuiltReader

    if nodes is None:
        nodes = {t: committee.node_for_shard(t) for t in range(committee.n_shards)}
    unique = list({node.name: node for node in nodes.values()}.values())
    sources = [certified_metadata(committee, quilt_id), *node_metadata(unique, quilt_id)]
    md, moved, problems = first_valid_metadata(quilt_id, committee.n_shards, sources)
    fetcher = _SliverFetcher(nodes, md)
    fetcher.moved += moved
    fetcher.problems += problems
    return QuiltReader.from_slivers(fetcher, md), fetcher, md.unencoded_length


def _encoded_length(committee: Committee, length: int) -> int:
    from ..config import EncodingConfig

    return EncodingConfig(committee.n_shards).encoded_blob_length(length)


def read_patch(
    committee: Committee,
    key: PatchKey,
    quilt_id: BlobId | None = None,
    nodes: Mapping[int, SliverSource] | None = None,
) -> PatchReadResult:
    """One file of a stored quilt, by patch ID (its quilt ID says which quilt)
    or by identifier (then ``quilt_id`` is needed), from ``nodes`` (by shard:
    node directories or served nodes; the committee's directories when None).
    Raises BlobUnavailableError when the slivers needed cannot be read or rebuilt."""
    from ..quilt import PatchId, QuiltError

    if quilt_id is None:
        patch_id = key if isinstance(key, PatchId) else PatchId.from_str(str(key).strip())
        quilt_id, key = patch_id.quilt_id, patch_id
    reader, fetcher, length = _reader(committee, quilt_id, nodes)
    try:
        entry = reader.entry(key)
        content = reader.read_entry(entry)
    except QuiltError:
        raise
    except WalrusCoreError as exc:  # not enough slivers, or one refused
        detail = "; ".join(fetcher.problems[:8])
        raise BlobUnavailableError(f"cannot read patch of quilt {quilt_id}: {exc}. {detail}") from exc
    return PatchReadResult(
        quilt_id,
        content.identifier,
        content.tags,
        content.data,
        fetcher.moved,
        _encoded_length(committee, length),
        sorted(fetcher.read),
        sorted(fetcher.rebuilt),
        fetcher.problems,
    )


def read_quilt_index(
    committee: Committee, quilt_id: BlobId, nodes: Mapping[int, SliverSource] | None = None
) -> list[IndexEntry]:
    """A stored quilt's index, from the verified secondary slivers of
    ``nodes`` (by shard; the committee's node directories when None)."""
    reader, _, _ = _reader(committee, quilt_id, nodes)
    try:
        return list(reader.index().entries)
    except WalrusCoreError as exc:
        if isinstance(exc, BlobUnavailableError):
            raise
        raise BlobUnavailableError(f"cannot read the index of quilt {quilt_id}: {exc}") from exc


def read_patch_to_file(
    committee: Committee,
    key: PatchKey,
    out: Path | str | None,
    quilt_id: BlobId | None = None,
    nodes: Mapping[int, SliverSource] | None = None,
) -> PatchReadResult:
    """:func:`read_patch`, written atomically to ``out`` (stdout when None or "-")."""
    result = read_patch(committee, key, quilt_id, nodes)
    write_output(result.data, out)
    return result


def quilt_files(
    committee: Committee, blob_id: BlobId, nodes: Mapping[int, SliverSource] | None = None
) -> list[dict[str, Any]] | None:
    """The files of a blob stored as a quilt (None for other blobs), as its
    index on ``nodes`` says (by shard: node directories or served nodes; the
    committee's directories when None; read from verified slivers), each with
    its patch ID; the writer's note when the index cannot be read."""
    from ..quilt import PatchId

    note = quilt_note(committee, blob_id)
    if note is None:
        return None
    try:
        entries = read_quilt_index(committee, blob_id, nodes)
    except WalrusCoreError as exc:
        return [dict(p, note=f"from the writer's note; index unreadable: {exc}") for p in note["patches"]]
    return [dict(patch_json(e), patch_id=str(PatchId(blob_id, e.start, e.end))) for e in entries]


def compare_costs(files: Sequence[File], n_shards: int, epochs: int, price: int) -> dict[str, Any]:
    """Walrus's storage cost of ``files`` stored one blob each against stored as one quilt."""
    from ..quilt import layout
    from .verify import cost

    singles = [cost(memoryview(f.data).nbytes, n_shards, epochs, price) for f in files]
    quilt_cost = cost(len(layout(files, n_shards).blob), n_shards, epochs, price)
    summed = ("unencoded_length", "encoded_length", "storage_units", "cost")
    as_blobs = {k: sum(c[k] for c in singles) for k in summed}
    return {
        "files": len(files),
        "n_shards": n_shards,
        "as_single_blobs": as_blobs,
        "as_quilt": quilt_cost,
        "quilt_saves": as_blobs["cost"] / max(1, quilt_cost["cost"]),
    }
