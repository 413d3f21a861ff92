"""python -m walrus_core: `info` (backends) and `demo`; anything else goes to
the walrus-core command line."""

from __future__ import annotations

import platform
import sys

from . import __version__, backends
from ._demo import demo
from .cli import main as cli_main


def info() -> None:
    print(f"walrus_core {__version__} on {platform.machine()} / Python {platform.python_version()}")
    print(f"cpu features: {' '.join(backends.cpu_features()) or '(none)'}")
    print(f"threads: {backends.cpu_count()} (CPUs this process may run on)")
    print(f"compiled backends:  {' '.join(backends.compiled())}")
    print(f"supported backends: {' '.join(backends.supported())}")
    print(f"active backend:     {backends.active()}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args == ["info"]:
        info()
        return 0
    if args[0] == "demo":
        return demo()
    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
