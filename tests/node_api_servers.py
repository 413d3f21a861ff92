"""Real node servers for tests: `walrus-core serve` processes on 127.0.0.1,
each stopped by the test that started it (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

START_TIMEOUT = 60.0


def free_port_range(count: int, attempts: int = 50) -> int:
    """A base port such that base..base+count-1 are all free on 127.0.0.1 now."""
    rng = random.Random()
    for _ in range(attempts):
        base = rng.randrange(20000, 60000 - count)
        socks = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range found")


def cli_env() -> dict[str, str]:
    """The environment for `python -m walrus_core` children: they import the
    same walrus_core as the tests (the source tree, or an installed wheel)."""
    import walrus_core

    env = dict(os.environ)
    env["PYTHONPATH"] = (
        str(Path(walrus_core.__file__).resolve().parents[1]) + os.pathsep + env.get("PYTHONPATH", "")
    )
    return env


def init_committee(root: Path, nodes: int, shards: int) -> Path:
    base = free_port_range(nodes)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "walrus_core",
            "init",
            str(root),
            "--nodes",
            str(nodes),
            "--shards",
            str(shards),
            "--listen",
            f"127.0.0.1:{base}",
        ],
        check=True,
        env=cli_env(),
        capture_output=True,
    )
    return root


def node_url(root: Path, index: int) -> str:
    doc = json.loads((root / "committee.json").read_text())
    return str(doc["nodes"][index]["url"])


def request(
    url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def json_of(body: bytes) -> Any:
    return json.loads(body.decode())


class NodeProcess:
    def __init__(self, root: Path, index: int, extra: tuple[str, ...] = ()) -> None:
        self.root = root
        self.index = index
        self.extra = extra  # more `serve` options
        self.url = node_url(root, index)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / f"serve-{index:03d}.log"

    def start(self) -> None:
        with open(self.log, "ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "walrus_core",
                    "--committee",
                    str(self.root),
                    "serve",
                    f"node-{self.index:03d}",
                    *self.extra,
                ],
                env=cli_env(),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.log.read_text(errors="replace")
                raise RuntimeError(f"node {self.index} exited at start: {err}")
            with contextlib.suppress(OSError):
                if request(self.url, "GET", "/v1/health", timeout=2)[0] == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"node {self.index} did not answer within {START_TIMEOUT} s")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int | None:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        return proc.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


@contextlib.contextmanager
def running_nodes(
    root: Path, indices: list[int] | None = None, extra: tuple[str, ...] = ()
) -> Iterator[list[NodeProcess]]:
    doc = json.loads((root / "committee.json").read_text())
    chosen = indices if indices is not None else range(len(doc["nodes"]))
    nodes = [NodeProcess(root, i, extra) for i in chosen]
    try:
        for node in nodes:
            node.start()
        yield nodes
    finally:
        for node in nodes:
            node.stop()
