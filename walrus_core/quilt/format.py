"""The bytes of QuiltV1 (spec walrus-quilt.md §4, §5, §8): BCS strings and tag
maps, Walrus's identifier rules, the index (meta stream) and patch headers,
written and read back strictly."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from .._bcs import Reader, uleb128
from ..errors import InvalidInputError
from .errors import CorruptQuiltError, InvalidIdentifierError, QuiltTypeError, TagsTooLargeError

QUILT_VERSION = 1
BLOB_HEADER_VERSION = 1
TAGS_FLAG = 0x01
META_PREFIX_LEN = 5  # version byte + LE32(index length)
PATCH_PREFIX_LEN = 6  # version byte + LE32(length) + mask
MAX_INDEX_COLUMNS = 10
U16_MAX = 0xFFFF
U32_MAX = 0xFFFFFFFF
# len(BCS(identifier)) must stay below u16::MAX: 65531 UTF-8 bytes (+3 ULEB128 bytes).
MAX_IDENTIFIER_BCS = U16_MAX - 1

# Unicode general category Cc: refused anywhere in an identifier.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Unicode White_Space: refused as an identifier's last character.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)

Tags = dict[str, str]
_T = TypeVar("_T")


def utf8(text: object, what: str, *, identifier: object = None, position: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise QuiltTypeError(
            f"{what} must be a str, not {type(text).__name__}", identifier=identifier, position=position
        )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        cls = InvalidIdentifierError if what == "identifier" else QuiltTypeError
        raise cls(
            f"{what} is not valid Unicode (lone surrogate at {exc.start})",
            identifier=identifier,
            position=position,
        ) from None


def bcs_bytes(raw: bytes) -> bytes:
    """BCS of a string or byte vector: ULEB128(length) ‖ bytes."""
    return uleb128(len(raw)) + raw


def identifier_bcs(identifier: object, position: int | None = None) -> bytes:
    """BCS(identifier) after Walrus's ``validate_quilt_identifier`` rules (spec §8)."""
    raw = utf8(identifier, "identifier", identifier=identifier, position=position)
    assert isinstance(identifier, str)
    problem = identifier_problem(identifier, raw)
    if problem:
        raise InvalidIdentifierError(problem, identifier=identifier, position=position)
    return bcs_bytes(raw)


def identifier_problem(identifier: str, raw: bytes) -> str | None:
    """Why an identifier breaks Walrus's rules, or None."""
    if not raw:
        return "identifier is empty"
    if len(bcs_bytes(raw)) > MAX_IDENTIFIER_BCS:
        return f"identifier is {len(raw)} UTF-8 bytes long; at most 65531 are allowed"
    control = _CONTROL.search(identifier)
    if control:
        return f"identifier contains control character U+{ord(control.group()):04X} at {control.start()}"
    if identifier[-1] in _WHITE_SPACE:
        return f"identifier ends with whitespace U+{ord(identifier[-1]):04X}"
    return None


def tags_bcs(tags: object, position: int | None = None, identifier: object = None) -> bytes:
    """BCS(map<string,string>) with entries sorted by their serialized key
    (length prefix first). ``None`` and ``{}`` give ``00``."""
    if tags is None:
        return b"\x00"
    if not isinstance(tags, Mapping):
        raise QuiltTypeError(
            f"tags must be a dict of str to str or None, not {type(tags).__name__}",
            identifier=identifier,
            position=position,
        )
    entries = []
    for key, value in tags.items():
        k = utf8(key, "tag key", identifier=identifier, position=position)
        v = utf8(value, f"tag {key!r}", identifier=identifier, position=position)
        entries.append((bcs_bytes(k), bcs_bytes(v)))
    entries.sort(key=lambda kv: kv[0])
    out = uleb128(len(entries)) + b"".join(k + v for k, v in entries)
    if len(entries) and len(out) > U16_MAX:
        raise TagsTooLargeError(
            f"serialized tags are {len(out)} bytes; at most {U16_MAX} fit the 16-bit size field",
            identifier=identifier,
            position=position,
        )
    return out


def patch_header(id_bcs: bytes, tag_bcs: bytes, data_length: int) -> bytes:
    """The bytes of a patch stream before its data (spec §5); the tags section
    only for a non-empty map."""
    has_tags = tag_bcs != b"\x00"
    body = struct.pack("<H", len(id_bcs)) + id_bcs
    if has_tags:
        body += struct.pack("<H", len(tag_bcs)) + tag_bcs
    length = len(body) + data_length
    if length > U32_MAX:
        raise OverflowError(length)
    return struct.pack("<BIB", BLOB_HEADER_VERSION, length, TAGS_FLAG if has_tags else 0) + body


def index_entry(end: int, id_bcs: bytes, tag_bcs: bytes) -> bytes:
    return struct.pack("<H", end) + id_bcs + tag_bcs


