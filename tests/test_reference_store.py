"""Reference storage end to end, with failure injection: every test asserts the
exact bytes or a clean error (BlobUnavailableError / StoreIncompleteError)."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fs_helpers import symlink_or_skip
from hypothesis import given, settings
from hypothesis import strategies as st

from walrus_core.blob import encode
from walrus_core.config import EncodingConfig
from walrus_core.metadata import BlobId, shard_index_for_pair
from walrus_core.reference import files, nodes, store
from walrus_core.reference.committee import Committee, init_committee, load_committee
from walrus_core.reference.errors import BlobUnavailableError, StoreIncompleteError
from walrus_core.reference.repair import repair
from walrus_core.reference.retrieve import read_blob
from walrus_core.reference.store import store_blob
from walrus_core.reference.verify import blob_info, cost, scrub

N = 10  # shards; f = 3, p = 4, s = 7


def blob(length: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(length)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BlobId, bytes]:
    """One committee (10 nodes, one shard each) holding one blob; tests copy it."""
    root = tmp_path_factory.mktemp("stored") / "c"
    c = init_committee(root, N, N)
    data = blob(20_000)
    r = store_blob(c, data)
    return root, r.blob_id, data


@pytest.fixture
def fresh(stored: tuple[Path, BlobId, bytes], tmp_path: Path) -> Iterator[tuple[Committee, BlobId, bytes]]:
    root, blob_id, data = stored
    shutil.copytree(root, tmp_path / "c")
    yield load_committee(tmp_path / "c"), blob_id, data


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


def sliver_files(c: Committee, blob_id: BlobId, shard: int) -> list[Path]:
    """The two sliver files of one shard (pair rotation by blob ID)."""
    pair = next(i for i in range(N) if shard_index_for_pair(i, blob_id, N) == shard)
    node = c.node_for_shard(shard)
    return [node.sliver_path(blob_id, "primary", pair), node.sliver_path(blob_id, "secondary", N - 1 - pair)]


def damage(c: Committee, blob_id: BlobId, shard: int, how: str, rng: random.Random) -> None:
    for path in sliver_files(c, blob_id, shard):
        raw = bytearray(path.read_bytes())
        if how == "delete":
            path.unlink()
        elif how == "flip":
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
            path.write_bytes(bytes(raw))
        elif how == "truncate":
            path.write_bytes(bytes(raw[: rng.randrange(len(raw))]))
        elif how == "garbage":
            path.write_bytes(rng.randbytes(len(raw)))
        elif how == "empty":
            path.write_bytes(b"")


# ------------------------------------------------------------------ store / read
@pytest.mark.parametrize("length", [0, 1, 2, 27, 1000, 4097])
def test_roundtrip(tmp_path: Path, length: int) -> None:
    c = init_committee(tmp_path / "c", 4, 13)
    data = blob(length, seed=length)
    r = store_blob(c, data)
    assert r.certified and r.signed_shards == 13 and not r.failures
    assert r.encoded_length == EncodingConfig(13).encoded_blob_length(length)
    assert read_blob(c, r.blob_id).data == data
    assert c.verify_certificate(r.blob_id, c.read_certificate(r.blob_id) or {}) == 13


def test_blob_id_matches_spec_oracle(tmp_path: Path) -> None:
    """The regression blob ID from the spec (§5), through the whole store path."""
    c = init_committee(tmp_path / "c", 10, 10)
    r = store_blob(c, b"walrus blob id v1 regression test")
    assert str(r.blob_id) == "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY"


def test_store_is_idempotent(fresh: tuple[Committee, BlobId, bytes]) -> None:
    c, blob_id, data = fresh
    before = snapshot(c.root)
    r = store_blob(c, data)
    assert r.blob_id == blob_id and r.certified
    assert snapshot(c.root) == before  # same bytes, same mtimes: nothing rewritten


def test_pairs_follow_rotation(fresh: tuple[Committee, BlobId, bytes]) -> None:
    c, blob_id, _ = fresh
    off = int.from_bytes(bytes(blob_id), "big") % N
    for node in c.node_dirs():
        (shard,) = node.shards
        pair = (shard - off) % N
        names = sorted(os.listdir(node.blob_path(blob_id)))
        assert names == sorted(
            ["metadata.bcs", f"primary-{pair:05d}.sliver", f"secondary-{N - 1 - pair:05d}.sliver"]
        )


@settings(max_examples=25, deadline=None)
@given(
    damages=st.lists(
        st.tuples(st.integers(0, N - 1), st.sampled_from(["delete", "flip", "truncate", "garbage", "empty"])),
        max_size=3,  # f = 3
        unique_by=lambda x: x[0],
    ),
    seed=st.integers(0, 2**32),
    lose_nodes=st.booleans(),
)
def test_read_exact_with_up_to_f_shards_bad(
    stored: tuple[Path, BlobId, bytes], tmp_path_factory: pytest.TempPathFactory, damages, seed, lose_nodes
) -> None:  # type: ignore[no-untyped-def]
    root, blob_id, data = stored
    work = tmp_path_factory.mktemp("h") / "c"
    shutil.copytree(root, work)
    c = load_committee(work)
    rng = random.Random(seed)
    for shard, how in damages:
        if lose_nodes and how == "delete":
            shutil.rmtree(c.node_for_shard(shard).path)
        else:
            damage(c, blob_id, shard, how, rng)
    assert read_blob(c, blob_id).data == data
    shutil.rmtree(work)


@pytest.mark.parametrize("how", ["delete", "flip", "truncate", "garbage"])
@pytest.mark.parametrize("bad", [4, 6, 7, 10])
def test_more_than_f_bad_exact_or_clean_error(
    fresh: tuple[Committee, BlobId, bytes], how: str, bad: int
) -> None:
    """Beyond f the guarantee ends, but never wrong bytes: with up to 2f shards bad
    the p primary slivers left still decode; past that, a clean error naming what is missing."""
    c, blob_id, data = fresh
    rng = random.Random(5)
    for shard in rng.sample(range(N), bad):
        damage(c, blob_id, shard, how, rng)
    if bad <= 6:
        assert read_blob(c, blob_id).data == data
        return
    with pytest.raises(BlobUnavailableError) as info:
        read_blob(c, blob_id)
    msg = str(info.value)
    assert f"4 valid primary slivers needed, {N - bad} found" in msg
    assert f"7 valid secondary slivers needed, {N - bad} found" in msg
    assert "node-00" in msg and "shard" in msg


def test_metadata_damage(fresh: tuple[Committee, BlobId, bytes]) -> None:
    c, blob_id, data = fresh
    cert_md = c.certified_path(blob_id) / "metadata.bcs"
    raw = bytearray(cert_md.read_bytes())
    raw[-1] ^= 0x40
    cert_md.write_bytes(bytes(raw))
    for node in c.node_dirs()[:5]:
        node.metadata_path(blob_id).write_bytes(raw[: len(raw) // 2])
    assert read_blob(c, blob_id).data == data  # a valid copy remains on node-005..009
    for node in c.node_dirs()[5:]:
        node.metadata_path(blob_id).unlink()
    with pytest.raises(BlobUnavailableError, match="no valid metadata"):
        read_blob(c, blob_id)


def test_unknown_blob_is_a_clean_error(fresh: tuple[Committee, BlobId, bytes]) -> None:
    c, _, _ = fresh
    with pytest.raises(BlobUnavailableError, match="no valid metadata"):
        read_blob(c, BlobId(bytes(32)))


def test_symlinked_sliver_is_not_served(fresh: tuple[Committee, BlobId, bytes], tmp_path: Path) -> None:
    c, blob_id, data = fresh
    outside = tmp_path / "outside"
    for shard in range(3):
        for path in sliver_files(c, blob_id, shard):
            outside.write_bytes(path.read_bytes())
            path.unlink()
            symlink_or_skip(path, outside)
    result = read_blob(c, blob_id)
    assert result.data == data
    assert any("cannot open" in p for p in result.problems)


# ------------------------------------------------------------------ node-side checks
def test_node_refuses_bad_slivers_before_keeping_anything(tmp_path: Path) -> None:
    from walrus_core.errors import VerificationError

    c = init_committee(tmp_path / "c", 2, 4)
    enc = encode(blob(500), 4)
    md = enc.metadata
    node = c.node(0)
    pairs = {}
    for t in node.shards:
        pair = next(i for i in range(4) if shard_index_for_pair(i, md.blob_id, 4) == t)
        pairs[pair] = (enc.pairs[pair].primary.to_bcs(), enc.pairs[pair].secondary.to_bcs())
    last = max(pairs)
    prim, sec = pairs[last]
    bad = bytearray(sec)
    bad[3] ^= 1
    with pytest.raises(VerificationError, match="refusing secondary sliver"):
        node.receive(md.to_bcs(), {**pairs, last: (prim, bytes(bad))})
    assert not node.blob_path(md.blob_id).exists()
    bad_md = bytearray(md.to_bcs())
    bad_md[40] ^= 1
    with pytest.raises(VerificationError, match="invalid metadata"):
        node.receive(bytes(bad_md), pairs)
    with pytest.raises(VerificationError, match="expected"):
        node.receive(md.to_bcs(), {k: v for k, v in pairs.items() if k != last})
    swapped = {k: (v[1], v[0]) for k, v in pairs.items()}
    with pytest.raises(VerificationError):
        node.receive(md.to_bcs(), swapped)
    assert not node.blob_path(md.blob_id).exists()
    ack = node.receive(md.to_bcs(), pairs)
    c.verify_ack(ack)


def test_store_with_f_nodes_gone_still_certifies(tmp_path: Path) -> None:
    c = init_committee(tmp_path / "c", 10, 10)
    for i in (1, 5, 8):
        shutil.rmtree(c.node(i).path)
    data = blob(3000)
    r = store_blob(c, data)
    assert r.certified and r.signed_shards == 7 and set(r.failures) == {"node-001", "node-005", "node-008"}
    assert read_blob(c, r.blob_id).data == data


def test_store_below_quorum_is_not_certified(tmp_path: Path) -> None:
    c = init_committee(tmp_path / "c", 10, 10)
    for i in (0, 1, 2, 3):
        shutil.rmtree(c.node(i).path)
    with pytest.raises(StoreIncompleteError, match="6 shards acknowledged, 7 needed"):
        store_blob(c, blob(3000))
    assert c.certified_blobs() == []


# ------------------------------------------------------------------ a writer that crashes
class Crash(BaseException):
    pass


def assert_never_wrong(c: Committee, blob_id: BlobId, data: bytes) -> None:
    """Every sliver file under a final name verifies; read gives the exact bytes or a clean error."""
    info = blob_info(c, blob_id, check=True) if c.certified_blobs() else None
    for node in c.node_dirs():
        if not node.blob_path(blob_id).is_dir():
            continue
        md = node.read_metadata(blob_id)
        for name in os.listdir(node.blob_path(blob_id)):
            parsed = files.parse_sliver_file_name(name)
            if parsed is not None:
                assert md is not None, "slivers are only written after the metadata"
                assert node.check_sliver(md, parsed[0], parsed[1], node.shards[0]).status == "ok"
    try:
        assert read_blob(c, blob_id).data == data
    except BlobUnavailableError:
        assert info is None


@pytest.mark.parametrize("workers", [1, None])
@pytest.mark.parametrize("crash_after", [0, 1, 2, 5, 9])
def test_writer_crash_between_node_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_after: int, workers: int | None
) -> None:
    c = init_committee(tmp_path / "c", 10, 10)
    data = blob(5000)
    done = []

    def hook(node: nodes.NodeDir) -> None:
        done.append(node.name)
        if len(done) > crash_after:
            raise Crash

    monkeypatch.setattr(store, "after_node", hook)
    with pytest.raises(Crash):
        store_blob(c, data, workers=workers)
    blob_id = encode(data, 10).metadata.blob_id
    assert c.certified_blobs() == []
    if workers == 1:  # one node after the other: the crash left the rest untouched
        assert all(not x.blob_path(blob_id).exists() for x in c.node_dirs()[crash_after + 1 :])
        assert all(len(os.listdir(x.blob_path(blob_id))) == 3 for x in c.node_dirs()[: crash_after + 1])
    assert_never_wrong(c, blob_id, data)
    monkeypatch.setattr(store, "after_node", None)
    r = store_blob(c, data)  # the retry completes the store
    assert r.certified and read_blob(c, blob_id).data == data


@pytest.mark.parametrize("crash_at", [1, 2, 3, 7, 14])
def test_writer_crash_inside_a_node_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: int
) -> None:
    """Crash with a temporary file fully written but not yet renamed."""
    c = init_committee(tmp_path / "c", 10, 10)
    data = blob(5000)
    renames = []

    def hook(tmp: Path) -> None:
        renames.append(tmp)
        if len(renames) == crash_at:
            raise Crash

    monkeypatch.setattr(files, "before_rename", hook)
    with pytest.raises(Crash):
        store_blob(c, data)
    monkeypatch.setattr(files, "before_rename", None)
    blob_id = encode(data, 10).metadata.blob_id
    assert_never_wrong(c, blob_id, data)
    assert store_blob(c, data).certified
    assert read_blob(c, blob_id).data == data


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
@pytest.mark.parametrize("kill_at", [2, 9])
def test_writer_killed_by_sigkill(tmp_path: Path, kill_at: int) -> None:
    """A real process killed with SIGKILL just before its kill_at-th rename:
    the half-done temporary is never served, and scrub --repair cleans it up."""
    root = tmp_path / "c"
    init_committee(root, 10, 10)
    data = blob(5000)
    (tmp_path / "blob").write_bytes(data)
    script = textwrap.dedent(
        f"""
        import os, signal
        from walrus_core.reference import files
        from walrus_core.reference.committee import load_committee
        from walrus_core.reference.store import store_file
        count = [0]
        def hook(tmp):
            count[0] += 1
            if count[0] == {kill_at}:
                os.kill(os.getpid(), signal.SIGKILL)
        files.before_rename = hook
        store_file(load_committee({str(root)!r}), {str(tmp_path / "blob")!r})
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[1], timeout=120
    )
    assert proc.returncode == -signal.SIGKILL
    c = load_committee(root)
    blob_id = encode(data, 10).metadata.blob_id
    strays = [x for node in c.node_dirs() for x in node.stray_files(blob_id)]
    assert strays and all(x.startswith(files.TMP_PREFIX) for x in strays)
    assert_never_wrong(c, blob_id, data)
    results = scrub(c, repair=True)
    assert sum(len(r.strays) for r in results) == len(strays)
    assert [x for node in c.node_dirs() for x in node.stray_files(blob_id)] == []


