"""walrus_core.quilt beyond the vectors: the API, patch IDs, hostile inputs
(identifiers, tags, file counts, patch IDs, corrupt quilts), reading from
secondary slivers (only those needed, each verified; bad ones refused), and
hypothesis properties against an independent model of the layout
(tests/oracles/quilt_ref.py) and as round trips."""

from __future__ import annotations

import base64
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles.quilt_ref import quilt_bytes

import walrus_core as wc
from walrus_core import quilt
from walrus_core.errors import VerificationError


def test_spec_worked_example_a() -> None:
    q = quilt.encode([quilt.File("b.txt", b"hi"), quilt.File("a.txt", b"ok!", {"t": "x"})], 4)
    assert str(q.quilt_id) == "8g6sebCVKPNLCM-m_mzHEzq1TPJfdupehFy05V2k8x0"
    assert [str(p.patch_id) for p in q.patches] == [
        "8g6sebCVKPNLCM-m_mzHEzq1TPJfdupehFy05V2k8x0BAQACAA",
        "8g6sebCVKPNLCM-m_mzHEzq1TPJfdupehFy05V2k8x0BAgADAA",
    ]
    assert q.symbol_size == 14 and len(q.blob) == 84
    assert isinstance(q.quilt_id, wc.BlobId)
    assert q.patch("a.txt").tags == {"t": "x"} and q.patch("b.txt").tags == {}
    assert q.read("a.txt") == b"ok!"
    assert q.metadata.blob_id == q.quilt_id == wc.blob_id(q.blob, 4)


def test_zero_files() -> None:
    q = quilt.encode([], 10)
    assert q.index == bytes.fromhex("010100000000")
    assert q.patches == [] and quilt.read_index(q.blob, 10).entries == []


def test_tags_none_and_empty_are_the_same() -> None:
    a = quilt.encode([quilt.File("x", b"1", None)], 7)
    b = quilt.encode([quilt.File("x", b"1", {})], 7)
    assert a.blob == b.blob and a.quilt_id == b.quilt_id


def test_any_buffer_is_read_in_place() -> None:
    data = bytearray(b"abc" * 1000)
    q = quilt.encode([quilt.File("m", memoryview(data)), quilt.File("b", data)], 10)
    assert quilt.read_patch(q.blob, "m", 10) == bytes(data)


# ---- patch IDs -------------------------------------------------------------------------------


def test_patch_id_text_round_trip() -> None:
    q = quilt.encode([quilt.File("a", b"x" * 100)], 10)
    pid = q.patches[0].patch_id
    text = str(pid)
    assert len(text) == 50 and text.startswith(str(q.quilt_id))
    assert quilt.PatchId.from_str(text) == pid and hash(quilt.PatchId.from_str(text)) == hash(pid)
    assert quilt.PatchId.from_bytes(bytes(pid)) == pid
    assert bytes(pid)[32:] == struct.pack("<BHH", 1, pid.start, pid.end)
    assert repr(pid) == f"PatchId('{text}')"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


QID = bytes(range(32))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x" * 49,
        "x" * 51,
        "A" * 49 + "=",
        "A" * 49 + "+",
        "A" * 10000,
        _b64(QID + b"\x02\x01\x00\x02\x00"),  # version 2
        _b64(QID + b"\x01\x02\x00\x02\x00"),  # start == end
        _b64(QID + b"\x01\x03\x00\x02\x00"),  # start > end
        _b64(QID + b"\x01\x01\x00\x02\x00")[:-1] + "B",  # non-canonical trailing bits
        _b64(QID + b"\x01\x01\x00\x02\x00\x00"),  # 38 bytes
        _b64(QID + b"\x01\x01\x00\x02")[:49] + "\u00e9",
        "\x00" * 50,
    ],
)
def test_hostile_patch_id_text(text: str) -> None:
    with pytest.raises(quilt.InvalidPatchIdError):
        quilt.PatchId.from_str(text)


@pytest.mark.parametrize("value", [None, 5, b"x" * 50, ["a"]])
def test_patch_id_of_wrong_type(value: object) -> None:
    with pytest.raises(quilt.InvalidPatchIdError):
        quilt.PatchId.from_str(value)  # type: ignore[arg-type]


def test_patch_ids_that_name_no_patch() -> None:
    q = quilt.encode([quilt.File("a", b"x" * 100), quilt.File("b", b"y" * 10)], 10)
    qid, (pa, pb) = q.quilt_id, q.patches
    for bad in [
        quilt.PatchId(qid, pa.start, pb.end),  # spans two patches
        quilt.PatchId(qid, 0, pa.end),  # the index
        quilt.PatchId(qid, pa.start + 1, pa.end),  # inside a patch
        quilt.PatchId(qid, pb.end, pb.end + 1),  # unused columns
        quilt.PatchId(qid, 1, 60000),  # past the last column
    ]:
        with pytest.raises(quilt.QuiltError):
            quilt.read_patch(q.blob, bad, 10)
    with pytest.raises(quilt.PatchNotFoundError):
        quilt.read_patch(q.blob, "no such file", 10)
    with pytest.raises(quilt.QuiltTypeError):
        quilt.read_patch(q.blob, 12, 10)  # type: ignore[arg-type]


