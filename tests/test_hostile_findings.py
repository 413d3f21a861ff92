"""Regression tests for the hostile-input findings of issue 11, one section
per finding: each case failed (wrong answer, escape, bare TypeError, whole-file
read) before its fix."""

from __future__ import annotations

import json
import os
import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fs_helpers import symlink_or_skip

import walrus_core as wc
from walrus_core import cli, rs2
from walrus_core.errors import DataTooLargeError, InvalidInputError, WalrusCoreError
from walrus_core.metadata import BlobId
from walrus_core.reference import store
from walrus_core.reference.committee import Committee, init_committee, load_committee
from walrus_core.reference.errors import CommitteeError, StorageError
from walrus_core.reference.nodes import NodeDir, expected_slivers
from walrus_core.reference.repair import repair
from walrus_core.reference.retrieve import find_metadata, read_blob
from walrus_core.reference.store import store_blob, store_file
from walrus_core.reference.verify import blob_info, list_blobs, scrub

np = pytest.importorskip("numpy")

DATA = bytes(range(256)) * 3
ENC = wc.encode(DATA, 7)
MD = ENC.metadata


# ---------------------------------------------------------------------------
# Errors: wrong calls get our error classes, not a bare TypeError.


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: rs2.Decoder(3, 2, None), id="Decoder(present=None)"),
        pytest.param(lambda: rs2.Decoder(3, 2, 5), id="Decoder(present=5)"),
        pytest.param(lambda: wc.Sliver(), id="Sliver()"),  # type: ignore[call-arg]
        pytest.param(lambda: wc.Sliver(b"ab"), id="Sliver(data)"),  # type: ignore[call-arg]
        pytest.param(lambda: wc.Sliver(b"ab", 0, 2, "primary", 1), id="Sliver(5 args)"),  # type: ignore[call-arg]
        pytest.param(lambda: wc.Sliver(b"ab", 0, 2, knd="primary"), id="Sliver(bad keyword)"),  # type: ignore[call-arg]
    ],
)
def test_wrong_calls_raise_our_errors(call: object) -> None:
    with pytest.raises(InvalidInputError):
        call()  # type: ignore[operator]


def test_sliver_by_keyword_still_works() -> None:
    s = wc.Sliver(data=b"abcd", index=1, symbol_size=2, kind="secondary")
    assert (bytes(s), s.index, s.symbol_size, s.kind) == (b"abcd", 1, 2, "secondary")


# ---------------------------------------------------------------------------
# Canonical encodings: the empty Merkle node has one encoding (0x00), never
# 0x01 followed by 32 zero bytes.

_DIGEST_OF_ZEROS = b"\x01" + bytes(32)


def test_proof_bcs_refuses_zero_digest() -> None:
    proof = wc.MerkleProof([bytes(32), b"\x07" * 32])
    canonical = proof.to_bcs()
    assert canonical == b"\x02\x00\x01" + b"\x07" * 32
    assert wc.MerkleProof.from_bcs(canonical) == proof
    with pytest.raises(InvalidInputError, match="not canonical"):
        wc.MerkleProof.from_bcs(b"\x02" + _DIGEST_OF_ZEROS + b"\x01" + b"\x07" * 32)


def test_metadata_bcs_refuses_zero_digest() -> None:
    """Metadata whose first pair hash is the zero node (the only way it can be
    in a real blob is by construction): the canonical BCS parses, the one that
    spells the zero node as a digest does not."""
    hashes = bytes(32) + MD.pair_hashes_bytes()[32:]
    md = wc.BlobMetadata(MD.unencoded_length, hashes)
    canonical = md.to_bcs()
    head = 32 + 1 + 1 + 8 + 1  # blob ID, version, encoding type, length, uleb128(n = 7)
    assert canonical[head] == 0x00
    assert wc.BlobMetadata.from_bcs(canonical) == md
    with pytest.raises(WalrusCoreError):
        wc.BlobMetadata.from_bcs(canonical[:head] + _DIGEST_OF_ZEROS + canonical[head + 1 :])


