"""How the client reaches one node: its configuration (timeouts, retries, the
per-node limit), the retry policy every request follows, sockets to nodes,
and the blocking GET that receives a sliver's body straight into its buffer
in the caller's thread (http.client; the read path's threads receive in
parallel). The async requests are http_node.HttpNode's."""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..reference.errors import StorageError
from . import wire
from .wire import ApiError

if TYPE_CHECKING:
    from .http_node import HttpNode

RETRY_STATUS = frozenset({502, 503, 504})


@dataclass(frozen=True)
class ClientConfig:
    """Timeouts (seconds), retries and the per-node request limit."""

    timeout: float = 120.0  # one whole request, body included
    connect_timeout: float = 5.0
    read_timeout: float = 30.0  # silence on an open connection
    retries: int = 3  # extra attempts after the first, on 5xx / timeouts / connection errors
    backoff: float = 0.2  # first pause; doubles each retry
    per_node: int = 8
    straggler_grace: float = 10.0  # how long a store waits for slow nodes once it is certified


class NodeUnavailableError(StorageError):
    """A node did not answer usefully (connection refused, timeouts, 5xx) after the retries."""


class Attempts:
    """One request's retry policy, shared by the async requests (HttpNode.request)
    and the blocking sliver reads (BlockingNode.get_into): at most ``retries``
    more attempts with doubling pauses after timeouts, connection errors and
    502/503/504; none once the node is found down; a Walrus error answer
    raises ApiError at once."""

    def __init__(self, node: HttpNode, method: str, path: str) -> None:
        self.node = node
        self.what = f"{method} {path.split('?')[0]}"
        self.last = ""

    def pauses(self) -> Iterator[float]:
        """The pause before each attempt (none before the first)."""
        pause = self.node.config.backoff
        for attempt in range(self.node.config.retries + 1):
            if self.node.down:
                self.last = self.last or "found down earlier"
                return
            yield pause if attempt else 0.0
            if attempt:
                pause *= 2

    def unreachable(self, why: str) -> None:
        # nothing listens there: retrying now would only delay the caller
        self.node.down = True
        self.last = f"cannot connect ({why})"

    def failed(self, exc: BaseException) -> None:
        self.last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

    def answered(self, status: int, raw: bytes | bytearray) -> bool:
        """Whether the answer is a success; raises ApiError for a Walrus error."""
        if 200 <= status < 300:
            return True
        if status not in RETRY_STATUS:
            raise api_error(status, bytes(raw))
        self.last = f"HTTP {status}"
        return False

    def give_up(self) -> NodeUnavailableError:
        self.node.down = True  # later requests to this node fail at once
        return NodeUnavailableError(f"{self.node.name}: {self.what} failed: {self.last}")


def api_error(status: int, raw: bytes) -> ApiError:
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    return ApiError.from_envelope(status, doc)


# the receive buffer of a connection to a node on this machine: room for whole slivers
LOOPBACK_RECEIVE_BUFFER = 4 << 20


def node_socket(addr_info: tuple[Any, ...]) -> socket.socket:
    """A socket to a node. To one on this machine, with a receive buffer big
    enough for whole slivers: the kernel starts each new connection's buffer
    small and grows it round trip by round trip, which on loopback only costs
    the reading thread more wake-ups (a quarter of its CPU while it receives a
    64 MiB blob's slivers); over a network the kernel's tuning is left alone."""
    family, kind, proto, _, address = addr_info
    sock = socket.socket(family, kind, proto)
    with contextlib.suppress(ValueError, OSError):  # not an IP address, or the option refused
        if ipaddress.ip_address(address[0]).is_loopback:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, LOOPBACK_RECEIVE_BUFFER)
    return sock


# the most of an error answer read (a Walrus error envelope is a few hundred bytes)
MAX_ERROR_BODY = 64 << 10


def receive_into(resp: http.client.HTTPResponse, view: memoryview, deadline: float) -> None:
    """Fill ``view`` with the body of ``resp`` (exactly its Content-Length),
    one receive call at a time so that the whole-request deadline is checked
    between them (a node sending a byte at a time cannot stretch it), then
    close the response so that its connection can carry the next request."""
    got = 0
    while got < len(view):
        if time.monotonic() > deadline:
            raise TimeoutError("the whole request took too long")
        received = resp.fp.readinto1(view[got:])  # at most one receive, the GIL released
        if not received:
            raise http.client.IncompleteRead(b"", len(view) - got)
        got += received
    resp.length = 0
    resp.read()  # nothing left: marks the response done


