"""Quilts on the reference nodes and through the CLI: store-quilt, read-patch
(only the index's and the patch's secondary slivers, each verified; lost or
corrupt ones rebuilt from recovery symbols, up to f lost shards), quilt-id,
and clean failures past f or for hostile patch IDs."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

import walrus_core as wc
from walrus_core import quilt
from walrus_core.cli import main
from walrus_core.metadata import shard_index_for_pair
from walrus_core.reference import init_committee
from walrus_core.reference.committee import Committee
from walrus_core.reference.errors import BlobUnavailableError
from walrus_core.reference.quilt_store import quilt_note, read_patch, read_quilt_index, store_quilt


def _files(count: int, seed: int = 3) -> list[quilt.File]:
    rng = random.Random(seed)
    return [
        quilt.File(
            f"file-{i:03d}.bin", rng.randbytes(rng.randrange(0, 3000)), {"i": str(i)} if i % 3 else None
        )
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, quilt.Quilt, list[quilt.File]]:
    root = tmp_path_factory.mktemp("quilt") / "nodes"
    committee = init_committee(root, 10, 100)
    files = _files(30)
    result = store_quilt(committee, files)
    assert result.stored.certified
    return root, result.quilt, files


@pytest.fixture
def fresh(
    stored: tuple[Path, quilt.Quilt, list[quilt.File]], tmp_path: Path
) -> tuple[Committee, quilt.Quilt]:
    from walrus_core.reference import load_committee

    shutil.copytree(stored[0], tmp_path / "nodes")
    return load_committee(tmp_path / "nodes"), stored[1]


def test_store_quilt_is_the_offline_quilt(stored: tuple[Path, quilt.Quilt, list[quilt.File]]) -> None:
    _, q, files = stored
    offline = quilt.encode(files, 100)
    assert offline.quilt_id == q.quilt_id and offline.blob == q.blob
    assert [str(p.patch_id) for p in offline.patches] == [str(p.patch_id) for p in q.patches]


def test_read_every_patch_moves_only_its_slivers(fresh: tuple[Committee, quilt.Quilt]) -> None:
    committee, q = fresh
    by_name = {f.identifier: bytes(f.data) for f in _files(30)}
    for patch in q.patches:
        r = read_patch(committee, patch.patch_id)
        assert r.data == by_name[patch.identifier] and r.identifier == patch.identifier
        assert r.slivers_read == [*range(q.index_columns), *range(patch.start, patch.end)]
        assert not r.slivers_rebuilt and r.bytes_moved < r.quilt_encoded_length / 10
    assert read_patch(committee, "file-004.bin", q.quilt_id).data == by_name["file-004.bin"]
    assert [e.identifier for e in read_quilt_index(committee, q.quilt_id)] == sorted(by_name)
    note = quilt_note(committee, q.quilt_id)
    assert note is not None and len(note["patches"]) == 30


def test_read_patch_fetches_its_slivers_in_parallel(fresh: tuple[Committee, quilt.Quilt]) -> None:
    """A patch's columns are asked for all at once (over HTTP each costs a
    round trip): the first load waits until a second one has started, which
    a one-at-a-time fetch never does (the wait then gives up, and the test fails)."""
    import threading

    from walrus_core.reference.nodes import NodeDir, SliverCheck

    committee, q = fresh
    patch = max(q.patches, key=lambda p: p.end - p.start)
    assert patch.end - patch.start >= 2
    lock, second, overlapped = threading.Lock(), threading.Event(), []

    class Watched(NodeDir):
        def load_sliver(self, metadata: wc.BlobMetadata, kind: str, index: int, shard: int) -> SliverCheck:
            if patch.start <= index < patch.end:
                with lock:
                    first = not overlapped
                    overlapped.append(False)
                if first:
                    overlapped[0] = second.wait(timeout=60)
                else:
                    second.set()
            return super().load_sliver(metadata, kind, index, shard)

    nodes = {
        node.index: Watched(node.path, node.index, node.shards, node.n_shards, node.key_path)
        for node in committee.node_dirs()
    }
    by_shard = {t: nodes[committee.owner[t]] for t in range(committee.n_shards)}
    r = read_patch(committee, patch.patch_id, nodes=by_shard)
    assert r.data == next(bytes(f.data) for f in _files(30) if f.identifier == patch.identifier)
    assert overlapped[0], "the patch's slivers were fetched one at a time"


def _shards_of_columns(committee: Committee, q: quilt.Quilt, columns: list[int]) -> set[int]:
    n = committee.n_shards
    return {shard_index_for_pair(n - 1 - j, q.quilt_id, n) for j in columns}


def test_read_with_f_shards_lost(fresh: tuple[Committee, quilt.Quilt]) -> None:
    committee, q = fresh
    patch = q.patches[12]
    # lose whole nodes holding the index's and this patch's slivers, up to f = 33 shards
    wanted = _shards_of_columns(committee, q, [0, *range(patch.start, patch.end)])
    lost: set[int] = set()
    for node in committee.node_dirs():
        if set(node.shards) & wanted and len(lost) + len(node.shards) <= committee.max_faulty:
            shutil.rmtree(node.path)
            lost |= set(node.shards)
    assert lost & wanted
    want = bytes(next(f.data for f in _files(30) if f.identifier == patch.identifier))
    r = read_patch(committee, str(patch.patch_id))
    assert r.data == want and r.slivers_rebuilt


def test_corrupt_sliver_is_rebuilt_not_served(fresh: tuple[Committee, quilt.Quilt]) -> None:
    committee, q = fresh
    patch = q.patches[5]
    j = patch.start
    shard = shard_index_for_pair(committee.n_shards - 1 - j, q.quilt_id, committee.n_shards)
    path = committee.node_for_shard(shard).sliver_path(q.quilt_id, "secondary", j)
    raw = bytearray(path.read_bytes())
    raw[5] ^= 0xFF
    path.write_bytes(bytes(raw))
    r = read_patch(committee, patch.patch_id)
    assert r.slivers_rebuilt == [j] and any("hash" in p for p in r.problems)
    assert r.data == bytes(next(f.data for f in _files(30) if f.identifier == patch.identifier))


def test_past_f_is_a_clean_error(fresh: tuple[Committee, quilt.Quilt]) -> None:
    committee, q = fresh
    for node in committee.node_dirs()[:7]:
        shutil.rmtree(node.path)
    with pytest.raises(BlobUnavailableError):
        read_patch(committee, q.patches[0].patch_id)


# ---- the CLI ---------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_store_quilt_read_patch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(1)
    names = ["a.txt", "b.bin", "c.json"]
    for name in names:
        (tmp_path / name).write_bytes(rng.randbytes(rng.randrange(1, 5000)))
    assert main(["init", "nodes", "--nodes", "7", "--shards", "10"]) == 0
    rc, out, err = run(capsys, "--committee", "nodes", "store-quilt", *names, "--tag", "a.txt:type=text")
    assert rc == 0, err
    lines = out.split()
    quilt_id, pairs = lines[0], list(zip(lines[1::2], lines[2::2]))
    assert [name for _, name in pairs] == names and all(len(p) == 50 for p, _ in pairs)
    rc, out, _ = run(capsys, "quilt-id", *names, "--shards", "10", "--tag", "a.txt:type=text", "--json")
    offline = json.loads(out)
    assert rc == 0 and offline["quilt_id"] == quilt_id
    assert offline["patches"][0]["tags"] == {"type": "text"}
    shutil.rmtree(tmp_path / "nodes" / "node-003")  # f = 3 shards of 10: lose one node (1-2 shards)
    for patch_id, name in pairs:
        rc, out, err = run(capsys, "--committee", "nodes", "read-patch", patch_id, "-o", f"out-{name}")
        assert rc == 0, err
        assert (tmp_path / f"out-{name}").read_bytes() == (tmp_path / name).read_bytes()
        assert "moved" in out
    rc, out, _ = run(capsys, "--committee", "nodes", "--json", "read-patch", pairs[0][0], "-o", "x")
    assert rc == 0 and json.loads(out)["moved_fraction"] < 1
    rc, out, err = run(capsys, "--committee", "nodes", "read-patch", "b.bin", "--quilt", quilt_id, "-o", "y")
    assert rc == 0, err
    assert (tmp_path / "y").read_bytes() == (tmp_path / "b.bin").read_bytes()
    rc, _, err = run(capsys, "--committee", "nodes", "read-patch", "nope", "--quilt", quilt_id, "-o", "z")
    assert rc == 1 and "no patch" in err and not (tmp_path / "z").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["read-patch", "not-a-patch-id", "-o", "x"],
        ["read-patch", "A" * 50, "-o", "x"],
        ["store-quilt", "missing.bin"],
        ["store-quilt", "f.bin", "f.bin"],
        ["quilt-id", "f.bin", "--shards", "3"],
    ],
)
def test_cli_errors_are_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.bin").write_bytes(b"x")
    assert main(["init", "nodes", "--nodes", "4", "--shards", "4"]) == 0
    rc, _, err = run(capsys, "--committee", "nodes", *argv)
    assert rc == 1 and "walrus-core: error:" in err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("tag", ["f.bin", "f.bin:novalue", "other.bin:k=v"])
def test_cli_bad_tag_is_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tag: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.bin").write_bytes(b"x")
    rc, _, err = run(capsys, "quilt-id", "f.bin", "--shards", "10", "--tag", tag)
    assert rc == 2 and "--tag" in err


def test_patch_of_hostile_quilt_id_is_unavailable(fresh: tuple[Committee, quilt.Quilt]) -> None:
    committee, _ = fresh
    other = quilt.PatchId(wc.BlobId(bytes(32)), 1, 2)
    with pytest.raises(BlobUnavailableError):
        read_patch(committee, other)


def test_quilt_files_and_costs(fresh: tuple[Committee, quilt.Quilt]) -> None:
    from walrus_core.reference.quilt_store import compare_costs, quilt_files

    committee, q = fresh
    listed = quilt_files(committee, q.quilt_id)
    assert listed is not None
    assert [x["patch_id"] for x in listed] == [str(p.patch_id) for p in q.patches]
    plain = wc.blob_id(b"plain", 100)
    assert quilt_files(committee, plain) is None
    costs = compare_costs(_files(30), 100, 2, 10)
    cfg = wc.EncodingConfig(100)
    assert costs["as_quilt"]["encoded_length"] == cfg.encoded_blob_length(len(q.blob))
    assert costs["as_single_blobs"]["encoded_length"] == sum(
        cfg.encoded_blob_length(len(f.data)) for f in _files(30)
    )
    assert costs["quilt_saves"] > 10


def test_quilt_files_come_from_the_nodes_given(fresh: tuple[Committee, quilt.Quilt], tmp_path: Path) -> None:
    """info on served nodes lists a quilt's files from those nodes: here the
    committee's own directories are gone and the nodes given are elsewhere."""
    from walrus_core.reference.nodes import NodeDir
    from walrus_core.reference.quilt_store import quilt_files

    committee, q = fresh
    moved = {}
    for node in committee.node_dirs():
        shutil.move(node.path, tmp_path / node.name)
        moved[node.index] = NodeDir(
            tmp_path / node.name, node.index, node.shards, node.n_shards, node.key_path
        )
    from_dirs = quilt_files(committee, q.quilt_id)
    assert from_dirs is not None and all("index unreadable" in x["note"] for x in from_dirs)
    given = {t: moved[committee.owner[t]] for t in range(committee.n_shards)}
    listed = quilt_files(committee, q.quilt_id, given)
    assert listed is not None and not any("note" in x for x in listed)
    assert [x["patch_id"] for x in listed] == [str(p.patch_id) for p in q.patches]
    assert [x["identifier"] for x in listed] == sorted(f.identifier for f in _files(30))


