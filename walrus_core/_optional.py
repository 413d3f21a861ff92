"""Optional third-party packages, imported when a feature first needs them so
that the core library runs without them."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError


def require(module: str, feature: str, package: str) -> ModuleType:
    """``module``, imported; a MissingDependencyError naming the ``package``
    to install when it is absent."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{feature} needs the {package!r} package: pip install 'walrus-core[store]'"
        ) from exc
