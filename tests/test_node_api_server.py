"""`walrus-core serve` as real processes on 127.0.0.1 against the official
wire vectors: every route, the Walrus error envelopes, and hostile requests
(malformed, oversized, wrong content type, slivers before metadata) that
must store nothing and leave the server serving."""

from __future__ import annotations

import base64
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("pyblst")

from node_api_servers import init_committee, json_of, request, running_nodes
from node_api_vectors import load

from walrus_core import BlobId
from walrus_core.node_api import bls, wire

pytestmark = pytest.mark.net

OCTET = {"Content-Type": "application/octet-stream"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list]]:
    """The vectors' example committee: 4 nodes, 10 shards (node-000 owns shards 0, 1, 2)."""
    root = init_committee(tmp_path_factory.mktemp("net") / "c", 4, 10)
    with running_nodes(root) as nodes:
        yield root, nodes


def _owner(case: dict, shard: int) -> int:
    split = case.get("example_committee", load("node-api-n10-len1000")["example_committee"])
    return next(i for i, shards in enumerate(split["shards_per_node"]) if shard in shards)


def _error(status: int, body: bytes) -> tuple[int, str]:
    doc = json_of(body)["error"]
    assert doc["code"] == status
    assert wire.STATUS_CODES[doc["status"]] == status
    assert set(doc) == {"code", "status", "message", "details"}
    return status, doc["details"][0]["reason"]


def _store_case(nodes: list, case: dict) -> None:
    put = bytes.fromhex(case["metadata"]["put_body_hex"])
    for node in nodes:
        status, _, body = request(node.url, "PUT", case["metadata"]["path"], put, OCTET)
        assert status in (200, 201), body
    for shard in case["shards"]:
        node = nodes[_owner(case, shard["shard"])]
        for kind in ("primary", "secondary"):
            status, _, body = request(
                node.url, "PUT", shard[f"{kind}_path"], bytes.fromhex(shard[f"{kind}_body_hex"])
            )
            assert status in (200, 201), body


def _check_corrupt_sliver_replacement(url: str, path: str, raw: bytes, node_dir: Path) -> None:
    """A PUT for a sliver the node holds replaces its file only when the stored
    copy fails verification and the new one passes: good data is never
    replaced, and nothing unverified is ever kept."""
    (stored,) = [p for p in node_dir.glob("blobs/*/*.sliver") if p.read_bytes() == raw]
    mid = len(raw) // 2  # inside the symbols
    tampered = raw[:mid] + bytes([raw[mid] ^ 0xFF]) + raw[mid + 1 :]
    status, _, body = request(url, "PUT", path, tampered)
    assert (status, json_of(body)["success"]["data"]) == (200, "sliver already stored")
    assert stored.read_bytes() == raw
    stored.write_bytes(raw[:-5])  # damaged on disk
    status, _, body = request(url, "PUT", path, tampered)
    assert _error(status, body) == (400, "INVALID_SLIVER")
    assert stored.read_bytes() == raw[:-5]
    status, _, body = request(url, "PUT", path, raw)
    assert (status, json_of(body)["success"]["data"]) == (201, "sliver stored successfully")
    assert stored.read_bytes() == raw