def test_recovery_symbol_refuses_zero_digest() -> None:
    sym = wc.recovery_symbol(ENC.pairs[0].primary, 3, MD)
    wire = sym.to_bytes()
    assert wc.RecoverySymbol.from_bytes(wire) == sym
    # the last proof node replaced by the non-canonical zero digest
    forged = wire[:-33] + _DIGEST_OF_ZEROS if wire[-33] == 0x01 else wire[:-1] + _DIGEST_OF_ZEROS
    with pytest.raises(InvalidInputError):
        wc.RecoverySymbol.from_bytes(forged)


# ---------------------------------------------------------------------------
# Misuse: encode_into refuses output buffers that share memory with each
# other or with the input (the encoder would read what it overwrites, and
# return a blob ID for slivers that are not there).


def _overlapping_cases() -> list[Any]:
    psize, ssize = wc.output_sizes(len(DATA), 7)
    view = memoryview(bytearray(psize + ssize))
    arr = np.zeros(psize + ssize, np.uint8)
    return [
        pytest.param(DATA, view[:psize], view[psize - 2 : psize - 2 + ssize], id="memoryviews-overlap"),
        pytest.param(DATA, arr[:psize], arr[psize - 1 : psize - 1 + ssize], id="numpy-overlap"),
        pytest.param(DATA, view[:psize], view[:ssize], id="same-start"),
        pytest.param(view.toreadonly()[: len(DATA)], view[:psize], view[psize:], id="input-views-output"),
    ]


@pytest.mark.parametrize(("data", "primary_out", "secondary_out"), _overlapping_cases())
def test_encode_into_refuses_shared_memory(data: Any, primary_out: Any, secondary_out: Any) -> None:
    with pytest.raises(InvalidInputError, match="share memory"):
        wc.encode_into(data, 7, primary_out, secondary_out)


def test_encode_into_disjoint_parts_of_one_buffer() -> None:
    psize, ssize = wc.output_sizes(len(DATA), 7)
    one = bytearray(psize + ssize + len(DATA))
    one[psize + ssize :] = DATA
    view = memoryview(one)
    enc = wc.encode_into(view[psize + ssize :].toreadonly(), 7, view[:psize], view[psize : psize + ssize])
    assert enc.metadata == MD
    assert wc.decode(enc.secondary_slivers(), MD) == DATA
    arr = np.zeros(psize + ssize, np.uint8)
    assert wc.encode_into(DATA, 7, arr[:psize], arr[psize:]).metadata == MD


# ---------------------------------------------------------------------------
# Escape: a node never reads, lists or writes through a symbolic link on any
# directory it uses (its own, blobs/, blobs/<id>/).


@pytest.fixture
def committee(tmp_path: Path) -> tuple[Committee, BlobId]:
    pytest.importorskip("cryptography")
    c = init_committee(tmp_path / "c", 4, 4)
    return c, store_blob(c, DATA).blob_id


def _other_node_dir(tmp_path: Path) -> tuple[Path, BlobId]:
    """A node directory of another committee, holding a blob of its own."""
    other = init_committee(tmp_path / "other", 4, 4)
    blob_id = store_blob(other, DATA[:100]).blob_id
    return other.node(0).path, blob_id


def test_repair_does_not_write_through_a_linked_node_dir(
    committee: tuple[Committee, BlobId], tmp_path: Path
) -> None:
    c, _ = committee
    target, _ = _other_node_dir(tmp_path)
    before = (target / "node.json").read_bytes()
    node = c.node(1)
    shutil.rmtree(node.path)
    symlink_or_skip(node.path, target, directory=True)
    (rep,) = repair(c, node)
    assert not rep.ok and "symbolic link" in " ".join(rep.failed)
    (res,) = scrub(c, c.node(1), repair=True)
    assert any("symbolic link" in p for p in res.problems)
    assert res.repair is not None and not res.repair.ok
    assert (target / "node.json").read_bytes() == before


