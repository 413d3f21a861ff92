"""Storage over HTTP against storage over node directories, same run: store
and read of a 64 MiB blob at n = 100 over 10 nodes, each node of the served
committee its own `walrus-core serve` process on 127.0.0.1 (the issue's
bars: store <= 2x, read <= 1.5x the directory committee's times).

    python bench/bench_http.py [--mib 64] [--shards 100] [--nodes 10] [--rounds 3] [--dir D]

Prints best-of-rounds wall times and the ratios; the rounds alternate the two
committees so both see the same machine state.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MIB = 1 << 20


def measure(mib: int, n_shards: int, n_nodes: int, rounds: int, base: Path | None) -> dict[str, Any]:
    from tests.node_api_servers import free_port_range, running_nodes
    from walrus_core.node_api.http_node import read_blob_http
    from walrus_core.node_api.http_store import store_blob_http
    from walrus_core.reference.committee import init_committee, load_committee
    from walrus_core.reference.retrieve import read_blob
    from walrus_core.reference.store import store_blob

    data = random.Random(mib).randbytes(mib * MIB)
    work = Path(tempfile.mkdtemp(prefix="bench-http-", dir=base))
    best: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        t0 = time.perf_counter()
        out = fn()
        best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)
        return out

    try:
        served_root = work / "served"
        init_committee(served_root, n_nodes, n_shards, listen=f"127.0.0.1:{free_port_range(n_nodes)}")
        served = load_committee(served_root)
        with running_nodes(served_root):
            for r in range(rounds):
                local_root = work / f"dirs-{r}"
                local = init_committee(local_root, n_nodes, n_shards)
                stored = timed("store dirs", lambda: store_blob(local, data))  # noqa: B023
                got = timed("read dirs", lambda: read_blob(local, stored.blob_id))  # noqa: B023
                assert got.data == data
                shutil.rmtree(local_root)
                if r:  # a fresh blob each round: nodes that already hold it would answer "already stored"
                    shutil.rmtree(served_root / "certified")
                    for node in served.node_dirs():
                        shutil.rmtree(node.path / "blobs")
                        (node.path / "blobs").mkdir()
                stored = timed("store http", lambda: store_blob_http(served, data))
                got = timed("read http", lambda: read_blob_http(served, stored.blob_id))  # noqa: B023
                assert got.data == data
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        **best,
        "store ratio": best["store http"] / best["store dirs"],
        "read ratio": best["read http"] / best["read dirs"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mib", type=int, default=64)
    ap.add_argument("--shards", type=int, default=100)
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=None, help="where the committees go (default: the temp dir)")
    a = ap.parse_args()
    res = measure(a.mib, a.shards, a.nodes, a.rounds, a.dir)
    print(f"{a.mib} MiB, n = {a.shards}, {a.nodes} nodes, best of {a.rounds}")
    for key in ("store dirs", "store http", "read dirs", "read http"):
        print(f"  {key:<11} {res[key]:.3f} s")
    print(f"  store: HTTP / directories = {res['store ratio']:.2f}x (bar <= 2x)")
    print(f"  read:  HTTP / directories = {res['read ratio']:.2f}x (bar <= 1.5x)")


if __name__ == "__main__":
    main()
