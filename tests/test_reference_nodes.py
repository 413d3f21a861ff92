"""Reference storage pieces below the codec: name confinement, atomic writes,
committee files, keys, acknowledgments and certificates."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fs_helpers import symlink_or_skip

from walrus_core.errors import InvalidBlobIdError, InvalidInputError
from walrus_core.metadata import BlobId
from walrus_core.reference import files, nodes
from walrus_core.reference.committee import init_committee, load_committee, split_shards
from walrus_core.reference.errors import CertificateError, CommitteeError, StorageError, UnsafeNameError
from walrus_core.reference.files import atomic_write, read_file
from walrus_core.reference.nodes import Ack, ack_message
from walrus_core.reference.retrieve import parse_blob_id

BID = BlobId(bytes(range(32)))


@pytest.mark.parametrize(
    "text",
    [
        "../../../../etc/passwd",
        "..",
        "",
        "a" * 42,
        "a" * 44,
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8/",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd/h8",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\x00h8",
        "0001020304050607080910111213141516171819202122232425262728293031",
    ],
)
def test_hostile_blob_id_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidBlobIdError):
        parse_blob_id(text)


def test_blob_id_text_roundtrip() -> None:
    assert parse_blob_id(str(BID)) == BID
    assert files.blob_dir_name(BID) == bytes(range(32)).hex()


@pytest.mark.parametrize("index", [-1, 10, 10**6, True, 3.0, "3", "../3", None])
def test_hostile_sliver_index_is_refused(tmp_path: Path, index: object) -> None:
    node = nodes.NodeDir(tmp_path / "node-000", 0, [0], 10, tmp_path / "k")
    with pytest.raises(UnsafeNameError):
        node.sliver_path(BID, "primary", index)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["../primary", "primary/..", "Primary", "", "metadata"])
def test_hostile_sliver_kind_is_refused(tmp_path: Path, kind: str) -> None:
    node = nodes.NodeDir(tmp_path / "node-000", 0, [0], 10, tmp_path / "k")
    with pytest.raises(UnsafeNameError):
        node.sliver_path(BID, kind, 1)


@pytest.mark.parametrize("bad", [b"x" * 32, "AAEC", bytes(range(32)), None])
def test_blob_dir_needs_a_real_blob_id(tmp_path: Path, bad: object) -> None:
    node = nodes.NodeDir(tmp_path / "node-000", 0, [0], 10, tmp_path / "k")
    with pytest.raises(UnsafeNameError):
        node.blob_path(bad)  # type: ignore[arg-type]


def test_derived_paths_stay_inside_the_node(tmp_path: Path) -> None:
    node = nodes.NodeDir(tmp_path / "node-000", 0, [0], 100, tmp_path / "k")
    for kind in nodes.KINDS:
        for i in (0, 1, 99):
            p = node.sliver_path(BID, kind, i).resolve()
            assert p.parent.parent.parent == (tmp_path / "node-000").resolve()
            assert files.parse_sliver_file_name(p.name) == (kind, i)


@pytest.mark.parametrize(
    "name",
    ["../x", "x/../../y", "..", ".", "primary-00001.sliver/..", "a\x00b", "a\\b", "ABCD" * 16, "0" * 63],
)
def test_foreign_names_are_not_blob_dirs(name: str) -> None:
    assert files.parse_blob_dir_name(name) is None


def test_listing_ignores_foreign_directories(tmp_path: Path) -> None:
    node = nodes.NodeDir(tmp_path / "n", 0, [0], 10, tmp_path / "k")
    node.create(b"\x00" * 32)
    (node.path / "blobs" / "not-a-blob").mkdir()
    (node.path / "blobs" / ("AB" * 32)).mkdir()
    (node.path / "blobs" / files.blob_dir_name(BID)).mkdir()
    assert node.blobs() == [BID]


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"old")
    atomic_write(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert os.listdir(tmp_path) == ["f"]


def test_atomic_write_crash_before_rename_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"old")

    def crash(tmp: Path) -> None:
        assert tmp.read_bytes() == b"new"  # fully written and fsynced before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "before_rename", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f"]  # the temporary was removed


def test_read_file_refuses_symlinks(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"s")
    symlink_or_skip(tmp_path / "link", secret)
    assert read_file(tmp_path / "missing") is None
    with pytest.raises(Exception, match="cannot open"):
        read_file(tmp_path / "link")


@pytest.mark.parametrize(
    ("n", "nodes_", "weights", "sizes"),
    [
        (10, 10, None, [1] * 10),
        (100, 10, None, [10] * 10),
        (10, 3, None, [4, 3, 3]),
        (13, 4, None, [4, 3, 3, 3]),
        (10, 3, [2, 1, 1], [5, 3, 2]),
        (1000, 3, [1, 1, 2], [250, 250, 500]),
    ],
)
def test_split_shards(n: int, nodes_: int, weights: list[float] | None, sizes: list[int]) -> None:
    split = split_shards(n, nodes_, weights)
    assert [len(x) for x in split] == sizes
    assert sorted(t for x in split for t in x) == list(range(n))


@pytest.mark.parametrize(
    ("n", "nodes_", "weights"), [(4, 5, None), (10, 0, None), (10, 2, [1, 0]), (10, 2, [1])]
)
def test_split_shards_refuses(n: int, nodes_: int, weights: list[float] | None) -> None:
    with pytest.raises(CommitteeError):
        split_shards(n, nodes_, weights)


def test_init_and_load_committee(tmp_path: Path) -> None:
    c = init_committee(tmp_path / "c", 4, 13)
    assert c.max_faulty == 4 and c.quorum == 9
    again = load_committee(tmp_path / "c")
    assert again.n_shards == 13
    assert [x.shards for x in again.nodes] == [x.shards for x in c.nodes]
    assert [x.public_key for x in again.nodes] == [x.public_key for x in c.nodes]
    for node in again.node_dirs():
        assert node.exists
        info = json.loads((node.path / "node.json").read_text())
        assert info["index"] == node.index
        assert (node.key_path.stat().st_mode & 0o777) == 0o600
    with pytest.raises(CommitteeError):
        init_committee(tmp_path / "c", 4, 13)
    with pytest.raises(CommitteeError):
        init_committee(tmp_path / "d", 4, 3)
    with pytest.raises(CommitteeError):
        load_committee(tmp_path / "nowhere")


def test_committee_file_must_partition_shards(tmp_path: Path) -> None:
    init_committee(tmp_path, 2, 4)
    doc = json.loads((tmp_path / "committee.json").read_text())
    doc["nodes"][1]["shards"] = [1, 2, 3]  # shard 1 twice, 0 missing
    (tmp_path / "committee.json").write_text(json.dumps(doc))
    with pytest.raises(CommitteeError):
        load_committee(tmp_path)
    (tmp_path / "committee.json").write_text("{not json")
    with pytest.raises(CommitteeError):
        load_committee(tmp_path)


def test_resolve_node(tmp_path: Path) -> None:
    c = init_committee(tmp_path, 3, 4)
    assert c.resolve_node("2").index == 2
    assert c.resolve_node("node-001").index == 1
    for bad in ("3", "../node-000", "-1", "x", "node-"):
        with pytest.raises(CommitteeError):
            c.resolve_node(bad)


def test_acks_and_certificates(tmp_path: Path) -> None:
    c = init_committee(tmp_path, 4, 10)  # shards 3,3,2,2 (first nodes get the remainder); quorum 7
    acks = [c.node(i).sign(ack_message(BID, i, c.nodes[i].shards)) for i in range(4)]
    good = [Ack(i, BID, c.nodes[i].shards, acks[i]) for i in range(4)]
    for a in good:
        c.verify_ack(a)
    cert = c.make_certificate(BID, good[:3])
    assert c.verify_certificate(BID, cert) == 8
    # Below the threshold (3 + 2 shards < 7).
    with pytest.raises(CertificateError, match="needs 7"):
        c.verify_certificate(BID, c.make_certificate(BID, [good[1], good[3]]))
    # Signature for another blob, or another node's key, or a shard the node does not hold.
    other = BlobId(bytes(32))
    with pytest.raises(CertificateError):
        c.verify_certificate(other, {**cert, "blob_id": str(other)})
    bad = json.loads(json.dumps(cert))
    bad["acks"][0]["signature"] = bad["acks"][1]["signature"]
    with pytest.raises(CertificateError):
        c.verify_certificate(BID, bad)
    with pytest.raises(CertificateError):
        c.verify_ack(Ack(0, BID, (0, 1, 2, 3), acks[0]))
    dup = json.loads(json.dumps(cert))
    dup["acks"].append(dup["acks"][0])
    with pytest.raises(CertificateError, match="two"):
        c.verify_certificate(BID, dup)
    with pytest.raises(CertificateError):
        c.verify_certificate(BID, {"format": cert["format"], "blob_id": str(BID)})


def test_errors_are_project_errors() -> None:
    assert issubclass(UnsafeNameError, InvalidInputError)
    assert issubclass(CommitteeError, InvalidInputError)


def test_progress_bar_draws_on_its_stream() -> None:
    import io

    from walrus_core.reference.progress import StderrBar, no_progress

    out = io.StringIO()
    bar = StderrBar(out, width=10)
    bar("store", 0, 4)
    bar("store", 4, 4)
    text = out.getvalue()
    assert "\rstore    [..........] 0/4" in text
    assert text.endswith("[##########] 4/4\n")
    no_progress("x", 1, 2)


# ------------------------------------------------------------------ spooled receive
def _received(c, data: bytes):  # type: ignore[no-untyped-def]
    from walrus_core.blob import encode
    from walrus_core.metadata import shard_index_for_pair

    enc = encode(data, c.n_shards)
    md = enc.metadata
    by_shard = {shard_index_for_pair(p.index, md.blob_id, c.n_shards): p for p in enc.pairs}
    return enc, md, by_shard


def _share(node: nodes.NodeDir, by_shard):  # type: ignore[no-untyped-def]
    return [by_shard[t] for t in node.shards]


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("pair_by_pair", [False, True])
def test_staged_then_kept_gives_exactly_what_receive_writes(tmp_path: Path, pair_by_pair: bool) -> None:
    data = bytes(range(256)) * 40
    c1 = init_committee(tmp_path / "a", 4, 10)
    c2 = init_committee(tmp_path / "b", 4, 10)
    _, md, by_shard = _received(c1, data)
    for n1, n2 in zip(c1.node_dirs(), c2.node_dirs()):
        share = _share(n1, by_shard)
        n1.receive(md.to_bcs(), {p.index: (p.primary, p.secondary) for p in share})
        staged = n2.stage(md)
        for part in [[p] for p in share] if pair_by_pair else [share]:
            n2.send(staged, part)
        # staged but not kept: only temporaries, nothing under a served name
        assert staged.spooled.temps and all(
            x.startswith(files.TMP_PREFIX) for x in os.listdir(n2.blob_path(md.blob_id))
        )
        assert n2.read_metadata(md.blob_id) is None
        ack = n2.confirm(staged, c2)
        assert ack.node == n2.index and ack.shards == tuple(sorted(n2.shards))
        assert _tree(n2.path / n2.blob_path(md.blob_id).name) == _tree(
            n1.path / n1.blob_path(md.blob_id).name
        )
        assert n2.stray_files(md.blob_id) == []
        # storing again: files already there are not written a second time
        again = n2.stage(md)
        n2.send(again, share)
        assert again.spooled.temps == {}
        n2.confirm(again, c2)
        assert n2.stray_files(md.blob_id) == []


def test_staged_sliver_that_fails_its_check_is_never_kept(tmp_path: Path) -> None:
    from walrus_core import Sliver, SliverPair
    from walrus_core.errors import VerificationError

    c = init_committee(tmp_path / "c", 4, 10)
    _, md, by_shard = _received(c, bytes(range(200)) * 30)
    node = c.node(0)
    share = _share(node, by_shard)
    good = share[0]
    forged = bytearray(bytes(good.primary))
    forged[5] ^= 1
    bad = Sliver(bytes(forged), good.index, good.primary.symbol_size, "primary")
    staged = node.stage(md)
    with pytest.raises(VerificationError):
        node.send(staged, [SliverPair(good.index, bad, good.secondary), *share[1:]])
    node.abandon(staged)
    assert os.listdir(node.blob_path(md.blob_id)) == []
    # and a staged share can only be kept by its own node
    other = c.node(1)
    theirs = other.stage(md)
    other.send(theirs, _share(other, by_shard))
    with pytest.raises(StorageError):
        node.confirm(theirs, c)
    other.abandon(theirs)
    assert [x for x in os.listdir(other.blob_path(md.blob_id)) if x.startswith(files.TMP_PREFIX)] == []


def test_read_file_refuses_symlinks_without_nofollow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the OS has no O_NOFOLLOW (Windows) links are refused by a check first."""
    secret = tmp_path / "secret"
    secret.write_bytes(b"s")
    symlink_or_skip(tmp_path / "link", secret)
    monkeypatch.setattr(files, "_O_NOFOLLOW", 0)
    with pytest.raises(Exception, match=r"cannot open .*symbolic link"):
        read_file(tmp_path / "link")
    assert read_file(secret) == b"s"


def test_atomic_write_without_writev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the OS has no writev (Windows) the parts are written one by one."""
    monkeypatch.delattr(os, "writev", raising=False)
    parts = [b"a" * 3, memoryview(b"\x00\x1a\r\n" * 1000), bytearray(b"z")]
    files.atomic_write_many(tmp_path, [("f", parts)])
    assert (tmp_path / "f").read_bytes() == b"".join(bytes(p) for p in parts)
