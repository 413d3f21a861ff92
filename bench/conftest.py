"""Shared benchmark fixtures: which peer libraries are importable (their
benchmarks are skipped when absent), the supported walrus_core backends, and
one helper that fills `group` and `extra_info` = {impl, backend, bytes} the
same way in every bench file. Throughput = extra_info["bytes"] / mean time.

    python -m pytest bench/ --benchmark-only --benchmark-group-by=group
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest

from walrus_core import backends

PEER_MODULES = {
    "reed-solomon-leopard": "reed_solomon_leopard",
    "zfec": "zfec",
    "pyeclib": "pyeclib.ec_iface",
}


def peer_module(name: str) -> ModuleType | None:
    """The peer's module, or None when it is not installed."""
    try:
        return importlib.import_module(PEER_MODULES[name])
    except ImportError:
        return None


def require_peer(name: str) -> ModuleType:
    """The peer's module; skips the benchmark when it is not installed."""
    mod = peer_module(name)
    if mod is None:
        pytest.skip(f"{name} is not installed")
    return mod


SUPPORTED_BACKENDS = backends.supported()


def describe(benchmark: Any, *, group: str, impl: str, backend: str, nbytes: int, **extra: Any) -> None:
    """Set the group and the extra_info every bench reports."""
    benchmark.group = group
    benchmark.extra_info.update(impl=impl, backend=backend, bytes=nbytes, **extra)


@pytest.fixture
def walrus_backend(request: pytest.FixtureRequest) -> Any:
    """Force the backend named by the test's `backend` parameter."""
    name = request.node.callspec.params.get("backend")
    if name is None or name not in SUPPORTED_BACKENDS:
        yield None
        return
    with backends.using(name):
        yield name
