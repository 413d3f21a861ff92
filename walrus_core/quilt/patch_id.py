"""Patch IDs (spec walrus-quilt.md §7): quilt ID (32 bytes) ‖ 0x01 ‖ LE16(start
column) ‖ LE16(end column, exclusive); text = unpadded URL-safe base64, 50
characters, whose first 43 are the quilt ID's text."""

from __future__ import annotations

import base64
import struct
from typing import TYPE_CHECKING

from ..metadata import BlobId, b64url_exact
from .errors import InvalidPatchIdError

if TYPE_CHECKING:
    from typing_extensions import Buffer

PATCH_ID_VERSION = 1
PATCH_ID_LEN = 37
PATCH_ID_TEXT_LEN = 50


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class PatchId:
    """One file of a quilt: the quilt's ID and the file's column range
    ``[start, end)``. ``str()`` is Walrus's 50-character text;
    :meth:`from_str` and :meth:`from_bytes` parse strictly."""

    __slots__ = ("end", "quilt_id", "start")

    quilt_id: BlobId
    start: int
    end: int

    def __init__(self, quilt_id: BlobId, start: int, end: int) -> None:
        if not isinstance(quilt_id, BlobId):
            raise InvalidPatchIdError(f"quilt_id must be a BlobId, not {type(quilt_id).__name__}")
        for what, value in (("start", start), ("end", end)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
                raise InvalidPatchIdError(f"patch {what} column must be an int in 0..65535, got {value!r}")
        if start >= end:
            raise InvalidPatchIdError(f"patch column range {start}..{end} is empty")
        self.quilt_id = quilt_id
        self.start = start
        self.end = end

    @property
    def internal_id(self) -> bytes:
        """The 5 bytes after the quilt ID: version ‖ LE16(start) ‖ LE16(end)."""
        return struct.pack("<BHH", PATCH_ID_VERSION, self.start, self.end)

    @classmethod
    def from_bytes(cls, raw: Buffer) -> PatchId:
        try:
            b = memoryview(raw).tobytes()
        except (TypeError, ValueError, BufferError):
            raise InvalidPatchIdError(f"a patch ID is 37 bytes, not a {type(raw).__name__}") from None
        if len(b) != PATCH_ID_LEN:
            raise InvalidPatchIdError(f"a patch ID is {PATCH_ID_LEN} bytes, got {len(b)}")
        version, start, end = struct.unpack_from("<BHH", b, 32)
        if version != PATCH_ID_VERSION:
            raise InvalidPatchIdError(f"unknown patch ID version {version}, expected {PATCH_ID_VERSION}")
        return cls(BlobId(b[:32]), start, end)

    @classmethod
    def from_str(cls, text: str) -> PatchId:
        return cls.from_bytes(b64url_exact(text, PATCH_ID_TEXT_LEN, "patch ID", InvalidPatchIdError))

    parse = from_str

    def __bytes__(self) -> bytes:
        return bytes(self.quilt_id) + self.internal_id

    def __str__(self) -> str:
        return _text(bytes(self))

    def __repr__(self) -> str:
        return f"PatchId('{self}')"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PatchId):
            return NotImplemented
        return bytes(self) == bytes(other)

    def __hash__(self) -> int:
        return hash(bytes(self))
