"""Wire formats of the storage-node API against the vectors made by official
Walrus code (../shared/vectors/node-api): metadata, SliverData, recovery and
decoding symbols, inconsistency proofs, signed messages, envelopes, BLS."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from node_api_vectors import CASES, case_content, load

from walrus_core import BlobId, BlobMetadata, InvalidProofError, Sliver, encode
from walrus_core.node_api import wire
from walrus_core.node_api.symbols import (
    parse_symbol_id,
    serve_decoding_symbols,
    serve_recovery_symbols,
    target_symbol_ids,
)
from walrus_core.node_api.wire import ApiError, WireFormatError


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest) -> dict:
    return load(request.param)


def test_metadata_bodies(case: dict) -> None:
    get_body = bytes.fromhex(case["metadata"]["get_body_hex"])
    put_body = bytes.fromhex(case["metadata"]["put_body_hex"])
    blob_id = BlobId.from_str(case["blob_id"])
    assert case["metadata"]["path"] == wire.blob_path(blob_id) + "/metadata"
    assert wire.metadata_put_body(get_body) == put_body
    assert wire.check_metadata_put_body(put_body) == case["n_shards"]
    md = BlobMetadata.from_bcs(get_body)
    assert md.blob_id == blob_id
    # our encoder writes the official bytes
    ours = encode(case_content(case), case["n_shards"]).metadata
    assert ours.to_bcs() == get_body
    assert wire.put_sliver_body_limit(case["n_shards"]) == case["put_sliver_body_limit"]


def test_sliver_bodies(case: dict) -> None:
    n = case["n_shards"]
    blob_id = BlobId.from_str(case["blob_id"])
    encoded = encode(case_content(case), n)
    for shard in case["shards"]:
        pair = encoded.pairs[shard["pair"]]
        assert pair.primary.to_bcs().hex() == shard["primary_body_hex"]
        assert pair.secondary.to_bcs().hex() == shard["secondary_body_hex"]
        assert wire.sliver_path(blob_id, shard["pair"], "primary") == shard["primary_path"]
        assert wire.sliver_path(blob_id, shard["pair"], "secondary") == shard["secondary_path"]
        for kind in ("primary", "secondary"):
            raw = bytes.fromhex(shard[f"{kind}_body_hex"])
            parsed = wire.parse_sliver_body(raw, kind)
            assert parsed == Sliver.from_bcs(raw, kind)
            assert parsed.index == shard[f"{kind}_sliver_index"] and parsed.to_bcs() == raw


@pytest.mark.parametrize(
    "body",
    ["", "00", "0000", "000107000000000000000401", "000007000000000000000100", "00010700000000000000000000"],
)
def test_metadata_put_body_rejects_malformed(body: str) -> None:
    with pytest.raises(WireFormatError):
        wire.check_metadata_put_body(bytes.fromhex(body))


def _n10() -> tuple[dict, BlobMetadata, object]:
    case = load("node-api-n10-len1000")
    encoded = encode(case_content(case), 10)
    return case, encoded.metadata, encoded


def _lookup(encoded, owned_pairs):  # type: ignore[no-untyped-def]
    n = len(encoded.pairs)

    def get(kind: str, index: int) -> Sliver | None:
        pair = index if kind == "primary" else n - 1 - index
        if pair not in owned_pairs:
            return None
        return encoded.pairs[pair].primary if kind == "primary" else encoded.pairs[pair].secondary

    return get


def _query(text: str) -> list[tuple[str, str]]:
    return [tuple(item.split("=", 1)) for item in text.split("&")]  # type: ignore[misc]


def _recovery_ids(query: list[tuple[str, str]], n: int, owned: list[int]) -> tuple[list, str | None]:
    params = dict(query)
    axis = params.get("proofAxis")
    if "targetSliver" in params:
        return target_symbol_ids(n, owned, int(params["targetSliver"]), params["targetType"]), axis
    ids = sorted({parse_symbol_id(v) for k, v in query if k == "id"})
    return ids, axis


def test_recovery_symbols_single() -> None:
    vec = load("recovery-symbols.json")
    _, md, _ = _n10()
    for item in vec["symbols"]:
        raw = bytes.fromhex(item["bcs_hex"])
        sym = wire.parse_recovery_symbol(raw)
        assert wire.recovery_symbol_bcs(sym) == raw
        assert sym.kind == item["axis"].lower()
        assert (sym.source_index, sym.target_index) == (item["index"], item["target_index"])
        assert sym.verify(md)
        # Empty (padding) siblings appear as null in the vector
        assert [None if x == bytes(32) else x.hex() for x in sym.proof] == item["path"]


def test_recovery_symbols_responses() -> None:
    vec = load("recovery-symbols.json")
    _, md, encoded = _n10()
    owned = vec["node"]["owned_pairs"]
    lookup = _lookup(encoded, owned)
    for resp in vec["responses"]:
        ids, axis = _recovery_ids(_query(resp["query"]), 10, owned)
        body = wire.recovery_symbols_body(serve_recovery_symbols(md, owned, ids, axis, lookup))
        assert body.hex() == resp["body_hex"], resp["query"]
        parsed = wire.parse_recovery_symbols_body(body)
        assert [
            f"{s.target_index}-{s.source_index}"
            if s.kind == "primary"
            else f"{s.source_index}-{s.target_index}"
            for s in parsed
        ] == resp["symbol_ids"]
        assert all(s.verify(md) for s in parsed)
    for err in vec["errors"]:
        ids, axis = _recovery_ids(_query(err["query"]), 10, owned)
        with pytest.raises(ApiError) as info:
            serve_recovery_symbols(md, owned, ids, axis, lookup)
        assert (info.value.code, info.value.reason) == (err["status"], err["reason"])


def test_recovery_symbols_worked_example() -> None:
    w = load("worked-examples.json")
    md = BlobMetadata.from_bcs(bytes.fromhex(w["metadata_get_hex"]))
    syms = [wire.parse_recovery_symbol(bytes.fromhex(s["bcs_hex"])) for s in w["recovery_symbols"]]
    assert all(s.verify(md) for s in syms)
    assert wire.recovery_symbols_body(syms).hex() == w["recovery_symbols_body_hex"]


def test_decoding_symbols() -> None:
    vec = load("decoding-symbols.json")
    for resp in vec["responses"]:
        case = load(resp["case_id"])
        encoded = encode(case_content(case), case["n_shards"])
        owned = resp["owned_pairs"]
        query = _query(resp["query"])
        targets = [int(v) for k, v in query if k == "targetSlivers"]
        kind = dict(query)["targetType"]
        entries = serve_decoding_symbols(encoded.metadata, owned, targets, kind, _lookup(encoded, owned))
        body = wire.decoding_symbols_body(entries)
        assert body.hex() == resp["body_hex"], resp["query"]
        back = wire.parse_decoding_symbols_body(body)
        assert list(back) == resp["key_order"]
        assert back == entries
    err = vec["errors"][0]
    case = load(err["case_id"])
    encoded = encode(case_content(case), case["n_shards"])
    with pytest.raises(ApiError) as info:
        serve_decoding_symbols(encoded.metadata, [5], [4], "primary", _lookup(encoded, [5]))
    assert (info.value.code, info.value.reason) == (err["status"], err["reason"])
    w = load("worked-examples.json")
    ds = w["decoding_symbols"]
    entries = {
        int(k): [wire.DecodingSymbol(e["axis"].lower(), e["index"], bytes.fromhex(e["data"])) for e in v]
        for k, v in ds["entries"].items()
    }
    assert wire.decoding_symbols_body(entries).hex() == ds["body_hex"]


def test_decoding_symbols_rejects_unsorted_keys() -> None:
    body = bytes.fromhex("02" + "0100" + "00" + "0000" + "00")  # keys 1 then 0
    with pytest.raises(WireFormatError):
        wire.parse_decoding_symbols_body(body)


def test_inconsistency_proofs() -> None:
    vec = load("inconsistency-proofs.json")
    _, true_md, _ = _n10()
    for item in vec["proofs"] + [load("worked-examples.json")["inconsistency_proof"]]:
        raw = bytes.fromhex(item["body_hex"])
        proof = wire.parse_inconsistency_proof_body(raw, item["axis"])
        assert wire.inconsistency_proof_body(proof) == raw
        tampered_id = BlobId.from_str(item["tampered_blob_id"])
        put = bytes.fromhex(item["tampered_metadata_put_hex"])
        tampered = BlobMetadata.from_bcs(bytes(tampered_id) + put)
        assert proof.verify(tampered)
        if "expect_with_tampered_metadata" in item:
            msg = item["expect_with_tampered_metadata"]["message_hex"]
            assert wire.invalid_blob_id_message(vec["epoch"], tampered_id).hex() == msg
            with pytest.raises(InvalidProofError):
                proof.verify(true_md)
    with pytest.raises(WireFormatError):
        wire.parse_inconsistency_proof_body(raw + b"\x00", "primary")
    with pytest.raises(WireFormatError):
        wire.parse_inconsistency_proof_body(raw[:-1], "primary")


def test_confirmation_messages() -> None:
    vec = load("confirmation-messages.json")
    for item in vec["confirmations"]:
        obj = wire.parse_object_id(item["object_id"]) if item["object_id"] else None
        msg = wire.confirmation_message(item["epoch"], BlobId.from_hex(item["blob_id_hex"]), obj)
        assert msg.hex() == item["message_hex"]
        assert len(msg) == item["message_len"]
    for item in vec["invalid_blob_id_messages"]:
        msg = wire.invalid_blob_id_message(item["epoch"], BlobId.from_hex(item["blob_id_hex"]))
        assert msg.hex() == item["message_hex"]
    for bad in ("0x12", "2a" * 32, "0x" + "zz" * 32):
        with pytest.raises(ValueError):
            wire.parse_object_id(bad)


def test_envelopes() -> None:
    env = load("envelopes.json")
    assert {x["status"]: x["code"] for x in env["status_codes"]} == wire.STATUS_CODES
    err = ApiError("METADATA_NOT_FOUND")
    assert err.envelope() == env["error_example"]
    for item in env["reasons"]:
        if item["reason"] not in wire.REASONS:
            continue  # reasons a Sui-less node never gives (spec §9)
        if "<" in item["message"] or "`" in item["message"] or "e.g." in item["message"]:
            continue  # messages with a detail
        got = ApiError(item["reason"], status=item["status"]).envelope()["error"]
        assert (got["code"], got["status"], got["message"]) == (item["code"], item["status"], item["message"])
        assert got["details"][0]["domain"] == item["domain"]
    for item in env["success"]:
        body = item["body"]
        assert wire.success(item["status"], body["success"]["data"]) == body
    # the transcribed metadata-not-found on GET and the content-type message
    got = ApiError("METADATA_NOT_FOUND", status="NOT_FOUND", message=wire.MESSAGE_NOT_FOUND_METADATA)
    row = next(x for x in env["reasons"] if x["reason"] == "METADATA_NOT_FOUND" and x["code"] == 404)
    assert got.code == 404 and got.message == row["message"]
    row = next(x for x in env["reasons"] if x["message"].startswith("Expected request"))
    assert row["message"] == wire.BAD_CONTENT_TYPE_MESSAGE
    back = ApiError.from_envelope(400, json.loads(json.dumps(err.envelope())))
    assert back.reason == "METADATA_NOT_FOUND"
    assert ApiError.from_envelope(502, "oops").reason == "UNKNOWN"


def test_bls_signatures() -> None:
    pytest.importorskip("pyblst")
    from walrus_core.node_api import bls

    vec = load("bls-signatures.json")
    assert vec["dst"].encode() == bls.DST
    keys = {k["node"]: k for k in vec["keys"]}
    for k in vec["keys"]:
        assert bls.public_key(bytes.fromhex(k["secret_key_hex"])).hex() == k["public_key_hex"]
        assert wire.b64(bytes.fromhex(k["public_key_hex"])) == k["public_key_base64"]
    for s in vec["signatures"]:
        key = keys[s["signer"]]
        msg = bytes.fromhex(s["message_hex"])
        sig = bls.sign(bytes.fromhex(key["secret_key_hex"]), msg)
        assert sig.hex() == s["signature_hex"]
        assert wire.signed_message_json(msg, sig) == s["json"]
        assert wire.parse_signed_message(s["json"]) == (msg, sig)
        pk = bytes.fromhex(key["public_key_hex"])
        assert bls.verify(pk, sig, msg)
        assert not bls.verify(pk, sig, msg + b"\x00")
        assert not bls.verify(bytes.fromhex(keys["node-001"]["public_key_hex"]), sig, msg)
        assert not bls.verify(pk, sig[:-1] + bytes([sig[-1] ^ 1]), msg)
    confirm = vec["envelopes"]["confirmation"]
    data = confirm["success"]["data"]["signed"]
    assert wire.success(200, {"signed": data}) == confirm
    # the identity points and garbage never verify
    identity_pk = bytes([0xC0]) + bytes(47)
    identity_sig = bytes([0xC0]) + bytes(95)
    assert not bls.verify(identity_pk, identity_sig, b"x")
    assert not bls.verify(b"\x00" * 48, b"\x00" * 96, b"x")
    with pytest.raises(ValueError):
        bls.public_key(bytes(32))
    assert bls.verify(bls.public_key(sk := bls.generate_secret_key()), bls.sign(sk, b"m"), b"m")


def test_bls_certificate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("pyblst")
    from walrus_core.node_api import bls
    from walrus_core.node_api.certificate import make_certificate, verify_certificate
    from walrus_core.reference import CertificateError, init_committee

    committee = init_committee(tmp_path / "c", 4, 10, listen="127.0.0.1:1")
    blob_id = BlobId(bytes(range(32)))
    message = wire.confirmation_message(committee.epoch, blob_id)
    secrets = [bls.read_secret_key(committee.bls_key_path(i)) for i in range(4)]
    sigs = {i: bls.sign(secrets[i], message) for i in (0, 1, 2)}  # 3 + 3 + 2 = 8 shards >= 7
    cert = make_certificate(committee, blob_id, message, sigs)
    assert verify_certificate(committee, blob_id, cert) == 8
    assert committee.verify_certificate(blob_id, cert) == 8
    for bad in (
        {**cert, "signers": [0, 1, 3]},  # wrong signer set for the aggregate
        {**cert, "signers": [0, 0, 1]},
        {**cert, "epoch": 2, "serialized_message": wire.b64(wire.confirmation_message(2, blob_id))},
        make_certificate(committee, blob_id, message, {i: sigs[i] for i in (0, 1)}),  # 6 shards < 7
        {**cert, "aggregate_signature": "AAAA"},
    ):
        with pytest.raises(CertificateError):
            committee.verify_certificate(blob_id, bad)
    with pytest.raises(CertificateError):
        committee.verify_certificate(BlobId(bytes(32)), cert)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["primary", "secondary"]))
def test_parsers_reject_garbage_cleanly(raw: bytes, kind: str) -> None:
    """Any bytes: each parser returns a value or raises WireFormatError, never anything else."""
    for parse in (
        wire.parse_recovery_symbol,
        wire.parse_recovery_symbols_body,
        wire.parse_decoding_symbols_body,
        lambda b: wire.parse_inconsistency_proof_body(b, kind),
        wire.check_metadata_put_body,
        lambda b: wire.parse_sliver_body(b, kind),
    ):
        with contextlib.suppress(WireFormatError):
            parse(raw)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_recovery_symbol_round_trip(data: st.DataObject) -> None:
    vec = load("recovery-symbols.json")
    item = data.draw(st.sampled_from(vec["symbols"]))
    raw = bytearray.fromhex(item["bcs_hex"])
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(WireFormatError):
        wire.parse_recovery_symbol(bytes(raw[:cut]))
    with pytest.raises(WireFormatError):
        wire.parse_recovery_symbol(bytes(raw) + b"\x00")


def test_committee_file_served_fields(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """committee.json's epoch, url and bls_public_key (spec §9) are written by
    init --listen and parsed strictly."""
    pytest.importorskip("pyblst")
    import base64
    import json

    from walrus_core.node_api import bls
    from walrus_core.reference import CommitteeError, init_committee, load_committee

    c = init_committee(tmp_path / "c", 3, 7, listen="127.0.0.1:9100")
    doc = json.loads((tmp_path / "c" / "committee.json").read_text())
    assert doc["epoch"] == 1 and [x["url"] for x in doc["nodes"]] == [
        f"http://127.0.0.1:{9100 + i}" for i in range(3)
    ]
    for i, node in enumerate(doc["nodes"]):
        key = base64.b64decode(node["bls_public_key"])
        assert key == bls.public_key(bls.read_secret_key(c.bls_key_path(i))) and len(key) == 48
    loaded = load_committee(tmp_path / "c")
    assert loaded.served and loaded.epoch == 1 and loaded.nodes[2].url == "http://127.0.0.1:9102"
    for field, value in (
        ("epoch", -1),
        ("epoch", 2**32),
        ("epoch", "1"),
    ):
        bad = {**doc, field: value}
        (tmp_path / "c" / "committee.json").write_text(json.dumps(bad))
        with pytest.raises(CommitteeError):
            load_committee(tmp_path / "c")
    for key, value in (("url", "ftp://x"), ("url", 5), ("bls_public_key", "AAAA"), ("bls_public_key", "!!")):
        nodes = [dict(doc["nodes"][0], **{key: value}), *doc["nodes"][1:]]
        (tmp_path / "c" / "committee.json").write_text(json.dumps({**doc, "nodes": nodes}))
        with pytest.raises(CommitteeError):
            load_committee(tmp_path / "c")
    with pytest.raises(CommitteeError):
        init_committee(tmp_path / "d", 3, 7, listen="127.0.0.1")