@pytest.mark.parametrize("link", ["blobs", "blob"])
def test_linked_blob_dirs_list_nothing_outside(
    committee: tuple[Committee, BlobId], tmp_path: Path, link: str
) -> None:
    c, blob_id = committee
    target, other_id = _other_node_dir(tmp_path)
    node = c.node(2)
    if link == "blobs":
        shutil.rmtree(node.path / "blobs")
        symlink_or_skip(node.path / "blobs", target / "blobs", directory=True)
    else:  # this blob's directory leads into the other committee's blob
        outside = target / "blobs" / bytes(other_id).hex()
        (outside / ".tmp-outside").write_bytes(b"not ours")
        shutil.rmtree(node.blob_path(blob_id))
        symlink_or_skip(node.blob_path(blob_id), outside, directory=True)
    assert other_id not in node.blobs()
    assert str(other_id) not in [x["blob_id"] for x in list_blobs(c)]
    (res,) = scrub(c, node, repair=True)
    assert res.strays == []
    assert any("symbolic link" in p for p in res.problems)
    assert str(other_id) not in " ".join(res.problems)
    assert node.stray_files(blob_id) == [] and node.remove_temporaries(blob_id) == []
    if link == "blob":
        assert (target / "blobs" / bytes(other_id).hex() / ".tmp-outside").exists()
    assert read_blob(c, blob_id).data == DATA


# ---------------------------------------------------------------------------
# Memory: a file larger than the metadata allows is treated as corrupt without
# being read (a sparse file costs no disk, so it is the cheap attack).

HUGE = 256 << 20


def _peak_bytes(fn: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _make_sparse(path: Path, size: int) -> None:
    with open(path, "r+b" if path.exists() else "wb") as fh:
        fh.truncate(size)


def test_oversized_sliver_is_corrupt_not_read(committee: tuple[Committee, BlobId]) -> None:
    c, blob_id = committee
    md = c.node(0).read_metadata(blob_id)
    assert md is not None
    for node in c.node_dirs():  # every primary sliver file: read must fall back to secondary ones
        for kind, index, _ in expected_slivers(node, blob_id):
            if kind == "primary":
                _make_sparse(node.sliver_path(blob_id, kind, index), HUGE)
    result, peak = _peak_bytes(lambda: read_blob(c, blob_id))
    assert result.data == DATA and result.kind == "secondary"
    assert any("more than" in p for p in result.problems)
    assert peak < HUGE // 4
    scrubbed, peak = _peak_bytes(lambda: scrub(c))
    assert peak < HUGE // 4
    assert sum("more than" in p for r in scrubbed for p in r.problems) == 4
    (rep,) = repair(c, c.node(0))
    assert rep.ok and rep.rebuilt
    assert c.node(0).check_slivers(md, expected_slivers(c.node(0), blob_id))[0].status == "ok"


def test_oversized_metadata_is_invalid_not_read(committee: tuple[Committee, BlobId]) -> None:
    c, blob_id = committee
    shutil.rmtree(c.certified_path(blob_id))
    _make_sparse(c.node(0).metadata_path(blob_id), HUGE)
    md, peak = _peak_bytes(lambda: find_metadata(c, blob_id))
    assert peak < HUGE // 4
    assert md[0].blob_id == blob_id and "more than" in " ".join(md[2])
    assert c.node(0).read_metadata(blob_id) is None
    assert read_blob(c, blob_id).data == DATA


def test_store_refuses_an_oversized_file_before_reading_it(
    committee: tuple[Committee, BlobId], tmp_path: Path
) -> None:
    c, _ = committee
    big = tmp_path / "big"
    _make_sparse(big, HUGE)

    def store() -> DataTooLargeError:
        with pytest.raises(DataTooLargeError) as err:
            store_file(c, big)
        return err.value

    error, peak = _peak_bytes(store)
    assert "at most" in str(error)
    assert peak < HUGE // 4


# ---------------------------------------------------------------------------
# Validation: the committee file holds JSON integers, an n RS2 allows, and
# 32-byte keys; anything else is a CommitteeError naming the problem.


def _committee_doc(tmp_path: Path) -> dict[str, Any]:
    pytest.importorskip("cryptography")
    init_committee(tmp_path, 2, 4)
    doc: dict[str, Any] = json.loads((tmp_path / "committee.json").read_text())
    return doc


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("n_shards",), "4", "n_shards must be an int"),
        (("n_shards",), 4.9, "n_shards must be an int"),
        (("n_shards",), True, "n_shards must be an int"),
        (("n_shards",), 3, "n_shards must be in 4..49155"),
        (("n_shards",), 49156, "n_shards must be in 4..49155"),
        (("nodes", 0, "index"), "0", "index must be an int"),
        (("nodes", 1, "shards"), ["002", 3], "shard must be an int"),
        (("nodes", 1, "shards"), [2.0, 3], "shard must be an int"),
        (("nodes", 1, "shards"), [2, 3, 4], "shard must be in 0..3"),
        (("nodes", 1, "public_key"), "ab", "public_key must be 32 bytes"),
        (("nodes", 1, "public_key"), "zz" * 32, "public_key must be 32 bytes"),
        (("nodes", 1, "public_key"), None, "public_key must be 32 bytes"),
        (("nodes",), {"0": 1}, "nodes must be a list"),
        (("nodes", 1), "node", "node 1 is not a JSON object"),
    ],
)
def test_committee_file_is_strict(tmp_path: Path, path: tuple[Any, ...], value: Any, message: str) -> None:
    doc = _set(_committee_doc(tmp_path), path, value)
    (tmp_path / "committee.json").write_text(json.dumps(doc))
    with pytest.raises(CommitteeError, match=message):
        load_committee(tmp_path)


