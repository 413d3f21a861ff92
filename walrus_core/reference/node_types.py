"""What the client commands need of a storage node, whichever kind it is: a
node directory (nodes.NodeDir) or a served node over HTTP
(node_api.http_node.RemoteNode, node_api.http_store.StoringNode). store,
read, scrub, info and repair are written once against these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from pathlib import Path

    from ..metadata import BlobId, BlobMetadata
    from ..recovery import RecoverySymbol
    from ..sliver import Sliver, SliverPair
    from .committee import Committee
    from .nodes import SliverCheck

Staged = TypeVar("Staged")  # what a node holds of a blob being stored, not yet kept
Signed = TypeVar("Signed", covariant=True)  # a node's verified statement that it keeps its share


class ShardHolder(Protocol):
    """A node's place in the committee."""

    name: str
    index: int
    shards: tuple[int, ...]
    n_shards: int


class SliverSource(Protocol):
    """What a read needs of a node."""

    name: str

    def read_metadata_bytes(self, blob_id: BlobId) -> bytes | None: ...

    def load_sliver(self, metadata: BlobMetadata, kind: str, index: int, shard: int) -> SliverCheck: ...


class CheckableNode(ShardHolder, Protocol):
    """What scrub and info need of a node."""

    @property
    def exists(self) -> bool: ...

    def link_on_path(self, blob_id: BlobId | None = None) -> Path | None: ...

    def blobs(self) -> list[BlobId]: ...

    def stray_files(self, blob_id: BlobId) -> list[str]: ...

    def read_metadata(self, blob_id: BlobId) -> BlobMetadata | None: ...

    def has_sliver(self, blob_id: BlobId, kind: str, index: int) -> bool: ...

    def check_slivers(
        self, metadata: BlobMetadata, wanted: Sequence[tuple[str, int, int]]
    ) -> list[SliverCheck]: ...


class RepairableNode(CheckableNode, Protocol):
    """What repair needs of a node, as the one repaired and as a peer."""

    def send_recovery_symbols(
        self, metadata: BlobMetadata, kind: str, index: int, targets: Sequence[int]
    ) -> tuple[list[RecoverySymbol], int]:
        """The peer's side: symbols of its ``kind`` sliver ``index`` for the
        ``targets``, as received off the wire (not yet verified), and the wire's size."""
        ...

    def replace_sliver(
        self, metadata: BlobMetadata, kind: str, index: int, shard: int, sliver: Sliver
    ) -> bool:
        """Keep a rebuilt, verified sliver unless a good one is held already;
        whether it was written."""
        ...


class StorableNode(ShardHolder, Protocol[Staged, Signed]):
    """What a store needs of a node (the one driver: reference.store.store_with).

    ``stage`` starts a blob on the node, ``send`` hands it sliver pairs of its
    shards (all at once, or pair by pair as a banded encoder produces them),
    ``confirm`` makes it keep them and returns its signed acknowledgment, the
    signature checked against the key ``committee`` publishes for it;
    ``abandon`` drops what was staged but not kept (idempotent)."""

    def stage(self, metadata: BlobMetadata) -> Staged: ...

    def send(self, staged: Staged, pairs: Sequence[SliverPair]) -> None: ...

    def confirm(self, staged: Staged, committee: Committee) -> Signed: ...

    def abandon(self, staged: Staged) -> None: ...