# ------------------------------------------------------------------ repair and scrub
@pytest.mark.parametrize("how", ["delete", "flip", "truncate", "garbage"])
def test_repair_restores_every_sliver_byte_for_byte(fresh: tuple[Committee, BlobId, bytes], how: str) -> None:
    c, blob_id, data = fresh
    before = {k: v[0] for k, v in snapshot(c.root).items()}
    rng = random.Random(9)
    for shard in (0, 4, 9):
        damage(c, blob_id, shard, how, rng)
    bad = scrub(c)
    assert sum(len(r.problems) for r in bad) == 6
    reports = repair(c)
    assert all(r.ok for r in reports)
    assert sum(len(r.rebuilt) for r in reports) == 6
    assert {k: v[0] for k, v in snapshot(c.root).items()} == before
    assert all(not r.problems for r in scrub(c))
    assert read_blob(c, blob_id).data == data


def test_repair_lost_node_directories(fresh: tuple[Committee, BlobId, bytes]) -> None:
    c, blob_id, data = fresh
    before = {k: v[0] for k, v in snapshot(c.root).items()}
    for i in (2, 3, 7):
        shutil.rmtree(c.node(i).path)
    assert read_blob(c, blob_id).data == data
    reports = repair(c)
    assert all(r.ok for r in reports)
    assert {k: v[0] for k, v in snapshot(c.root).items()} == before
    for r in reports:
        if r.rebuilt:
            # two slivers rebuilt from s resp. p symbols: about the node's share, never the blob
            assert r.bytes_moved < 3 * r.node_share
            assert r.bytes_moved < len(data)


