"""One storage node = one local directory, and the protocol it speaks: what
a writer sends it, what it checks before it keeps anything, and the signed
acknowledgment it returns.

Layout of a node directory (names from :mod:`.files`)::

    node-003/
      node.json                      {"index": 3, "shards": [...], "public_key": hex}
      blobs/<64 hex>/metadata.bcs    BlobMetadataWithId (BCS)
      blobs/<64 hex>/primary-00012.sliver    Sliver BCS (format §2.6)
      blobs/<64 hex>/secondary-00087.sliver

Readers open only exact derived names, without following symbolic links.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .._bcs import uleb128
from ..errors import VerificationError, WalrusCoreError
from ..metadata import BlobId, BlobMetadata, pair_index_for_shard
from ..sliver import Sliver, SliverPair, sliver_bcs_size, verify_slivers
from .errors import StorageError
from .files import (
    KINDS,
    METADATA_NAME,
    TMP_PREFIX,
    Parts,
    atomic_write,
    atomic_write_many,
    blob_dir_name,
    child,
    ensure_dir,
    fsync_dir,
    open_regular,
    parse_blob_dir_name,
    parts_size,
    read_file,
    rename_into_place,
    sliver_file_name,
    write_temporary,
)
from .keys import load_private_key

if TYPE_CHECKING:
    from ..recovery import RecoverySymbol
    from .committee import Committee
    from .node_types import ShardHolder

ACK_DOMAIN = b"walrus-core/reference/ack/v1\x00"


def sliver_index(kind: str, pair: int, n_shards: int) -> int:
    """Index of the ``kind`` sliver of sliver pair ``pair``: the primary one
    has the pair's index, the secondary one n - 1 - pair (format §6)."""
    return pair if kind == "primary" else n_shards - 1 - pair


def sliver_bcs_parts(sliver: Sliver) -> list[bytes | memoryview]:
    """BCS of a sliver (format §2.6) as pieces, without copying its data:
    uleb128(len) ‖ data ‖ LE16(symbol size) ‖ LE16(index)."""
    data = memoryview(sliver).cast("B")
    tail = sliver.symbol_size.to_bytes(2, "little") + sliver.index.to_bytes(2, "little")
    return [uleb128(len(data)), data, tail]


# ------------------------------------------------------------------ acknowledgments
def ack_message(blob_id: BlobId, node: int, shards: Sequence[int]) -> bytes:
    """What a node signs: domain ‖ blob ID ‖ LE16 node ‖ LE16 count ‖ LE16 shards."""
    out = bytearray(ACK_DOMAIN)
    out += bytes(blob_id) + node.to_bytes(2, "little") + len(shards).to_bytes(2, "little")
    for t in sorted(shards):
        out += t.to_bytes(2, "little")
    return bytes(out)


@dataclass(frozen=True)
class Ack:
    """A node's signed statement that it stores the slivers of ``shards`` for a blob."""

    node: int
    blob_id: BlobId
    shards: tuple[int, ...]
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "shards": list(self.shards), "signature": self.signature.hex()}


# ------------------------------------------------------------------ the node
@dataclass(frozen=True)
class Checked:
    """What a node verified and is ready to keep (see NodeDir.check / keep)."""

    node: int
    blob_id: BlobId
    metadata_bcs: bytes
    files: list[tuple[str, Parts]]


@dataclass
class Spooled:
    """Files a node has written to durable temporary files but not kept:
    nothing under a temporary name is ever served, and only :meth:`NodeDir.keep`
    gives them their names, once every one has passed its check (see
    :meth:`NodeDir.receive_pairs`)."""

    node: int
    blob_id: BlobId
    temps: dict[str, Path]  # final name -> temporary file in the blob's directory


@dataclass
class Receipt:
    """A node's share being received pair by pair (see NodeDir.begin_receipt)."""

    metadata: BlobMetadata
    metadata_bcs: bytes
    expected: dict[int, int]  # pair index -> shard
    received: set[int]
    files: list[tuple[str, Parts]]
    spooled: Spooled


@dataclass
class SliverCheck:
    """What a node found for one sliver: ok, missing, corrupt (with a reason)."""

    kind: str
    index: int
    shard: int
    status: str
    reason: str = ""
    sliver: Sliver | None = None
    verified: bool = False  # checked against the metadata already (check_loaded skips it)


