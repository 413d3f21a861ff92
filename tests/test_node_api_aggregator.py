"""`walrus-core get --aggregator`: a fake aggregator on 127.0.0.1 serves
good, tampered, missing and endless bytes; only bytes whose recomputed blob
ID matches are written, atomically."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("aiohttp")

from aiohttp import web
from node_api_fakes import serving
from node_api_servers import cli_env

from walrus_core import VerificationError, blob_id
from walrus_core.node_api.aggregator import AggregatorError, read_from_aggregator

pytestmark = pytest.mark.net

DATA = os.urandom(20_000)


def _aggregator(mode: str) -> web.Application:
    async def get(request: web.Request) -> web.StreamResponse:
        if mode == "missing":
            return web.json_response({"error": "not found"}, status=404)
        body = bytearray(DATA)
        if mode == "tampered":
            body[100] ^= 1
        if mode == "endless":
            body = bytearray(bytes(2 * 1024 * 1024))  # more than any blob at n = 4
        return web.Response(body=bytes(body), content_type="application/octet-stream")

    app = web.Application()
    app.router.add_get("/v1/blobs/{blob_id}", get)
    return app


def _get(url: str, bid: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # "--": a base64url blob ID may begin with "-" (argparse would take it for an option)
        [sys.executable, "-m", "walrus_core", "get", "--aggregator", url, "-o", str(out), *extra, "--", bid],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("n", [1000, 10])
def test_good_bytes_are_written(tmp_path: Path, n: int) -> None:
    bid = str(blob_id(DATA, n))
    with serving(lambda: _aggregator("good")) as url:
        out = tmp_path / "out.bin"
        r = _get(url, bid, out, "--shards", str(n))
        assert r.returncode == 0, r.stderr
        assert out.read_bytes() == DATA
        assert read_from_aggregator(bid, url, n_shards=n) == DATA


def test_tampered_bytes_are_refused(tmp_path: Path) -> None:
    bid = str(blob_id(DATA, 1000))
    with serving(lambda: _aggregator("tampered")) as url:
        out = tmp_path / "out.bin"
        r = _get(url, bid, out)
        assert r.returncode == 1
        assert "blob ID mismatch" in r.stderr and bid in r.stderr
        assert not out.exists() and os.listdir(tmp_path) == []
        with pytest.raises(VerificationError):
            read_from_aggregator(bid, url)


def test_missing_and_oversized(tmp_path: Path) -> None:
    bid = str(blob_id(DATA, 4))
    with serving(lambda: _aggregator("missing")) as url:
        r = _get(url, bid, tmp_path / "x", "--shards", "4")
        assert r.returncode == 1 and "HTTP 404" in r.stderr
    with serving(lambda: _aggregator("endless")) as url, pytest.raises(AggregatorError):
        read_from_aggregator(bid, url, n_shards=4)
    assert not (tmp_path / "x").exists()
    r = _get("http://127.0.0.1:9", "not-a-blob-id", tmp_path / "x")
    assert r.returncode == 1