def test_repair_one_node_moves_about_its_share(tmp_path: Path) -> None:
    c = init_committee(tmp_path / "c", 4, 40)  # 10 shards per node
    data = blob(60_000)
    r = store_blob(c, data)
    shutil.rmtree(c.node(2).path)
    (rep,) = repair(c, c.node(2))
    assert rep.ok and len(rep.rebuilt) == 20
    assert rep.bytes_moved < 3 * rep.node_share
    assert read_blob(c, r.blob_id).data == data


def test_repair_never_replaces_a_good_sliver(fresh: tuple[Committee, BlobId, bytes]) -> None:
    c, blob_id, _ = fresh
    before = snapshot(c.root)
    rng = random.Random(3)
    for shard in (1, 2):  # peers with corrupt slivers would send symbols that fail their proofs
        damage(c, blob_id, shard, "flip", rng)
    target = c.node_for_shard(5)
    (rep,) = repair(c, target)
    assert rep.ok and rep.rebuilt == []
    after = snapshot(c.root)
    for path in sliver_files(c, blob_id, 5):
        key = str(path.relative_to(c.root))
        assert after[key] == before[key]  # untouched, same mtime


def test_repair_rejects_bad_symbols(fresh: tuple[Committee, BlobId, bytes]) -> None:
    c, blob_id, data = fresh
    before = {k: v[0] for k, v in snapshot(c.root).items()}
    rng = random.Random(4)
    damage(c, blob_id, 0, "delete", rng)
    for shard in (1, 2):  # two more shards corrupt: their symbols must be refused
        damage(c, blob_id, shard, "flip", rng)
    (rep,) = repair(c, c.node_for_shard(0))
    assert rep.ok and len(rep.rebuilt) == 2
    after = {k: v[0] for k, v in snapshot(c.root).items()}
    for path in sliver_files(c, blob_id, 0):
        key = str(path.relative_to(c.root))
        assert after[key] == before[key]
    assert read_blob(c, blob_id).data == data


