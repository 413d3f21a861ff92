"""repair over HTTP: the shared repair (reference.repair) run against served
nodes. For every certified blob the repaired node gets the metadata (PUT; 200
when it has it), every sliver it should hold is fetched and verified, and each
missing or corrupt one is rebuilt from recovery symbols its peers serve
(``/recoverySymbols`` with listed ids, every Merkle proof checked against the
certified metadata, the rebuilt sliver checked against its hash) and PUT back;
the node verifies it once more, and replaces a sliver it holds only when its
own copy fails verification."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import WalrusCoreError
from ..metadata import BlobMetadata
from ..reference.progress import ProgressFn, no_progress
from ..reference.repair import RepairReport, repair_blob_on
from . import wire
from .http_node import RemoteNode, _why, served_nodes
from .transport import ClientConfig

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..reference.committee import Committee


def _repair_served(
    peers: Mapping[int, RemoteNode],
    node: RemoteNode,
    blobs: list[tuple[BlobMetadata, bytes]],
    progress: ProgressFn,
) -> RepairReport:
    report = RepairReport(node.name)
    for md, put_body in blobs:
        report.blobs_checked += 1
        try:
            node.loop.call(node.node.put_metadata(md.blob_id, put_body))
            repair_blob_on(node, md, peers, report, progress=progress)
        except (WalrusCoreError, ValueError) as exc:
            report.failed.append(f"{md.blob_id}: {_why(exc)}")
    return report


def repair_http(
    committee: Committee,
    node_index: int | None = None,
    *,
    progress: ProgressFn = no_progress,
    config: ClientConfig | None = None,
) -> list[RepairReport]:
    """Repair one served node, or every node in turn, for every certified blob."""
    blobs = []
    for blob_id in committee.certified_blobs():
        raw = committee.certified_metadata_bytes(blob_id)
        if raw is None:
            continue
        md = BlobMetadata.from_bcs(raw, n_shards=committee.n_shards)
        blobs.append((md, wire.metadata_put_body(raw)))
    with served_nodes(committee, config) as nodes:
        peers = {t: nodes[committee.owner[t]] for t in range(committee.n_shards)}
        targets = [node_index] if node_index is not None else list(range(len(nodes)))
        reports: list[RepairReport] = []
        for k, i in enumerate(targets):
            progress("repair", k, len(targets))
            reports.append(_repair_served(peers, nodes[i], blobs, progress))
        progress("repair", len(targets), len(targets))
        return reports
