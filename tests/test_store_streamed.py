"""Store of files too large to encode in memory: one banded pass, each node
checking and spooling its share pair by pair. Expected bytes: the files the
in-memory store writes (themselves checked against an independent oracle in
test_reference_store) and the blob read back."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from walrus_core.blob import encode
from walrus_core.config import EncodingConfig
from walrus_core.errors import VerificationError
from walrus_core.metadata import BlobMetadata
from walrus_core.reference import files, store
from walrus_core.reference.committee import Committee, init_committee
from walrus_core.reference.errors import StorageError
from walrus_core.reference.nodes import NodeDir, Receipt
from walrus_core.reference.retrieve import read_blob
from walrus_core.reference.store import store_blob, store_file, store_streamed
from walrus_core.sliver import Sliver, SliverPair
from walrus_core.stream import DEFAULT_MEMORY


class Crash(Exception):
    pass


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but the committee's keys and certificates."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def node_files(c: Committee) -> dict[str, bytes]:
    return {f"{node.name}/{k}": v for node in c.node_dirs() for k, v in tree(node.path / "blobs").items()}


def write_blob(path: Path, length: int, seed: int) -> bytes:
    data = random.Random(seed).randbytes(length)
    path.write_bytes(data)
    return data


@pytest.mark.parametrize(
    ("nodes", "shards", "length"), [(4, 13, 0), (4, 13, 1), (4, 13, 5000), (10, 10, 70_001)]
)
def test_streamed_store_writes_the_in_memory_files(
    tmp_path: Path, nodes: int, shards: int, length: int
) -> None:
    src = tmp_path / "blob"
    data = write_blob(src, length, seed=length)
    streamed = init_committee(tmp_path / "s", nodes, shards)
    in_memory = init_committee(tmp_path / "m", nodes, shards)
    r = store_streamed(streamed, src)
    expected = store_blob(in_memory, data)
    assert r.certified and not r.failures and r.blob_id == expected.blob_id
    assert r.signed_shards == shards and r.bytes_sent == expected.bytes_sent
    assert node_files(streamed) == node_files(in_memory)
    assert read_blob(streamed, r.blob_id).data == data
    again = store_streamed(streamed, src)  # idempotent: nothing rewritten, nothing left over
    assert again.certified and node_files(streamed) == node_files(in_memory)


def spy_on_streamed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets an item each time a store encodes banded."""
    calls: list[int] = []
    real = store.encode_to

    def spy(*args: Any, **kw: Any) -> BlobMetadata:
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(store, "encode_to", spy)
    return calls


def test_store_file_streams_what_does_not_fit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "blob"
    data = write_blob(src, 1_800_000, seed=3)
    c = init_committee(tmp_path / "c", 4, 10)
    calls = spy_on_streamed(monkeypatch)
    assert store_file(c, src).certified and calls == []  # fits the default budget: in memory
    need = len(data) + EncodingConfig(10).encoded_blob_length(len(data))
    assert need < DEFAULT_MEMORY
    r = store_file(c, src, memory=need - 1)
    assert calls == [1] and r.certified and read_blob(c, r.blob_id).data == data


@pytest.mark.parametrize("crash_after_pairs", [0, 3, 9])
def test_interrupted_streamed_store_leaves_no_partial_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_after_pairs: int
) -> None:
    src = tmp_path / "blob"
    data = write_blob(src, 30_000, seed=7)
    c = init_committee(tmp_path / "c", 10, 10)
    real = NodeDir.send
    count = [0]

    def interrupted(self: NodeDir, *args: object) -> None:
        if count[0] == crash_after_pairs:
            raise KeyboardInterrupt
        count[0] += 1
        real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(NodeDir, "send", interrupted)
    before = sorted(os.listdir(c.root))
    with pytest.raises(KeyboardInterrupt):
        store_streamed(c, src)
    assert sorted(os.listdir(c.root)) == before  # the slivers file is gone too
    assert c.certified_blobs() == []
    assert all(not name.split("/")[-1].startswith(files.TMP_PREFIX) for name in node_files(c))
    assert all(not name.endswith(".sliver") for name in node_files(c))  # nothing kept before every check
    monkeypatch.setattr(NodeDir, "send", real)
    r = store_streamed(c, src)
    assert r.certified and read_blob(c, r.blob_id).data == data