def test_repair_fails_cleanly_without_enough_peers(fresh: tuple[Committee, BlobId, bytes]) -> None:
    c, blob_id, _ = fresh
    for i in range(5):
        shutil.rmtree(c.node(i).path)
    (rep,) = repair(c, c.node(0))
    # 5 peers left: enough for the secondary sliver (p = 4 symbols), not the primary
    # (s = 7), even with the node's own rebuilt secondary sliver as a sixth source
    assert len(rep.failed) == 2
    assert "primary" in rep.failed[0] and "6 verified recovery symbols, 7 needed" in rep.failed[0]
    assert "repair every node, and if that fails too, store it again" in rep.failed[1]
    assert len(rep.rebuilt) == 1 and "secondary" in rep.rebuilt[0]
    md = c.node(0).read_metadata(blob_id)
    assert md is not None  # metadata came back from a peer
    names = [x for x in os.listdir(c.node(0).blob_path(blob_id)) if x.endswith(".sliver")]
    assert len(names) == 1 and names[0].startswith("secondary")
    kind, index = files.parse_sliver_file_name(names[0]) or ("", 0)
    assert c.node(0).check_sliver(md, kind, index, 0).status == "ok"


def test_cost_matches_spec_table() -> None:
    # spec §1 worked values: encoded_blob_length
    assert cost(1000, 10, 1, 1)["encoded_length"] == 10_680
    assert cost(2**20, 10, 1, 1)["encoded_length"] == 4_126_220
    big = cost(10**6, 1000, 3, 7)
    assert big["encoded_length"] == 70_038_000
    assert big["storage_units"] == 67  # ceil(70 038 000 / 2^20)
    assert big["cost"] == 67 * 3 * 7


