"""The bytes and JSON of the Walrus storage-node API (spec walrus-node-api.md
§3 and §5): BCS request and response bodies, signed-message bytes, and the
success / error envelopes with Walrus's reasons and status codes.

Everything here is pure and synchronous; the server (server.py) and the
client (http_node.py) only move these bytes.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

# the package root re-exports the symbol types whichever module defines them
from .. import InconsistencyProof, RecoverySymbol, Sliver
from .._bcs import Reader, uleb128
from ..errors import InvalidInputError, WalrusCoreError
from ..merkle import node_bcs, read_node_bcs
from ..metadata import BLOB_ID_LEN, BlobId

Kind = Literal["primary", "secondary"]
KINDS: tuple[Kind, Kind] = ("primary", "secondary")
_AXIS_BYTE = {"primary": 0, "secondary": 1}
_MAX_PROOF_NODES = 64
# the longest sequence any body can hold: one entry per shard
_MAX_ITEMS = 0xFFFF

APP_STORAGE = 3
INTENT_PROOF_OF_POSSESSION = 0
INTENT_BLOB_CERT = 1
INTENT_INVALID_BLOB_ID = 2
MAX_SYMBOL_SIZE = 65534
DEFAULT_BODY_LIMIT = 2 * 1024 * 1024  # axum's default, every body but a sliver


class WireFormatError(InvalidInputError):
    """A body is not the BCS of the type the route carries."""


def put_sliver_body_limit(n_shards: int) -> int:
    """Largest PUT sliver body a node accepts: a primary sliver (s symbols) at
    the largest symbol size, plus headroom for its BCS framing."""
    from ..config import EncodingConfig

    return EncodingConfig(n_shards).n_secondary_source_symbols * MAX_SYMBOL_SIZE + 128


# ------------------------------------------------------------------ paths
def blob_path(blob_id: BlobId) -> str:
    return f"/v1/blobs/{blob_id}"


def sliver_path(blob_id: BlobId, pair: int, kind: str) -> str:
    return f"/v1/blobs/{blob_id}/slivers/{pair}/{kind}"


# ------------------------------------------------------------------ metadata
def metadata_put_body(metadata_with_id: bytes) -> bytes:
    """``BlobMetadata`` (the PUT body) from ``BlobMetadataWithId`` bytes."""
    return bytes(metadata_with_id[BLOB_ID_LEN:])


def check_metadata_put_body(body: bytes) -> int:
    """Check that ``body`` is the BCS of a ``BlobMetadata`` (structure only:
    V1, RS2, a length, pairs of nodes, nothing trailing); return its pair
    count. Raises :class:`WireFormatError`."""
    try:
        reader = Reader(body, "BlobMetadata BCS")
        if reader.uleb128() != 0:
            raise WireFormatError("BlobMetadata BCS: only version V1 (0) exists")
        if reader.u8() != 1:
            raise WireFormatError("BlobMetadata BCS: encoding type must be RS2 (1)")
        reader.u64()
        count = reader.uleb128(_MAX_ITEMS)
        for _ in range(2 * count):
            read_node_bcs(reader)
        reader.finish()
    except WireFormatError:
        raise
    except InvalidInputError as exc:
        raise WireFormatError(str(exc)) from None
    return count


# ------------------------------------------------------------------ slivers
def parse_sliver_body(body: bytes | bytearray, kind: str) -> Sliver:
    """A ``SliverData`` body as a Sliver of ``kind`` that views ``body``
    (no copy of the symbols; strict: exact length, a symbol size that
    divides it). Raises :class:`WireFormatError`."""
    try:
        head = bytes(body[:10])  # a u32 ULEB128 takes at most 5 bytes
        reader = Reader(head, "SliverData BCS")
        length = reader.uleb128()
        start = len(head) - reader.remaining
        if len(body) != start + length + 4:
            raise WireFormatError(
                f"SliverData BCS: {len(body)} bytes, the header announces {start + length + 4}"
            )
        size, index = struct.unpack_from("<HH", body, start + length)
        if size == 0 or length % size:
            raise WireFormatError(f"SliverData BCS: length {length} is not a multiple of symbol size {size}")
        return Sliver(memoryview(body)[start : start + length], index, size, kind)
    except WireFormatError:
        raise
    except (WalrusCoreError, ValueError) as exc:
        raise WireFormatError(str(exc)) from None


# ------------------------------------------------------------------ symbols
def _read_bytes(reader: Reader, limit: int = MAX_SYMBOL_SIZE) -> bytes:
    return reader.take(reader.uleb128(limit))


def _read_proof(reader: Reader) -> tuple[bytes, ...]:
    count = reader.uleb128(_MAX_PROOF_NODES)
    return tuple(read_node_bcs(reader) for _ in range(count))


def _proof_bcs(proof: Sequence[bytes]) -> bytes:
    return uleb128(len(proof)) + b"".join(node_bcs(x) for x in proof)


def _read_axis(reader: Reader) -> Kind:
    tag = reader.u8()
    if tag > 1:
        raise WireFormatError(f"unknown sliver axis variant {tag}")
    return KINDS[tag]


def decoding_symbol_bcs(kind: str, source_index: int, data: bytes) -> bytes:
    """``EitherDecodingSymbol``: axis byte (0 Primary = rebuilds a primary
    sliver) ‖ u16 source index ‖ bytes(data)."""
    return bytes([_AXIS_BYTE[kind]]) + struct.pack("<H", source_index) + uleb128(len(data)) + data


def recovery_symbol_bcs(symbol: RecoverySymbol) -> bytes:
    """``GeneralRecoverySymbol``: the decoding symbol, THEN the target index,
    then the Merkle proof (Walrus's field order)."""
    return (
        decoding_symbol_bcs(symbol.kind, symbol.source_index, symbol.data)
        + struct.pack("<H", symbol.target_index)
        + _proof_bcs(symbol.proof)
    )


def _read_recovery_symbol(reader: Reader) -> RecoverySymbol:
    kind = _read_axis(reader)
    source = reader.u16()
    data = _read_bytes(reader)
    target = reader.u16()
    return RecoverySymbol(source, target, kind, data, _read_proof(reader))


def _strict(what: str, body: bytes, parse: Any) -> Any:
    """Run ``parse(reader)`` over the whole body; any BCS problem becomes a
    WireFormatError naming ``what``."""
    try:
        reader = Reader(bytes(body), what)
        out = parse(reader)
        reader.finish()
    except WireFormatError:
        raise
    except (WalrusCoreError, ValueError) as exc:
        raise WireFormatError(f"{what}: {exc}") from None
    return out


def recovery_symbols_body(symbols: Iterable[RecoverySymbol]) -> bytes:
    """``/recoverySymbols`` response: vec(GeneralRecoverySymbol)."""
    items = [recovery_symbol_bcs(s) for s in symbols]
    return uleb128(len(items)) + b"".join(items)


def parse_recovery_symbol(body: bytes) -> RecoverySymbol:
    return _strict("GeneralRecoverySymbol", body, _read_recovery_symbol)  # type: ignore[no-any-return]


def parse_recovery_symbols_body(body: bytes) -> list[RecoverySymbol]:
    def read(reader: Reader) -> list[RecoverySymbol]:
        return [_read_recovery_symbol(reader) for _ in range(reader.uleb128(_MAX_ITEMS))]

    return _strict("recovery symbols", body, read)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class DecodingSymbol:
    """One entry of a ``/decodingSymbols`` map: ``kind`` is the sliver it
    rebuilds, ``source_index`` the orthogonal sliver it was cut from."""

    kind: str
    source_index: int
    data: bytes


def decoding_symbols_body(entries: Mapping[int, Sequence[DecodingSymbol]]) -> bytes:
    """``BTreeMap<u16, Vec<EitherDecodingSymbol>>``: entries sorted by the
    bytes of the serialized (little-endian) key, as BCS sorts map keys."""
    keys = sorted(entries, key=lambda k: struct.pack("<H", k))
    out = bytearray(uleb128(len(keys)))
    for key in keys:
        out += struct.pack("<H", key) + uleb128(len(entries[key]))
        for sym in entries[key]:
            out += decoding_symbol_bcs(sym.kind, sym.source_index, sym.data)
    return bytes(out)


def parse_decoding_symbols_body(body: bytes) -> dict[int, list[DecodingSymbol]]:
    def read(reader: Reader) -> dict[int, list[DecodingSymbol]]:
        out: dict[int, list[DecodingSymbol]] = {}
        previous = b""
        for _ in range(reader.uleb128(_MAX_ITEMS)):
            key_bytes = reader.take(2)
            if previous and key_bytes <= previous:
                raise WireFormatError("decoding symbols: map keys not in canonical order")
            previous = key_bytes
            syms = []
            for _ in range(reader.uleb128(_MAX_ITEMS)):
                kind = _read_axis(reader)
                source = reader.u16()
                syms.append(DecodingSymbol(kind, source, _read_bytes(reader)))
            out[struct.unpack("<H", key_bytes)[0]] = syms
        return out

    return _strict("decoding symbols", body, read)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ inconsistency proofs
def inconsistency_proof_body(proof: InconsistencyProof) -> bytes:
    """``InconsistencyProof`` as POSTed: u16 target ‖ vec(u16 source ‖
    bytes(data) ‖ proof). The axis is the URL's, not in the bytes."""
    out = bytearray(struct.pack("<H", proof.target_index) + uleb128(len(proof.symbols)))
    for sym in proof.symbols:
        out += struct.pack("<H", sym.source_index) + uleb128(len(sym.data)) + sym.data
        out += _proof_bcs(sym.proof)
    return bytes(out)


def parse_inconsistency_proof_body(body: bytes, kind: str) -> InconsistencyProof:
    if kind not in KINDS:
        raise WireFormatError(f"unknown sliver type {kind!r}")
    axis: Kind = "primary" if kind == "primary" else "secondary"

    def read(reader: Reader) -> InconsistencyProof:
        target = reader.u16()
        symbols = []
        for _ in range(reader.uleb128(_MAX_ITEMS)):
            source = reader.u16()
            data = _read_bytes(reader)
            symbols.append(RecoverySymbol(source, target, axis, data, _read_proof(reader)))
        return InconsistencyProof(axis, target, tuple(symbols))

    return _strict("InconsistencyProof", body, read)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ signed messages
def _intent(kind: int) -> bytes:
    return bytes([kind, 0, APP_STORAGE])


def _epoch(epoch: int) -> bytes:
    if type(epoch) is not int or not 0 <= epoch <= 0xFFFFFFFF:
        raise InvalidInputError(f"epoch must be a u32, got {epoch!r}")
    return struct.pack("<I", epoch)


def confirmation_message(epoch: int, blob_id: BlobId, object_id: bytes | None = None) -> bytes:
    """``Confirmation`` bytes: intent ‖ u32 epoch ‖ blob ID ‖ 00 (permanent)
    or 01 ‖ object ID (deletable)."""
    head = _intent(INTENT_BLOB_CERT) + _epoch(epoch) + bytes(blob_id)
    if object_id is None:
        return head + b"\x00"
    if len(object_id) != 32:
        raise InvalidInputError(f"an object ID is 32 bytes, got {len(object_id)}")
    return head + b"\x01" + bytes(object_id)


def invalid_blob_id_message(epoch: int, blob_id: BlobId) -> bytes:
    """``InvalidBlobIdMsg`` bytes: intent ‖ u32 epoch ‖ blob ID."""
    return _intent(INTENT_INVALID_BLOB_ID) + _epoch(epoch) + bytes(blob_id)


def parse_object_id(text: str) -> bytes:
    """A Sui object ID from ``0x`` + 64 hex digits."""
    if not (isinstance(text, str) and len(text) == 66 and text[:2] in ("0x", "0X")):
        raise InvalidInputError(f"malformed object ID {text!r}: expected 0x and 64 hex digits")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise InvalidInputError(f"malformed object ID {text!r}") from None


def b64(raw: bytes) -> str:
    """Standard base64 with padding (JSON signatures, messages, public keys)."""
    return base64.b64encode(raw).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise WireFormatError(f"{what}: expected a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise WireFormatError(f"{what}: not valid base64") from None


def signed_message_json(message: bytes, signature: bytes) -> dict[str, str]:
    return {"serializedMessage": b64(message), "signature": b64(signature)}


def parse_signed_message(data: object) -> tuple[bytes, bytes]:
    """(message, signature) from ``{"serializedMessage", "signature"}``."""
    if not isinstance(data, dict):
        raise WireFormatError("signed message: expected a JSON object")
    message = unb64(data.get("serializedMessage"), "serializedMessage")
    return message, unb64(data.get("signature"), "signature")


# ------------------------------------------------------------------ envelopes
DOMAIN = "storage.walrus.space"
STATUS_CODES = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "SIZE_EXCEEDED": 403,
    "NOT_FOUND": 404,
    "RANGE_NOT_SATISFIABLE": 416,
    "RESOURCE_EXHAUSTED": 429,
    "UNAVAILABLE_FOR_LEGAL_REASONS": 451,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
# reason -> (status, message); messages with {} take a detail
REASONS: dict[str, tuple[str, str]] = {
    "INVALID_CONTENT_TYPE": ("INVALID_ARGUMENT", "unable to decode request body as BCS"),
    "METADATA_NOT_FOUND": ("FAILED_PRECONDITION", "blob metadata is required but missing"),
    "INVALID_METADATA": ("INVALID_ARGUMENT", "the provided metadata failed to verify: {}"),
    "NOT_REGISTERED": ("FAILED_PRECONDITION", "the blob has not been registered or has already expired"),
    "INVALID_SLIVER": ("INVALID_ARGUMENT", "the provided sliver is invalid: {}"),
    "SLIVER_INDEX_MISMATCH": (
        "INVALID_ARGUMENT",
        "sliver index {} is inconsistent with sliver pair index {}",
    ),
    "SHARD_NOT_ASSIGNED": ("FAILED_PRECONDITION", "shard {} is not assigned to this node in epoch {}"),
    "INDEX_OUT_OF_RANGE": ("INVALID_ARGUMENT", "requires 0 <= index ({}) < {}"),
    "SLIVER_NOT_FOUND": ("NOT_FOUND", "the requested sliver is unavailable"),
    "MISSING_SLIVERS": ("FAILED_PRECONDITION", "the required slivers are not all stored"),
    "SYMBOL_NOT_PRESENT_AT_SHARDS": (
        "FAILED_PRECONDITION",
        "the requested recovery symbol is not the responsibility of this node's shards",
    ),
    "NO_SYMBOLS_SPECIFIED": ("FAILED_PRECONDITION", "at least one symbol ID must be specified"),
    "INVALID_FILTER": ("INVALID_ARGUMENT", "the filter is invalid: {}"),
    "NO_TARGET_SLIVERS_SPECIFIED": ("FAILED_PRECONDITION", "at least one target sliver must be specified"),
    "RECOVERY_SYMBOL_OUT_OF_RANGE": (
        "INVALID_ARGUMENT",
        "the requested recovery symbol is out of range: {}",
    ),
    "INVALID_PROOF": ("INVALID_ARGUMENT", "{}"),
    "UNAVAILABLE": ("UNAVAILABLE", "the service is currently unavailable"),
    "INTERNAL_ERROR": ("INTERNAL", "an internal error has occurred, please report it"),
    # our own, for what axum answers in plain text (spec §2: clients must not depend on them)
    "INVALID_PATH": ("INVALID_ARGUMENT", "invalid path parameter: {}"),
    "INVALID_QUERY": ("INVALID_ARGUMENT", "invalid query: {}"),
    "NOT_FOUND": ("NOT_FOUND", "no such route: {}"),
}
GLOBAL_REASONS = frozenset({"UNAVAILABLE", "INTERNAL_ERROR"})
MESSAGE_NOT_FOUND_METADATA = "the requested metadata is unavailable"
# a reason whose message depends on its status: METADATA_NOT_FOUND is 404 on GET metadata
_MESSAGE_BY_STATUS = {("METADATA_NOT_FOUND", "NOT_FOUND"): MESSAGE_NOT_FOUND_METADATA}
BAD_CONTENT_TYPE_MESSAGE = "Expected request with `Content-Type: application/octet-stream`"


class ApiError(WalrusCoreError):
    """A Walrus error response: reason, AIP-193 status, HTTP code and message.
    Raised by server handlers (rendered by :meth:`envelope`) and by the client
    when a node answers with an error."""

    def __init__(
        self,
        reason: str,
        *args: object,
        message: str | None = None,
        status: str | None = None,
        code: int | None = None,
    ) -> None:
        default_status, template = REASONS.get(reason, ("INTERNAL", "{}"))
        self.reason = reason
        self.status = status or default_status
        self.code = code if code is not None else STATUS_CODES[self.status]
        template = _MESSAGE_BY_STATUS.get((reason, self.status), template)
        self.message = message if message is not None else template.format(*args)
        super().__init__(f"{self.code} {self.reason}: {self.message}")

    def envelope(self) -> dict[str, Any]:
        domain = "global" if self.reason in GLOBAL_REASONS else DOMAIN
        info = {"@type": "ErrorInfo", "reason": self.reason, "domain": domain, "metadata": {}}
        return {
            "error": {"code": self.code, "status": self.status, "message": self.message, "details": [info]}
        }

    @classmethod
    def from_envelope(cls, code: int, doc: object) -> ApiError:
        """The error a node's JSON body describes (``UNKNOWN`` when it is not an envelope)."""
        try:
            err = doc["error"]  # type: ignore[index]
            reason = str(err["details"][0]["reason"])
            return cls(reason, message=str(err["message"]), status=str(err["status"]), code=code)
        except (KeyError, IndexError, TypeError):
            return cls("UNKNOWN", message=f"HTTP {code} without a Walrus error envelope", code=code)


def success(code: int, data: Any) -> dict[str, Any]:
    """``ApiSuccess``: ``{"success": {"code": code, "data": data}}``."""
    return {"success": {"code": code, "data": data}}


def success_data(doc: object, what: str) -> Any:
    """``data`` of a success envelope (WireFormatError when it is not one)."""
    try:
        return doc["success"]["data"]  # type: ignore[index]
    except (KeyError, TypeError):
        raise WireFormatError(f"{what}: response is not a Walrus success envelope") from None


__all__ = [
    "ApiError",
    "DecodingSymbol",
    "WireFormatError",
    "check_metadata_put_body",
    "confirmation_message",
    "decoding_symbols_body",
    "inconsistency_proof_body",
    "invalid_blob_id_message",
    "metadata_put_body",
    "parse_decoding_symbols_body",
    "parse_inconsistency_proof_body",
    "parse_recovery_symbol",
    "parse_recovery_symbols_body",
    "put_sliver_body_limit",
    "recovery_symbol_bcs",
    "recovery_symbols_body",
    "success",
]
