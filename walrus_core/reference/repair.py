"""repair: a node rebuilds its lost or corrupt slivers from recovery symbols its
peers send, each checked against its Merkle proof, instead of reading the whole
blob. A good sliver is never replaced, and a rebuilt one is verified against
the metadata before it is written. Written once against
node_types.RepairableNode: node directories here, served nodes through
node_api.http_repair (which adds only how a served node gets its metadata)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..backends import cpu_count
from ..config import EncodingConfig
from ..errors import WalrusCoreError
from ..metadata import BlobId, BlobMetadata, shard_index_for_pair
from ..recovery import RecoverySymbol, recover_sliver
from ..sliver import Sliver, verify_sliver
from .committee import Committee
from .errors import BlobUnavailableError, StorageError
from .files import KINDS
from .nodes import NodeDir, SliverCheck, expected_slivers, sliver_index
from .progress import ProgressFn, no_progress
from .retrieve import find_metadata

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .node_types import CheckableNode, RepairableNode


@dataclass
class RepairReport:
    """What one node's repair did, over all the blobs it looked at."""

    node: str
    blobs_checked: int = 0
    rebuilt: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bytes_moved: int = 0
    node_share: int = 0  # bytes of this node's slivers in the blobs it repaired
    blob_bytes: int = 0  # unencoded size of the blobs it repaired
    # blobs not fully repaired (tried again while other nodes make progress), and
    # those of them that lacked symbols or metadata rather than a usable directory
    unfinished: list[BlobId] = field(default_factory=list, repr=False)
    short: list[BlobId] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "blobs_checked": self.blobs_checked,
            "rebuilt": self.rebuilt,
            "failed": self.failed,
            "bytes_moved": self.bytes_moved,
            "node_share": self.node_share,
            "blob_bytes": self.blob_bytes,
        }


def known_blobs(committee: Committee, node: CheckableNode) -> list[BlobId]:
    """Blobs a node is responsible for: every certified blob, plus any it holds."""
    seen = {bytes(b): b for b in committee.certified_blobs()}
    for b in node.blobs():
        seen.setdefault(bytes(b), b)
    return [seen[k] for k in sorted(seen)]


def _peer_exchange(
    peers: Mapping[int, RepairableNode],
    md: BlobMetadata,
    node: RepairableNode,
    source_kind: str,
    pair: int,
    targets: list[tuple[str, int]],
) -> tuple[list[RecoverySymbol | None], int]:
    """One peer's part of a repair and the receiver's check of it: the peer
    holding ``source_kind`` sliver of ``pair`` sends one symbol per target
    (expanding its sliver once); the receiver keeps a symbol only if it comes
    from that sliver, is one it asked for and its proof verifies (None
    otherwise). Also returns the bytes that crossed between nodes (0 when the
    source is on the repaired node itself)."""
    n = md.n_shards
    source = sliver_index(source_kind, pair, n)
    peer = peers[shard_index_for_pair(pair, md.blob_id, n)]
    try:
        sent, moved = peer.send_recovery_symbols(md, source_kind, source, [t[1] for t in targets])
    except (WalrusCoreError, ValueError, OSError):
        return [None] * len(targets), 0
    received: dict[tuple[str, int], RecoverySymbol] = {}
    for sym in sent:
        try:
            sym.verify(md)  # the receiver checks the proof
        except (WalrusCoreError, ValueError):
            continue
        if sym.source_index == source:
            received.setdefault((sym.kind, sym.target_index), sym)
    return [received.get(t) for t in targets], 0 if peer.name == node.name else moved


def rebuild_slivers(
    peers: Mapping[int, RepairableNode],
    node: RepairableNode,
    md: BlobMetadata,
    targets: list[SliverCheck],
    report: RepairReport,
    progress: ProgressFn = no_progress,
) -> None:
    """Rebuild ``targets`` (missing/corrupt slivers of ``node``) from recovery
    symbols sent by ``peers`` (the node of each shard: directories or served nodes).

    Peers are asked in waves of as many as are still needed (each peer's
    expansion and the receiver's proof checks run in threads, on all cores);
    a wave is only followed by another when some peer failed."""
    n = md.n_shards
    cfg = EncodingConfig(n)
    need = {kind: cfg.symbols_per_sliver(kind) for kind in KINDS}
    # A primary target is rebuilt from symbols of other nodes' secondary slivers, and vice versa.
    wanted: dict[tuple[str, int], list[RecoverySymbol]] = {(c.kind, c.index): [] for c in targets}
    broken = {(c.kind, c.index) for c in targets}

    def rebuild(check: SliverCheck) -> tuple[Sliver | None, str]:
        """The target rebuilt from its symbols and verified, or why not."""
        key = (check.kind, check.index)
        if len(wanted[key]) < need[check.kind]:
            return None, f"{len(wanted[key])} verified recovery symbols, {need[check.kind]} needed"
        try:
            sliver = recover_sliver(wanted[key], md, check.kind, check.index)
            verify_sliver(sliver, md)
        except (WalrusCoreError, ValueError) as exc:
            return None, f"recovery failed ({exc})"
        return sliver, ""

    with ThreadPoolExecutor(cpu_count()) as pool:
        for source_kind in ("secondary", "primary"):
            target_kind = "primary" if source_kind == "secondary" else "secondary"
            open_targets = [t for t in wanted if t[0] == target_kind]
            pairs = [p for p in range(n) if (source_kind, sliver_index(source_kind, p, n)) not in broken]
            while open_targets and pairs:
                still = [t for t in open_targets if len(wanted[t]) < need[target_kind]]
                if not still:
                    break
                short = {t: need[target_kind] - len(wanted[t]) for t in still}
                take = max(short.values())
                wave, pairs = pairs[:take], pairs[take:]
                # the w-th peer of the wave serves the targets still short of w symbols
                asked = [[t for t in still if w < short[t]] for w in range(len(wave))]
                results = pool.map(
                    lambda pair, ts, kind=source_kind: _peer_exchange(peers, md, node, kind, pair, ts),
                    wave,
                    asked,
                )
                for ts, (got, moved) in zip(asked, results):
                    report.bytes_moved += moved
                    for t, sym in zip(ts, got):
                        if sym is not None:
                            wanted[t].append(sym)
                progress("repair", min(len(v) for v in wanted.values()), max(need.values()))
        rebuilt = list(pool.map(rebuild, targets))

    for check, (sliver, why) in zip(targets, rebuilt):
        what = f"{md.blob_id} {check.kind} sliver {check.index} (shard {check.shard})"
        if sliver is None:
            report.failed.append(f"{what}: {why}")
            if len(wanted[(check.kind, check.index)]) < need[check.kind] and md.blob_id not in report.short:
                report.short.append(md.blob_id)
            continue
        try:
            written = node.replace_sliver(md, check.kind, check.index, check.shard, sliver)
        except (WalrusCoreError, ValueError, OSError) as exc:
            report.failed.append(f"{what}: not written ({exc})")
            continue
        if written:
            report.rebuilt.append(what)


