"""Storing a blob on a served committee over HTTP (spec walrus-node-api.md
§8), through the one store driver (reference/store.py, store_with): each
node a :class:`StoringNode` (metadata PUT first, then its slivers, then a
BLS-signed confirmation checked against the key committee.json publishes);
all nodes at once (http_node.py's HttpNode: per-node limit, timeouts,
bounded retries), so a slow or dead node never holds up the others;
certified once the nodes that confirmed hold n - f shards, stragglers given
a short grace period after that. A file whose encoding does not fit the
memory budget is encoded banded and each node's slivers are PUT as the
encoder hands them out, at most ``memory / nodes`` bytes in flight per node."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import VerificationError
from ..reference.files import KINDS, parts_size
from ..reference.nodes import sliver_bcs_parts
from ..reference.progress import ProgressFn, no_progress
from ..reference.store import StorePlan, StoreResult, store_with
from ..stream import DEFAULT_MEMORY
from . import bls, wire
from .certificate import make_certificate
from .http_node import HttpNode, RemoteNode, served_nodes
from .transport import ClientConfig

if TYPE_CHECKING:
    from ..metadata import BlobId, BlobMetadata
    from ..reference.committee import Committee
    from ..sliver import SliverPair

# Threads waiting on nodes at once: one per node, up to this many.
MAX_NODE_THREADS = 256


@dataclass(frozen=True)
class BlsConfirmation:
    """A node's BLS signature over the blob's confirmation message, verified."""

    node: int
    signature: bytes


@dataclass
class HttpStaged:
    """A blob's requests to one node: the metadata PUT and those after it."""

    metadata: BlobMetadata
    metadata_put: concurrent.futures.Future[int]
    requests: list[concurrent.futures.Future[Any]] = field(default_factory=list)


class InFlight:
    """Bytes sent to one node and not yet answered; a sender waits while
    more than ``limit`` would be (None: no limit). One request always goes."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0
        self.changed = threading.Condition()

    def take(self, size: int) -> None:
        if self.limit is None:
            return
        limit = self.limit
        with self.changed:
            self.changed.wait_for(lambda: self.used == 0 or self.used + size <= limit)
            self.used += size

    def answered(self, size: int, _request: object = None) -> None:
        if self.limit is None:
            return
        with self.changed:
            self.used -= size
            self.changed.notify_all()


class StoringNode(RemoteNode):
    """A served node as the store driver sees it (reference.node_types.StorableNode)."""

    def __init__(self, remote: RemoteNode, in_flight: int | None) -> None:
        super().__init__(remote.node, remote.loop, remote.index, remote.shards, remote.n_shards)
        self.in_flight = InFlight(in_flight)

    def stage(self, metadata: BlobMetadata) -> HttpStaged:
        body = wire.metadata_put_body(metadata.to_bcs())
        return HttpStaged(metadata, self.loop.submit(self.node.put_metadata(metadata.blob_id, body)))

    def send(self, staged: HttpStaged, pairs: Sequence[SliverPair]) -> None:
        """PUT the pairs' slivers once the metadata is in (returns at once,
        unless this node has too many bytes in flight)."""
        for pair in pairs:
            for kind, sliver in zip(KINDS, (pair.primary, pair.secondary)):
                parts = sliver_bcs_parts(sliver)
                size = parts_size(parts)
                self.in_flight.take(size)
                request = self.loop.submit(_put_sliver(self.node, staged, pair.index, kind, parts))
                request.add_done_callback(functools.partial(self.in_flight.answered, size))
                staged.requests.append(request)

    def confirm(self, staged: HttpStaged, committee: Committee) -> BlsConfirmation:
        """Wait for every PUT, then ask for the node's confirmation and check
        its BLS signature against the key committee.json publishes for it."""
        blob_id = staged.metadata.blob_id
        staged.metadata_put.result()
        for request in staged.requests:
            request.result()
        asked = self.loop.submit(self.node.confirmation(blob_id))
        staged.requests.append(asked)
        got_message, signature = asked.result()
        message = wire.confirmation_message(committee.epoch, blob_id)
        if got_message != message:
            raise VerificationError(f"{self.name}: confirmation signs other bytes than expected")
        key = committee.nodes[self.index].bls_public_key
        if key is None or not bls.verify(key, signature, message):
            raise VerificationError(f"{self.name}: confirmation signature does not verify")
        return BlsConfirmation(self.index, signature)

    def abandon(self, staged: HttpStaged) -> None:
        """Cancel whatever is still under way (what a node received stays
        there, unconfirmed: the API has no way to take it back)."""
        staged.metadata_put.cancel()
        for request in staged.requests:
            request.cancel()


async def _put_sliver(node: HttpNode, staged: HttpStaged, pair: int, kind: str, parts: Any) -> int:
    await asyncio.wrap_future(staged.metadata_put)  # raises what the metadata PUT raised
    return await node.put_sliver(staged.metadata.blob_id, pair, kind, parts)


@contextlib.contextmanager
def http_plan(
    committee: Committee, config: ClientConfig | None = None, memory: int | None = None
) -> Iterator[StorePlan[HttpStaged, BlsConfirmation]]:
    """The committee's served nodes for the store driver, all at once, with
    ``memory`` (None: no limit) shared out among the nodes' bytes in flight."""
    cfg = config or ClientConfig()
    per_node = None if memory is None else max(1, memory // max(1, len(committee.nodes)))
    with served_nodes(committee, cfg) as remotes:
        nodes = [StoringNode(remote, per_node) for remote in remotes]

        def certificate(blob_id: BlobId, signed: Sequence[BlsConfirmation]) -> dict[str, Any]:
            message = wire.confirmation_message(committee.epoch, blob_id)
            return make_certificate(committee, blob_id, message, {c.node: c.signature for c in signed})

        window = min(len(nodes), MAX_NODE_THREADS)
        yield StorePlan(nodes, certificate, in_order=False, window=window, grace=cfg.straggler_grace)


def store_blob_http(
    committee: Committee, data: Any, *, progress: ProgressFn = no_progress, config: ClientConfig | None = None
) -> StoreResult:
    """Store ``data`` (any contiguous buffer) on a served committee (every node has a url)."""
    with http_plan(committee, config) as plan:
        return store_with(committee, plan, data, progress=progress)


def store_file_http(
    committee: Committee,
    path: Path | str,
    *,
    progress: ProgressFn = no_progress,
    config: ClientConfig | None = None,
    memory: int = DEFAULT_MEMORY,
) -> StoreResult:
    """Store the file at ``path`` on a served committee (size checked first);
    one whose encoding does not fit in ``memory`` bytes is encoded banded and
    sent as it is encoded, in about ``memory`` bytes."""
    with http_plan(committee, config, memory) as plan:
        return store_with(committee, plan, Path(path), progress=progress, memory=memory)
