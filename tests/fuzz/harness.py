"""What the fuzz targets share: the atheris entry point, a tiny byte-driven
chooser (so a target runs the same without atheris, when the regression test
replays the corpus), and small sample blobs.

A target is `target(data: bytes) -> None`: it feeds the bytes to walrus_core
and returns when the input is handled correctly (parsed and checked, or
refused with one of walrus_core's error classes); anything else (another
exception, a crash, a failed assertion) is a finding."""

from __future__ import annotations

import gc
import logging
import sys
import types
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import walrus_core as wc

REFUSED = (wc.WalrusCoreError,)
_T = TypeVar("_T")


def parse_canonical(parse: Callable[[bytes], _T], serialize: Callable[[_T], Any], data: bytes) -> _T | None:
    """`parse(data)`, or None when it refuses the bytes with one of our errors.
    Whatever it accepts must serialise back to exactly `data`: one object, one
    encoding (as Walrus's BCS requires)."""
    try:
        parsed = parse(data)
    except REFUSED:
        return None
    assert serialize(parsed) == data, f"{type(parsed).__name__} has a second encoding"
    return parsed


def main(target: Callable[[bytes], None]) -> None:
    """`python tests/fuzz/fuzz_x.py [corpus dirs] [libFuzzer flags]`."""
    import atheris  # optional (the `dev` extra): the corpus replays without it

    # Coverage of walrus_core's Python code only (atheris.instrument_all would
    # also instrument the standard library: a minute of start-up for nothing).
    # The C core is not instrumented; its parsers are reached through Python.
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and str(obj.__module__).startswith("walrus_core"):
            atheris.instrument_func(obj)
    logging.getLogger("walrus_core").setLevel(logging.ERROR)  # dropped slivers are expected here
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


class Chooser:
    """Reads choices from the fuzz input; zeros once it runs out."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def below(self, bound: int) -> int:
        """An integer in 0..bound-1 (bound <= 65536)."""
        return (self.byte() | self.byte() << 8) % bound if bound > 1 else 0

    def rest(self) -> bytes:
        out, self.pos = self.data[self.pos :], len(self.data)
        return out


@cache
def sample(n_shards: int, length: int = 150) -> tuple[bytes, wc.EncodedBlob]:
    """A blob whose bytes are all nonzero (so a lie about its length shows), encoded."""
    data = bytes(1 + (i * 7) % 255 for i in range(length))
    return data, wc.encode(data, n_shards, threads=1)
