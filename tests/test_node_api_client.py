"""The HTTP client against real node processes on 127.0.0.1: the CLI tour
over HTTP, nodes killed (-9) mid-store and mid-read, and lying or hanging
nodes, which are blamed and skipped; a read returns the exact bytes or fails
cleanly, never wrong bytes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("pyblst")

from node_api_fakes import fake_node
from node_api_servers import cli_env, init_committee, running_nodes

from walrus_core import BlobId, encode, quilt
from walrus_core.metadata import shard_index_for_pair
from walrus_core.node_api.http_node import read_blob_from_nodes, read_blob_http
from walrus_core.node_api.http_store import store_blob_http, store_file_http
from walrus_core.node_api.transport import ClientConfig
from walrus_core.reference import BlobUnavailableError, load_committee

pytestmark = pytest.mark.net

FAST = ClientConfig(timeout=20, connect_timeout=2, read_timeout=2, retries=1, backoff=0.05)


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walrus_core", "--committee", str(root), *args],
        env=cli_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _shard_urls(root: Path) -> dict[int, str]:
    doc = json.loads((root / "committee.json").read_text())
    return {t: node["url"] for node in doc["nodes"] for t in node["shards"]}


def test_cli_tour_over_http(tmp_path: Path) -> None:
    root = init_committee(tmp_path / "c", 4, 10)
    data = os.urandom(123_457)
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    with running_nodes(root) as nodes:
        r = _cli(root, "--json", "store", str(src))
        assert r.returncode == 0, r.stderr
        stored = json.loads(r.stdout)
        assert stored["certified"] and stored["signed_shards"] == 10
        out = tmp_path / "out.bin"
        r = _cli(root, "read", stored["blob_id"], "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert out.read_bytes() == data
        r = _cli(root, "info", stored["blob_id"])
        assert "certificate: valid (10 shards signed)" in r.stdout, r.stdout
        r = _cli(root, "--json", "status")
        servers = json.loads(r.stdout)["servers"]
        assert [(x["up"], x["shards_match"], x["key_matches"], x["epoch"]) for x in servers] == [
            (True, True, True, 1)
        ] * 4
        nodes[3].stop()
        r = _cli(root, "status")
        assert "node-003 at" in r.stdout and "DOWN" in r.stdout
        nodes[3].start()
        # a client with nothing but committee.json (no node directories, no keys)
        bare = tmp_path / "bare"
        bare.mkdir()
        (bare / "committee.json").write_bytes((root / "committee.json").read_bytes())
        r = _cli(bare, "read", stored["blob_id"], "-o", str(tmp_path / "bare.bin"))
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "bare.bin").read_bytes() == data
        again = tmp_path / "again.bin"
        again.write_bytes(data[::-1])
        r = _cli(bare, "--json", "store", str(again))
        assert r.returncode == 0 and json.loads(r.stdout)["certified"], r.stderr
        # the library read from bare URLs and a shard map, as against real Walrus nodes
        assert read_blob_from_nodes(stored["blob_id"], _shard_urls(root), config=FAST).data == data
    # every node stopped: a clean error, no file
    out2 = tmp_path / "none.bin"
    r = _cli(root, "read", stored["blob_id"], "-o", str(out2))
    assert r.returncode == 1 and "cannot read blob" in r.stderr and "node unavailable" in r.stderr
    assert not out2.exists()


def test_kill_nodes_mid_store_and_mid_read(tmp_path: Path) -> None:
    root = init_committee(tmp_path / "c", 7, 7)  # one shard per node, f = 2
    committee = load_committee(root)
    data = os.urandom(400_000)
    with running_nodes(root) as nodes:
        # kill -9 two nodes while the store runs: certified by the other five (n - f = 5)
        killer = threading.Timer(0.05, lambda: [nodes[i].kill() for i in (2, 5)])
        killer.start()
        try:
            result = store_blob_http(committee, data, config=FAST)
        finally:
            killer.join()
        assert result.certified and result.signed_shards >= 5
        assert read_blob_http(committee, result.blob_id, config=FAST).data == data
        # restart them, then kill -9 two others while a read runs
        for i in (2, 5):
            nodes[i].start()
        store_blob_http(committee, data, config=FAST)  # the restarted nodes get their slivers
        killer = threading.Timer(0.02, lambda: [nodes[i].kill() for i in (0, 1)])
        killer.start()
        try:
            got = read_blob_http(committee, result.blob_id, config=FAST)
        finally:
            killer.join()
        assert got.data == data
        # with three of seven dead (more than f), a read is either exact or a clean error
        nodes[3].kill()
        with contextlib.suppress(BlobUnavailableError):
            assert read_blob_http(committee, result.blob_id, config=FAST).data == data


@pytest.mark.parametrize(
    "mode", ["corrupt", "wrong-index", "truncated", "oversized", "cut-off", "garbage", "busy", "hang"]
)
def test_lying_and_hanging_nodes_are_skipped(tmp_path: Path, mode: str) -> None:
    root = init_committee(tmp_path / "c", 7, 7)
    data = os.urandom(50_000)
    n, f = 7, 2
    encoded = encode(data, n)
    blob_id = encoded.metadata.blob_id
    urls = _shard_urls(root)
    # the liars hold systematic primary slivers (pairs 0 and 1), the ones a read asks for first
    liars = [shard_index_for_pair(q, blob_id, n) for q in range(f)]
    committee = load_committee(root)
    with running_nodes(root) as nodes:
        store_blob_http(committee, data, config=FAST)
        with fake_node(encoded, mode) as bad_url:
            for t in liars:
                urls[t] = bad_url
            got = read_blob_from_nodes(str(blob_id), urls, config=FAST)
            assert got.data == data
            assert any(p.startswith(bad_url) for p in got.problems), got.problems  # blamed
        assert len(nodes) == 7


def test_node_sending_a_byte_at_a_time_is_cut_off_by_the_request_timeout(tmp_path: Path) -> None:
    # every byte arrives well within read_timeout: only the whole-request timeout stops it
    patient = ClientConfig(timeout=1.5, connect_timeout=2, read_timeout=1, retries=1, backoff=0.05)
    root = init_committee(tmp_path / "c", 7, 7)
    data = os.urandom(50_000)
    encoded = encode(data, 7)
    urls = _shard_urls(root)
    liar = shard_index_for_pair(0, encoded.metadata.blob_id, 7)
    with running_nodes(root):
        store_blob_http(load_committee(root), data, config=FAST)
        hung_up: list[int] = []
        with fake_node(encoded, "trickle", hung_up) as bad_url:
            urls[liar] = bad_url
            got = read_blob_from_nodes(str(encoded.metadata.blob_id), urls, config=patient)
            assert got.data == data
            assert any(p.startswith(bad_url) and "unavailable" in p for p in got.problems), got.problems
            # the client hung up on every attempt while the node was still sending
            for _ in range(100):  # the node sees the last hang-up at its next write, 0.1 s on
                if len(hung_up) == patient.retries + 1:
                    break
                time.sleep(0.05)
            assert len(hung_up) == patient.retries + 1, hung_up


def test_hanging_node_does_not_stall_store(tmp_path: Path) -> None:
    root = init_committee(tmp_path / "c", 7, 7)
    data = os.urandom(30_000)
    encoded = encode(data, 7)
    doc = json.loads((root / "committee.json").read_text())
    with fake_node(encoded, "hang") as hang_url:
        doc["nodes"][6]["url"] = hang_url
        (root / "committee.json").write_text(json.dumps(doc))
        with running_nodes(root, list(range(6))):
            result = store_blob_http(load_committee(root), data, config=FAST)
            assert result.certified and result.signed_shards == 6
            assert "node-006" in result.failures
            # with long timeouts, a certified store stops waiting for the hanging node after its grace
            patient = ClientConfig(timeout=60, read_timeout=60, retries=0, straggler_grace=0.2)
            again = store_blob_http(load_committee(root), data, config=patient)
            assert again.certified and "after certification" in again.failures["node-006"]
            got = read_blob_http(load_committee(root), BlobId.from_str(str(result.blob_id)), config=FAST)
            assert got.data == data


def test_repair_over_http_with_a_node_restarted_mid_repair(tmp_path: Path) -> None:
    root = init_committee(tmp_path / "c", 4, 10)
    committee = load_committee(root)
    data = os.urandom(200_000)
    with running_nodes(root) as nodes:
        stored = store_blob_http(committee, data, config=FAST)
        blob_dir = root / "node-001" / "blobs" / stored.blob_id.hex()
        lost = sorted(p.name for p in blob_dir.iterdir() if p.name != "metadata.bcs")
        assert len(lost) == 6  # node-001 holds 3 shards = 3 pairs
        for name in lost:
            (blob_dir / name).unlink()
        # a peer restarts while the repair runs: the repair finishes or reports what failed
        restart = threading.Timer(0.05, lambda: (nodes[2].kill(), nodes[2].start()))
        restart.start()
        try:
            r = _cli(root, "--json", "repair", "node-001")
        finally:
            restart.join()
        first = json.loads(r.stdout)["nodes"][0]
        assert len(first["rebuilt"]) + len(first["failed"]) == 6 or r.returncode == 1, r.stdout
        r = _cli(root, "--json", "repair", "node-001")
        assert r.returncode == 0, r.stdout + r.stderr
        assert sorted(p.name for p in blob_dir.iterdir() if p.name != "metadata.bcs") == lost
        # the rebuilt slivers are exactly the encoder's, and a read works with node-000 down
        enc = encode(data, 10)
        for name in lost:
            kind, index = name.split(".")[0].split("-")
            sliver = (
                enc.pairs[int(index)].primary if kind == "primary" else enc.pairs[9 - int(index)].secondary
            )
            assert (blob_dir / name).read_bytes() == sliver.to_bcs()
        r = _cli(root, "--json", "repair")
        assert r.returncode == 0 and all(not x["rebuilt"] for x in json.loads(r.stdout)["nodes"])
        # scrub and info over HTTP: node-002 loses a sliver; scrub finds it, scrub --repair rebuilds it
        victim = sorted((root / "node-002" / "blobs" / stored.blob_id.hex()).glob("secondary-*"))[0]
        victim.unlink()
        r = _cli(root, "scrub")
        assert r.returncode == 1 and "node-002: 3 slivers ok, 1 problems, PROBLEMS" in r.stdout, r.stdout
        r = _cli(root, "info", str(stored.blob_id))
        assert "shards_present: 9" in r.stdout and "node-002: 1/2 shards" in r.stdout, r.stdout
        r = _cli(root, "scrub", "--repair")
        assert r.returncode == 0 and "repaired" in r.stdout, r.stdout
        assert _cli(root, "scrub").returncode == 0
        nodes[0].kill()
        assert read_blob_http(committee, stored.blob_id, config=FAST).data == data


def test_repair_over_http_replaces_a_corrupt_sliver(tmp_path: Path) -> None:
    root = init_committee(tmp_path / "c", 4, 10)
    committee = load_committee(root)
    data = os.urandom(150_000)
    enc = encode(data, 10)
    with running_nodes(root) as nodes:
        stored = store_blob_http(committee, data, config=FAST)
        blob_dir = root / "node-001" / "blobs" / stored.blob_id.hex()
        primary, secondary = sorted(blob_dir.glob("primary-*"))[0], sorted(blob_dir.glob("secondary-*"))[0]
        # one file with a flipped byte in its symbols, one cut short: both still "stored" on disk
        raw = bytearray(primary.read_bytes())
        raw[len(raw) // 2] ^= 0xFF  # inside the symbols
        primary.write_bytes(bytes(raw))
        secondary.write_bytes(secondary.read_bytes()[:-7])
        r = _cli(root, "scrub", "node-001")
        assert r.returncode == 1 and "2 problems" in r.stdout, r.stdout
        r = _cli(root, "--json", "repair", "node-001")
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(json.loads(r.stdout)["nodes"][0]["rebuilt"]) == 2, r.stdout
        # each file now holds exactly the encoder's sliver
        for path in (primary, secondary):
            kind, index = path.name.split(".")[0].split("-")
            pair = enc.pairs[int(index)] if kind == "primary" else enc.pairs[9 - int(index)]
            assert path.read_bytes() == (pair.primary if kind == "primary" else pair.secondary).to_bcs()
        assert _cli(root, "scrub").returncode == 0
        # a second repair finds nothing, and a good sliver is never replaced by a bad one
        r = _cli(root, "--json", "repair", "node-001")
        assert r.returncode == 0 and not json.loads(r.stdout)["nodes"][0]["rebuilt"], r.stdout
        # scrub --repair over HTTP fixes a corrupt file too
        raw = bytearray(primary.read_bytes())
        raw[len(raw) // 3] ^= 0x01
        primary.write_bytes(bytes(raw))
        r = _cli(root, "scrub", "--repair")
        assert r.returncode == 0 and "repaired" in r.stdout, r.stdout
        kind, index = primary.name.split(".")[0].split("-")
        assert primary.read_bytes() == enc.pairs[int(index)].primary.to_bcs()
        for node in nodes[1:3]:
            node.kill()
        assert read_blob_http(committee, stored.blob_id, config=FAST).data == data


def test_read_patch_over_http_fetches_only_its_slivers(tmp_path: Path) -> None:
    root = init_committee(tmp_path / "c", 4, 10)
    committee = load_committee(root)
    contents = {"a.txt": b"hello quilt\n" * 40, "b.bin": os.urandom(9_000), "c.bin": os.urandom(2_500)}
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    offline = quilt.encode([quilt.File(name, data) for name, data in contents.items()], 10)
    # a reader with nothing but committee.json: every sliver comes over HTTP
    bare = tmp_path / "bare"
    bare.mkdir()
    with running_nodes(root) as nodes:
        r = _cli(root, "--json", "store-quilt", *(str(tmp_path / name) for name in contents))
        assert r.returncode == 0, r.stdout + r.stderr
        stored = json.loads(r.stdout)
        assert stored["quilt_id"] == str(offline.quilt_id) and stored["store"]["certified"]
        r = _cli(root, "--json", "info", stored["quilt_id"])  # the index read over HTTP
        assert r.returncode == 0, r.stdout + r.stderr
        listed = json.loads(r.stdout)["quilt_files"]
        assert [f["patch_id"] for f in listed] == [str(p.patch_id) for p in offline.patches]
        assert not any("note" in f for f in listed)
        (bare / "committee.json").write_bytes((root / "committee.json").read_bytes())
        for patch in offline.patches:
            out = tmp_path / f"out-{patch.identifier}"
            r = _cli(bare, "--json", "read-patch", str(patch.patch_id), "-o", str(out))
            assert r.returncode == 0, r.stdout + r.stderr
            got = json.loads(r.stdout)
            assert out.read_bytes() == contents[patch.identifier]
            assert got["slivers_read"] == [*range(offline.index_columns), *range(patch.start, patch.end)]
            assert got["slivers_rebuilt"] == [] and got["moved_fraction"] < 1
        # the node holding a column of b.bin is down: that sliver is rebuilt from peers' symbols
        patch = next(p for p in offline.patches if p.identifier == "b.bin")
        shard = shard_index_for_pair(10 - 1 - patch.start, offline.quilt_id, 10)
        nodes[committee.owner[shard]].kill()
        out = tmp_path / "again.bin"
        r = _cli(bare, "--json", "read-patch", str(patch.patch_id), "-o", str(out))
        assert r.returncode == 0, r.stdout + r.stderr
        assert patch.start in json.loads(r.stdout)["slivers_rebuilt"]
        assert out.read_bytes() == contents["b.bin"]


def _served_files(root: Path) -> dict[str, bytes]:
    """Every file the served nodes keep for their blobs."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.glob("node-*/blobs/**/*"))
        if p.is_file()
    }


