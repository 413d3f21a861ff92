"""Throughput and peak memory of blob-ID computation against blob size:
the banded (bounded-memory) encoder, the in-memory encoder, and the official
Rust encoder through its Python wheel (pysui-fastcrypto, where its memory
allows), all in the same run. Each measurement runs in a fresh subprocess
whose peak RSS (getrusage) is reported; the IDs of every path must agree.

    python bench/bench_stream.py --sizes 1M,16M,256M,1G,max --n 1000
    python bench/bench_stream.py --sizes 1M,16M --plot bench/results/stream.png
    python bench/bench_stream.py --sizes 1G,max --budgets 512M,768M --kinds banded,in-memory

Files up to 1 GiB are random; larger ones are preallocated (fallocate) with
random data at the start, middle and end (64 MiB each): the work does not
depend on the bytes. Files are made in --dir and deleted afterwards.

Before each measurement the file is read through once, so that every path
starts from the page cache as the written files do: a fresh preallocated file
is not cached, and filling the cache with its zero pages (kernel CPU time, on
a VM much of it) would be charged to whichever path runs first. --cold skips
that read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def _size(text: str, n: int) -> int:
    if text == "max":
        sys.path.insert(0, str(ROOT))
        from walrus_core.metadata import max_blob_size

        return max_blob_size(n)
    return int(text[:-1]) * UNITS[text[-1]] if text[-1] in UNITS else int(text)


def _make_file(path: Path, size: int) -> None:
    chunk = 64 << 20
    with open(path, "wb") as f:
        if size <= 1 << 30:
            for off in range(0, size, chunk):
                f.write(os.urandom(min(chunk, size - off)))
            return
        os.posix_fallocate(f.fileno(), 0, size)
        for off in (0, size // 2, size - chunk):
            os.pwrite(f.fileno(), os.urandom(chunk), off)


def _read_through(path: Path) -> None:
    """Bring the file into the page cache (as far as it fits)."""
    with open(path, "rb", buffering=0) as f:
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        buf = bytearray(16 << 20)
        while f.readinto(buf):
            pass


def _worker(kind: str, path: str, n: int, budget: int) -> None:
    import resource

    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    if kind == "banded":
        from walrus_core import _native

        fd = os.open(path, os.O_RDONLY)
        length = os.fstat(fd).st_size
        band = _native.stream_band_for_budget(n, length, budget, None, True)
        bid = _native.stream_metadata(n, fd, length, band, None)[2]
        blob_id = bid.hex()
    elif kind == "library":
        from walrus_core import stream

        blob_id = bytes(stream.blob_id(path, n, memory=budget)).hex()
    elif kind == "in-memory":
        import walrus_core as wc

        with open(path, "rb") as f:
            data = f.read()
        blob_id = bytes(wc.blob_id(data, n)).hex()
    else:  # official Rust encoder (full encode: its only entry point)
        import pysui_fastcrypto

        with open(path, "rb") as f:
            data = f.read()
        blob_id = bytes(pysui_fastcrypto.redstuff_encode(data, n).blob_id).hex()
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss = usage.ru_maxrss * 1024  # KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime  # steadier than wall time on a shared machine
    out = {"seconds": seconds, "cpu_seconds": cpu, "sys_seconds": usage.ru_stime, "peak_rss": rss}
    print(json.dumps({**out, "blob_id": blob_id}))


def _measure(kind: str, path: Path, n: int, budget: int) -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--worker", kind, str(path), str(n), str(budget)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        print(f"  {kind}: failed ({done.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _have_rust() -> bool:
    try:
        import pysui_fastcrypto  # noqa: F401
    except ImportError:
        return False
    return True


def _available_memory() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 << 30


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1M,16M,256M,1G")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument(
        "--budgets", default="768M", help="memory budgets of the banded encoder (each one on the same file)"
    )
    ap.add_argument("--kinds", default="banded,library,in-memory,rust", help="paths to measure")
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--cold", action="store_true", help="do not read each file through before a measurement")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--plot", help="write a plot (matplotlib) here")
    args = ap.parse_args()
    budgets = [_size(b, args.n) for b in args.budgets.split(",")]
    budget = budgets[0]
    wanted = args.kinds.split(",")
    rust = _have_rust() and "rust" in wanted
    rows: list[dict[str, Any]] = []
    print(
        f"n = {args.n}, budget {budget >> 20} MiB, Rust wheel {'present' if rust else 'absent'}, "
        f"files {'cold' if args.cold else 'read through before each measurement'}"
    )
    head = ("size", "path", "seconds", "MiB/s", "CPU s", "of it sys", "MiB/CPU s", "peak RSS MiB")
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, (14, 12, 9, 8, 8, 9, 10, 13))))
    for text in args.sizes.split(","):
        size = _size(text, args.n)
        path = Path(args.dir) / f"bench_stream_{size}.bin"
        _make_file(path, size)
        try:
            kinds = [("banded", b) for b in budgets if "banded" in wanted]
            kinds += [("library", budget)] if "library" in wanted else []
            free = _available_memory()
            if "in-memory" in wanted and size * 2 + (1 << 30) < free:
                kinds.append(("in-memory", budget))
            if rust and size * 7 + (1 << 30) < free:
                kinds.append(("rust", budget))
            ids = set()
            for kind, kind_budget in kinds:
                if not args.cold:
                    _read_through(path)
                r = _measure(kind, path, args.n, kind_budget)
                if r is None:
                    continue
                ids.add(r["blob_id"])
                if kind == "banded" and len(budgets) > 1:
                    kind = f"banded@{kind_budget >> 20}M"
                row = {"size": size, "path": kind, "budget": kind_budget, **r}
                rows.append(row)
                mibs = size / r["seconds"] / 2**20
                cpu = r["cpu_seconds"]
                print(
                    f"{size:>14} {kind:>12} {r['seconds']:>9.2f} {mibs:>8.1f} {cpu:>8.2f} "
                    f"{r['sys_seconds']:>9.2f} {size / cpu / 2**20:>10.1f} {r['peak_rss'] / 2**20:>13.0f}"
                )
            if len(ids) > 1:
                print(f"  BLOB IDS DIFFER at {size}: {ids}")
                return 1
        finally:
            path.unlink()
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    if args.plot:
        _plot(rows, args.plot, args.n, budget)
    return 0


def _plot(rows: list[dict[str, Any]], out: str, n: int, budget: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for kind in ("banded", "library", "in-memory", "rust"):
        pts = sorted((r["size"], r) for r in rows if r["path"] == kind)
        if not pts:
            continue
        xs = [s / 2**20 for s, _ in pts]
        ax1.plot(xs, [s / r["seconds"] / 2**20 for s, r in pts], marker="o", label=kind)
        ax2.plot(xs, [r["peak_rss"] / 2**20 for _, r in pts], marker="o", label=kind)
    for ax, label in ((ax1, "throughput (MiB/s)"), (ax2, "peak RSS (MiB)")):
        ax.set_xscale("log")
        ax.set_xlabel("blob size (MiB)")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.legend()
    ax2.set_yscale("log")
    fig.suptitle(f"blob ID at n = {n}: banded encoder (budget {budget >> 20} MiB) vs in memory vs Rust wheel")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
