"""One storage node = one local directory.

Layout of a node directory (every name is derived here, from a validated
BlobId's 32 bytes and integer indices, never from outside text)::

    node-003/
      node.json                      {"index": 3, "shards": [...], "public_key": hex}
      blobs/<64 hex>/metadata.bcs    BlobMetadataWithId (BCS)
      blobs/<64 hex>/primary-00012.sliver    Sliver BCS (spec §2.6)
      blobs/<64 hex>/secondary-00087.sliver

Writes are atomic: a temporary file in the same directory, fsync, rename,
fsync of the directory. A crash leaves either the old file, the new file, or
a ``.tmp-*`` file that no reader ever opens (scrub removes them). Readers open
only exact derived names, without following symbolic links.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._bcs import uleb128
from .errors import StorageError, UnsafeNameError

if TYPE_CHECKING:
    from ..blob import Sliver
    from ..metadata import BlobId, BlobMetadata
    from .node_types import ShardHolder

KINDS = ("primary", "secondary")
TMP_PREFIX = ".tmp-"
METADATA_NAME = "metadata.bcs"
_BLOB_DIR_RE = re.compile(r"\A[0-9a-f]{64}\Z")
_SLIVER_RE = re.compile(r"\A(primary|secondary)-([0-9]{5})\.sliver\Z")
ACK_DOMAIN = b"walrus-core/reference/ack/v1\x00"

# Windows: binary mode (no newline translation, no Ctrl-Z end of file) and no
# O_NOFOLLOW (links are checked before opening instead); POSIX: both are 0/real.
_O_BINARY = getattr(os, "O_BINARY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

# Test hook: called with the temporary path just before each rename.
before_rename: Callable[[Path], None] | None = None


# ------------------------------------------------------------------ names
def blob_dir_name(blob_id: BlobId) -> str:
    """The directory name of a blob: its 32 ID bytes in lowercase hex."""
    from ..metadata import BlobId

    if not isinstance(blob_id, BlobId):
        raise UnsafeNameError(f"expected a BlobId, got {type(blob_id).__name__}")
    raw = bytes(blob_id)
    if len(raw) != 32:
        raise UnsafeNameError("a blob ID has exactly 32 bytes")
    return raw.hex()


def sliver_index(kind: str, pair: int, n_shards: int) -> int:
    """Index of the ``kind`` sliver of sliver pair ``pair``: the primary one
    has the pair's index, the secondary one n - 1 - pair (spec §6)."""
    return pair if kind == "primary" else n_shards - 1 - pair


def sliver_file_name(kind: str, index: int, n_shards: int) -> str:
    """``primary-00012.sliver``: only a known kind and an int index < n_shards."""
    if kind not in KINDS:
        raise UnsafeNameError(f"unknown sliver kind {kind!r}")
    if type(index) is not int or not 0 <= index < n_shards or n_shards > 99999:
        raise UnsafeNameError(f"sliver index {index!r} out of range for {n_shards} shards")
    return f"{kind}-{index:05d}.sliver"


def parse_blob_dir_name(name: str) -> BlobId | None:
    """The BlobId a directory name stands for, or None for any other name."""
    from ..metadata import BlobId

    if not _BLOB_DIR_RE.match(name):
        return None
    return BlobId(bytes.fromhex(name))


def parse_sliver_file_name(name: str) -> tuple[str, int] | None:
    m = _SLIVER_RE.match(name)
    return (m.group(1), int(m.group(2))) if m else None