def _forget_blobs(root: Path) -> None:
    shutil.rmtree(root / "certified", ignore_errors=True)
    for blobs in root.glob("node-*/blobs"):
        shutil.rmtree(blobs)
        blobs.mkdir()


BUDGET = 8 << 20  # the blob's encoding takes about 10 MB: banded


def test_banded_store_over_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that does not fit the memory budget is encoded banded and each
    node's slivers PUT as they come: the nodes keep exactly the files of the
    in-memory store (whose slivers test_node_api_interop checks against
    Walrus's), the blob reads back exact, a dead node fails alone."""
    from walrus_core.reference import store

    root = init_committee(tmp_path / "c", 4, 10)
    committee = load_committee(root)
    data = os.urandom(1_800_001)
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    banded: list[int] = []
    real = store.encode_to

    def spy(*args: Any, **kw: Any) -> Any:
        banded.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(store, "encode_to", spy)
    with running_nodes(root) as nodes:
        in_memory = store_file_http(committee, src, config=FAST)
        assert banded == [] and in_memory.certified
        expected = _served_files(root)
        assert len(expected) == 4 + 2 * 10  # metadata per node, two slivers per shard
        _forget_blobs(root)
        r = store_file_http(committee, src, config=FAST, memory=BUDGET)
        assert banded == [1] and r.certified and r.signed_shards == 10 and not r.failures
        assert r.blob_id == in_memory.blob_id and r.bytes_sent == in_memory.bytes_sent
        assert _served_files(root) == expected
        assert read_blob_http(committee, r.blob_id, config=FAST).data == data
        # the CLI passes --memory to the store over HTTP
        _forget_blobs(root)
        out = _cli(root, "--json", "store", str(src), "--memory", "8M")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["certified"] and _served_files(root) == expected
        # a dead node fails alone, the others are certified
        _forget_blobs(root)
        nodes[3].stop()
        r = store_file_http(committee, src, config=FAST, memory=BUDGET)
        assert r.certified and set(r.failures) == {"node-003"}
        assert read_blob_http(committee, r.blob_id, config=FAST).data == data


def test_interrupted_banded_store_over_http_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while a banded store PUTs slivers: the requests under way are
    cancelled, the encoder's slivers file is gone, nothing is certified, and
    the store can simply be run again."""
    from walrus_core.node_api.http_store import StoringNode

    root = init_committee(tmp_path / "c", 4, 10)
    committee = load_committee(root)
    data = os.urandom(1_800_001)
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    real = StoringNode.send
    sent = [0]

    def interrupted(self: StoringNode, *args: Any) -> None:
        if sent[0] == 4:
            raise KeyboardInterrupt
        sent[0] += 1
        real(self, *args)

    monkeypatch.setattr(StoringNode, "send", interrupted)
    with running_nodes(root):
        before = sorted(os.listdir(root))
        with pytest.raises(KeyboardInterrupt):
            store_file_http(committee, src, config=FAST, memory=BUDGET)
        assert sorted(os.listdir(root)) == before and committee.certified_blobs() == []
        monkeypatch.setattr(StoringNode, "send", real)
        r = store_file_http(committee, src, config=FAST, memory=BUDGET)
        assert r.certified and read_blob_http(committee, r.blob_id, config=FAST).data == data