@pytest.mark.parametrize(("n_nodes", "n_shards", "length"), [(4, 13, 3333), (10, 10, 0), (3, 7, 1)])
def test_stored_files_match_an_independent_oracle(
    tmp_path: Path, n_nodes: int, n_shards: int, length: int
) -> None:
    """Every file store writes equals the BCS an independent RS2 implementation
    (tests/store_rs2_oracle.py: reed-solomon-leopard + hashlib) produces."""
    import store_rs2_oracle as oracle

    c = init_committee(tmp_path / "c", n_nodes, n_shards)
    data = blob(length, seed=length)
    r = store_blob(c, data)
    want = oracle.encode(data, n_shards)
    assert bytes(r.blob_id) == bytes(want.metadata.blob_id)
    assert c.certified_metadata_bytes(r.blob_id) == want.metadata.to_bcs()
    off = int.from_bytes(bytes(r.blob_id), "big") % n_shards
    for pair in want.pairs:
        node = c.node_for_shard((pair.index + off) % n_shards)
        assert node.metadata_path(r.blob_id).read_bytes() == want.metadata.to_bcs()
        assert node.sliver_path(r.blob_id, "primary", pair.index).read_bytes() == pair.primary.to_bcs()
        path = node.sliver_path(r.blob_id, "secondary", n_shards - 1 - pair.index)
        assert path.read_bytes() == pair.secondary.to_bcs()


