"""Progress reporting without dependencies. Library functions take a
``progress(stage, done, total)`` callable; the CLI passes a bar on stderr."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

ProgressFn = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """The default: report nothing."""


class StderrBar:
    """``stage [#######.....]  7/10`` redrawn in place on a terminal, at most ~10×/s."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if stage == self._stage and not finished and now - self._last < 0.1:
            return
        self._stage, self._last = stage, now
        frac = done / total if total > 0 else 1.0
        fill = int(frac * self.width)
        bar = "#" * fill + "." * (self.width - fill)
        self.stream.write(f"\r{stage:<8} [{bar}] {done}/{total}")
        if finished:
            self.stream.write("\n")
        self.stream.flush()