class NodeDir:
    """One storage node: a directory holding the sliver pairs of its shards."""

    def __init__(self, path: Path, index: int, shards: Sequence[int], n_shards: int, key_path: Path) -> None:
        self.path = Path(path)
        self.index = index
        self.shards = tuple(shards)
        self.n_shards = n_shards
        self.key_path = key_path
        self.name = self.path.name
        # native threads for checking received slivers (None: every CPU this process may use)
        self.verify_threads: int | None = None

    def __repr__(self) -> str:
        return f"NodeDir({self.name}, shards={len(self.shards)})"

    # --- paths (all derived)
    @property
    def exists(self) -> bool:
        return self.path.is_dir() and not self.path.is_symlink()

    def blob_path(self, blob_id: BlobId) -> Path:
        return child(self.path / "blobs", blob_dir_name(blob_id))

    def metadata_path(self, blob_id: BlobId) -> Path:
        return child(self.blob_path(blob_id), METADATA_NAME)

    def sliver_path(self, blob_id: BlobId, kind: str, index: int) -> Path:
        return child(self.blob_path(blob_id), sliver_file_name(kind, index, self.n_shards))

    def link_on_path(self, blob_id: BlobId | None = None) -> Path | None:
        """The first directory a node goes through (its own, ``blobs/``, the
        blob's) that is a symbolic link, or None. Nothing is read, listed or
        written through one: it could lead outside the committee."""
        dirs = [self.path, self.path / "blobs"]
        if blob_id is not None:
            dirs.append(self.blob_path(blob_id))
        return next((d for d in dirs if d.is_symlink()), None)

    def _check_dirs(self, blob_id: BlobId | None = None) -> None:
        link = self.link_on_path(blob_id)
        if link is not None:
            raise StorageError(f"{link} is a symbolic link; refusing to go through it")

    def create(self, public_key: bytes) -> None:
        """Create (or recreate after loss) the directory and its node.json."""
        self._check_dirs()
        ensure_dir(self.path / "blobs")
        info = {"index": self.index, "shards": list(self.shards), "public_key": public_key.hex()}
        atomic_write(self.path / "node.json", (json.dumps(info, indent=1) + "\n").encode())

    # --- reading
    def blobs(self) -> list[BlobId]:
        """Blobs this node has a directory for (other names, and links, are ignored)."""
        root = self.path / "blobs"
        if self.link_on_path() is not None or not root.is_dir():
            return []
        out = []
        for entry in sorted(os.listdir(root)):
            blob_id = parse_blob_dir_name(entry)
            if blob_id is not None and not (root / entry).is_symlink():
                out.append(blob_id)
        return out

    def expected_files(self, blob_id: BlobId) -> set[str]:
        """The names this node keeps for a blob: metadata and its shards' slivers."""
        names = {METADATA_NAME}
        for kind, index, _ in expected_slivers(self, blob_id):
            names.add(sliver_file_name(kind, index, self.n_shards))
        return names

    def stray_files(self, blob_id: BlobId) -> list[str]:
        """Names in a blob directory this node did not derive for its shards
        (temporaries, junk, other nodes' slivers). They are never read.
        None are listed through a symbolic link."""
        if self.link_on_path(blob_id) is not None:
            return []
        try:
            names = os.listdir(self.blob_path(blob_id))
        except OSError:
            return []
        return sorted(set(names) - self.expected_files(blob_id))

    def read_metadata_bytes(self, blob_id: BlobId) -> bytes | None:
        if not self.exists:
            return None
        self._check_dirs(blob_id)
        return read_file(self.metadata_path(blob_id), BlobMetadata.max_bcs_len(self.n_shards))

    def read_metadata(self, blob_id: BlobId) -> BlobMetadata | None:
        """Verified metadata for the blob, or None when missing or invalid."""
        try:
            raw = self.read_metadata_bytes(blob_id)
            if raw is None:
                return None
            md = BlobMetadata.from_bcs(raw)
        except (WalrusCoreError, ValueError):
            return None
        return md if md.blob_id == blob_id and md.n_shards == self.n_shards else None

    def has_sliver(self, blob_id: BlobId, kind: str, index: int) -> bool:
        """Whether the sliver's file is there (not whether it verifies): a
        regular file, reached through no symbolic link."""
        if not self.exists or self.link_on_path(blob_id) is not None:
            return False
        path = self.sliver_path(blob_id, kind, index)
        return path.is_file() and not path.is_symlink()

    def read_sliver_bytes(self, metadata: BlobMetadata, kind: str, index: int) -> bytes | None:
        """The file of one sliver of the blob, or None; StorageError for one
        larger than any sliver of this blob (nothing of it is read)."""
        if not self.exists:
            return None
        blob_id = metadata.blob_id
        self._check_dirs(blob_id)
        return read_file(self.sliver_path(blob_id, kind, index), sliver_bcs_size(metadata, kind))

    def open_sliver(self, metadata: BlobMetadata, kind: str, index: int) -> tuple[BinaryIO, int] | None:
        """The open file of one sliver of the blob and its size (to be sent as
        it is), or None; StorageError as :meth:`read_sliver_bytes`."""
        if not self.exists:
            return None
        self._check_dirs(metadata.blob_id)
        opened = open_regular(self.sliver_path(metadata.blob_id, kind, index))
        limit = sliver_bcs_size(metadata, kind)
        if opened is not None and opened[1] > limit:
            opened[0].close()
            raise StorageError(f"{kind} sliver {index} has {opened[1]} bytes, more than the {limit} allowed")
        return opened

    def load_sliver(self, metadata: BlobMetadata, kind: str, index: int, shard: int) -> SliverCheck:
        """Read and parse one sliver, not yet checked against the metadata's
        hashes (:func:`check_loaded` does that, for many at once). Never raises
        for bad data: a missing or unparsable file is reported in the result."""
        try:
            raw = self.read_sliver_bytes(metadata, kind, index)
        except StorageError as exc:
            return SliverCheck(kind, index, shard, "corrupt", str(exc))
        if raw is None:
            why = "node directory missing" if not self.exists else "file missing"
            return SliverCheck(kind, index, shard, "missing", why)
        try:
            sliver = Sliver.from_bcs(raw, kind)
            if sliver.index != index:
                raise StorageError(f"file holds sliver index {sliver.index}")
        except (WalrusCoreError, ValueError) as exc:
            return SliverCheck(kind, index, shard, "corrupt", str(exc) or type(exc).__name__)
        return SliverCheck(kind, index, shard, "ok", sliver=sliver)

    def check_sliver(self, metadata: BlobMetadata, kind: str, index: int, shard: int) -> SliverCheck:
        """Read and verify one sliver against the metadata. Never raises for bad data."""
        return check_loaded(metadata, [self.load_sliver(metadata, kind, index, shard)])[0]

    def check_slivers(
        self, metadata: BlobMetadata, wanted: Sequence[tuple[str, int, int]]
    ) -> list[SliverCheck]:
        """:meth:`check_sliver` for many (kind, index, shard), verified in one
        native call on all cores."""
        return check_loaded(metadata, [self.load_sliver(metadata, k, i, t) for k, i, t in wanted])

    # --- repair (reference.node_types.RepairableNode)
    def send_recovery_symbols(
        self, metadata: BlobMetadata, kind: str, index: int, targets: Sequence[int]
    ) -> tuple[list[RecoverySymbol], int]:
        """The peer's side of a repair: its sliver expanded once, one symbol
        per target, each through Walrus's wire form (GeneralRecoverySymbol) as
        a node sends it. Not verified here: the receiver checks every proof."""
        from ..node_api.wire import parse_recovery_symbol, recovery_symbol_bcs
        from ..recovery import recovery_symbols

        raw = self.read_sliver_bytes(metadata, kind, index)
        if raw is None:
            raise StorageError(f"{self.name}: no {kind} sliver {index}")
        sliver = Sliver.from_bcs(raw, kind)
        if sliver.index != index:
            raise StorageError(f"{self.name}: file holds sliver index {sliver.index}")
        sent = [recovery_symbol_bcs(sym) for sym in recovery_symbols(sliver, metadata, list(targets))]
        return [parse_recovery_symbol(x) for x in sent], sum(map(len, sent))

    def replace_sliver(
        self, metadata: BlobMetadata, kind: str, index: int, shard: int, sliver: Sliver
    ) -> bool:
        """Write a rebuilt sliver unless the file is good: checked once more
        right before writing, so a good sliver is never replaced."""
        if self.check_sliver(metadata, kind, index, shard).status == "ok":
            return False
        self.write_sliver(metadata.blob_id, kind, index, sliver.to_bcs())
        return True

    # --- writing
    def write_metadata(self, metadata_bcs: bytes, blob_id: BlobId) -> bool:
        return self.write_files(blob_id, [(METADATA_NAME, [metadata_bcs])]) > 0

    def write_sliver(self, blob_id: BlobId, kind: str, index: int, data: bytes) -> bool:
        name = sliver_file_name(kind, index, self.n_shards)
        return self.write_files(blob_id, [(name, [data])]) > 0

    def write_files(self, blob_id: BlobId, items: Sequence[tuple[str, Parts]]) -> int:
        """Atomically write files of one blob directory, skipping those that
        already hold exactly these bytes; return how many were written."""
        if not self.exists:
            raise StorageError(f"{self.name}: node directory is missing")
        parent = self.blob_path(blob_id)
        ensure_dir(parent)
        self._check_dirs(blob_id)
        todo = [(name, parts) for name, parts in items if not self._holds(blob_id, name, parts)]
        if todo:
            atomic_write_many(parent, todo)
        return len(todo)

    def _holds(self, blob_id: BlobId, name: str, parts: Parts) -> bool:
        """Whether the file ``name`` of the blob already holds exactly these bytes."""
        path = child(self.blob_path(blob_id), name)  # refuses anything but one plain name
        size = parts_size(parts)
        try:
            if os.lstat(path).st_size != size:
                return False
            return read_file(path, size) == b"".join(parts)
        except (FileNotFoundError, NotADirectoryError, StorageError):
            return False

    def remove_temporaries(self, blob_id: BlobId) -> list[str]:
        removed = []
        for name in self.stray_files(blob_id):
            if name.startswith(TMP_PREFIX):
                with contextlib.suppress(OSError):
                    os.unlink(child(self.blob_path(blob_id), name))
                    removed.append(name)
        return removed

    # --- signing
    def sign(self, message: bytes) -> bytes:
        signature: bytes = load_private_key(self.key_path).sign(message)
        return signature

    def receive(self, metadata_bcs: bytes, pairs: dict[int, tuple[Any, Any]]) -> Ack:
        """A writer sends this node the metadata and the sliver pairs of its
        shards (pair index -> (primary, secondary), each a Sliver or its BCS
        bytes). The node checks everything against the metadata before it keeps
        anything, then writes the files atomically (metadata first) and returns
        a signed acknowledgment. (= ``keep(check(...))``.)"""
        return self.keep(self.check(metadata_bcs, pairs))

    def check(self, metadata_bcs: bytes, pairs: dict[int, tuple[Any, Any]]) -> Checked:
        """The first half of :meth:`receive`: verify everything, write nothing."""
        md = self._received_metadata(metadata_bcs)
        n = self.n_shards
        expected = self.expected_pairs(md.blob_id)
        if set(pairs) != set(expected):
            raise VerificationError(
                f"{self.name}: received pairs {sorted(pairs)}, expected {sorted(expected)}"
            )
        checked: list[tuple[str, Parts]] = []
        to_verify: list[Sliver] = []
        for pair, slivers in sorted(pairs.items()):
            for kind, got in zip(KINDS, slivers):
                fresh = self._received_sliver(md.blob_id, kind, sliver_index(kind, pair, n), got)
                if fresh is not None:
                    checked.append((fresh[0], sliver_bcs_parts(fresh[1])))
                    to_verify.append(fresh[1])
        self._verify(md, to_verify)
        return Checked(self.index, md.blob_id, bytes(metadata_bcs), checked)

    def expected_pairs(self, blob_id: BlobId) -> dict[int, int]:
        """Pair index -> shard, for this node's shards and this blob."""
        return {pair_index_for_shard(t, blob_id, self.n_shards): t for t in self.shards}

    def _received_metadata(self, metadata_bcs: bytes) -> BlobMetadata:
        if not self.exists:
            raise StorageError(f"{self.name}: node directory is missing")
        try:
            md = BlobMetadata.from_bcs(metadata_bcs)
        except (WalrusCoreError, ValueError) as exc:
            raise VerificationError(f"{self.name}: refusing invalid metadata: {exc}") from exc
        if md.n_shards != self.n_shards:
            raise VerificationError(
                f"{self.name}: metadata is for {md.n_shards} shards, committee has {self.n_shards}"
            )
        return md

    def _received_sliver(self, blob_id: BlobId, kind: str, index: int, got: Any) -> tuple[str, Sliver] | None:
        """(file name, parsed sliver) of a received sliver (a Sliver or its
        BCS) that must be checked, or None when the node already keeps exactly
        it (checked when it was written)."""
        name = sliver_file_name(kind, index, self.n_shards)
        try:
            sliver = got if isinstance(got, Sliver) else Sliver.from_bcs(got, kind)
            if self._holds(blob_id, name, sliver_bcs_parts(sliver)):
                return None
            if sliver.kind != kind or sliver.index != index:
                raise VerificationError(f"got {sliver.kind} sliver {sliver.index}, expected {kind} {index}")
        except (WalrusCoreError, ValueError) as exc:
            raise VerificationError(f"{self.name}: refusing {kind} sliver {index}: {exc}") from exc
        return name, sliver

    def _verify(self, md: BlobMetadata, slivers: list[Sliver]) -> None:
        # every sliver re-expanded and hashed in one native call, on all cores
        for sliver, problem in zip(slivers, verify_slivers(slivers, md, threads=self.verify_threads)):
            if problem:
                raise VerificationError(
                    f"{self.name}: refusing {sliver.kind} sliver {sliver.index}: {problem}"
                )

    # --- receiving a share: all at once or pair by pair, spooled as it is checked
    def begin_receipt(self, metadata_bcs: bytes) -> Receipt:
        """Start receiving this node's share (:meth:`receive_pairs`, all at
        once or pair by pair, then :meth:`finish_receipt`): nothing is held in
        memory between calls. Nothing gets its final name before every pair
        has passed its check."""
        md = self._received_metadata(metadata_bcs)
        parent = self.blob_path(md.blob_id)
        ensure_dir(parent)
        self._check_dirs(md.blob_id)
        spooled = Spooled(self.index, md.blob_id, {})
        return Receipt(md, bytes(metadata_bcs), self.expected_pairs(md.blob_id), set(), [], spooled)

    def receive_pair(self, receipt: Receipt, pair: int, slivers: tuple[Any, Any]) -> None:
        """:meth:`receive_pairs` for one pair."""
        self.receive_pairs(receipt, [(pair, slivers)])

    def receive_pairs(self, receipt: Receipt, pairs: Sequence[tuple[int, tuple[Any, Any]]]) -> None:
        """Check sliver pairs of the share against the metadata (pair index ->
        (primary, secondary), each a Sliver or its BCS) and write what is new
        to durable temporary files (removed by :meth:`discard` of
        ``receipt.spooled`` if the receipt is not finished). For several pairs
        the writes run beside the check (one native call on all cores), so
        the disk and the CPUs work at once."""
        blob_id = receipt.metadata.blob_id
        fresh: list[tuple[str, Sliver]] = []
        seen: set[int] = set()
        for pair, slivers in pairs:
            if pair not in receipt.expected or pair in receipt.received or pair in seen:
                raise VerificationError(f"{self.name}: unexpected sliver pair {pair}")
            seen.add(pair)
            for kind, got in zip(KINDS, slivers):
                found = self._received_sliver(blob_id, kind, sliver_index(kind, pair, self.n_shards), got)
                if found is not None:
                    fresh.append(found)
        parent = self.blob_path(blob_id)

        def write() -> None:  # temporaries only: nothing gets its name before finish_receipt
            for name, sliver in fresh:
                receipt.spooled.temps[name] = write_temporary(parent, sliver_bcs_parts(sliver))

        if len(fresh) > 2:
            with ThreadPoolExecutor(1) as writer:
                written = writer.submit(write)
                try:
                    self._verify(receipt.metadata, [sliver for _, sliver in fresh])
                finally:
                    written.result()
        else:
            self._verify(receipt.metadata, [sliver for _, sliver in fresh])
            write()
        receipt.files += [(name, []) for name, _ in fresh]  # kept by renaming its temporary
        receipt.received |= seen

    def finish_receipt(self, receipt: Receipt) -> Ack:
        """Keep a share received in full (metadata first) and sign for it."""
        missing = sorted(set(receipt.expected) - receipt.received)
        if missing:
            self.discard(receipt.spooled)
            raise VerificationError(f"{self.name}: sliver pairs {missing} were not received")
        checked = Checked(self.index, receipt.metadata.blob_id, receipt.metadata_bcs, receipt.files)
        return self.keep(checked, receipt.spooled)

    # --- what the store driver needs (reference.node_types.StorableNode)
    def stage(self, metadata: BlobMetadata) -> Receipt:
        return self.begin_receipt(metadata.to_bcs())

    def send(self, staged: Receipt, pairs: Sequence[SliverPair]) -> None:
        self.receive_pairs(staged, [(p.index, (p.primary, p.secondary)) for p in pairs])

    def confirm(self, staged: Receipt, committee: Committee) -> Ack:
        """Keep the share (:meth:`finish_receipt`); its Ed25519 signature
        checked against the key committee.json publishes for this node."""
        ack = self.finish_receipt(staged)
        committee.verify_ack(ack)
        return ack

    def abandon(self, staged: Receipt) -> None:
        self.discard(staged.spooled)

    @staticmethod
    def discard(spooled: Spooled) -> None:
        """Remove the temporary files of a spool that will not be kept."""
        for tmp in spooled.temps.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        spooled.temps.clear()

    def keep(self, checked: Checked, spooled: Spooled | None = None) -> Ack:
        """The second half of :meth:`receive`: write what :meth:`check` passed
        (metadata first, each file atomically) and sign the acknowledgment.
        Files already spooled (same node and blob) are renamed into place
        instead of written again; unused temporaries are removed."""
        if checked.node != self.index:
            raise StorageError(f"{self.name}: these slivers were checked by node {checked.node}")
        blob_id = checked.blob_id
        if spooled is not None and (spooled.node != self.index or spooled.blob_id != blob_id):
            raise StorageError(f"{self.name}: spooled files belong to another node or blob")
        try:
            temps = spooled.temps if spooled is not None else {}
            parent = self.blob_path(blob_id)
            md_parts = [checked.metadata_bcs]
            renames: list[tuple[Path, str]] = []  # metadata first
            if METADATA_NAME in temps and not self._holds(blob_id, METADATA_NAME, md_parts):
                renames.append((temps.pop(METADATA_NAME), METADATA_NAME))
            else:
                self.write_files(blob_id, [(METADATA_NAME, md_parts)])
            rest = [(name, parts) for name, parts in checked.files if name not in temps]
            if rest:
                self.write_files(blob_id, rest)
            renames += [(temps.pop(name), name) for name, _ in checked.files if name in temps]
            for tmp, name in renames:
                rename_into_place(tmp, parent, name)
            if renames:
                fsync_dir(parent)
        finally:
            if spooled is not None:
                self.discard(spooled)  # whatever check found already held, or a failure left
        shards = tuple(sorted(self.shards))
        return Ack(self.index, blob_id, shards, self.sign(ack_message(blob_id, self.index, shards)))


