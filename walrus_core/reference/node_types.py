"""What the client commands need of a storage node, whichever kind it is: a
node directory (nodes.NodeDir) or a served node over HTTP
(node_api.http_node.RemoteNode). read, scrub and info are written once
against these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from ..metadata import BlobId, BlobMetadata
    from .nodes import SliverCheck


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
