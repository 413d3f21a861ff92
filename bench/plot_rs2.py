"""Plot and tabulate bench_rs2.py results (pytest-benchmark JSON).

    python bench/plot_rs2.py bench/rs2.json [--png bench/rs2.png] [--stat min]

Prints a Markdown table (MB/s = codeword bytes / time, and the ratio to
reed-solomon-leopard measured in the same run) and writes a PNG with one bar
group per workload, encode on top, decode below.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any


def load(path: Path, stat: str) -> dict[tuple[str, int, int, int], dict[str, float]]:
    """{(op, k, m, S): {impl: MB/s}}"""
    data = json.loads(path.read_text())
    out: dict[tuple[str, int, int, int], dict[str, float]] = defaultdict(dict)
    for b in data["benchmarks"]:
        info: dict[str, Any] = b["extra_info"]
        key = (info["op"], info["k"], info["m"], info["shard_bytes"])
        out[key][info["impl"]] = info["bytes"] / b["stats"][stat] / 1e6
    return out


def table(results: dict[tuple[str, int, int, int], dict[str, float]]) -> str:
    impls = sorted({i for v in results.values() for i in v}, key=_impl_order)
    lines = [
        "| op | (k, m) | S | " + " | ".join(impls) + " | best walrus_core / leopard |",
        "|---|---|---|" + "---|" * len(impls) + "---|",
    ]
    for (op, k, m, size), row in sorted(results.items(), key=lambda kv: (kv[0][0] != "encode", kv[0][1:])):
        cells = [f"{row[i]:,.0f}" if i in row else "–" for i in impls]
        ours = max((v for i, v in row.items() if i.startswith("walrus_core/")), default=0.0)
        leo = row.get("reed-solomon-leopard")
        ratio = f"{ours / leo:.2f}×" if leo else "–"
        lines.append(f"| {op} | ({k}, {m}) | {_size(size)} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines)


def _impl_order(name: str) -> tuple[int, str]:
    order = ["walrus_core/avx2", "walrus_core/ssse3", "walrus_core/neon", "walrus_core/portable"]
    return (order.index(name), name) if name in order else (len(order), name)


def _size(n: int) -> str:
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} B"


def plot(results: dict[tuple[str, int, int, int], dict[str, float]], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    impls = sorted({i for v in results.values() for i in v}, key=_impl_order)
    fig, axes = plt.subplots(2, 1, figsize=(13, 8), sharey=True)
    for ax, op in zip(axes, ("encode", "decode")):
        keys = sorted(k for k in results if k[0] == op)
        width = 0.8 / max(1, len(impls))
        for j, impl in enumerate(impls):
            xs = [i + j * width for i, key in enumerate(keys) if impl in results[key]]
            ys = [results[key][impl] for key in keys if impl in results[key]]
            ax.bar(xs, ys, width, label=impl)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(keys))])
        ax.set_xticklabels([f"({k[1]},{k[2]})\n{_size(k[3])}" for k in keys], fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("MB/s (codeword bytes)")
        ax.set_title(f"RS2 1-D {op}, single thread")
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8, ncol=3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("json", type=Path)
    ap.add_argument("--png", type=Path, default=Path(__file__).with_name("rs2.png"))
    ap.add_argument("--stat", default="min", choices=["min", "median", "mean"])
    args = ap.parse_args()
    results = load(args.json, args.stat)
    print(table(results))
    plot(results, args.png)
    print(f"\nwrote {args.png}")


if __name__ == "__main__":
    main()
