"""Hostile command lines and backend names: a clear error and a nonzero exit
code, never a traceback; and no argument silently means something else.

Cases marked "used to fail" are regression tests for bugs this file found in
cli.py, __main__.py and _core.pxi."""

from __future__ import annotations

from pathlib import Path

import pytest

from walrus_core import __main__ as wc_main
from walrus_core import backends, cli
from walrus_core.errors import BackendUnavailableError


def run(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as e:  # pragma: no cover - main() should not exit itself
        return int(e.code) if isinstance(e.code, int) else 2


@pytest.fixture
def committee(tmp_path: Path) -> Path:
    d = tmp_path / "c"
    assert run(["init", str(d), "--nodes", "4", "--shards", "10", "--quiet"]) == 0
    return d


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["init"],
        ["init", "X", "--nodes", "0", "--shards", "4"],
        ["init", "X", "--nodes", "3", "--shards", "2"],
        ["init", "X", "--nodes", "3", "--shards", "-5"],
        ["init", "X", "--nodes", "3", "--shards", "100000"],
        ["init", "X", "--nodes", "5", "--shards", "4"],
        ["init", "X", "--nodes", "3", "--shards", "10", "--weights", "0,0,0"],
        ["init", "X", "--nodes", "3", "--shards", "10", "--weights", "1,1"],
        ["read", "garbage", "-c", "C"],
        ["read", "A" * 43, "-c", "C"],
        ["info", "é", "-c", "C"],
        ["store", "/nonexistent/file", "-c", "C"],
        ["status", "-c", "/nonexistent"],
        ["cost", "/nonexistent/file", "--epochs", "-1", "--price", "1"],
    ],
)
def test_cli_bad_arguments(
    argv: list[str], committee: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(tmp_path / "new") if a == "X" else str(committee) if a == "C" else a for a in argv]
    assert run(argv) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err


# Used to fail: float('a') ValueError escaped main().
def test_cli_weights_not_numbers(tmp_path: Path) -> None:
    assert run(["init", str(tmp_path / "w"), "--nodes", "2", "--shards", "10", "--weights", "a,b"]) != 0


# Used to fail: init accepted up to 65535 shards, encoding allows 49155.
def test_cli_init_rejects_unusable_shard_count(tmp_path: Path) -> None:
    assert run(["init", str(tmp_path / "big"), "--nodes", "3", "--shards", "50000", "--quiet"]) != 0


# Used to fail: __main__ took `info <blob_id>` for the backend report.
def test_python_m_info_with_blob_id(
    committee: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "f.txt"
    f.write_bytes(b"hello hostile")
    assert run(["store", str(f), "-c", str(committee), "--quiet"]) == 0
    blob_id = capsys.readouterr().out.strip().split()[-1]
    assert wc_main.main(["info", blob_id, "-c", str(committee)]) == 0
    assert blob_id in capsys.readouterr().out


@pytest.mark.parametrize(
    "name",
    [
        "nope",
        "",
        "AVX2 ",
        5,
        b"avx2",
        ["avx2"],
        pytest.param(
            "avx2\x00junk",
            id="NUL-truncation (used to select avx2)",
        ),
        pytest.param(
            "\udcff",
            id="lone surrogate (used to raise UnicodeEncodeError)",
        ),
    ],
)
def test_bad_backend_names(name: object) -> None:
    before = backends.active()
    with pytest.raises(BackendUnavailableError):
        backends.use(name)  # type: ignore[arg-type]
    assert backends.active() == before
