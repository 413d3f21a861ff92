"""repair over HTTP: for every certified blob, ask each node which slivers of
its shards it should hold, fetch and verify each, rebuild every missing or
corrupt one from recovery symbols its peers serve (every Merkle proof checked
against the certified metadata, the rebuilt sliver checked against its hash),
and PUT it back; the node verifies it once more before it keeps it, and
replaces a sliver it already holds only when its own copy fails verification."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .. import RecoverySymbol, recover_sliver
from ..config import EncodingConfig
from ..errors import WalrusCoreError
from ..metadata import BlobId, BlobMetadata, pair_index_for_shard
from ..reference.nodes import check_loaded, expected_slivers
from ..reference.progress import ProgressFn, no_progress
from ..reference.repair import RepairReport
from . import wire
from .http_node import ClientConfig, HttpNode, _committee_nodes, _in_thread, _session, _why, load_sliver

if TYPE_CHECKING:
    from ..reference.committee import Committee


async def _symbols_for(
    peers: list[HttpNode], blob_id: BlobId, kind: str, target: int
) -> tuple[list[RecoverySymbol], int, list[str]]:
    """Recovery symbols for sliver ``target`` of ``kind`` from every peer at
    once (each sends one per shard it owns), their bytes, and who failed."""
    axis = "secondary" if kind == "primary" else "primary"  # the source slivers' axis
    query = f"proofAxis={axis}&targetSliver={target}&targetType={kind}"
    problems: list[str] = []

    async def ask(peer: HttpNode) -> tuple[list[RecoverySymbol], int]:
        try:
            raw = await peer.recovery_symbols(blob_id, query)
            symbols = wire.parse_recovery_symbols_body(raw)
        except (WalrusCoreError, ValueError) as exc:
            problems.append(f"{peer.name}: {_why(exc)}")
            return [], 0
        return [s for s in symbols if s.kind == kind and s.target_index == target], len(raw)

    answers = await asyncio.gather(*(ask(peer) for peer in peers))
    symbols = [s for found, _ in answers for s in found]
    return symbols, sum(size for _, size in answers), problems


async def _repair_node(
    committee: Committee, nodes: list[HttpNode], index: int, blobs: list[tuple[BlobMetadata, bytes]]
) -> RepairReport:
    node = nodes[index]
    peers = [x for i, x in enumerate(nodes) if i != index]
    report = RepairReport(node.name)
    n = committee.n_shards
    holder = committee.node(index)  # its shards: what it should hold
    cfg = EncodingConfig(n)
    for md, put_body in blobs:
        blob_id = md.blob_id
        report.blobs_checked += 1
        try:
            await node.put_metadata(blob_id, put_body)  # 200 when it has it
            # every sliver is fetched and verified: one on disk but corrupt needs rebuilding too
            wanted = expected_slivers(holder, blob_id)
            loaded = await asyncio.gather(*(load_sliver(node, md, *w) for w in wanted))
            checks = await _in_thread(check_loaded, md, list(loaded))
        except (WalrusCoreError, ValueError) as exc:
            report.failed.append(f"{blob_id}: {_why(exc)}")
            continue
        missing = [(c.shard, c.kind, c.index) for c in checks if c.status != "ok"]
        if missing:
            size = cfg.symbol_size(md.unencoded_length)
            report.node_share += (
                len(committee.nodes[index].shards)
                * (cfg.n_primary_source_symbols + cfg.n_secondary_source_symbols)
                * size
            )
            report.blob_bytes += md.unencoded_length
        for shard, kind, index_in_kind in missing:
            pair = pair_index_for_shard(shard, blob_id, n)
            what = f"{blob_id} {kind} sliver {index_in_kind}"
            symbols, moved, problems = await _symbols_for(peers, blob_id, kind, index_in_kind)
            report.bytes_moved += moved
            try:
                sliver = await _in_thread(recover_sliver, symbols, md, kind, index_in_kind)
                await node.put_sliver(blob_id, pair, kind, sliver.to_bcs())
            except (WalrusCoreError, ValueError) as exc:
                report.failed.append(
                    f"{what}: {_why(exc)}" + (f" ({'; '.join(problems)})" if problems else "")
                )
                continue
            report.rebuilt.append(what)
    return report


def repair_http(
    committee: Committee,
    node_index: int | None = None,
    *,
    progress: ProgressFn = no_progress,
    config: ClientConfig | None = None,
) -> list[RepairReport]:
    """Repair one served node, or every node in turn, for every certified blob."""
    from ..metadata import BlobMetadata

    cfg = config or ClientConfig()
    blobs = []
    for blob_id in committee.certified_blobs():
        raw = committee.certified_metadata_bytes(blob_id)
        if raw is None:
            continue
        md = BlobMetadata.from_bcs(raw, n_shards=committee.n_shards)
        blobs.append((md, wire.metadata_put_body(raw)))

    async def run() -> list[RepairReport]:
        async with _session() as session:
            nodes = _committee_nodes(committee, session, cfg)
            targets = [node_index] if node_index is not None else list(range(len(nodes)))
            reports: list[RepairReport] = []
            for k, i in enumerate(targets):
                progress("repair", k, len(targets))
                reports.append(await _repair_node(committee, nodes, i, blobs))
            progress("repair", len(targets), len(targets))
            return reports

    return asyncio.run(run())
