"""Shared fixtures: the `backend` fixture runs a test once per SIMD backend
this CPU supports (ids = backend names), hypothesis profiles, and the RS2
vector loader."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from walrus_core import backends

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# WALRUS_CORE_BACKEND=<name> pins the whole run (the `backend` fixture too) to
# one backend: .ci/run uses it to run the suite with each backend forced.
_FORCED = os.environ.get(backends.ENV_VAR, "").strip()
SUPPORTED_BACKENDS = [_FORCED] if _FORCED and _FORCED != "auto" else backends.supported()


@pytest.fixture(params=SUPPORTED_BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with each supported backend forced in turn."""
    with backends.using(request.param):
        yield request.param


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that takes the `backend` fixture `per_backend`: it
    already runs on each backend, so .ci/run's loop that forces one backend
    at a time deselects it (-m "not per_backend")."""
    for item in items:
        if "backend" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.per_backend)


def find_vectors_dir(kind: str, env_var: str) -> Path | None:
    """shared/vectors/<kind> beside the checkout (or $env_var), else the copy
    in tests/vectors/<kind> if there is one."""
    env = os.environ.get(env_var)
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidates.append(parent / "shared" / "vectors" / kind)
        candidates.append(parent.parent / "shared" / "vectors" / kind)
    # A copy ships in the repository so wheel builds (cibuildwheel) can test
    # without the shared/ checkout; the shared/ copy wins when present.
    candidates.append(here.parent / "vectors" / kind)
    for c in candidates:
        if (c / "index.json").is_file():
            return c
    return None


VECTORS_DIR = find_vectors_dir("rs2", "WALRUS_CORE_VECTORS")


def load_cases(directory: Path | None) -> list[dict[str, Any]]:
    """Every case its index.json lists (none when the directory was not found)."""
    if directory is None:
        return []
    index = json.loads((directory / "index.json").read_text())
    return [json.loads((directory / case["file"]).read_text()) for case in index["cases"]]


def load_vector_cases() -> list[dict[str, Any]]:
    """Every public RS2 vector (the official Walrus encoder's output)."""
    return load_cases(VECTORS_DIR)
