"""A hypothesis state machine over the reference store (walrus_core.reference,
through the entry points the CLI uses): store blobs, lose node directories,
corrupt sliver and metadata files, read, repair, scrub, in any order.

Invariants after every step:
* read returns the stored bytes exactly or refuses with BlobUnavailableError,
  and succeeds while a certified blob keeps p genuine primary or s genuine
  secondary slivers on disk;
* repair never replaces a genuine sliver file, every sliver file it writes
  holds the genuine bytes (those of walrus_core.encode, whose bytes the
  vector and oracle tests pin), and one pass reaches the fixed point;
* scrub without --repair changes nothing, and reports damage whenever some
  sliver file of a certified blob is not genuine.

Small on purpose (4-5 nodes, 4-10 shards, blobs up to 300 bytes, few steps),
so it runs in seconds."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

import walrus_core as wc
from walrus_core import reference
from walrus_core.reference import BlobUnavailableError, StoreIncompleteError

pytest.importorskip("cryptography")  # node keys (the `store` extra)

SliverKey = tuple[bytes, str, int]  # (blob ID, kind, sliver index)


class ReferenceStore(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="wc-state-"))
        self.blobs: dict[bytes, bytes] = {}  # blob ID -> data
        self.certified: set[bytes] = set()
        self.genuine: dict[SliverKey, bytes] = {}  # file contents walrus_core.encode gives

    @initialize(n_nodes=st.integers(4, 5), n_shards=st.integers(4, 10))
    def make_committee(self, n_nodes: int, n_shards: int) -> None:
        self.n = n_shards
        self.committee = reference.init_committee(self.tmp / "c", min(n_nodes, n_shards), n_shards)
        _, self.p, self.s = self._params()

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------
    def _params(self) -> tuple[int, int, int]:
        cfg = wc.EncodingConfig(self.n)
        return cfg.max_faulty, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols

    def _sliver_files(self, blob_id: bytes) -> list[tuple[SliverKey, Path]]:
        """Every sliver file the committee should hold for the blob."""
        bid = wc.BlobId(blob_id)
        out = []
        for shard in range(self.n):
            pair = wc.pair_index_for_shard(shard, bid, self.n)
            node = self.committee.node_for_shard(shard)
            for kind, index in (("primary", pair), ("secondary", self.n - 1 - pair)):
                out.append(((blob_id, kind, index), node.sliver_path(bid, kind, index)))
        return out

    def _all_sliver_files(self) -> list[tuple[SliverKey, Path]]:
        return [item for blob_id in sorted(self.blobs) for item in self._sliver_files(blob_id)]

    def _snapshot(self) -> dict[Path, bytes | None]:
        """The bytes of every file under the committee directory (None: absent)."""
        out: dict[Path, bytes | None] = {}
        for path in sorted(self.committee.root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                out[path] = path.read_bytes()
        return out

    def _contents(self) -> dict[SliverKey, bytes | None]:
        return {
            key: (path.read_bytes() if path.is_file() else None) for key, path in self._all_sliver_files()
        }

    def _pick(self, which: int) -> bytes:
        ids = sorted(self.blobs)
        return ids[which % len(ids)]

    # --- rules -----------------------------------------------------------------
    @rule(data=st.binary(max_size=300))
    def store(self, data: bytes) -> None:
        enc = wc.encode(data, self.n)
        blob_id = bytes(enc.metadata.blob_id)
        for pair in enc.pairs:
            for sliver in (pair.primary, pair.secondary):
                self.genuine[(blob_id, sliver.kind, sliver.index)] = sliver.to_bcs()
        self.blobs[blob_id] = data
        try:
            result = reference.store_blob(self.committee, data, workers=1)
        except StoreIncompleteError:
            return  # too many nodes lost: stored where it could be, not certified
        assert bytes(result.blob_id) == blob_id
        if result.certified:
            self.certified.add(blob_id)

    @rule(node=st.integers(0, 4))
    def lose_node(self, node: int) -> None:
        shutil.rmtree(self.committee.node(node % len(self.committee.nodes)).path, ignore_errors=True)

    @precondition(lambda self: self.blobs)
    @rule(
        which=st.integers(0, 1000),
        slot=st.integers(0, 1000),
        how=st.sampled_from(["flip", "truncate", "extend", "delete", "empty", "other-sliver"]),
    )
    def corrupt_sliver(self, which: int, slot: int, how: str) -> None:
        blob_id = self._pick(which)
        files = self._sliver_files(blob_id)
        key, path = files[slot % len(files)]
        shard = (slot % len(files)) // 2  # _sliver_files lists two slivers per shard, in shard order
        if not path.is_file():
            return
        raw = path.read_bytes()
        if how == "flip":
            at = slot % len(raw)
            path.write_bytes(raw[:at] + bytes([raw[at] ^ 0x5A]) + raw[at + 1 :])
        elif how == "truncate":
            path.write_bytes(raw[: len(raw) // 2])
        elif how == "extend":
            path.write_bytes(raw + b"\x00\x00")
        elif how == "delete":
            path.unlink()
        elif how == "empty":
            path.write_bytes(b"")
        else:  # a valid sliver of the same kind, stored under the wrong name
            _, other = files[(slot + 2) % len(files)]
            if other.is_file() and other != path:
                path.write_bytes(other.read_bytes())
        now = path.read_bytes() if path.is_file() else None
        if blob_id in self.certified and now != self.genuine[key]:
            event("corrupted a certified blob: scrub must notice")  # scrubbing its node
            (result,) = reference.scrub(self.committee, self.committee.node_for_shard(shard))
            assert result.problems, f"scrub missed a damaged sliver file ({how})"

    @precondition(lambda self: self.blobs)
    @rule(which=st.integers(0, 1000), node=st.integers(0, 4))
    def corrupt_metadata(self, which: int, node: int) -> None:
        bid = wc.BlobId(self._pick(which))
        path = self.committee.node(node % len(self.committee.nodes)).metadata_path(bid)
        if path.is_file():
            raw = path.read_bytes()
            path.write_bytes(raw[:40] + bytes([raw[40] ^ 1]) + raw[41:] if len(raw) > 40 else b"")

    @precondition(lambda self: self.blobs)
    @rule(which=st.integers(0, 1000))
    def read(self, which: int) -> None:
        blob_id = self._pick(which)
        contents = self._contents()
        genuine = {
            kind: sum(
                1
                for (b, k, i), raw in contents.items()
                if b == blob_id and k == kind and raw is not None and raw == self.genuine[(b, k, i)]
            )
            for kind in ("primary", "secondary")
        }
        readable = blob_id in self.certified and (
            genuine["primary"] >= self.p or genuine["secondary"] >= self.s
        )
        event(f"read: {'must succeed' if readable else 'may refuse'}")
        files = self._snapshot()
        try:
            result = reference.read_blob(self.committee, wc.BlobId(blob_id))
        except BlobUnavailableError:
            assert not readable, f"refused although {genuine} genuine slivers remain (p={self.p}, s={self.s})"
            return
        finally:
            assert self._snapshot() == files, "read changed files"
        assert result.data == self.blobs[blob_id]

    @rule()
    def repair(self) -> None:
        before = self._contents()
        reference.repair(self.committee)
        self._check_repair(before)
        # one pass reaches the fixed point: a second one finds nothing to rebuild
        after = self._contents()
        again = reference.repair(self.committee)
        assert self._contents() == after and not any(r.rebuilt for r in again), "a second repair pass acted"

    @rule(with_repair=st.booleans())
    def scrub(self, with_repair: bool) -> None:
        before, files = self._contents(), self._snapshot()
        results = reference.scrub(self.committee, repair=with_repair)
        if with_repair:
            self._check_repair(before)
            return
        assert self._snapshot() == files, "scrub without --repair changed files"
        # an uncertified blob (store lost its quorum) is nobody's duty to scrub
        damaged = [k for k, raw in before.items() if k[0] in self.certified and raw != self.genuine[k]]
        problems = [p for r in results for p in r.problems]
        event(f"scrub: {'some' if damaged else 'no'} damage")
        if damaged:
            assert problems, f"scrub reported nothing though {len(damaged)} sliver files are damaged"

    def _check_repair(self, before: dict[SliverKey, bytes | None]) -> None:
        after = self._contents()
        for key, raw in after.items():
            good = self.genuine[key]
            if before[key] == good:
                assert raw == good, f"repair replaced the genuine sliver {key[1:]}"
            elif raw != before[key]:
                assert raw == good, f"repair wrote wrong bytes for sliver {key[1:]}"


ReferenceStore.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_reference_store_state_machine = ReferenceStore.TestCase