def repair_node(
    committee: Committee,
    node: NodeDir,
    *,
    blob_ids: list[BlobId] | None = None,
    progress: ProgressFn = no_progress,
) -> RepairReport:
    """Check every sliver ``node`` should hold and rebuild the bad ones. A node
    directory that was lost is recreated (its key lives apart from its data)."""
    report = RepairReport(node.name)
    if not node.exists:
        try:
            node.create(committee.nodes[node.index].public_key)
        except (StorageError, OSError) as exc:
            report.failed.append(f"{node.name}: {exc}")
            return report
    blobs = known_blobs(committee, node) if blob_ids is None else blob_ids
    for k, blob_id in enumerate(blobs):
        progress(f"{node.name}", k, len(blobs))
        report.blobs_checked += 1
        failures = len(report.failed)
        try:
            _repair_blob(committee, node, blob_id, report, progress)
        except (StorageError, OSError) as exc:
            report.failed.append(f"{blob_id}: {exc}")
        if len(report.failed) > failures:
            report.unfinished.append(blob_id)
    progress(f"{node.name}", len(blobs), len(blobs))
    return report


def _repair_blob(
    committee: Committee, node: NodeDir, blob_id: BlobId, report: RepairReport, progress: ProgressFn
) -> None:
    md = node.read_metadata(blob_id)
    if md is None:
        try:
            md, moved, _ = find_metadata(committee, blob_id)
        except BlobUnavailableError as exc:
            report.failed.append(str(exc))
            report.short.append(blob_id)
            return
        report.bytes_moved += moved
        node.write_metadata(md.to_bcs(), blob_id)
    node.remove_temporaries(blob_id)
    peers = {t: committee.node_for_shard(t) for t in range(committee.n_shards)}
    repair_blob_on(node, md, peers, report, progress=progress)


def repair_blob_on(
    node: RepairableNode,
    md: BlobMetadata,
    peers: Mapping[int, RepairableNode],
    report: RepairReport,
    *,
    progress: ProgressFn = no_progress,
) -> None:
    """Check every sliver of the blob that ``node`` (which holds its
    metadata) should hold and rebuild the bad ones from ``peers``' symbols."""
    bad = [c for c in node.check_slivers(md, expected_slivers(node, md.blob_id)) if c.status != "ok"]
    if not bad:
        return
    pair_bytes = EncodingConfig(md.n_shards).pair_length(md.unencoded_length)
    report.node_share += len(node.shards) * pair_bytes
    report.blob_bytes += md.unencoded_length
    rebuild_slivers(peers, node, md, bad, report, progress)


def repair(
    committee: Committee, node: NodeDir | None = None, *, progress: ProgressFn = no_progress
) -> list[RepairReport]:
    """Repair one node, or every node, to the fixed point (see :func:`repair_nodes`)."""
    return repair_nodes(committee, [node] if node is not None else committee.node_dirs(), progress=progress)


def repair_nodes(
    committee: Committee,
    nodes: list[NodeDir],
    *,
    whole_committee: bool | None = None,
    progress: ProgressFn = no_progress,
) -> list[RepairReport]:
    """Repair ``nodes`` until nothing more can be rebuilt, whatever their order:
    a sliver one node rebuilds can be the source another one lacked, so the
    blobs a node could not finish are tried again while any node makes
    progress. A blob still short of symbols or metadata then says to store it
    again (or, unless ``whole_committee`` -- by default: ``nodes`` are all the
    nodes -- to repair every node first)."""
    reports = [repair_node(committee, x, progress=progress) for x in nodes]
    for _ in range(len(nodes) + 1):  # each round rebuilds something or is the last
        progressed = False
        for node, report in zip(nodes, reports):
            if not report.unfinished:
                continue
            again = repair_node(committee, node, blob_ids=report.unfinished, progress=progress)
            progressed |= bool(again.rebuilt)
            report.rebuilt += again.rebuilt
            report.bytes_moved += again.bytes_moved
            report.failed, report.unfinished, report.short = again.failed, again.unfinished, again.short
        if not progressed:
            break
    everyone = (
        whole_committee
        if whole_committee is not None
        else len({x.index for x in nodes}) == len(committee.nodes)
    )
    for report in reports:
        for blob_id in report.short:
            report.failed.append(
                f"{blob_id}: cannot be repaired, too few good slivers survive on the nodes; store it again"
                if everyone
                else f"{blob_id}: not repaired; repair every node, and if that fails too, store it again"
            )
    return reports
