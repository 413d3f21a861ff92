"""Backend selection: names, refusal of backends the CPU cannot run, the
environment variable, and `python -m walrus_core info`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import walrus_core
from walrus_core import backends
from walrus_core.errors import BackendUnavailableError


def test_portable_is_always_compiled_supported_and_last() -> None:
    assert backends.compiled()[-1] == "portable"
    assert "portable" in backends.supported()
    assert set(backends.supported()) <= set(backends.compiled())


def test_active_is_a_supported_backend() -> None:
    assert backends.active() in backends.supported()


def test_use_switches_and_restores(backend: str) -> None:
    assert backends.active() == backend
    with backends.using("portable"):
        assert backends.active() == "portable"
    assert backends.active() == backend


@pytest.mark.parametrize("name", ["no-such-isa", "", "AVX2 ", "sse9"])
def test_unknown_backend_is_refused(name: str) -> None:
    before = backends.active()
    with pytest.raises(BackendUnavailableError):
        backends.use(name)
    assert backends.active() == before


def test_backend_the_cpu_cannot_run_is_refused() -> None:
    unsupported = [b for b in ("avx512", "avx2", "ssse3", "neon") if b not in backends.supported()]
    if not unsupported:
        pytest.skip("this CPU supports every backend name we know")
    with pytest.raises(BackendUnavailableError):
        backends.use(unsupported[0])


def test_backend_errors_are_runtime_errors() -> None:
    assert issubclass(BackendUnavailableError, RuntimeError)
    assert issubclass(BackendUnavailableError, walrus_core.WalrusCoreError)


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=full_env, check=False)


def test_environment_variable_forces_backend() -> None:
    proc = _run(
        ["-c", "import walrus_core; print(walrus_core.backends.active())"], WALRUS_CORE_BACKEND="portable"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "portable"


def test_environment_variable_with_impossible_backend_fails_loudly() -> None:
    proc = _run(["-c", "import walrus_core"], WALRUS_CORE_BACKEND="no-such-isa")
    assert proc.returncode != 0
    assert "BackendUnavailableError" in proc.stderr


def test_info_lists_backends() -> None:
    proc = _run(["-m", "walrus_core", "info"])
    assert proc.returncode == 0, proc.stderr
    for label in ("compiled backends:", "supported backends:", "active backend:"):
        assert label in proc.stdout
    assert "portable" in proc.stdout


def test_cpu_count_is_what_the_process_may_use() -> None:
    n = walrus_core.backends.cpu_count()
    assert n >= 1
    if hasattr(os, "sched_getaffinity"):
        assert n == len(os.sched_getaffinity(0))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity API here")
def test_cpu_count_follows_the_affinity_mask() -> None:
    """A process pinned to one CPU (taskset, a container's cpuset) gets one
    thread by default, not one per CPU of the machine."""
    one = min(os.sched_getaffinity(0))
    code = (
        f"import os; os.sched_setaffinity(0, {{{one}}}); "
        "import walrus_core; print(walrus_core.backends.cpu_count())"
    )
    proc = _run(["-c", code])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"