def test_cli_ls_info_cost_show_quilts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    names = [f"f{i}.txt" for i in range(5)]
    for i, name in enumerate(names):
        (tmp_path / name).write_bytes(bytes([i]) * (100 * i + 1))
    assert main(["init", "nodes", "--nodes", "4", "--shards", "10"]) == 0
    rc, out, _ = run(capsys, "--committee", "nodes", "store-quilt", *names, "--tag", "f1.txt:k=v")
    quilt_id = out.split()[0]
    assert run(capsys, "--committee", "nodes", "store", "f0.txt")[0] == 0
    rc, out, _ = run(capsys, "--committee", "nodes", "ls")
    assert rc == 0 and "quilt of 5 files" in out and out.count("\n") == 2
    rc, out, _ = run(capsys, "--committee", "nodes", "--json", "ls")
    assert sorted(x.get("quilt_files", 0) for x in json.loads(out)["blobs"]) == [0, 5]
    rc, out, _ = run(capsys, "--committee", "nodes", "info", quilt_id)
    assert rc == 0 and "quilt of 5 files:" in out and "f1.txt k=v" in out
    rc, out, _ = run(capsys, "--committee", "nodes", "--json", "info", quilt_id)
    assert [f["identifier"] for f in json.loads(out)["quilt_files"]] == names
    rc, out, _ = run(capsys, "cost", *names, "--epochs", "2", "--price", "3", "--shards", "10")
    assert rc == 0 and "as 5 blobs" in out and "as one quilt" in out
    rc, out, _ = run(capsys, "--json", "cost", *names, "--epochs", "2", "--price", "3", "--shards", "10")
    costs = json.loads(out)
    assert costs["as_single_blobs"]["cost"] > costs["as_quilt"]["cost"]
    rc, out, _ = run(capsys, "cost", "f1.txt", "--epochs", "2", "--price", "3", "--shards", "10")
    assert rc == 0 and "units x 2 epochs x 3" in out


def test_read_patch_of_a_plain_blob_is_refused(fresh: tuple[Committee, quilt.Quilt], tmp_path: Path) -> None:
    from walrus_core.reference.store import store_blob

    committee, _ = fresh
    plain = store_blob(committee, b"not a quilt" * 100).blob_id
    with pytest.raises(quilt.CorruptQuiltError, match="not a quilt"):
        read_patch(committee, quilt.PatchId(plain, 1, 2))
    # a blob of exactly p*s*S bytes that is not a quilt either
    fake = store_blob(committee, bytes([7]) * (34 * 67 * 2)).blob_id
    with pytest.raises(quilt.CorruptQuiltError, match="version"):
        read_patch(committee, quilt.PatchId(fake, 1, 2))