def check_loaded(
    metadata: BlobMetadata, checks: list[SliverCheck], threads: int | None = None
) -> list[SliverCheck]:
    """Verify every loaded sliver among ``checks`` (from :meth:`NodeDir.load_sliver`,
    any nodes) not verified yet against the metadata in one native call on
    ``threads`` (None: all cores); those that fail become "corrupt" and lose
    their sliver, the others are marked verified. Returns ``checks``."""
    loaded = [(c, c.sliver) for c in checks if c.sliver is not None and not c.verified]
    if loaded:
        problems = verify_slivers([sliver for _, sliver in loaded], metadata, threads=threads)
        for (c, _), problem in zip(loaded, problems):
            if problem:
                c.status, c.reason, c.sliver = "corrupt", problem, None
            else:
                c.verified = True
    return checks


def iter_expected(node: ShardHolder, blob_id: BlobId) -> Iterator[tuple[int, int]]:
    """(shard, pair index) for each shard of the node, for this blob."""
    for t in node.shards:
        yield t, pair_index_for_shard(t, blob_id, node.n_shards)


def expected_slivers(node: ShardHolder, blob_id: BlobId) -> list[tuple[str, int, int]]:
    """(kind, sliver index, shard) of every sliver the node keeps for this
    blob: per shard, its pair's primary and then its secondary sliver."""
    return [
        (kind, sliver_index(kind, pair, node.n_shards), shard)
        for shard, pair in iter_expected(node, blob_id)
        for kind in KINDS
    ]
