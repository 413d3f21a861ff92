"""The one store driver (reference.store.store_with) against scripted nodes
(node_types.StorableNode): what each node is handed (the encoder's pairs of
its shards, the same in memory and banded), certification at n - f shards,
the stragglers' grace period, and that whatever was staged and not kept is
abandoned, after failures and after a crash. The real transports are tested
in test_reference_store, test_store_streamed and test_node_api_client."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from walrus_core.blob import encode
from walrus_core.errors import VerificationError
from walrus_core.metadata import BlobId, BlobMetadata, pair_index_for_shard
from walrus_core.reference.committee import Committee, init_committee
from walrus_core.reference.errors import StoreIncompleteError
from walrus_core.reference.store import StorePlan, store_with
from walrus_core.sliver import SliverPair

pytest.importorskip("cryptography")


@dataclass(frozen=True)
class Signed:
    node: int


@dataclass
class Staging:
    blob_id: BlobId
    pairs: dict[int, bytes] = field(default_factory=dict)  # pair index -> primary ‖ secondary
    kept: bool = False
    abandoned: threading.Event = field(default_factory=threading.Event)


class ScriptedNode:
    """A node that does what ``script`` says: "ok", "fail-send", "fail-confirm",
    "hang" (its confirmation waits until abandoned) or "crash" (its send raises
    KeyboardInterrupt)."""

    def __init__(self, index: int, shards: tuple[int, ...], n_shards: int, script: str = "ok") -> None:
        self.name = f"node-{index:03d}"
        self.index = index
        self.shards = shards
        self.n_shards = n_shards
        self.script = script
        self.staged: list[Staging] = []

    def stage(self, metadata: BlobMetadata) -> Staging:
        staging = Staging(metadata.blob_id)
        self.staged.append(staging)
        return staging

    def send(self, staged: Staging, pairs: Sequence[SliverPair]) -> None:
        if self.script == "crash":
            raise KeyboardInterrupt
        if self.script == "fail-send":
            raise VerificationError(f"{self.name}: refusing a sliver")
        for p in pairs:
            assert p.index not in staged.pairs
            staged.pairs[p.index] = bytes(p.primary) + bytes(p.secondary)

    def confirm(self, staged: Staging, committee: Committee) -> Signed:
        if self.script == "hang":
            assert staged.abandoned.wait(30), "never abandoned"
            raise VerificationError(f"{self.name}: abandoned")
        if self.script == "fail-confirm":
            raise VerificationError(f"{self.name}: bad signature")
        staged.kept = True
        return Signed(self.index)

    def abandon(self, staged: Staging) -> None:
        staged.abandoned.set()


def _setup(tmp_path: Path, scripts: dict[int, str]) -> tuple[Committee, list[ScriptedNode], bytes, Path]:
    c = init_committee(tmp_path / "c", 4, 10)  # shards 3, 3, 2, 2; n - f = 7
    nodes = [ScriptedNode(i, info.shards, 10, scripts.get(i, "ok")) for i, info in enumerate(c.nodes)]
    data = random.Random(5).randbytes(20_000)
    src = tmp_path / "blob"
    src.write_bytes(data)
    return c, nodes, data, src


def _plan(
    nodes: list[ScriptedNode], in_order: bool, grace: float | None = None
) -> StorePlan[Staging, Signed]:
    def certificate(blob_id: BlobId, signed: Sequence[Signed]) -> dict[str, Any]:
        return {"blob_id": str(blob_id), "signers": [s.node for s in signed]}

    return StorePlan(nodes, certificate, in_order, window=len(nodes), grace=grace)


def _left_staged(nodes: list[ScriptedNode]) -> list[str]:
    """Nodes with something staged that was neither kept nor abandoned."""
    return [x.name for x in nodes for s in x.staged if not s.kept and not s.abandoned.is_set()]


@pytest.mark.parametrize("in_order", [True, False])
@pytest.mark.parametrize("banded", [False, True])
def test_each_node_gets_the_pairs_of_its_shards(tmp_path: Path, in_order: bool, banded: bool) -> None:
    c, nodes, data, src = _setup(tmp_path, {})
    r = store_with(c, _plan(nodes, in_order), src, banded=banded)
    enc = encode(data, 10)
    assert r.certified and r.signed_shards == 10 and r.blob_id == enc.metadata.blob_id
    assert r.confirmed_by == [x.name for x in nodes] and not r.failures
    for x in nodes:
        (staged,) = x.staged
        assert staged.kept
        want = {pair_index_for_shard(t, r.blob_id, 10) for t in x.shards}
        assert staged.pairs == {
            i: bytes(enc.pairs[i].primary) + bytes(enc.pairs[i].secondary) for i in sorted(want)
        }


@pytest.mark.parametrize("in_order", [True, False])
@pytest.mark.parametrize("banded", [False, True])
def test_failed_nodes_are_named_and_abandoned(tmp_path: Path, in_order: bool, banded: bool) -> None:
    c, nodes, _, src = _setup(tmp_path, {2: "fail-send", 3: "fail-confirm"})
    with pytest.raises(StoreIncompleteError, match="6 shards"):  # 3 + 3 < 7
        store_with(c, _plan(nodes, in_order), src, banded=banded)
    assert _left_staged(nodes) == []
    assert c.certified_blobs() == []
    c, nodes, _, src = _setup(tmp_path / "again", {3: "fail-confirm"})
    r = store_with(c, _plan(nodes, in_order), src, banded=banded)
    assert r.certified and r.signed_shards == 8
    assert list(r.failures) == ["node-003"] and "bad signature" in r.failures["node-003"]
    assert _left_staged(nodes) == []


def test_a_straggler_gets_the_grace_period_then_is_abandoned(tmp_path: Path) -> None:
    c, nodes, _, src = _setup(tmp_path, {3: "hang"})
    r = store_with(c, _plan(nodes, in_order=False, grace=0.05), src)
    assert r.certified and r.signed_shards == 8
    assert "still storing 0.05 s after certification" in r.failures["node-003"]
    assert nodes[3].staged[0].abandoned.is_set() and _left_staged(nodes) == []


@pytest.mark.parametrize("in_order", [True, False])
@pytest.mark.parametrize("banded", [False, True])
def test_a_crash_abandons_everything_not_kept(tmp_path: Path, in_order: bool, banded: bool) -> None:
    c, nodes, _, src = _setup(tmp_path, {1: "crash"})
    with pytest.raises(KeyboardInterrupt):
        store_with(c, _plan(nodes, in_order), src, banded=banded)
    assert _left_staged(nodes) == []
    assert c.certified_blobs() == []