def _child(parent: Path, name: str) -> Path:
    """parent/name, refusing anything but one plain path component."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise UnsafeNameError(f"refusing file name {name!r}")
    return parent / name


# ------------------------------------------------------------------ files
def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a rename, a new file) durable. Windows can
    not open a directory as a file; NTFS journals the rename itself."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(path: Path) -> None:
    """mkdir -p, fsyncing each parent whose entry list changed; never through a symlink."""
    if path.is_symlink():
        raise UnsafeNameError(f"{path} is a symbolic link")
    if path.is_dir():
        return
    ensure_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir()
    fsync_dir(path.parent)


Parts = Sequence["bytes | bytearray | memoryview"]


def parts_size(parts: Parts) -> int:
    """Bytes in ``parts`` (memoryviews of any item size count in bytes)."""
    return sum(len(memoryview(x).cast("B")) for x in parts)


def _write_all(fd: int, parts: Parts) -> None:
    views = [memoryview(x).cast("B") for x in parts if len(x)]
    while views:
        # one gathered write where the OS has it (not Windows)
        done = os.writev(fd, views[:1024]) if hasattr(os, "writev") else os.write(fd, views[0])
        while done and views:
            if done >= len(views[0]):
                done -= len(views[0])
                views.pop(0)
            else:
                views[0] = views[0][done:]
                done = 0


def write_temporary(parent: Path, parts: Parts) -> Path:
    """A new temporary file in ``parent`` holding ``parts``, fsynced; removed
    again if writing fails."""
    fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, dir=parent)
    try:
        try:
            _write_all(fd, parts)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return Path(tmp_name)


def atomic_write_many(parent: Path, items: Sequence[tuple[str, Parts]]) -> None:
    """Atomically write several files of one directory: each to a temporary
    file (gathered from ``parts`` without joining them), fsync each, rename
    each over its name, then fsync the directory once."""
    tmps: list[tuple[str, Path]] = []
    try:
        for name, parts in items:
            tmps.append((name, write_temporary(parent, parts)))
        while tmps:
            final, tmp_path = tmps[0]
            if before_rename is not None:
                before_rename(tmp_path)
            os.replace(tmp_path, _child(parent, final))
            tmps.pop(0)
    finally:
        for _, leftover in tmps:
            with contextlib.suppress(OSError):
                os.unlink(leftover)
    fsync_dir(parent)


def atomic_write(path: Path, data: bytes | bytearray | memoryview) -> None:
    """Write ``data`` to ``path`` atomically: temporary file in the same
    directory, fsync, rename over ``path``, fsync the directory."""
    atomic_write_many(path.parent, [(path.name, [data])])


def sliver_bcs_parts(sliver: Sliver) -> list[bytes | memoryview]:
    """BCS of a sliver (spec §2.6) as pieces, without copying its data:
    uleb128(len) ‖ data ‖ LE16(symbol size) ‖ LE16(index)."""
    data = memoryview(sliver).cast("B")
    tail = sliver.symbol_size.to_bytes(2, "little") + sliver.index.to_bytes(2, "little")
    return [uleb128(len(data)), data, tail]


def read_file(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist. Symlinks are refused."""
    try:
        if not _O_NOFOLLOW and os.path.islink(path):
            raise OSError(errno.ELOOP, "is a symbolic link")
        fd = os.open(path, os.O_RDONLY | _O_BINARY | _O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(f"cannot open {path}: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


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
    gives them their names, after :meth:`NodeDir.check` passed (see spool)."""

    node: int
    blob_id: BlobId
    temps: dict[str, Path]  # final name -> temporary file in the blob's directory


@dataclass
class SliverCheck:
    """What a node found for one sliver: ok, missing, corrupt (with a reason)."""

    kind: str
    index: int
    shard: int
    status: str
    reason: str = ""
    sliver: Sliver | None = None


class NodeDir:
    """One storage node: a directory holding the sliver pairs of its shards."""

    def __init__(self, path: Path, index: int, shards: Sequence[int], n_shards: int, key_path: Path) -> None:
        self.path = Path(path)
        self.index = index
        self.shards = tuple(shards)
        self.n_shards = n_shards
        self.key_path = key_path
        self.name = self.path.name
        # native threads for checking received slivers (None: all cores)
        self.verify_threads: int | None = None

    def __repr__(self) -> str:
        return f"NodeDir({self.name}, shards={len(self.shards)})"

    # --- paths (all derived)
    @property
    def exists(self) -> bool:
        return self.path.is_dir() and not self.path.is_symlink()

    def blob_path(self, blob_id: BlobId) -> Path:
        return _child(self.path / "blobs", blob_dir_name(blob_id))

    def metadata_path(self, blob_id: BlobId) -> Path:
        return _child(self.blob_path(blob_id), METADATA_NAME)

    def sliver_path(self, blob_id: BlobId, kind: str, index: int) -> Path:
        return _child(self.blob_path(blob_id), sliver_file_name(kind, index, self.n_shards))

    def create(self, public_key: bytes) -> None:
        """Create (or recreate after loss) the directory and its node.json."""
        ensure_dir(self.path / "blobs")
        info = {"index": self.index, "shards": list(self.shards), "public_key": public_key.hex()}
        atomic_write(self.path / "node.json", (json.dumps(info, indent=1) + "\n").encode())

    # --- reading
    def blobs(self) -> list[BlobId]:
        """Blobs this node has a directory for (other names are ignored)."""
        root = self.path / "blobs"
        if not root.is_dir():
            return []
        out = []
        for entry in sorted(os.listdir(root)):
            blob_id = parse_blob_dir_name(entry)
            if blob_id is not None:
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
        (temporaries, junk, other nodes' slivers). They are never read."""
        try:
            names = os.listdir(self.blob_path(blob_id))
        except OSError:
            return []
        return sorted(set(names) - self.expected_files(blob_id))

    def _check_dirs(self, blob_id: BlobId) -> None:
        """Refuse to read through a symbolic link standing in for a directory."""
        for d in (self.path / "blobs", self.blob_path(blob_id)):
            if d.is_symlink():
                raise StorageError(f"{d} is a symbolic link; refusing to read through it")

    def read_metadata_bytes(self, blob_id: BlobId) -> bytes | None:
        if not self.exists:
            return None
        self._check_dirs(blob_id)
        return read_file(self.metadata_path(blob_id))

    def read_metadata(self, blob_id: BlobId) -> BlobMetadata | None:
        """Verified metadata for the blob, or None when missing or invalid."""
        from ..errors import WalrusCoreError
        from ..metadata import BlobMetadata

        try:
            raw = self.read_metadata_bytes(blob_id)
            if raw is None:
                return None
            md = BlobMetadata.from_bcs(raw)
        except (WalrusCoreError, ValueError):
            return None
        return md if md.blob_id == blob_id and md.n_shards == self.n_shards else None

    def has_sliver(self, blob_id: BlobId, kind: str, index: int) -> bool:
        """Whether the sliver's file is there (not whether it verifies)."""
        return self.exists and self.sliver_path(blob_id, kind, index).is_file()

    def read_sliver_bytes(self, blob_id: BlobId, kind: str, index: int) -> bytes | None:
        if not self.exists:
            return None
        self._check_dirs(blob_id)
        return read_file(self.sliver_path(blob_id, kind, index))

    def load_sliver(self, metadata: BlobMetadata, kind: str, index: int, shard: int) -> SliverCheck:
        """Read and parse one sliver, not yet checked against the metadata's
        hashes (:func:`check_loaded` does that, for many at once). Never raises
        for bad data: a missing or unparsable file is reported in the result."""
        from ..blob import Sliver
        from ..errors import WalrusCoreError

        try:
            raw = self.read_sliver_bytes(metadata.blob_id, kind, index)
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
        path = _child(self.blob_path(blob_id), name)  # refuses anything but one plain name
        size = parts_size(parts)
        try:
            if os.lstat(path).st_size != size:
                return False
            return read_file(path) == b"".join(parts)
        except (FileNotFoundError, NotADirectoryError, StorageError):
            return False

    def remove_temporaries(self, blob_id: BlobId) -> list[str]:
        removed = []
        for name in self.stray_files(blob_id):
            if name.startswith(TMP_PREFIX):
                with contextlib.suppress(OSError):
                    os.unlink(_child(self.blob_path(blob_id), name))
                    removed.append(name)
        return removed

    # --- signing
    def sign(self, message: bytes) -> bytes:
        from .keys import load_private_key

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
        from ..blob import Sliver, verify_slivers
        from ..errors import VerificationError, WalrusCoreError
        from ..metadata import BlobMetadata, pair_index_for_shard

        if not self.exists:
            raise StorageError(f"{self.name}: node directory is missing")
        try:
            md = BlobMetadata.from_bcs(metadata_bcs)
        except (WalrusCoreError, ValueError) as exc:
            raise VerificationError(f"{self.name}: refusing invalid metadata: {exc}") from exc
        n = self.n_shards
        if md.n_shards != n:
            raise VerificationError(f"{self.name}: metadata is for {md.n_shards} shards, committee has {n}")
        expected = {pair_index_for_shard(t, md.blob_id, n): t for t in self.shards}
        if set(pairs) != set(expected):
            raise VerificationError(
                f"{self.name}: received pairs {sorted(pairs)}, expected {sorted(expected)}"
            )
        checked: list[tuple[str, Parts]] = []
        to_verify: list[Sliver] = []
        for pair, (prim, sec) in sorted(pairs.items()):
            for kind, got in zip(KINDS, (prim, sec)):
                index = sliver_index(kind, pair, n)
                name = sliver_file_name(kind, index, n)
                try:
                    sliver = got if isinstance(got, Sliver) else Sliver.from_bcs(got, kind)
                    parts = sliver_bcs_parts(sliver)
                    if self._holds(md.blob_id, name, parts):
                        continue  # already kept (checked when it was written): nothing to do
                    if sliver.kind != kind or sliver.index != index:
                        raise VerificationError(
                            f"got {sliver.kind} sliver {sliver.index}, expected {kind} {index}"
                        )
                except (WalrusCoreError, ValueError) as exc:
                    raise VerificationError(f"{self.name}: refusing {kind} sliver {index}: {exc}") from exc
                checked.append((name, parts))
                to_verify.append(sliver)
        # every sliver re-expanded and hashed in one native call, on all cores
        for sliver, problem in zip(to_verify, verify_slivers(to_verify, md, threads=self.verify_threads)):
            if problem:
                raise VerificationError(
                    f"{self.name}: refusing {sliver.kind} sliver {sliver.index}: {problem}"
                )
        return Checked(self.index, md.blob_id, bytes(metadata_bcs), checked)

    def spool(self, blob_id: BlobId, items: Sequence[tuple[str, Parts]]) -> Spooled:
        """Write received files to durable temporary files (written, fsynced,
        not renamed) while :meth:`check` verifies them, so that disk writes
        overlap the verification. Files already present with the right size
        are left to check/keep. On error nothing is left behind."""
        if not self.exists:
            raise StorageError(f"{self.name}: node directory is missing")
        parent = self.blob_path(blob_id)
        ensure_dir(parent)
        self._check_dirs(blob_id)
        temps: dict[str, Path] = {}
        try:
            for name, parts in items:
                final = _child(parent, name)
                size = parts_size(parts)
                with contextlib.suppress(FileNotFoundError):
                    if os.lstat(final).st_size == size:
                        continue
                temps[name] = write_temporary(parent, parts)
        except BaseException:
            self.discard(Spooled(self.index, blob_id, temps))
            raise
        return Spooled(self.index, blob_id, temps)

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
                if before_rename is not None:
                    before_rename(tmp)
                os.replace(tmp, _child(parent, name))
            if renames:
                fsync_dir(parent)
        finally:
            if spooled is not None:
                self.discard(spooled)  # whatever check found already held, or a failure left
        shards = tuple(sorted(self.shards))
        return Ack(self.index, blob_id, shards, self.sign(ack_message(blob_id, self.index, shards)))


def check_loaded(metadata: BlobMetadata, checks: list[SliverCheck]) -> list[SliverCheck]:
    """Verify every loaded sliver among ``checks`` (from :meth:`NodeDir.load_sliver`,
    any nodes) against the metadata in one native call on all cores; those that
    fail become "corrupt" and lose their sliver. Returns ``checks``."""
    from ..blob import verify_slivers

    loaded = [(c, c.sliver) for c in checks if c.sliver is not None]
    if loaded:
        problems = verify_slivers([sliver for _, sliver in loaded], metadata)
        for (c, _), problem in zip(loaded, problems):
            if problem:
                c.status, c.reason, c.sliver = "corrupt", problem, None
    return checks


def iter_expected(node: ShardHolder, blob_id: BlobId) -> Iterator[tuple[int, int]]:
    """(shard, pair index) for each shard of the node, for this blob."""
    from ..metadata import pair_index_for_shard

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