def test_committee_file_not_read_whole(tmp_path: Path) -> None:
    _committee_doc(tmp_path)
    _make_sparse(tmp_path / "committee.json", HUGE)
    with pytest.raises(CommitteeError, match="more than"):
        load_committee(tmp_path)


def test_cli_warns_about_large_shard_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f").write_bytes(b"x" * 1000)
    args = ["cost", str(tmp_path / "f"), "--epochs", "1", "--price", "1"]
    assert cli.main([*args, "--shards", "1000"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert cli.main([*args, "--shards", "4000"]) == 0
    err = capsys.readouterr().err
    assert "warning: 4000 shards" in err and "976.7 MiB of metadata" in err
    pytest.importorskip("cryptography")
    assert cli.main(["init", str(tmp_path / "c"), "--nodes", "1", "--shards", "1001"]) == 0
    assert "warning: 1001 shards" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Repair order: after a writer is killed mid-store, one repair pass reaches
# the fixed point whatever the node order (a sliver rebuilt on a later node
# can be the source an earlier one lacked); a blob that can never be rebuilt
# says to store it again.


class _Crash(Exception):
    pass


def _crashed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int) -> tuple[Committee, BlobId]:
    """10 nodes of one shard each (p = 4, s = 7); the writer dies after the first ``kept``."""
    pytest.importorskip("cryptography")
    c = init_committee(tmp_path / "c", 10, 10)
    done: list[int] = []

    def crash(node: NodeDir) -> None:
        done.append(node.index)
        if len(done) == kept:
            raise _Crash

    monkeypatch.setattr(store, "after_node", crash)
    with pytest.raises(_Crash):
        store_blob(c, DATA, workers=1)
    monkeypatch.setattr(store, "after_node", None)
    blob_id = wc.blob_id(DATA, 10)
    for node in c.node_dirs():  # as a writer that spooled ahead leaves them: every node knows the blob
        node.blob_path(blob_id).mkdir(exist_ok=True)
    return c, blob_id


def _all_ok(c: Committee, blob_id: BlobId) -> bool:
    md, _, _ = find_metadata(c, blob_id)
    checks = [check for x in c.node_dirs() for check in x.check_slivers(md, expected_slivers(x, blob_id))]
    return len(checks) == 20 and all(check.status == "ok" for check in checks)


@pytest.mark.parametrize("reverse", [False, True])
def test_one_repair_pass_reaches_the_fixed_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reverse: bool
) -> None:
    c, blob_id = _crashed_store(tmp_path, monkeypatch, kept=4)
    if reverse:  # the pass must not depend on the order the nodes come in
        nodes = c.node_dirs()[::-1]
        monkeypatch.setattr(Committee, "node_dirs", lambda self: nodes)
    reports = repair(c)
    assert all(r.ok for r in reports), [r.failed for r in reports]
    assert _all_ok(c, blob_id)
    assert read_blob(c, blob_id).data == DATA


