"""Shared by the reference-storage tests: file-system abilities that not every
platform (or account) has."""

from __future__ import annotations

from pathlib import Path

import pytest


def symlink_or_skip(link: Path, target: Path, *, directory: bool = False) -> None:
    """Make ``link`` point at ``target``, or skip the test where symbolic links
    cannot be made (Windows without the privilege)."""
    try:
        link.symlink_to(target, target_is_directory=directory)
    except (OSError, NotImplementedError) as exc:
        pytest.skip(f"cannot make symbolic links here: {exc}")