class NodeConnection(http.client.HTTPConnection):
    """A keep-alive connection to a node, its socket made by node_socket."""

    def connect(self) -> None:
        last: OSError = OSError(f"no address for {self.host}")
        for info in socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM):
            sock = node_socket(info)
            try:
                sock.settimeout(self.timeout)
                sock.connect(info[4])
            except OSError as exc:
                sock.close()
                last = exc
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = sock
            return
        raise last


class Unreachable(Exception):
    """Connecting failed other than by a timeout (nothing listens there)."""


class BlockingNode:
    """Blocking GETs to one node from the calling thread (http.client, GIL
    released while receiving), each body received straight into one buffer:
    the read path's threads then receive slivers in parallel instead of all
    through the event loop's thread, with one copy instead of three.
    At most ``per_node`` requests at a time; idle connections kept alive."""

    def __init__(self, node: HttpNode) -> None:
        self.node = node
        parts = urllib.parse.urlsplit(node.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StorageError(f"{node.name}: not an http(s) URL: {node.url}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.slots = threading.BoundedSemaphore(node.config.per_node)
        self.idle: list[http.client.HTTPConnection] = []
        self.idle_lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        with self.idle_lock:
            if self.idle:
                return self.idle.pop()
        timeout = self.node.config.connect_timeout
        conn: http.client.HTTPConnection
        if self.https:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=timeout)
        else:
            conn = NodeConnection(self.host, self.port, timeout=timeout)
        try:
            conn.connect()
        except TimeoutError:
            conn.close()
            raise
        except OSError as exc:
            conn.close()
            raise Unreachable(exc.strerror or str(exc)) from exc
        assert conn.sock is not None
        conn.sock.settimeout(self.node.config.read_timeout)
        return conn

    def close(self) -> None:
        with self.idle_lock:
            idle, self.idle = self.idle, []
        for conn in idle:
            conn.close()

    def get_into(self, path: str, limit: int) -> tuple[int, bytearray]:
        """(status, body) of a 2xx answer to GET ``path``, with the retries,
        errors and down-marking of HttpNode.request; a success body longer
        than ``limit`` raises WireFormatError without being received."""
        attempts = Attempts(self.node, "GET", path)
        for pause in attempts.pauses():
            if pause:
                time.sleep(pause)
            try:
                with self.slots:
                    status, raw = self._get_once(path, limit)
            except Unreachable as exc:
                attempts.unreachable(str(exc))
                break
            except (http.client.HTTPException, OSError) as exc:
                attempts.failed(exc)
                continue
            if attempts.answered(status, raw):
                return status, raw
        raise attempts.give_up()

    def _get_once(self, path: str, limit: int) -> tuple[int, bytearray]:
        deadline = time.monotonic() + self.node.config.timeout
        conn = self._connection()
        try:
            conn.request("GET", self.prefix + path)
            resp = conn.getresponse()
            success = 200 <= resp.status < 300
            most = limit if success else MAX_ERROR_BODY
            if resp.length is None:  # chunked, or until the connection closes
                raw = bytearray(resp.read(most + 1))
                if len(raw) > most and success:
                    raise wire.WireFormatError(f"a body longer than the {most} bytes expected")
                del raw[most:]  # an error envelope cut, the rest of it left unread
            elif resp.length > most:
                if success:
                    raise wire.WireFormatError(
                        f"a body of {resp.length} bytes, more than the {most} expected"
                    )
                raw = bytearray(resp.read(most))  # the envelope is cut; the connection dropped
            else:
                raw = bytearray(resp.length)
                receive_into(resp, memoryview(raw), deadline)
            reusable = resp.isclosed() and not resp.will_close
        except BaseException:
            conn.close()
            raise
        if reusable:
            with self.idle_lock:
                self.idle.append(conn)
        else:
            conn.close()
        return resp.status, raw