def meta_stream(entries: list[bytes]) -> bytes:
    """0x01 ‖ LE32(L) ‖ BCS(QuiltIndexV1), L = len(BCS(QuiltIndexV1))."""
    body = uleb128(len(entries)) + b"".join(entries)
    return struct.pack("<BI", QUILT_VERSION, len(body)) + body


# ---- reading (strict) ----------------------------------------------------------------


@dataclass(frozen=True)
class IndexEntry:
    """One patch as the index lists it: column range [start, end)."""

    identifier: str
    tags: Tags
    start: int
    end: int


def _string(reader: Reader) -> str:
    raw = reader.take(reader.uleb128())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CorruptQuiltError("string is not valid UTF-8") from None


def _tags(reader: Reader) -> Tags:
    count = reader.uleb128()
    out: Tags = {}
    last = b""
    for k in range(count):
        start = reader.remaining
        key = _string(reader)
        serialized = bcs_bytes(key.encode("utf-8"))
        if start - reader.remaining != len(serialized):  # pragma: no cover - canonical ULEB128 is checked
            raise CorruptQuiltError("non-canonical tag key")
        if k and serialized <= last:
            raise CorruptQuiltError("tag keys not in strictly increasing serialized order")
        last = serialized
        out[key] = _string(reader)
    return out


def _parse(raw: bytes, what: str, parse: Callable[[Reader], _T]) -> _T:
    """``parse`` over all of ``raw``: no trailing bytes; any BCS error becomes CorruptQuiltError."""
    reader = Reader(raw, what)
    try:
        value = parse(reader)
        reader.finish()
    except CorruptQuiltError as exc:
        raise CorruptQuiltError(f"{what}: {exc}") from None
    except InvalidInputError as exc:
        raise CorruptQuiltError(str(exc)) from None
    return value


def index_length(column0: bytes, column_size: int) -> int:
    """L from the first index column; refuses a wrong version or an index over 10 columns."""
    if len(column0) < META_PREFIX_LEN or column0[0] != QUILT_VERSION:
        version = column0[0] if column0 else None
        raise CorruptQuiltError(f"not a QuiltV1 quilt (version byte {version}, expected {QUILT_VERSION})")
    length = int(struct.unpack_from("<I", column0, 1)[0])
    if length > MAX_INDEX_COLUMNS * column_size - META_PREFIX_LEN:
        raise CorruptQuiltError(f"index length {length} exceeds {MAX_INDEX_COLUMNS} columns")
    return length


def parse_index(body: bytes, first_start: int, n_columns: int) -> list[IndexEntry]:
    """Entries of BCS(QuiltIndexV1), start columns assigned from ``first_start``."""

    def read(reader: Reader) -> list[tuple[int, str, Tags]]:
        return [(reader.u16(), _string(reader), _tags(reader)) for _ in range(reader.uleb128())]

    out = []
    start = first_start
    for end, identifier, tags in _parse(body, "quilt index", read):
        if not start < end <= n_columns:
            raise CorruptQuiltError(
                f"quilt index: patch {identifier!r} ends at column {end}, outside {start + 1}..{n_columns}"
            )
        out.append(IndexEntry(identifier, tags, start, end))
        start = end
    return out


@dataclass(frozen=True)
class PatchContent:
    """A patch read back: its identifier, tags and data."""

    identifier: str
    tags: Tags
    data: bytes


def parse_patch(stream: bytes) -> PatchContent:
    """A patch from the bytes of its whole column range (spec §9.1)."""
    if len(stream) < PATCH_PREFIX_LEN or stream[0] != BLOB_HEADER_VERSION:
        raise CorruptQuiltError("patch header: bad version byte")
    _, length, mask = struct.unpack_from("<BIB", stream)
    if length > len(stream) - PATCH_PREFIX_LEN:
        raise CorruptQuiltError(f"patch header: length {length} exceeds the patch's columns")
    end = PATCH_PREFIX_LEN + length
    pos = PATCH_PREFIX_LEN

    def section(what: str) -> bytes:
        nonlocal pos
        if pos + 2 > end:
            raise CorruptQuiltError(f"patch header: {what} size runs past the patch length")
        size = int(struct.unpack_from("<H", stream, pos)[0])
        if pos + 2 + size > end:
            raise CorruptQuiltError(f"patch header: {what} runs past the patch length")
        pos += 2 + size
        return stream[pos - size : pos]

    identifier = _parse(section("identifier"), "patch identifier", _string)
    tags = _parse(section("tags"), "patch tags", _tags) if mask & TAGS_FLAG else {}
    problem = identifier_problem(identifier, identifier.encode("utf-8"))
    if problem:
        raise CorruptQuiltError(f"patch header: {problem}")
    return PatchContent(identifier, tags, stream[pos:end])