def test_crash_between_node_keeps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "blob"
    write_blob(src, 20_000, seed=8)
    c = init_committee(tmp_path / "c", 10, 10)
    done: list[str] = []

    def hook(node: NodeDir) -> None:
        done.append(node.name)
        if len(done) == 3:
            raise Crash

    monkeypatch.setattr(store, "after_node", hook)
    with pytest.raises(Crash):
        store_streamed(c, src)
    assert c.certified_blobs() == []
    kept = {name.split("/")[0] for name in node_files(c)}
    assert kept == set(done)
    assert all(not name.split("/")[-1].startswith(files.TMP_PREFIX) for name in node_files(c))
    monkeypatch.setattr(store, "after_node", None)
    assert store_streamed(c, src).certified


def test_missing_node_and_bad_pair_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "blob"
    data = write_blob(src, 20_000, seed=9)
    c = init_committee(tmp_path / "c", 10, 10)
    gone, bad = c.node_dirs()[2], c.node_dirs()[5]
    shutil.rmtree(gone.path)
    real = NodeDir.send

    def corrupting(self: NodeDir, staged: Receipt, pairs: list[SliverPair]) -> None:
        if self.name == bad.name:
            (pair,) = pairs
            primary = bytearray(pair.primary)
            primary[0] ^= 1
            bad_primary = Sliver(primary, pair.index, pair.primary.symbol_size, "primary")
            pairs = [SliverPair(pair.index, bad_primary, pair.secondary)]
        real(self, staged, pairs)

    monkeypatch.setattr(NodeDir, "send", corrupting)
    r = store_streamed(c, src)
    assert r.certified and r.signed_shards == 8
    assert set(r.failures) == {gone.name, bad.name}
    assert "directory is missing" in r.failures[gone.name]
    assert "refusing primary sliver" in r.failures[bad.name]
    assert not bad.blob_path(r.blob_id).exists() or os.listdir(bad.blob_path(r.blob_id)) == []
    assert read_blob(c, r.blob_id).data == data


def test_receive_pair_refuses_pairs_not_of_the_share(tmp_path: Path) -> None:
    data = random.Random(1).randbytes(3000)
    c = init_committee(tmp_path / "c", 10, 10)
    enc = encode(data, 10)
    node = c.node_dirs()[0]
    receipt = node.begin_receipt(enc.metadata.to_bcs())
    (mine,) = receipt.expected
    other = enc.pairs[(mine + 1) % 10]
    with pytest.raises(VerificationError, match="unexpected sliver pair"):
        node.receive_pair(receipt, other.index, (other.primary, other.secondary))
    pair = enc.pairs[mine]
    node.receive_pair(receipt, mine, (pair.primary, pair.secondary))
    with pytest.raises(VerificationError, match="unexpected sliver pair"):
        node.receive_pair(receipt, mine, (pair.primary, pair.secondary))
    node.discard(receipt.spooled)
    assert os.listdir(node.blob_path(enc.metadata.blob_id)) == []
    empty = node.begin_receipt(enc.metadata.to_bcs())
    with pytest.raises(VerificationError, match="were not received"):
        node.finish_receipt(empty)
    with pytest.raises(StorageError):
        store_streamed(c, tmp_path / "no such file")


def test_cli_store_with_a_memory_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from walrus_core.cli import main

    monkeypatch.chdir(tmp_path)
    data = write_blob(tmp_path / "file.bin", 1_800_000, seed=11)
    assert main(["init", "nodes", "--nodes", "10", "--shards", "10"]) == 0
    calls = spy_on_streamed(monkeypatch)
    capsys.readouterr()
    assert main(["--committee", "nodes", "store", "file.bin", "--memory", "8M"]) == 0
    blob_id = capsys.readouterr().out.strip()
    assert calls == [1]
    assert main(["--committee", "nodes", "read", blob_id, "-o", "out.bin"]) == 0
    assert (tmp_path / "out.bin").read_bytes() == data
