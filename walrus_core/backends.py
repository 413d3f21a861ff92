"""SIMD backend selection.

A backend is one named set of kernels ("portable", "ssse3", "avx2",
"avx512", "neon"). At import the best backend the CPU and OS support is
active; the environment variable ``WALRUS_CORE_BACKEND`` or :func:`use`
forces one by name. Forcing a backend this CPU cannot run raises
:class:`~walrus_core.errors.BackendUnavailableError`; it never falls back
silently.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from . import _native

ENV_VAR = "WALRUS_CORE_BACKEND"


def compiled() -> list[str]:
    """Backends compiled into this build, best first ("portable" last)."""
    return list(_native.backends_compiled())


def supported() -> list[str]:
    """Compiled backends that this CPU and OS can run, best first."""
    return [name for name in compiled() if _native.backend_is_supported(name)]


def active() -> str:
    """The backend in use now."""
    return str(_native.backend_active())


def use(name: str | None) -> None:
    """Force a backend by name; ``None`` or ``"auto"`` restores the best one."""
    _native.backend_select(name)


@contextlib.contextmanager
def using(name: str) -> Iterator[None]:
    """Context manager: run a block with one backend, then restore."""
    previous = active()
    use(name)
    try:
        yield
    finally:
        use(previous)


def cpu_features() -> list[str]:
    """SIMD features detected on this CPU (after the OS-support check)."""
    return list(_native.cpu_features())


def cpu_count() -> int:
    """CPUs this process may run on: on Linux its affinity mask (taskset,
    cpusets), capped by a container's CPU quota (cgroup ``cpu.max`` or
    ``cpu.cfs_quota_us``, e.g. ``docker --cpus 2``); the online CPUs
    elsewhere. The thread count every ``threads=None`` call uses."""
    return int(_native.cpu_count())


def _apply_environment() -> None:
    forced = os.environ.get(ENV_VAR, "").strip()
    if forced and forced != "auto":
        use(forced)


__all__ = ["ENV_VAR", "active", "compiled", "cpu_count", "cpu_features", "supported", "use", "using"]