@pytest.mark.parametrize("case_id", ["node-api-n10-len1000", "node-api-n10-len20000"])
def test_vector_routes(cluster: tuple[Path, list], case_id: str) -> None:
    root, nodes = cluster
    case = load(case_id)
    committee = json.loads((root / "committee.json").read_text())
    put = bytes.fromhex(case["metadata"]["put_body_hex"])
    md_path = case["metadata"]["path"]
    blob_id = BlobId.from_str(case["blob_id"])
    for node in nodes:
        status, _, body = request(node.url, "GET", md_path + "/status")
        assert json_of(body) == {"success": {"code": 200, "data": "nonexistent"}}
        status, headers, body = request(node.url, "PUT", md_path, put, OCTET)
        assert (status, json_of(body)) == (
            201,
            {"success": {"code": 201, "data": "metadata successfully stored"}},
        )
        assert headers["access-control-allow-origin"] == "*"
        status, _, body = request(node.url, "PUT", md_path, put)  # no content type is fine
        assert (status, json_of(body)["success"]["data"]) == (200, "metadata already stored")
        status, headers, body = request(node.url, "GET", md_path)
        assert status == 200 and headers["content-type"] == "application/octet-stream"
        assert body.hex() == case["metadata"]["get_body_hex"]
        assert json_of(request(node.url, "GET", md_path + "/status")[2])["success"]["data"] == "stored"
    for shard in case["shards"]:
        owner = _owner(case, shard["shard"])
        other = nodes[(owner + 1) % len(nodes)]
        for kind in ("primary", "secondary"):
            path, raw = shard[f"{kind}_path"], bytes.fromhex(shard[f"{kind}_body_hex"])
            status, _, body = request(other.url, "PUT", path, raw)
            assert _error(status, body) == (400, "SHARD_NOT_ASSIGNED")
            status, _, body = request(nodes[owner].url, "PUT", path, raw)
            assert (status, json_of(body)["success"]["data"]) == (201, "sliver stored successfully")
            status, _, body = request(nodes[owner].url, "PUT", path + "?pending=true", raw)
            assert (status, json_of(body)["success"]["data"]) == (200, "sliver already stored")
            _check_corrupt_sliver_replacement(nodes[owner].url, path, raw, root / f"node-{owner:03d}")
            status, _, body = request(nodes[owner].url, "GET", path)
            assert (status, body) == (200, raw)
            status, _, body = request(nodes[owner].url, "GET", path + "/status")
            assert json_of(body)["success"]["data"] == "stored"
    # confirmations, signed with the key committee.json publishes
    for i, node in enumerate(nodes):
        pk = base64.b64decode(committee["nodes"][i]["bls_public_key"])
        status, _, body = request(node.url, "GET", wire.blob_path(blob_id) + "/confirmation/permanent")
        assert status == 200, body
        msg, sig = wire.parse_signed_message(json_of(body)["success"]["data"]["signed"])
        assert msg == wire.confirmation_message(1, blob_id)
        assert bls.verify(pk, sig, msg)
        obj = "0x" + "8a" * 32
        status, _, body = request(node.url, "GET", wire.blob_path(blob_id) + f"/confirmation/deletable/{obj}")
        msg, sig = wire.parse_signed_message(json_of(body)["success"]["data"]["signed"])
        assert msg == wire.confirmation_message(1, blob_id, bytes.fromhex("8a" * 32)) and bls.verify(
            pk, sig, msg
        )
        status, _, body = request(node.url, "GET", wire.blob_path(blob_id) + "/status")
        permanent = json_of(body)["success"]["data"]["permanent"]
        assert permanent["isCertified"] is True and permanent["initialCertifiedEpoch"] == 1
        status, _, body = request(node.url, "GET", "/v1/health?detailed=true")
        health = json_of(body)["success"]["data"]
        assert health["publicKey"] == committee["nodes"][i]["bls_public_key"]
        assert [x["shard"] for x in health["shardDetail"]["owned"]] == committee["nodes"][i]["shards"]
    # the confirmation bytes of the vector for this blob
    if case_id == "node-api-n10-len1000":
        vec = next(
            x
            for x in load("confirmation-messages.json")["confirmations"]
            if x["name"] == "n10-len1000-permanent-epoch1"
        )
        assert wire.confirmation_message(1, blob_id).hex() == vec["message_hex"]