def test_patch_id_of_another_quilt_refused_from_slivers() -> None:
    q = quilt.encode([quilt.File("a", b"x" * 100)], 10)
    other = quilt.encode([quilt.File("a", b"z" * 100)], 10)
    enc = wc.encode(q.blob, 10)
    with pytest.raises(quilt.InvalidPatchIdError, match="is for quilt"):
        quilt.read_patch_from_slivers(enc.secondary_slivers(), enc.metadata, other.patches[0].patch_id)
    with pytest.raises(quilt.InvalidPatchIdError, match="is for quilt"):
        quilt.read_patch(q.blob, other.patches[0].patch_id, 10, quilt_id=q.quilt_id)
    with pytest.raises(quilt.InvalidPatchIdError, match="is for quilt"):
        q.read(other.patches[0].patch_id)
    # without the quilt ID a whole blob can only go by the column range
    assert quilt.read_patch(q.blob, other.patches[0].patch_id, 10) == b"x" * 100


# ---- hostile inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    [
        "",
        " ",
        "x ",
        "x\t",
        "x\n",
        "x\u00a0",
        "x\u3000",
        "x\u2028",
        "a\x00b",
        "a\x1fb",
        "a\x7fb",
        "\x9f",
        "bad\ud800",
        "i" * 65532,
        "é" * 32766,
    ],
)
def test_invalid_identifiers_refused(identifier: str) -> None:
    with pytest.raises(quilt.InvalidIdentifierError) as info:
        quilt.encode([quilt.File("ok", b"1"), quilt.File(identifier, b"2")], 10)
    assert info.value.position == 1 and info.value.identifier == identifier
    assert "file 1" in str(info.value) and len(str(info.value)) < 300


@pytest.mark.parametrize(
    "identifier", [" lead", "in ner", "x\u200b", "x\ufeff", "x\u00ad", "😀", ".", "-_", "i" * 65531, "\u202e"]
)
def test_valid_identifiers_accepted(identifier: str) -> None:
    q = quilt.encode([quilt.File(identifier, b"data")], 100)
    assert quilt.read_patch(q.blob, identifier, 100) == b"data"


@pytest.mark.parametrize(
    "file",
    [
        quilt.File(5, b"x"),  # type: ignore[arg-type]
        quilt.File(b"x", b"x"),  # type: ignore[arg-type]
        quilt.File("x", "text"),  # type: ignore[arg-type]
        quilt.File("x", None),  # type: ignore[arg-type]
        quilt.File("x", b"x", {"k": 5}),  # type: ignore[dict-item]
        quilt.File("x", b"x", {5: "v"}),  # type: ignore[dict-item]
        quilt.File("x", b"x", [("k", "v")]),  # type: ignore[arg-type]
        quilt.File("x", b"x", {"k": "\udc00"}),
    ],
)
def test_wrong_types_refused(file: quilt.File) -> None:
    with pytest.raises(quilt.QuiltError) as info:
        quilt.encode([file], 10)
    assert isinstance(info.value, ValueError) and info.value.position == 0


