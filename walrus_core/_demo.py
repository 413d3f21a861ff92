"""`python -m walrus_core demo`: a short tour of what the library does."""

from __future__ import annotations


def demo() -> int:
    from . import backends

    print(f"walrus_core demo (backend {backends.active()})")
    return 0
