"""Shared by the hostile-input test files: run a call that must either
succeed or raise one of the project's own errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from walrus_core.errors import WalrusCoreError


def attempt(fn: Callable[[], Any]) -> tuple[bool, Any]:
    """(True, result) or (False, our error); anything else fails the test."""
    try:
        return True, fn()
    except WalrusCoreError as e:
        return False, e
    except Exception as e:  # pragma: no cover - this is what the hostile tests hunt
        pytest.fail(f"foreign exception escaped: {type(e).__name__}: {e}")
