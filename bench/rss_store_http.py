"""Peak memory of `walrus-core store` of a large file over HTTP: the client
(banded encoding, each node's slivers PUT as they come) under
`/usr/bin/time -v`, and each node server's peak (VmHWM) read from /proc.

    python bench/rss_store_http.py [--gib 1] [--shards 1000] [--nodes 10] [--memory 512M] [--dir D]

Needs Linux (/proc, /usr/bin/time) and about 11x the file's size on disk
(the encoder's slivers file and the nodes' copies).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def peak_kib(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(m.group(1)) if m else 0


def main() -> None:
    from tests.node_api_servers import cli_env, free_port_range, running_nodes
    from walrus_core.reference.committee import init_committee

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gib", type=float, default=1.0)
    ap.add_argument("--shards", type=int, default=1000)
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--memory", default="512M")
    ap.add_argument("--dir", type=Path, default=None)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rss-store-http-", dir=a.dir))
    try:
        src = work / "blob.bin"
        size = int(a.gib * (1 << 30))
        with open(src, "wb") as fh:  # incompressible, without holding it in memory
            chunk = 1 << 24
            for i in range(0, size, chunk):
                fh.write(os.urandom(min(chunk, size - i)))
        root = work / "c"
        init_committee(root, a.nodes, a.shards, listen=f"127.0.0.1:{free_port_range(a.nodes)}")
        with running_nodes(root) as nodes:
            cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "walrus_core", "--committee", str(root)]
            cmd += ["--json", "store", str(src), "--memory", a.memory]
            t0 = time.perf_counter()
            out = subprocess.run(cmd, env=cli_env(), capture_output=True, text=True)
            wall = time.perf_counter() - t0
            servers = [peak_kib(node.proc.pid) for node in nodes if node.proc is not None]
        if out.returncode:
            sys.exit(out.stdout + out.stderr)
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
        client = int(found.group(1)) if found else 0
        mib = 1024
        print(f"{a.gib:g} GiB, n = {a.shards}, {a.nodes} HTTP nodes, --memory {a.memory}: {wall:.1f} s")
        print(f"  client peak RSS: {client / mib:.0f} MiB")
        print(f"  servers' peak RSS: max {max(servers) / mib:.0f} MiB, sum {sum(servers) / mib:.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
