"""Storing a blob on a served committee over HTTP (spec walrus-node-api.md
§8): metadata first, then the slivers, then a BLS-signed confirmation per
node; all nodes in parallel (http_node.py's HttpNode: per-node limit,
timeouts, bounded retries); certified once the nodes that confirmed hold
n - f shards, stragglers given a short grace period after that."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import VerificationError, WalrusCoreError
from ..reference.files import parts_size
from ..reference.nodes import sliver_bcs_parts
from ..reference.progress import ProgressFn, no_progress
from ..reference.store import StoreResult, StoreTally, encode_for_store, node_slivers, read_input
from . import bls, wire
from .certificate import make_certificate
from .http_node import ClientConfig, HttpNode, _committee_nodes, _in_thread, _session

if TYPE_CHECKING:
    from ..reference.committee import Committee


async def _store_async(
    committee: Committee, data: Any, progress: ProgressFn, config: ClientConfig
) -> StoreResult:
    n = committee.n_shards
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    encoded = await _in_thread(encode_for_store, data, n, progress, timings)
    md = encoded.metadata
    blob_id = md.blob_id
    put_body = wire.metadata_put_body(md.to_bcs())
    message = wire.confirmation_message(committee.epoch, blob_id)
    tally = StoreTally(committee, progress)
    confirmed: dict[int, bytes] = {}  # node index -> signature
    sent = [0]

    async def store_on(index: int, node: HttpNode) -> None:
        info = committee.nodes[index]
        try:
            await node.put_metadata(blob_id, put_body)
            sent[0] += len(put_body)
            puts = []
            for pair, kind, sliver in node_slivers(encoded, info.shards):
                parts = sliver_bcs_parts(sliver)
                puts.append(node.put_sliver(blob_id, pair, kind, parts))
                sent[0] += parts_size(parts)
            await asyncio.gather(*puts)
            got_message, signature = await node.confirmation(blob_id)
            if got_message != message:
                raise VerificationError(f"{node.name}: confirmation signs other bytes than expected")
            if info.bls_public_key is None or not await _in_thread(
                bls.verify, info.bls_public_key, signature, message
            ):
                raise VerificationError(f"{node.name}: confirmation signature does not verify")
            confirmed[index] = signature
            tally.confirmed.append(index)
        except (WalrusCoreError, ValueError) as exc:
            tally.fail(node.name, exc)
        finally:
            tally.answered_one()
            timings[f"{node.name} store"] = time.perf_counter() - t0

    async with _session() as session:
        nodes = _committee_nodes(committee, session, config)
        tasks = {asyncio.ensure_future(store_on(i, node)): i for i, node in enumerate(nodes)}
        pending = set(tasks)
        while pending:
            if tally.certified:
                # certified: the stragglers get a grace period, not the whole of their timeouts
                _, pending = await asyncio.wait(pending, timeout=config.straggler_grace)
                for task in pending:
                    task.cancel()
                    name = nodes[tasks[task]].name
                    tally.failures[name] = (
                        f"{name}: still storing {config.straggler_grace:g} s after certification"
                    )
                await asyncio.gather(*pending, return_exceptions=True)
                break
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    timings["total"] = time.perf_counter() - t0
    result = StoreResult(
        blob_id,
        md.unencoded_length,
        0,
        0,
        0,
        False,
        None,
        bytes_sent=sent[0],
        timings=timings,
        confirmed_by=[f"node-{i:03d}" for i in sorted(confirmed)],
    )
    return await _in_thread(
        tally.finish, md, lambda: make_certificate(committee, blob_id, message, confirmed), result
    )


def store_blob_http(
    committee: Committee, data: Any, *, progress: ProgressFn = no_progress, config: ClientConfig | None = None
) -> StoreResult:
    """Store ``data`` on a served committee (every node has a url)."""
    return asyncio.run(_store_async(committee, data, progress, config or ClientConfig()))


def store_file_http(
    committee: Committee,
    path: Path | str,
    *,
    progress: ProgressFn = no_progress,
    config: ClientConfig | None = None,
) -> StoreResult:
    """Store the file at ``path`` on a served committee (size checked first)."""
    return store_blob_http(committee, read_input(committee, path), progress=progress, config=config)


# ------------------------------------------------------------------ read