def test_symbols_over_http(cluster: tuple[Path, list]) -> None:
    _, nodes = cluster
    case = load("node-api-n10-len1000")
    _store_case(nodes, case)
    vec = load("recovery-symbols.json")
    assert vec["node"]["owned_shards"] == [0, 1, 2]
    for resp in vec["responses"]:
        status, _headers, body = request(nodes[0].url, "GET", resp["path"])
        assert status == 200 and body.hex() == resp["body_hex"], resp["query"]
    for err in vec["errors"]:
        status, _, body = request(
            nodes[0].url,
            "GET",
            wire.blob_path(BlobId.from_str(case["blob_id"])) + "/recoverySymbols?" + err["query"],
        )
        assert _error(status, body) == (err["status"], err["reason"])
    status, _, body = request(
        nodes[0].url, "GET", wire.blob_path(BlobId.from_str(case["blob_id"])) + "/recoverySymbols"
    )
    assert _error(status, body) == (400, "NO_SYMBOLS_SPECIFIED")
    for resp in load("decoding-symbols.json")["responses"]:
        if resp["case_id"] != case["case_id"]:
            continue  # the n = 1000 map is checked in test_node_api_wire
        path = wire.blob_path(BlobId.from_str(resp["blob_id"])) + "/decodingSymbols?" + resp["query"]
        status, _, body = request(nodes[0].url, "GET", path)
        assert status == 200 and body.hex() == resp["body_hex"]
    err = load("decoding-symbols.json")["errors"][0]
    status, _, body = request(
        nodes[0].url,
        "GET",
        wire.blob_path(BlobId.from_str(case["blob_id"])) + "/decodingSymbols?" + err["query"],
    )
    assert _error(status, body) == (err["status"], err["reason"])
    unknown = wire.blob_path(BlobId(bytes(32)))
    assert _error(*request(nodes[0].url, "GET", unknown + "/recoverySymbols?id=1-2")[::2]) == (
        404,
        "SLIVER_NOT_FOUND",
    )
    assert _error(
        *request(nodes[0].url, "GET", unknown + "/decodingSymbols?targetSlivers=1&targetType=primary")[::2]
    ) == (404, "SLIVER_NOT_FOUND")


def test_inconsistency_proofs_over_http(cluster: tuple[Path, list]) -> None:
    root, nodes = cluster
    vec = load("inconsistency-proofs.json")
    _store_case(nodes, load("node-api-n10-len1000"))
    pk = base64.b64decode(json.loads((root / "committee.json").read_text())["nodes"][0]["bls_public_key"])
    for item in vec["proofs"]:
        body = bytes.fromhex(item["body_hex"])
        tampered = "/v1/blobs/" + item["tampered_blob_id"]
        status, _, out = request(nodes[0].url, "POST", item["path"], body)
        assert _error(status, out) == (400, "METADATA_NOT_FOUND")
        status, _, out = request(
            nodes[0].url,
            "PUT",
            tampered + "/metadata",
            bytes.fromhex(item["tampered_metadata_put_hex"]),
            OCTET,
        )
        assert status in (200, 201), out
        status, _, out = request(nodes[0].url, "POST", item["path"], body)
        assert status == 200, out
        data = json_of(out)["success"]["data"]
        assert "signed" not in data
        msg, sig = wire.parse_signed_message(data)
        assert msg.hex() == item["expect_with_tampered_metadata"]["message_hex"]
        assert bls.verify(pk, sig, msg)
        true = item["expect_with_true_metadata"]
        status, _, out = request(nodes[0].url, "POST", true["path"], body)
        assert _error(status, out) == (true["status"], true["reason"])
        status, _, out = request(nodes[0].url, "POST", item["path"], body[:-3])
        assert _error(status, out) == (400, "INVALID_CONTENT_TYPE")


def test_hostile_requests(tmp_path: Path) -> None:
    root = init_committee(tmp_path / "c", 4, 10)
    with running_nodes(root, [0]) as (node,):
        _hostile(root, node)


