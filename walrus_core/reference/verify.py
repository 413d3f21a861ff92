"""scrub / verify: check every stored sliver on one or all nodes against the
metadata (and repair on request); plus the read-only views behind status, ls,
info and cost."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..config import EncodingConfig
from ..metadata import BlobId
from .committee import Committee
from .errors import BlobUnavailableError, CertificateError
from .nodes import NodeDir, expected_slivers
from .progress import ProgressFn, no_progress
from .repair import RepairReport, known_blobs, repair_nodes
from .retrieve import find_metadata

MIB = 1 << 20


@dataclass
class NodeScrub:
    node: str
    exists: bool
    ok: int = 0
    problems: list[str] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)
    repair: RepairReport | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "node": self.node,
            "exists": self.exists,
            "slivers_ok": self.ok,
            "problems": self.problems,
            "stray_files": self.strays,
        }
        if self.repair is not None:
            out["repair"] = self.repair.to_json()
        return out


def scrub_node(
    committee: Committee, node: NodeDir, *, repair: bool = False, progress: ProgressFn = no_progress
) -> NodeScrub:
    """Verify every sliver the node should hold, for every blob it is responsible for."""
    result = NodeScrub(node.name, node.exists)
    blobs = known_blobs(committee, node)
    link = node.link_on_path()
    if link is not None:
        result.problems.append(f"{node.name}: {link} is a symbolic link; nothing is read through it")
    elif not node.exists:
        result.problems.append(f"{node.name}: node directory missing")
    for k, blob_id in enumerate(blobs):
        progress(f"scrub {node.name}", k, len(blobs))
        if not node.exists:
            break
        result.strays += [f"{blob_id}/{x}" for x in node.stray_files(blob_id)]
        md = node.read_metadata(blob_id)
        if md is None:
            result.problems.append(f"{blob_id}: metadata missing or invalid")
            try:
                md, _, _ = find_metadata(committee, blob_id)
            except BlobUnavailableError as exc:
                result.problems.append(str(exc))
                continue
        for check in node.check_slivers(md, expected_slivers(node, blob_id)):
            if check.status == "ok":
                result.ok += 1
            else:
                result.problems.append(
                    f"{blob_id} {check.kind} sliver {check.index} (shard {check.shard}): "
                    f"{check.status}, {check.reason}"
                )
    progress(f"scrub {node.name}", len(blobs), len(blobs))
    if repair and (result.problems or result.strays):
        (result.repair,) = repair_nodes(committee, [node], progress=progress)
    return result


def scrub(
    committee: Committee,
    node: NodeDir | None = None,
    *,
    repair: bool = False,
    progress: ProgressFn = no_progress,
) -> list[NodeScrub]:
    """Scrub one node or every node; with ``repair``, then repair the nodes
    that had problems together, to the fixed point (see repair_nodes)."""
    nodes = [node] if node is not None else committee.node_dirs()
    results = [scrub_node(committee, x, progress=progress) for x in nodes]
    todo = [(x, res) for x, res in zip(nodes, results) if res.problems or res.strays]
    if repair and todo:
        # the nodes left out hold all they should: repairing them would change nothing
        reports = repair_nodes(
            committee, [x for x, _ in todo], whole_committee=node is None, progress=progress
        )
        for (_, res), report in zip(todo, reports):
            res.repair = report
    return results


# ------------------------------------------------------------------ views
def cost(length: int, n_shards: int, epochs: int, price: int) -> dict[str, Any]:
    """Walrus's storage cost of a blob: 1 MiB storage units of the encoded size
    (``encoded_blob_length``) × epochs × price per unit per epoch."""
    encoded = EncodingConfig(n_shards).encoded_blob_length(length)
    units = max(1, math.ceil(encoded / MIB))
    return {
        "unencoded_length": length,
        "n_shards": n_shards,
        "encoded_length": encoded,
        "expansion": encoded / max(length, 1),
        "storage_units": units,
        "epochs": epochs,
        "price_per_unit_epoch": price,
        "cost": units * epochs * price,
    }


def blob_info(committee: Committee, blob_id: BlobId, *, check: bool = False) -> dict[str, Any]:
    """Metadata, certificate and per-node sliver presence (or health with check=True)."""
    md, _, problems = find_metadata(committee, blob_id)
    cfg = EncodingConfig(md.n_shards)
    try:
        cert = committee.read_certificate(blob_id)
        certified: Any = committee.verify_certificate(blob_id, cert) if cert is not None else False
        cert_state = f"valid ({certified} shards signed)" if cert is not None else "none"
    except CertificateError as exc:
        cert_state = f"invalid: {exc}"
    nodes = []
    healthy_shards = 0
    for node in committee.node_dirs():
        wanted = expected_slivers(node, blob_id)
        if check:
            ok = [c.status == "ok" for c in node.check_slivers(md, wanted)]
        else:  # present: a regular file, reached through no symbolic link
            reachable = node.exists and node.link_on_path(blob_id) is None
            paths = [node.sliver_path(blob_id, kind, index) for kind, index, _ in wanted]
            ok = [reachable and p.is_file() and not p.is_symlink() for p in paths]
        good = sum(ok[i] and ok[i + 1] for i in range(0, len(ok), 2))  # both slivers of a shard
        healthy_shards += good
        nodes.append(
            {"node": node.name, "shards": len(node.shards), "shards_present": good, "exists": node.exists}
        )
    return {
        "blob_id": str(blob_id),
        "unencoded_length": md.unencoded_length,
        "n_shards": md.n_shards,
        "symbol_size": cfg.symbol_size(md.unencoded_length),
        "encoded_length": cfg.encoded_blob_length(md.unencoded_length),
        "certificate": cert_state,
        "shards_present": healthy_shards,
        "shards_needed_to_read": cfg.n_primary_source_symbols,
        "checked": check,
        "metadata_problems": problems,
        "nodes": nodes,
    }


def _has_certificate(committee: Committee, blob_id: BlobId) -> bool:
    try:
        return committee.read_certificate(blob_id) is not None
    except CertificateError:  # unreadable or malformed: not certified, and ls goes on
        return False


def list_blobs(committee: Committee) -> list[dict[str, Any]]:
    seen: dict[bytes, BlobId] = {bytes(b): b for b in committee.certified_blobs()}
    for node in committee.node_dirs():
        for b in node.blobs():
            seen.setdefault(bytes(b), b)
    out = []
    for key in sorted(seen):
        blob_id = seen[key]
        try:
            md, _, _ = find_metadata(committee, blob_id)
            length: int | None = md.unencoded_length
        except BlobUnavailableError:
            length = None
        out.append(
            {
                "blob_id": str(blob_id),
                "length": length,
                "certified": _has_certificate(committee, blob_id),
            }
        )
    return out


def committee_status(committee: Committee) -> dict[str, Any]:
    nodes = []
    for node in committee.node_dirs():
        nodes.append(
            {
                "node": node.name,
                "exists": node.exists,
                "shards": f"{node.shards[0]}-{node.shards[-1]}" if node.shards else "",
                "n_shards": len(node.shards),
                "blobs": len(node.blobs()),
            }
        )
    missing = sum(len(committee.nodes[i].shards) for i, x in enumerate(nodes) if not x["exists"])
    return {
        "committee": str(committee.root),
        "n_shards": committee.n_shards,
        "max_faulty": committee.max_faulty,
        "quorum": committee.quorum,
        "nodes": nodes,
        "shards_on_missing_nodes": missing,
        "certified_blobs": len(committee.certified_blobs()),
    }