def test_scrub_repair_reaches_the_fixed_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c, blob_id = _crashed_store(tmp_path, monkeypatch, kept=4)
    results = scrub(c, repair=True)
    assert all(r.repair is None or r.repair.ok for r in results)
    assert _all_ok(c, blob_id)


def test_unrepairable_blob_says_store_it_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c, blob_id = _crashed_store(tmp_path, monkeypatch, kept=3)  # 3 pairs: fewer than p = 4
    reports = repair(c)
    failed = [line for r in reports for line in r.failed]
    assert failed and not any(r.rebuilt for r in reports)
    assert all(str(blob_id) in line for line in failed)
    assert sum("store it again" in line for line in failed) == len([r for r in reports if r.failed])


@pytest.mark.parametrize("what", ["directory", "fifo"])
def test_sliver_that_is_no_regular_file(committee: tuple[Committee, BlobId], what: str) -> None:
    """A directory or a FIFO under a sliver's name is corrupt; a FIFO is not waited on."""
    c, blob_id = committee
    node = c.node(0)
    md = node.read_metadata(blob_id)
    assert md is not None
    path = node.sliver_path(blob_id, "primary", expected_slivers(node, blob_id)[0][1])
    path.unlink()
    if what == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(path)
    else:
        path.mkdir()
    checks = node.check_slivers(md, expected_slivers(node, blob_id))
    assert checks[0].status == "corrupt" and "not a regular file" in checks[0].reason
    assert read_blob(c, blob_id).data == DATA
    (res,) = scrub(c, node)
    assert any("not a regular file" in p for p in res.problems)


@pytest.mark.parametrize("workers", [0, -1, True, 1.5, "2"])
def test_store_workers_is_checked(committee: tuple[Committee, BlobId], workers: Any) -> None:
    c, _ = committee
    with pytest.raises(InvalidInputError, match="workers"):
        store_blob(c, DATA, workers=workers)


def test_linked_certified_dirs_list_nothing_outside(
    committee: tuple[Committee, BlobId], tmp_path: Path
) -> None:
    """The writer's certified/ copies follow the nodes' rule: no symbolic links."""
    c, blob_id = committee
    other = init_committee(tmp_path / "other", 4, 4)
    other_id = store_blob(other, DATA[:100]).blob_id
    shutil.move(str(c.root / "certified"), tmp_path / "moved")
    symlink_or_skip(c.root / "certified", other.root / "certified", directory=True)
    assert c.certified_blobs() == []
    assert str(other_id) not in [x["blob_id"] for x in list_blobs(c)]
    assert read_blob(c, blob_id).data == DATA  # the metadata comes from the nodes instead


def test_linked_node_key_is_refused(committee: tuple[Committee, BlobId], tmp_path: Path) -> None:
    c, _ = committee
    node = c.node(0)
    node.key_path.rename(tmp_path / "key")
    symlink_or_skip(node.key_path, tmp_path / "key")
    with pytest.raises(StorageError, match="cannot load node key"):
        node.sign(b"message")


def test_info_counts_no_linked_sliver_as_present(committee: tuple[Committee, BlobId], tmp_path: Path) -> None:
    c, blob_id = committee
    node = c.node(0)
    path = node.sliver_path(blob_id, "primary", expected_slivers(node, blob_id)[0][1])
    path.rename(tmp_path / "moved")
    symlink_or_skip(path, tmp_path / "moved")
    info = blob_info(c, blob_id)
    assert info["shards_present"] == 3 and info["nodes"][0]["shards_present"] == 0


def test_committee_file_nested_too_deep(tmp_path: Path) -> None:
    _committee_doc(tmp_path)
    (tmp_path / "committee.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(CommitteeError, match="malformed"):
        load_committee(tmp_path)
