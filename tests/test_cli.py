"""The walrus-core command line, end to end in temporary directories:
walrus_core.cli.main([...]) in process, and one real `python -m walrus_core` run."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from walrus_core.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.bin").write_bytes(random.Random(7).randbytes(30_000))
    assert main(["init", "nodes", "--nodes", "10", "--shards", "10"]) == 0
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_tour(tour: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--committee", "nodes", "store", "file.bin")
    assert rc == 0
    blob_id = out.strip()
    assert len(blob_id) == 43
    for i in (0, 4, 7):
        shutil.rmtree(tour / "nodes" / f"node-{i:03d}")
    rc, out, err = run(capsys, "--committee", "nodes", "read", blob_id, "-o", "out.bin")
    assert rc == 0, err
    assert (tour / "out.bin").read_bytes() == (tour / "file.bin").read_bytes()
    rc, out, _ = run(capsys, "--committee", "nodes", "status")
    assert rc == 0 and out.count("MISSING") == 3
    rc, out, _ = run(capsys, "--committee", "nodes", "scrub")
    assert rc == 1 and "node directory missing" in out
    rc, out, _ = run(capsys, "--committee", "nodes", "repair")
    assert rc == 0 and out.count("rebuilt 2 slivers") == 3
    rc, out, _ = run(capsys, "--committee", "nodes", "scrub")
    assert rc == 0 and "problems" in out and "PROBLEMS" not in out
    (tour / "out.bin").unlink()
    for i in (1, 2, 3):
        shutil.rmtree(tour / "nodes" / f"node-{i:03d}")
    assert run(capsys, "--committee", "nodes", "read", blob_id, "-o", "out.bin")[0] == 0
    assert (tour / "out.bin").read_bytes() == (tour / "file.bin").read_bytes()


def test_json_outputs(tour: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--committee", "nodes", "store", "file.bin", "--json")
    assert rc == 0
    doc = json.loads(out)
    blob_id = doc["blob_id"]
    assert doc["certified"] and doc["signed_shards"] == 10 and doc["unencoded_length"] == 30_000
    rc, out2, _ = run(capsys, "--json", "--committee", "nodes", "store", "file.bin")
    assert rc == 0 and json.loads(out2)["blob_id"] == blob_id
    rc, out, _ = run(capsys, "--committee", "nodes", "--json", "read", blob_id, "-o", "o.bin")
    assert rc == 0 and json.loads(out)["length"] == 30_000
    for cmd in (["ls"], ["status"], ["info", blob_id], ["info", blob_id, "--check"], ["scrub"], ["repair"]):
        rc, out, _ = run(capsys, "--committee", "nodes", "--json", *cmd)
        assert rc == 0, cmd
        json.loads(out)
    rc, out, _ = run(capsys, "--committee", "nodes", "ls", "--json")
    assert json.loads(out)["blobs"] == [{"blob_id": blob_id, "length": 30_000, "certified": True}]


def test_read_to_stdout(tour: Path, capsys: pytest.CaptureFixture[bytes]) -> None:
    capsys.readouterr()
    assert main(["--committee", "nodes", "store", "file.bin"]) == 0
    blob_id = capsys.readouterr().out.strip()
    r = subprocess.run(
        [sys.executable, "-m", "walrus_core", "--committee", "nodes", "read", blob_id],
        capture_output=True,
        cwd=tour,
        env=_env(),
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == (tour / "file.bin").read_bytes()


def test_failures_exit_nonzero_with_a_message(tour: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--committee", "nodes", "store", "file.bin")
    blob_id = out.strip()
    for i in range(7):  # 2f + 1 nodes gone: 3 shards left < p = 4
        shutil.rmtree(tour / "nodes" / f"node-{i:03d}")
    rc, out, err = run(capsys, "--committee", "nodes", "read", blob_id, "-o", "out.bin")
    assert rc == 1 and "cannot read blob" in err and "node directory missing" in err
    assert not (tour / "out.bin").exists()  # never a partial or wrong output file
    rc, out, err = run(capsys, "--committee", "nodes", "--json", "read", blob_id, "-o", "out.bin")
    assert rc == 1 and json.loads(out)["error"] == "BlobUnavailableError"
    rc, _, err = run(capsys, "--committee", "nodes", "store", "file.bin")
    assert rc == 1 and "not certified" in err
    rc, out, err = run(capsys, "--committee", "nodes", "repair")
    assert rc == 1 and "FAILED" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["read", "../../etc/passwd", "-o", "x"],
        ["read", "A" * 44, "-o", "x"],
        ["info", "not-a-blob"],
        ["repair", "../node-000"],
        ["repair", "99"],
        ["scrub", "node-xyz"],
        ["store", "no-such-file"],
    ],
)
def test_bad_arguments_are_refused(tour: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    rc, _, err = run(capsys, "--committee", "nodes", *argv)
    assert rc == 1 and err.startswith("walrus-core: error:")
    assert not (tour / "x").exists()


def test_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WALRUS_CORE_COMMITTEE", raising=False)
    assert run(capsys, "store", "f")[0] == 2  # no --committee
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys)[0] == 2
    assert run(capsys, "init", "d", "--nodes", "3")[0] == 2
    assert run(capsys, "--help")[0] == 0
    rc, _, err = run(capsys, "--committee", "nowhere", "ls")
    assert rc == 1 and "no committee" in err
    assert run(capsys, "init", "d", "--nodes", "5", "--shards", "4")[0] == 1
    assert run(capsys, "init", "d", "--nodes", "3", "--shards", "10", "--weights", "1,2")[0] == 1


def test_init_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = run(capsys, "init", str(tmp_path / "c"), "--nodes", "3", "--shards", "10", "--weights", "2,1,1")[0]
    assert rc == 0
    doc = json.loads((tmp_path / "c" / "committee.json").read_text())
    assert [len(x["shards"]) for x in doc["nodes"]] == [5, 3, 2]
    assert run(capsys, "init", str(tmp_path / "c"), "--nodes", "3", "--shards", "10")[0] == 1  # exists


def test_cost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "f"
    f.write_bytes(bytes(10**6))
    rc, out, _ = run(capsys, "cost", str(f), "--epochs", "3", "--price", "7", "--shards", "1000", "--json")
    assert rc == 0
    doc = json.loads(out)
    assert doc["encoded_length"] == 70_038_000  # spec §1 worked value
    assert doc["storage_units"] == 67 and doc["cost"] == 67 * 3 * 7
    rc, out, _ = run(capsys, "cost", str(f), "--epochs", "1", "--price", "1", "--shards", "10")
    # S = 35716 (ceil(10^6 / 28), even); 10·672 + 10·11·S = 3 935 480 bytes
    assert rc == 0 and "(3.94x, n = 10); 4 units x 1 epochs x 1 = 4" in out


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_python_dash_m(tmp_path: Path) -> None:
    """The stable command lines, as the checks outside call them, in a real process."""
    prefix = [sys.executable, "-m", "walrus_core"]
    data = random.Random(11).randbytes(12_345)
    (tmp_path / "in.bin").write_bytes(data)

    def call(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *argv], capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=300
        )

    assert call("init", "nodes", "--nodes", "4", "--shards", "13").returncode == 0
    r = call("--committee", "nodes", "store", "in.bin")
    assert r.returncode == 0, r.stderr
    blob_id = r.stdout.strip()
    r = call("--committee", "nodes", "store", "in.bin", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["blob_id"] == blob_id
    shutil.rmtree(tmp_path / "nodes" / "node-001")
    r = call("--committee", "nodes", "read", blob_id, "-o", "out.bin")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.bin").read_bytes() == data
    assert call("--committee", "nodes", "scrub").returncode == 1
    r = call("--committee", "nodes", "repair")
    assert r.returncode == 0, r.stderr
    assert call("--committee", "nodes", "scrub").returncode == 0
    shutil.rmtree(tmp_path / "nodes" / "node-002")
    shutil.rmtree(tmp_path / "nodes" / "node-003")
    shutil.rmtree(tmp_path / "nodes" / "node-000")  # 10 of 13 shards gone, p = 5
    r = call("--committee", "nodes", "read", blob_id, "-o", "out2.bin")
    assert r.returncode == 1 and "cannot read blob" in r.stderr
    assert not (tmp_path / "out2.bin").exists()


@pytest.mark.parametrize("blob_id", ["-o" + "A" * 41, "-" + "q" * 42, "--" + "x" * 41])
def test_blob_ids_beginning_with_a_dash_are_arguments(blob_id: str) -> None:
    """base64url IDs may begin with "-" (1 in 64 of them): they must not be
    taken for an option, nor for "-o" followed by a value."""
    from walrus_core.cli import _parser

    args = _parser().parse_args(["read", blob_id, "-o", "out.bin"])
    assert (args.blob_id, args.output) == (blob_id, "out.bin")
    args = _parser().parse_args(["info", blob_id])
    assert args.blob_id == blob_id