def test_not_files_refused() -> None:
    for files in ["abc", b"abc", [("a", b"x")], 5, {"a": b"x"}]:
        with pytest.raises(quilt.QuiltTypeError):
            quilt.encode(files, 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        quilt.encode([], 3)


def test_tag_maps() -> None:
    tags = {"": "", "k" * 200: "v", "b": "\u00e9" * 10, "aa": "x" * 1000}
    q = quilt.encode([quilt.File("t", b"1", tags)], 10)
    assert quilt.read_index(q.blob, 10).entries[0].tags == tags
    big = {"k": "v" * 65531}  # 01 01 6b | 03-byte ULEB + 65531 = 65537 bytes
    with pytest.raises(quilt.TagsTooLargeError, match="file 0"):
        quilt.encode([quilt.File("t", b"", big)], 10)


def test_too_many_files() -> None:
    with pytest.raises(quilt.TooManyPatchesError, match="at most 2"):
        quilt.encode([quilt.File(f"f{i}", b"") for i in range(3)], 4)
    with pytest.raises(quilt.TooManyPatchesError):
        quilt.encode([quilt.File(f"f{i}", b"") for i in range(10_000)], 1000)


def test_duplicates_named() -> None:
    with pytest.raises(quilt.DuplicateIdentifierError, match=r"file 2 .'a'.*file 0"):
        quilt.encode([quilt.File("a", b""), quilt.File("b", b""), quilt.File("a", b"x")], 10)


def test_oversize_is_data_too_large() -> None:
    with pytest.raises(wc.DataTooLargeError):
        quilt.encode([quilt.File("big", bytes(2 * 3 * 65534))], 4)


# ---- reading hostile or damaged quilts --------------------------------------------------------


def _quilt() -> quilt.Quilt:
    return quilt.encode([quilt.File("a", b"x" * 300, {"k": "v"}), quilt.File("b", b"y" * 30)], 10)


def _patched(blob: bytes, at: int, value: bytes) -> bytes:
    return blob[:at] + value + blob[at + len(value) :]


def test_corrupt_quilts_refused_never_wrong() -> None:
    q = _quilt()
    S, s = q.symbol_size, 7

    # offset of stream byte o of column c: row (o // S), byte o % S
    def at(col: int, o: int) -> int:
        return ((o // S) * s + col) * S + o % S

    a = q.patches[0]
    bad = [
        _patched(q.blob, at(0, 0), b"\x02"),  # quilt version
        _patched(q.blob, at(0, 1), b"\xff"),  # index length beyond 10 columns
        _patched(q.blob, at(a.start, 0), b"\x07"),  # patch version
        _patched(q.blob, at(a.start, 1), b"\xff"),  # patch length
        _patched(q.blob, at(a.start, 6), b"\xff"),  # identifier size
    ]
    for blob in bad:
        for key in ("a", a.patch_id):
            try:
                got = quilt.read_patch(blob, key, 10)
            except quilt.QuiltError:
                continue
            assert got == b"x" * 300
    for length in (0, 1, len(q.blob) - 1, len(q.blob) + 28):
        with pytest.raises(quilt.CorruptQuiltError):
            quilt.read_index(bytes(length), 10)
    with pytest.raises(quilt.QuiltTypeError):
        quilt.read_index("not bytes", 10)  # type: ignore[arg-type]


def test_index_is_parsed_strictly() -> None:
    q = quilt.encode([quilt.File("a", b"x")], 10)
    # index: 01 LE32(L) | 01 | LE16(end) 01 61 | 00 ; add a trailing byte by growing L
    L = struct.unpack_from("<I", q.index, 1)[0]
    stream = bytearray(q.index)
    stream[1:5] = struct.pack("<I", L + 1)
    S, p, s = q.symbol_size, 4, 7
    blob = bytearray(q.blob)
    for o, byte in enumerate(bytes(stream) + b"\x00"):  # spec §2: down the columns from column 0
        blob[((o % (p * S)) // S * s + o // (p * S)) * S + o % S] = byte
    with pytest.raises(quilt.CorruptQuiltError, match="trailing"):
        quilt.read_index(bytes(blob), 10)


# ---- from secondary slivers ---------------------------------------------------------------------


def test_reads_only_needed_slivers_and_refuses_bad_ones() -> None:
    files = [quilt.File(f"f{i:02d}", bytes([i]) * (500 + 37 * i)) for i in range(20)]
    q = quilt.encode(files, 100)
    enc = wc.encode(q.blob, 100)
    sec = enc.secondary_slivers()
    target = q.patches[7]
    asked: list[list[int]] = []

    def fetch(indices: list[int]) -> list[wc.Sliver]:
        asked.append(indices)
        return [sec[j] for j in indices]

    reader = quilt.QuiltReader.from_slivers(fetch, enc.metadata)
    assert reader.read(target.patch_id) == bytes([7]) * (500 + 37 * 7)
    needed = set(range(q.index_columns)) | set(range(target.start, target.end))
    assert reader.columns_read == needed and {j for a in asked for j in a} == needed
    assert [e.identifier for e in quilt.read_index_from_slivers(fetch, enc.metadata).entries] == [
        f.identifier for f in files
    ]
    # a sliver whose bytes changed fails verification and is refused
    j = target.start
    forged = bytearray(sec[j])
    forged[-1] ^= 1
    given = {**{k: sec[k] for k in needed}, j: wc.Sliver(bytes(forged), j, q.symbol_size, "secondary")}
    with pytest.raises(VerificationError, match=f"secondary sliver {j} refused"):
        quilt.read_patch_from_slivers(given, enc.metadata, target.identifier)
    # a missing one is a clean error
    with pytest.raises(wc.NotEnoughShardsError):
        quilt.read_patch_from_slivers([sec[k] for k in range(q.index_columns)], enc.metadata, "f07")
    # a blob that is not a quilt
    plain = wc.compute_metadata(b"not a quilt", 100)
    with pytest.raises(quilt.CorruptQuiltError):
        quilt.QuiltReader.from_slivers([], plain)


# ---- properties ----------------------------------------------------------------------------------

identifiers = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12).filter(
    lambda t: not t[-1].isspace() and t[-1] not in "\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
)
tag_maps = st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))
file_lists = st.lists(
    st.tuples(identifiers, st.binary(max_size=700), tag_maps), max_size=8, unique_by=lambda f: f[0]
)


@settings(max_examples=40, deadline=None)
@given(files=file_lists, n=st.sampled_from([4, 7, 10, 13, 31]))
def test_matches_independent_model_and_round_trips(
    files: list[tuple[str, bytes, dict[str, str] | None]], n: int
) -> None:
    try:
        q = quilt.encode([quilt.File(i, d, t) for i, d, t in files], n)
    except (quilt.TooManyPatchesError, quilt.UnsupportedLayoutError, quilt.QuiltOversizeError):
        return
    want, S = quilt_bytes(files, n)
    assert q.blob == want and q.symbol_size == S
    assert q.quilt_id == wc.blob_id(want, n)
    for ident, data, tags in files:
        assert quilt.read_patch(q.blob, ident, n) == data
        patch = q.patch(ident)
        assert quilt.read_patch(q.blob, patch.patch_id, n) == data
        assert patch.tags == (tags or {})


@settings(max_examples=10, deadline=None)
@given(files=file_lists)
def test_round_trips_through_slivers(files: list[tuple[str, bytes, dict[str, str] | None]]) -> None:
    q = quilt.encode([quilt.File(i, d, t) for i, d, t in files], 13)
    enc = wc.encode(q.blob, 13)
    for ident, data, _ in files:
        assert quilt.read_patch_from_slivers(enc.secondary_slivers(), enc.metadata, ident) == data


def test_lookup_by_tag() -> None:
    files = [quilt.File("a", b"1", {"kind": "x"}), quilt.File("b", b"2", {"kind": "y"}), quilt.File("c", b"")]
    q = quilt.encode(files, 10)
    index = quilt.read_index(q.blob, 10)
    assert [e.identifier for e in index.by_tag("kind", "x")] == ["a"]
    assert index.by_tag("kind", "z") == [] and index.find("c") is not None and index.find("d") is None


@settings(max_examples=60, deadline=None)
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=4),
    key=st.sampled_from(["a.txt", "b", "zz", 0, 1, 2]),
)
def test_damaged_quilt_never_crashes(flips: list[tuple[int, int]], key: object) -> None:
    """Any damage to a whole quilt blob gives a QuiltError or bytes, never
    another exception; damage outside the index and the patch's columns
    changes nothing. (A whole blob carries no commitment: its integrity is
    the decoder's job, against the blob ID.)"""
    files = [quilt.File("a.txt", b"A" * 90, {"t": "1"}), quilt.File("b", b"B" * 7), quilt.File("zz", b"")]
    q = quilt.encode(files, 13)
    S, s = q.symbol_size, 9  # n = 13: s = n - f = 9 columns
    blob = bytearray(q.blob)
    touched: set[int] = set()
    for at, x in flips:
        blob[at % len(blob)] ^= x
        touched.add((at % len(blob)) // S % s)  # the column of that byte
    ref = q.patches[key].patch_id if isinstance(key, int) else key
    try:
        got = quilt.read_patch(bytes(blob), ref, 13)
    except quilt.QuiltError:
        got = None
    patch = q.patch(ref)  # type: ignore[arg-type]
    if not touched & ({*range(q.index_columns)} | {*range(patch.start, patch.end)}):
        assert got == bytes(next(f.data for f in files if f.identifier == patch.identifier))
    else:
        assert got is None or isinstance(got, bytes)


def test_sort_is_by_utf8_bytes_not_utf16() -> None:
    """Spec §11 D1: U+FF61 (EF BD A1) sorts before U+1F600 (F0 9F 98 80) in
    UTF-8, after it in UTF-16 (D83D DE00)."""
    q = quilt.encode([quilt.File("\U0001f600", b"1"), quilt.File("\uff61", b"2")], 10)
    assert [p.identifier for p in q.patches] == ["\uff61", "\U0001f600"]


def test_empty_file_with_whole_column_header_before_the_end_is_valid() -> None:
    """Spec §8 E7: the layout Rust aborts on is only the one ending at column s.
    n = 7 (C = 3 * 4): the empty file 'aaa' has a 12-byte header in column 2; 'z' follows."""
    files = [quilt.File("aaa", b""), quilt.File("z", b"")]
    q = quilt.encode(files, 7)
    a = q.patch("aaa")
    assert (q.symbol_size, a.start, a.end, len(a.header)) == (4, 2, 3, 12)
    assert q.blob == quilt_bytes([("aaa", b"", None), ("z", b"", None)], 7)[0]
    assert q.read("aaa") == b"" and q.read("z") == b""
