"""Interop with official Walrus code: the official storage-node client
(`StorageNodeClient` of npm @mysten/walrus, installed by .ci/run with `npm ci
--prefix tests/node_oracle`) stores metadata and slivers on our node and
reads them back byte for byte; slivers and metadata encoded by the official
Rust encoder (pysui-fastcrypto on PyPI) are accepted. Each part skips
cleanly when its tool is absent."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("pyblst")

from node_api_servers import init_committee, json_of, request, running_nodes
from node_api_vectors import load

from walrus_core import BlobId
from walrus_core.node_api import bls, wire

pytestmark = pytest.mark.net

ORACLE = Path(__file__).parent / "node_oracle"
NODE = shutil.which("node")
CLIENT = ORACLE / "node_modules" / "@mysten" / "walrus" / "dist" / "storage-node" / "client.mjs"


@pytest.mark.node
@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
@pytest.mark.skipif(not CLIENT.is_file(), reason="@mysten/walrus missing: npm ci --prefix tests/node_oracle")
def test_official_storage_node_client(tmp_path: Path) -> None:
    case = load("node-api-n10-len1000")
    root = init_committee(tmp_path / "c", 4, 10)
    mine = [s for s in case["shards"] if s["shard"] in case["example_committee"]["shards_per_node"][0]]
    slivers = [
        {"pair": s["pair"], "type": kind, "hex": s[f"{kind}_body_hex"]}
        for s in mine
        for kind in ("primary", "secondary")
    ]
    with running_nodes(root, [0]) as (node,):
        payload = {
            "nodeUrl": node.url,
            "blobId": case["blob_id"],
            "metadataHex": case["metadata"]["put_body_hex"],
            "slivers": slivers,
            "unknownBlobId": str(BlobId(bytes(range(32)))),
        }
        assert NODE is not None
        proc = subprocess.run(
            [NODE, str(ORACLE / "storage_node_client.mjs")],
            input=json.dumps(payload), capture_output=True, text=True, timeout=300, cwd=ORACLE,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        got = json.loads(proc.stdout)
    assert got["metadataStatusBefore"] == "nonexistent"
    assert got["storeMetadata"] == {"success": {"code": 201, "data": "metadata successfully stored"}}
    assert got["metadataHex"] == case["metadata"]["get_body_hex"]
    assert got["metadataStatus"] == "stored"
    assert all(x == {"success": {"code": 201, "data": "sliver stored successfully"}} for x in got["stored"])
    for sent, back in zip(slivers, got["slivers"]):
        assert back["hex"] == sent["hex"] and back["status"] == "stored"
    assert got["blobStatus"]["type"] == "permanent" and got["blobStatus"]["initialCertifiedEpoch"] == 1
    pk = base64.b64decode(json.loads((root / "committee.json").read_text())["nodes"][0]["bls_public_key"])
    blob_id = BlobId.from_str(case["blob_id"])
    for key, obj in (("permanent", None), ("deletable", bytes([0x2A]) * 32)):
        msg, sig = wire.parse_signed_message(got[key]["success"]["data"]["signed"])
        assert msg == wire.confirmation_message(1, blob_id, obj)
        assert bls.verify(pk, sig, msg)
    errors = got["errors"]
    assert errors["sliverBeforeMetadata"]["class"] == "BadRequestError"
    assert errors["sliverBeforeMetadata"]["status"] == 400
    assert errors["missingMetadata"]["class"] == "NotFoundError"
    assert errors["notRegistered"]["class"] == "BlobNotRegisteredError"


def test_pysui_fastcrypto_encodings_are_accepted(tmp_path: Path) -> None:
    """Metadata and slivers straight from the official Rust encoder
    (pysui-fastcrypto: ``metadata_bcs`` is the PUT body, ``slivers[t]`` shard
    t, its ``sliver_pair_index`` the URL's pair) are accepted by our nodes,
    served back unchanged, and read back exactly by our client."""
    fastcrypto = pytest.importorskip("pysui_fastcrypto")
    from walrus_core.node_api.http_node import read_blob_http
    from walrus_core.reference import load_committee

    data = bytes(range(256)) * 97 + b"walrus"
    n = 10
    encoded = fastcrypto.redstuff_encode(data, n)
    blob_id = BlobId(bytes(encoded.blob_id))
    root = init_committee(tmp_path / "c", 4, n)
    committee = load_committee(root)
    with running_nodes(root) as nodes:
        for node in nodes:
            status, _, body = request(
                node.url, "PUT", wire.blob_path(blob_id) + "/metadata", bytes(encoded.metadata_bcs)
            )
            assert status == 201, body
        for t, pair in enumerate(encoded.slivers):
            node = nodes[committee.owner[t]]
            for kind in ("primary", "secondary"):
                raw = bytes(getattr(pair, kind))
                path = wire.sliver_path(blob_id, pair.sliver_pair_index, kind)
                status, _, body = request(node.url, "PUT", path, raw)
                assert status == 201, json_of(body)
                assert request(node.url, "GET", path)[2] == raw
        status, _, body = request(nodes[0].url, "GET", wire.blob_path(blob_id) + "/metadata")
        assert body == bytes(blob_id) + bytes(encoded.metadata_bcs)
        assert read_blob_http(committee, blob_id).data == data
