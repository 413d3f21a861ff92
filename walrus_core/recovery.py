"""Sliver recovery (format §6): a node rebuilds a lost sliver from one
symbol of each of s (primary target) or p (secondary target) other nodes'
slivers, each with a Merkle proof against the sender's committed root.

* :func:`recovery_symbols` / :func:`recovery_symbol`: the sender's side.
* :func:`recover_sliver`: the receiver's side, dropping bad symbols.
* :class:`InconsistencyProof`: symbols that all verify yet decode to a
  sliver the metadata does not commit to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import _native
from ._args import as_list, check_int
from ._bcs import Reader, as_bytes, uleb128
from .config import EncodingConfig
from .errors import InconsistentBlobError, InvalidInputError, InvalidProofError, NotEnoughShardsError
from .merkle import MerkleProof, MerkleTree, node_bcs, read_node_bcs
from .metadata import BlobMetadata
from .sliver import (
    AXIS,
    Sliver,
    SliverKind,
    check_u16,
    committed_root,
    config_of,
    line_roots,
    other_kind,
    sliver_kind,
    sliver_problem,
)

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = ["InconsistencyProof", "RecoverySymbol", "recover_sliver", "recovery_symbol", "recovery_symbols"]

log = logging.getLogger("walrus_core.recovery")


def _wire_bytes(buf: Buffer) -> bytes:
    return as_bytes(buf, "wire bytes")


def _header(kind: SliverKind, target_index: int) -> bytearray:
    """How both wire forms begin: kind byte (0 primary, 1 secondary) || LE16(target)."""
    return bytearray([AXIS[kind]]) + target_index.to_bytes(2, "little")


def _read_header(buf: Buffer, what: str) -> tuple[Reader, SliverKind, int]:
    """A reader over ``buf`` past its :func:`_header`, the kind and the target index."""
    reader = Reader(_wire_bytes(buf), what)
    tag = reader.u8()
    if tag > 1:
        raise InvalidInputError(f"unknown sliver kind tag {tag}")
    return reader, ("primary" if tag == 0 else "secondary"), reader.u16()


@dataclass(frozen=True)
class RecoverySymbol:
    """Symbol ``X[row][col]`` sent to rebuild sliver ``target_index`` of
    ``kind`` (the kind of the sliver being rebuilt). For a primary target t
    it comes from secondary sliver ``source_index`` = j (``X[t][j]``, proof
    against column j's root); for a secondary target c from primary sliver
    ``source_index`` = i (``X[i][c]``, proof against row i's root)."""

    source_index: int
    target_index: int
    kind: SliverKind
    data: bytes
    proof: tuple[bytes, ...]

    def __post_init__(self) -> None:
        check_u16(self.source_index, "source index")
        check_u16(self.target_index, "target index")
        object.__setattr__(self, "kind", sliver_kind(self.kind))
        object.__setattr__(self, "data", _wire_bytes(self.data))
        proof = tuple(_wire_bytes(node) for node in as_list(self.proof, "proof"))
        if any(len(node) != 32 for node in proof) or len(proof) > 64:
            raise InvalidInputError("proof must be at most 64 nodes of 32 bytes")
        object.__setattr__(self, "proof", proof)

    def verify(self, metadata: BlobMetadata) -> bool:
        """True when the symbol is committed to by ``metadata``; raises
        :class:`InvalidProofError` otherwise."""
        cfg, size = config_of(metadata)
        n = cfg.n_shards
        if not (0 <= self.source_index < n and 0 <= self.target_index < n):
            raise InvalidProofError("recovery symbol index out of range")
        if len(self.data) != size:
            raise InvalidProofError(f"recovery symbol has {len(self.data)} bytes, expected {size}")
        root = committed_root(metadata, other_kind(self.kind), self.source_index)
        proof = MerkleProof(self.proof)
        if not proof.verify(self.data, self.target_index, root, n_leaves=n):
            raise InvalidProofError(
                f"recovery symbol {self.source_index}->{self.kind} {self.target_index}: proof does not verify"
            )
        return True

    def is_valid(self, metadata: BlobMetadata) -> bool:
        try:
            self.verify(metadata)
        except InvalidProofError:
            return False
        return True

    def to_bytes(self) -> bytes:
        """kind byte (0 primary, 1 secondary) || LE16(target) || DecodingSymbol
        (LE16(source) || uleb128(len) || data) || proof (uleb128(count) ||
        nodes, 0x00 for the zero node or 0x01 || 32 bytes)."""
        out = _header(self.kind, self.target_index)
        out += self.source_index.to_bytes(2, "little") + uleb128(len(self.data)) + self.data
        out += uleb128(len(self.proof))
        for node in self.proof:
            out += node_bcs(node)
        return bytes(out)

    @classmethod
    def from_bytes(cls, buf: Buffer) -> RecoverySymbol:
        reader, kind, target = _read_header(buf, "recovery symbol")
        source = reader.u16()
        data = reader.take(reader.uleb128())
        count = reader.uleb128()
        if count > 64:
            raise InvalidInputError("recovery symbol proof too long")
        nodes = [read_node_bcs(reader) for _ in range(count)]
        reader.finish()
        return cls(source, target, kind, data, tuple(nodes))


def recovery_symbols(
    source: Sliver,
    metadata: BlobMetadata | None = None,
    targets: Iterable[int] | None = None,
    *,
    n_shards: int | None = None,
) -> list[RecoverySymbol]:
    """Recovery symbols from one sliver for several targets (default: all n)
    of the other kind; the line is expanded and hashed once. Give the
    metadata (the source sliver is then checked for size) or n_shards."""
    if not isinstance(source, Sliver):
        raise InvalidInputError(f"source must be a Sliver, not {type(source).__name__}")
    if metadata is not None:
        cfg, size = config_of(metadata)
        problem = sliver_problem(source, cfg, size)
        if problem:
            raise InvalidInputError(f"source sliver: {problem}")
        n = cfg.n_shards
    elif n_shards is not None:
        cfg = EncodingConfig(n_shards)
        if source.n_symbols != cfg.symbols_per_sliver(source.kind) or not 0 <= source.index < n_shards:
            raise InvalidInputError(f"source sliver does not fit n_shards={n_shards}")
        n = n_shards
        size = source.symbol_size
    else:
        raise InvalidInputError("recovery_symbols needs the metadata or n_shards")
    _, expanded, leaves = _native.blob_line_roots(n, size, AXIS[source.kind], [source], 1, True, True)
    assert expanded is not None and leaves is not None
    if targets is None:
        wanted = list(range(n))
    else:
        wanted = [check_int(t, "target index", 0, n - 1) for t in as_list(targets, "targets")]
    tree = MerkleTree.from_leaf_hashes(leaves)  # built once, O(log n) per proof
    kind = other_kind(source.kind)
    out = []
    for t in wanted:
        proof = tree.proof(t).path
        out.append(RecoverySymbol(source.index, t, kind, expanded[t * size : (t + 1) * size], proof))
    return out


def recovery_symbol(
    source: Sliver, target_index: int, metadata: BlobMetadata | None = None, *, n_shards: int | None = None
) -> RecoverySymbol:
    """The symbol a node holding ``source`` sends to rebuild sliver
    ``target_index`` of the other kind, with its Merkle proof."""
    return recovery_symbols(source, metadata, [target_index], n_shards=n_shards)[0]


@dataclass(frozen=True)
class InconsistencyProof:
    """Recovery symbols that all verify against the metadata, yet decode to a
    sliver whose hash differs from it: proof that the blob was encoded
    inconsistently (format §6)."""

    kind: SliverKind
    target_index: int
    symbols: tuple[RecoverySymbol, ...]

    def verify(self, metadata: BlobMetadata) -> bool:
        """True if the proof is valid against ``metadata``; raises
        :class:`InvalidProofError` otherwise."""
        cfg, size = config_of(metadata)
        need = cfg.symbols_per_sliver(self.kind)
        if len(self.symbols) != need or len({s.source_index for s in self.symbols}) != need:
            raise InvalidProofError(f"an inconsistency proof needs exactly {need} distinct symbols")
        for sym in self.symbols:
            if sym.kind != self.kind or sym.target_index != self.target_index:
                raise InvalidProofError("symbol for another target in the inconsistency proof")
            sym.verify(metadata)
        line = _native.blob_recover_line(
            cfg.n_shards,
            size,
            AXIS[self.kind],
            [s.source_index for s in self.symbols],
            [s.data for s in self.symbols],
        )
        (root,) = line_roots(cfg.n_shards, size, self.kind, [line], 1)
        if root == committed_root(metadata, self.kind, self.target_index):
            raise InvalidProofError("the symbols decode to the committed sliver: no inconsistency")
        return True

    def to_bytes(self) -> bytes:
        out = _header(self.kind, self.target_index)
        out += uleb128(len(self.symbols))
        for sym in self.symbols:
            b = sym.to_bytes()
            out += uleb128(len(b)) + b
        return bytes(out)

    @classmethod
    def from_bytes(cls, buf: Buffer) -> InconsistencyProof:
        reader, kind, target = _read_header(buf, "inconsistency proof")
        syms = [RecoverySymbol.from_bytes(reader.take(reader.uleb128())) for _ in range(reader.uleb128())]
        reader.finish()
        return cls(kind, target, tuple(syms))


def recover_sliver(
    symbols: Iterable[RecoverySymbol], metadata: BlobMetadata, kind: str, target_index: int
) -> Sliver:
    """Rebuild sliver ``target_index`` of ``kind`` from recovery symbols
    (s for a primary sliver, p for a secondary one). Symbols for another
    target, with bad proofs or duplicate sources are dropped. Raises
    :class:`NotEnoughShardsError` with too few good symbols and
    :class:`InconsistentBlobError` (with ``.proof``, an
    :class:`InconsistencyProof`) when they decode to a sliver that does not
    match the metadata."""
    k_ = sliver_kind(kind)
    cfg, size = config_of(metadata)
    n = cfg.n_shards
    check_int(target_index, "target index", 0, n - 1)
    need = cfg.symbols_per_sliver(k_)
    good: list[RecoverySymbol] = []
    seen: set[int] = set()
    for sym in as_list(symbols, "symbols"):
        if not isinstance(sym, RecoverySymbol):
            raise InvalidInputError(f"symbols must be RecoverySymbol objects, not {type(sym).__name__}")
        if len(good) >= need:
            break
        if sym.kind != k_ or sym.target_index != target_index or sym.source_index in seen:
            continue
        if not sym.is_valid(metadata):
            log.warning("dropped recovery symbol from %d: proof does not verify", sym.source_index)
            continue
        seen.add(sym.source_index)
        good.append(sym)
    if len(good) < need:
        raise NotEnoughShardsError(f"need {need} verified recovery symbols, have {len(good)}")
    line = _native.blob_recover_line(
        n, size, AXIS[k_], [s.source_index for s in good], [s.data for s in good]
    )
    (root,) = line_roots(n, size, k_, [line], 1)
    if root != committed_root(metadata, k_, target_index):
        err = InconsistentBlobError(
            f"recovered {k_} sliver {target_index} does not match the metadata: "
            "the blob is inconsistently encoded"
        )
        setattr(err, "proof", InconsistencyProof(k_, target_index, tuple(good)))  # noqa: B010
        raise err
    return Sliver(line, target_index, size, k_)