def _hostile(root: Path, node: object) -> None:
    case = load("node-api-n10-len20000")
    blob_id = BlobId.from_str(case["blob_id"])
    put = bytes.fromhex(case["metadata"]["put_body_hex"])
    shard = next(s for s in case["shards"] if s["shard"] in (0, 1, 2))
    raw = bytes.fromhex(shard["primary_body_hex"])
    # a blob ID no test stores anything under
    fresh = wire.blob_path(BlobId(bytes(range(32))))
    fresh_md = fresh + "/metadata"
    fresh_sliver = fresh + f"/slivers/{shard['pair']}/primary"
    cases = [
        (("PUT", fresh_sliver, raw, {}), 400, "METADATA_NOT_FOUND"),
        (("PUT", fresh_md, put, {"Content-Type": "text/plain"}), 400, "INVALID_CONTENT_TYPE"),
        (("PUT", fresh_md, b"\x00\x00garbage", OCTET), 400, "INVALID_CONTENT_TYPE"),
        (("PUT", fresh_md, put + b"\x00", OCTET), 400, "INVALID_CONTENT_TYPE"),
        (("PUT", fresh_md, put, OCTET), 400, "INVALID_METADATA"),  # hashes are not this blob's
        (("PUT", fresh_md + "?bogus=1", put, OCTET), 400, "INVALID_QUERY"),
        (("PUT", "/v1/blobs/not-a-blob-id/metadata", put, OCTET), 400, "INVALID_PATH"),
        (("GET", wire.blob_path(blob_id) + "/slivers/x/primary", None, {}), 400, "INVALID_PATH"),
        (("GET", wire.blob_path(blob_id) + "/slivers/1/tertiary", None, {}), 400, "INVALID_PATH"),
        (("GET", wire.blob_path(blob_id) + "/slivers/10/primary", None, {}), 400, "INDEX_OUT_OF_RANGE"),
        (("GET", wire.blob_path(blob_id) + "/confirmation/deletable/0x12", None, {}), 400, "INVALID_PATH"),
        (("GET", "/v1/nothing", None, {}), 404, "NOT_FOUND"),
        (
            ("GET", fresh + "/metadata", None, {}),
            404,
            "METADATA_NOT_FOUND",
        ),
        (
            ("GET", fresh + "/confirmation/permanent", None, {}),
            400,
            "NOT_REGISTERED",
        ),
    ]
    for (method, path, body, headers), want_status, want_reason in cases:
        status, resp_headers, out = request(node.url, method, path, body, headers)
        assert _error(status, out) == (want_status, want_reason), (method, path)
        assert resp_headers["content-type"].startswith("application/json")
    # what Walrus (axum) answers before its handlers, without an envelope (no AIP-193 status
    # exists for 405 or 413): a body over the route's limit gets axum's plain text ...
    for path, limit in ((fresh_md, wire.DEFAULT_BODY_LIMIT), (fresh_sliver, wire.put_sliver_body_limit(10))):
        status, resp_headers, out = request(node.url, "PUT", path, bytes(limit + 1), OCTET)
        assert (status, out) == (413, b"Failed to buffer the request body: length limit exceeded")
        assert resp_headers["content-type"] == "text/plain; charset=utf-8"
    # ... and a method a route does not take an empty 405 naming the methods it takes
    for method, path, allowed in (
        ("DELETE", fresh_md, {"GET", "PUT"}),
        ("POST", fresh_sliver + "/status", {"GET"}),
        ("PUT", "/v1/health", {"GET"}),
    ):
        status, resp_headers, out = request(node.url, method, path)
        assert (status, out) == (405, b""), (method, path)
        assert set(resp_headers["allow"].replace(" ", "").split(",")) - {"OPTIONS"} == allowed
    # pending=true is accepted and only changes the reply (spec §9): 202, then 200
    status, _, out = request(node.url, "PUT", case["metadata"]["path"] + "?pending=true", put, OCTET)
    assert (status, json_of(out)["success"]["data"]) == (202, "metadata buffered pending registration")
    assert (
        json_of(request(node.url, "GET", case["metadata"]["path"] + "/status")[2])["success"]["data"]
        == "stored"
    )
    # slivers that do not match the metadata are refused and not stored
    _store_case([node], {**case, "shards": []})
    sliver_path = shard["primary_path"]
    bad = bytearray(raw)
    bad[5] ^= 0xFF
    status, _, out = request(node.url, "PUT", sliver_path, bytes(bad))
    assert _error(status, out) == (400, "INVALID_SLIVER")
    wrong_index = raw[:-2] + ((shard["pair"] + 1) % 10).to_bytes(2, "little")
    status, _, out = request(node.url, "PUT", sliver_path, wrong_index)
    assert _error(status, out) == (400, "SLIVER_INDEX_MISMATCH")
    status, _, out = request(node.url, "PUT", sliver_path, raw[: len(raw) // 2])
    assert _error(status, out) == (400, "INVALID_CONTENT_TYPE")
    if request(node.url, "GET", sliver_path + "/status")[2] != b"":
        data = json_of(request(node.url, "GET", sliver_path + "/status")[2])["success"]["data"]
        assert data in ("nonexistent", "stored")
    blob_dir = root / "node-000" / "blobs" / blob_id.hex()
    names = sorted(p.name for p in blob_dir.iterdir())
    assert not [x for x in names if x.startswith(".tmp")]
    assert not (root / "node-000" / "blobs" / bytes(range(32)).hex()).exists() or fresh

    # a chunked body (no Content-Length) over the limit is cut off at the limit: a 413,
    # or, when the client is still sending as the node closes, a reset connection
    def chunks() -> Iterator[bytes]:
        for _ in range(wire.DEFAULT_BODY_LIMIT // 65536 + 2):
            yield bytes(65536)

    headers = dict(OCTET)  # an iterable body: http.client sends it chunked
    try:
        status, _, out = request(node.url, "PUT", fresh_md, chunks(), headers)  # type: ignore[arg-type]
        assert (status, out) == (413, b"Failed to buffer the request body: length limit exceeded")
    except (ConnectionResetError, BrokenPipeError):
        pass
    assert not (root / "node-000" / "blobs" / bytes(range(32)).hex()).exists()
    # CORS preflight, and the server still serves
    status, headers, _ = request(
        node.url, "OPTIONS", sliver_path, None, {"Origin": "http://x", "Access-Control-Request-Method": "PUT"}
    )
    assert status == 204 and headers["access-control-allow-origin"] == "*"
    assert request(node.url, "GET", "/v1/health")[0] == 200


def test_sliver_files_are_sent_only_when_regular_and_not_oversized(tmp_path: Path) -> None:
    """A stored sliver is sent from its file as it is (the vector's bytes);
    a file replaced by a symbolic link (to a valid copy elsewhere) or grown
    past the largest sliver of the blob is not served: 404 SLIVER_NOT_FOUND."""
    case = load("node-api-n10-len20000")
    blob_id = BlobId.from_str(case["blob_id"])
    shard = next(s for s in case["shards"] if s["shard"] in (0, 1, 2))  # node-000's
    raw = bytes.fromhex(shard["primary_body_hex"])
    root = init_committee(tmp_path / "c", 4, 10)
    with running_nodes(root, [0]) as (node,):
        _store_case([node], {**case, "shards": [shard]})
        path = shard["primary_path"]
        assert request(node.url, "GET", path)[::2] == (200, raw)
        stored = root / "node-000" / "blobs" / blob_id.hex() / f"primary-{shard['pair']:05d}.sliver"
        assert stored.read_bytes() == raw
        outside = tmp_path / "elsewhere.sliver"
        stored.rename(outside)
        stored.symlink_to(outside)
        status, _, out = request(node.url, "GET", path)
        assert _error(status, out) == (404, "SLIVER_NOT_FOUND")
        stored.unlink()
        stored.write_bytes(raw + bytes(len(raw)))
        status, _, out = request(node.url, "GET", path)
        assert _error(status, out) == (404, "SLIVER_NOT_FOUND")
        outside.replace(stored)
        assert request(node.url, "GET", path)[::2] == (200, raw)


def test_sigterm_exits_cleanly(tmp_path: Path) -> None:
    root = init_committee(tmp_path / "c", 4, 4)
    with running_nodes(root, [0]) as (node,):
        assert request(node.url, "GET", "/v1/health")[0] == 200
        assert node.stop(signal.SIGTERM) == 0


def test_overload_answers_503_and_clients_retry(tmp_path: Path) -> None:
    """With one request in progress at a time, a burst gets 503 UNAVAILABLE
    envelopes; the client's bounded retries with backoff still store it all."""
    import concurrent.futures

    from walrus_core.node_api.http_store import store_blob_http
    from walrus_core.node_api.transport import ClientConfig
    from walrus_core.reference import load_committee

    root = init_committee(tmp_path / "c", 4, 10)
    case = load("node-api-n10-len20000")
    put = bytes.fromhex(case["metadata"]["put_body_hex"])
    with running_nodes(root, extra=("--max-pending", "1")) as nodes:
        node = nodes[0]
        path = case["metadata"]["path"]
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: request(node.url, "PUT", path, put, OCTET), range(48)))
        statuses = sorted({status for status, _, _ in answers})
        assert set(statuses) <= {200, 201, 503} and 201 in statuses
        for status, _, body in answers:
            if status == 503:
                doc = json_of(body)["error"]
                assert (doc["status"], doc["details"][0]["reason"], doc["details"][0]["domain"]) == (
                    "UNAVAILABLE",
                    "UNAVAILABLE",
                    "global",
                )
        config = ClientConfig(retries=8, backoff=0.05)
        result = store_blob_http(load_committee(root), b"x" * 100_000, config=config)
        assert result.certified and result.signed_shards == 10


def test_request_beyond_max_pending_gets_503_then_is_served(tmp_path: Path) -> None:
    """Deterministic overload: a PUT whose body is still arriving holds the only
    slot, so another request is refused with 503 UNAVAILABLE (not queued, not
    dropped); once the body is complete both are served."""
    import http.client
    import time
    from urllib.parse import urlsplit

    root = init_committee(tmp_path / "c", 4, 10)
    case = load("node-api-n10-len20000")
    put = bytes.fromhex(case["metadata"]["put_body_hex"])
    path = case["metadata"]["path"]
    with running_nodes(root, [0], extra=("--max-pending", "1")) as (node,):
        parts = urlsplit(node.url)
        slow = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            slow.putrequest("PUT", path)
            slow.putheader("Content-Type", OCTET["Content-Type"])
            slow.putheader("Content-Length", str(len(put)))
            slow.endheaders(put[:10])  # the rest of the body later
            refused = None
            deadline = time.monotonic() + 10
            while refused is None and time.monotonic() < deadline:  # until the slot is taken
                status, _, body = request(node.url, "GET", path)
                if status == 503:
                    refused = json_of(body)["error"]
                else:
                    assert status == 404
                    time.sleep(0.02)
            assert refused is not None, "the held slot never refused a request"
            assert (refused["code"], refused["status"], refused["details"][0]["reason"]) == (
                503,
                "UNAVAILABLE",
                "UNAVAILABLE",
            )
            slow.send(put[10:])
            assert slow.getresponse().status == 201
        finally:
            slow.close()
        assert request(node.url, "GET", path)[0] == 200


def test_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    root = init_committee(tmp_path / "c", 4, 10)
    case = load("node-api-n10-len1000")
    shard = next(s for s in case["shards"] if s["shard"] == 0)
    with running_nodes(root, [0]) as (node,):
        status, _, _ = request(
            node.url, "PUT", case["metadata"]["path"], bytes.fromhex(case["metadata"]["put_body_hex"])
        )
        assert status == 201
        raw = bytes.fromhex(shard["primary_body_hex"])
        assert request(node.url, "PUT", shard["primary_path"], raw)[0] == 201
        node.kill()
        node.start()
        assert request(node.url, "GET", shard["primary_path"])[::2] == (200, raw)
