"""An independent, deliberately plain model of the QuiltV1 layout (spec
walrus-quilt.md §3-§6), byte by byte, for cross-checking walrus_core.quilt
on random inputs. No walrus_core code: only the spec's rules."""

from __future__ import annotations


def _uleb(v: int) -> bytes:
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _s(text: str) -> bytes:
    raw = text.encode("utf-8")
    return _uleb(len(raw)) + raw


def _map(tags: dict[str, str] | None) -> bytes:
    items = sorted((_s(k), _s(v)) for k, v in (tags or {}).items())
    return _uleb(len(items)) + b"".join(k + v for k, v in items)


def quilt_bytes(files: list[tuple[str, bytes, dict[str, str] | None]], n: int) -> tuple[bytes, int]:
    """(quilt, symbol size) for valid input."""
    f = (n - 1) // 3
    p, s = n - 2 * f, n - f
    files = sorted(files, key=lambda x: x[0].encode("utf-8"))
    patches = []
    for ident, data, tags in files:
        body = len(_s(ident)).to_bytes(2, "little") + _s(ident)
        if tags:
            body += len(_map(tags)).to_bytes(2, "little") + _map(tags)
        head = bytes([1]) + (len(body) + len(data)).to_bytes(4, "little") + bytes([1 if tags else 0])
        patches.append(head + body + data)

    def index(ends: list[int]) -> bytes:
        body = _uleb(len(files)) + b"".join(
            e.to_bytes(2, "little") + _s(i) + _map(t) for e, (i, _, t) in zip(ends, files)
        )
        return bytes([1]) + len(body).to_bytes(4, "little") + body

    meta_len = len(index([0] * len(files)))
    sizes = [meta_len] + [len(x) for x in patches]
    S = 2
    while not (
        sum(-(-m // (p * S)) for m in sizes) <= s and meta_len <= 10 * p * S and p * S >= 5
    ):  # linear search: slow and obviously right
        S += 2
    C = p * S
    out = bytearray(p * s * S)

    def put(stream: bytes, col0: int) -> None:
        for o, byte in enumerate(stream):
            c, r, b = col0 + o // C, (o % C) // S, o % S
            out[(r * s + c) * S + b] = byte

    col = -(-meta_len // C)
    ends = []
    for patch in patches:
        put(patch, col)
        col += -(-len(patch) // C)
        ends.append(col)
    put(index(ends), 0)
    return bytes(out), S