def test_symlinked_blob_directory_is_refused(fresh: tuple[Committee, BlobId, bytes], tmp_path: Path) -> None:
    """A node whose blob directory was replaced by a link to elsewhere serves nothing from it."""
    c, blob_id, data = fresh
    for i in (0, 1):
        node = c.node(i)
        target = tmp_path / f"elsewhere{i}"
        shutil.move(str(node.blob_path(blob_id)), target)
        symlink_or_skip(node.blob_path(blob_id), target, directory=True)
    result = read_blob(c, blob_id)
    assert result.data == data
    assert any("symbolic link" in p for p in result.problems)
    assert c.node(0).read_metadata(blob_id) is None
    (rep,) = repair(c, c.node(0))
    assert not rep.ok  # it will not write through the link either
    assert "symbolic link" in " ".join(rep.failed)


def test_files_holding_the_wrong_sliver_are_caught(fresh: tuple[Committee, BlobId, bytes]) -> None:
    """A sliver file that holds another (valid) sliver, and planted names, are never served as it."""
    c, blob_id, data = fresh
    before = {k: v[0] for k, v in snapshot(c.root).items()}
    a, b = sliver_files(c, blob_id, 0)[0], sliver_files(c, blob_id, 1)[0]  # two primary slivers
    raw_a, raw_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(raw_b)
    b.write_bytes(raw_a)
    node = c.node_for_shard(2)
    (node.blob_path(blob_id) / "primary-99999.sliver").write_bytes(raw_a)
    (node.blob_path(blob_id) / "..primary-00001.sliver").write_bytes(raw_a)
    assert read_blob(c, blob_id).data == data
    results = scrub(c)
    problems = [p for r in results for p in r.problems]
    assert len(problems) == 2 and all("file holds sliver index" in p for p in problems)
    assert sorted(x.split("/")[-1] for r in results for x in r.strays) == [
        "..primary-00001.sliver",
        "primary-99999.sliver",
    ]
    reports = repair(c)
    assert all(r.ok for r in reports) and sum(len(r.rebuilt) for r in reports) == 2
    after = {k: v[0] for k, v in snapshot(c.root).items()}
    planted = {k for k in after if "99999" in k or "..primary" in k}
    assert len(planted) == 2  # left alone (reported as strays by scrub), never read
    assert {k: v for k, v in after.items() if k not in planted} == before


def test_inconsistent_blob_is_refused_and_never_misread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that stores an inconsistently encoded blob (committed to a matrix
    that is no 2-D codeword): nodes whose slivers do not re-expand to the
    committed hashes refuse them, so it is not certified; and a read that has to
    decode through the bad column fails cleanly instead of returning other bytes."""
    from test_blob import inconsistent_blob

    data = blob(2000, seed=11)
    bad = inconsistent_blob(data, N, column=2)
    monkeypatch.setattr(store, "encode", lambda d, n, **kw: bad)
    c = init_committee(tmp_path / "c", N, N)
    with pytest.raises(StoreIncompleteError, match="hash does not match the metadata"):
        store_blob(c, data)
    assert c.certified_blobs() == []
    blob_id = bad.metadata.blob_id
    with contextlib.suppress(BlobUnavailableError):  # exact bytes or a clean error
        assert read_blob(c, blob_id).data == data
    p = EncodingConfig(N).n_primary_source_symbols
    for pair in range(p):  # lose the systematic slivers: decoding must use the bad column
        shard = shard_index_for_pair(pair, blob_id, N)
        path = c.node_for_shard(shard).sliver_path(blob_id, "primary", pair)
        if path.exists():
            path.unlink()
    with pytest.raises(BlobUnavailableError, match=r"inconsistently encoded|needed"):
        read_blob(c, blob_id)


def test_store_takes_any_contiguous_buffer(tmp_path: Path) -> None:
    import mmap

    np = pytest.importorskip("numpy")
    c = init_committee(tmp_path / "c", 4, 10)
    data = blob(7777, seed=3)
    ids = {bytes(store_blob(c, data).blob_id)}
    for buf in (bytearray(data), memoryview(data), np.frombuffer(data, dtype=np.uint8)):
        ids.add(bytes(store_blob(c, buf).blob_id))
    (tmp_path / "f").write_bytes(data)
    with open(tmp_path / "f", "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        ids.add(bytes(store_blob(c, mm).blob_id))
    assert len(ids) == 1
    assert read_blob(c, BlobId(ids.pop())).data == data
