"""The committee: N node directories holding n shards between them, one
Ed25519 key per node, and the committee file recording shard -> node.

Layout of a committee directory::

    DIR/committee.json          n_shards, epoch, and per node: index, shards, public key,
                                url (served nodes) and BLS public key
    DIR/keys/node-003.key       node 3's private key (kept apart from its data, so
                                a node whose data directory is lost can be rebuilt)
    DIR/keys/node-003.bls       node 3's BLS12-381 secret key (its storage confirmations)
    DIR/node-003/               node 3's data (see nodes.py)
    DIR/certified/<64 hex>/     what the writer keeps: metadata.bcs, certificate.json

Pair -> shard follows Walrus's rotation by blob ID (format §6):
shard = (pair + blob_id mod n) mod n.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._args import check_int
from ..config import MAX_N_SHARDS, MIN_N_SHARDS, max_faulty
from ..metadata import BlobId, BlobMetadata
from .errors import CertificateError, CommitteeError, StorageError
from .files import atomic_write, blob_dir_name, child, ensure_dir, holds, parse_blob_dir_name, read_file
from .keys import generate_key, verify_signature
from .nodes import Ack, NodeDir, ack_message

COMMITTEE_FILE = "committee.json"
# A committee file holds n <= MAX_N_SHARDS shard numbers and a key per node,
# a certificate a signature per node: far below this, so a larger file is not
# one (and is not read whole).
COMMITTEE_FILE_MAX = 16 << 20
CERTIFICATE_FILE_MAX = 16 << 20
COMMITTEE_FORMAT = "walrus-core-committee/1"
CERTIFICATE_FORMAT = "walrus-core-certificate/1"


def node_dir_name(index: int) -> str:
    return f"node-{index:03d}"


def split_shards(n_shards: int, n_nodes: int, weights: Sequence[float] | None = None) -> list[list[int]]:
    """Contiguous shard ranges, proportional to ``weights`` (even split by default;
    largest remainders first, lower index on ties); every node gets at least one shard."""
    if n_nodes < 1 or n_shards < n_nodes:
        raise CommitteeError(
            f"cannot split {n_shards} shards over {n_nodes} nodes (need 1 <= nodes <= shards)"
        )
    w = [1.0] * n_nodes if weights is None else [float(x) for x in weights]
    if len(w) != n_nodes or any(not x > 0 for x in w):
        raise CommitteeError(f"need {n_nodes} positive weights, got {list(weights or [])}")
    ideal = [n_shards * x / sum(w) for x in w]
    counts = [max(1, int(x)) for x in ideal]
    by_fraction = sorted(range(n_nodes), key=lambda i: (-(ideal[i] - int(ideal[i])), i))
    for i in by_fraction[: max(0, n_shards - sum(counts))]:
        counts[i] += 1
    while sum(counts) > n_shards:  # the minimum of one shard each pushed us over
        counts[max(range(n_nodes), key=lambda i: (counts[i], -i))] -= 1
    out, start = [], 0
    for c in counts:
        out.append(list(range(start, start + c)))
        start += c
    return out


@dataclass(frozen=True)
class NodeInfo:
    index: int
    shards: tuple[int, ...]
    public_key: bytes
    url: str | None = None  # where the node serves the Walrus storage-node API
    bls_public_key: bytes | None = None  # 48 bytes, signs its storage confirmations


class Committee:
    """A loaded committee directory."""

    def __init__(self, root: Path, n_shards: int, nodes: Sequence[NodeInfo], epoch: int = 1) -> None:
        self.root = Path(root)
        self.n_shards = n_shards
        self.epoch = epoch
        self.nodes = tuple(nodes)
        self.owner = {t: node.index for node in self.nodes for t in node.shards}

    @property
    def max_faulty(self) -> int:
        return max_faulty(self.n_shards)

    @property
    def quorum(self) -> int:
        """Shards whose nodes must acknowledge before a blob is certified: n - f."""
        return self.n_shards - self.max_faulty

    def node(self, index: int) -> NodeDir:
        check_int(
            index,
            f"node index (committee has {len(self.nodes)} nodes)",
            0,
            len(self.nodes) - 1,
            error=CommitteeError,
        )
        info = self.nodes[index]
        name = node_dir_name(index)
        return NodeDir(
            self.root / name, index, info.shards, self.n_shards, self.root / "keys" / f"{name}.key"
        )

    def bls_key_path(self, index: int) -> Path:
        return self.root / "keys" / f"{node_dir_name(index)}.bls"

    @property
    def served(self) -> bool:
        """Whether every node has a URL (clients then speak HTTP to them)."""
        return all(node.url for node in self.nodes)

    def node_dirs(self) -> list[NodeDir]:
        return [self.node(i) for i in range(len(self.nodes))]

    def node_for_shard(self, shard: int) -> NodeDir:
        return self.node(self.owner[shard])

    def resolve_node(self, text: str) -> NodeDir:
        """A node named on the command line: its index ("3") or its directory name ("node-003")."""
        t = text.strip()
        if t.startswith("node-"):
            t = t[5:]
        if not t.isdigit():
            raise CommitteeError(f"not a node: {text!r} (use an index or a name like node-003)")
        return self.node(int(t))

    # --- the writer's side: certified metadata and certificates
    def certified_path(self, blob_id: BlobId) -> Path:
        return child(self.root / "certified", blob_dir_name(blob_id))

    def _certified_dir(self, blob_id: BlobId) -> Path:
        """certified/<64 hex>, refusing a symbolic link on the way there (as nodes do)."""
        for d in (self.root / "certified", self.certified_path(blob_id)):
            if d.is_symlink():
                raise CertificateError(f"{d} is a symbolic link; refusing to go through it")
        return self.certified_path(blob_id)

    def certified_blobs(self) -> list[BlobId]:
        """Blobs the writer certified (links in certified/ are ignored)."""
        root = self.root / "certified"
        if root.is_symlink() or not root.is_dir():
            return []
        ids = [parse_blob_dir_name(x.name) for x in sorted(root.iterdir()) if not x.is_symlink()]
        return [b for b in ids if b is not None]

    def read_certificate(self, blob_id: BlobId) -> dict[str, Any] | None:
        raw = read_file(self._certified_dir(blob_id) / "certificate.json", CERTIFICATE_FILE_MAX)
        if raw is None:
            return None
        try:
            cert = json.loads(raw)
        except ValueError as exc:
            raise CertificateError(f"certificate of {blob_id} is not valid JSON") from exc
        if not isinstance(cert, dict):
            raise CertificateError(f"certificate of {blob_id} is not a JSON object")
        return cert

    def write_certified(self, metadata: BlobMetadata, certificate: dict[str, Any]) -> Path:
        path = self._certified_dir(metadata.blob_id)
        ensure_dir(path)
        text = (json.dumps(certificate, indent=1, sort_keys=True) + "\n").encode()
        for name, data in (("metadata.bcs", metadata.to_bcs()), ("certificate.json", text)):
            if not holds(path / name, data):
                atomic_write(path / name, data)
        return path / "certificate.json"

    def certified_metadata_bytes(self, blob_id: BlobId) -> bytes | None:
        return read_file(
            self._certified_dir(blob_id) / "metadata.bcs", BlobMetadata.max_bcs_len(self.n_shards)
        )

    # --- acknowledgments and certificates
    def verify_ack(self, ack: Ack) -> None:
        if not 0 <= ack.node < len(self.nodes):
            raise CertificateError(f"acknowledgment from unknown node {ack.node}")
        info = self.nodes[ack.node]
        if not set(ack.shards) <= set(info.shards):
            raise CertificateError(f"node-{ack.node:03d} acknowledged shards it does not hold")
        try:
            verify_signature(info.public_key, ack.signature, ack_message(ack.blob_id, ack.node, ack.shards))
        except CertificateError as exc:
            raise CertificateError(f"bad acknowledgment signature from node-{ack.node:03d}") from exc

    def make_certificate(self, blob_id: BlobId, acks: Sequence[Ack]) -> dict[str, Any]:
        signed = sorted({t for a in acks for t in a.shards})
        return {
            "format": CERTIFICATE_FORMAT,
            "blob_id": str(blob_id),
            "n_shards": self.n_shards,
            "threshold": self.quorum,
            "signed_shards": len(signed),
            "acks": [a.to_json() for a in sorted(acks, key=lambda a: a.node)],
        }

    def verify_certificate(self, blob_id: BlobId, cert: dict[str, Any]) -> int:
        """Check every signature; return the number of shards signed for. Raise
        CertificateError when the certificate is malformed or below n - f."""
        from ..node_api.certificate import CERTIFICATE_FORMAT as BLS_FORMAT

        if isinstance(cert, dict) and cert.get("format") == BLS_FORMAT:  # written by a store over HTTP
            from ..errors import VerificationError
            from ..node_api.certificate import verify_certificate

            try:
                return verify_certificate(self, blob_id, cert)
            except VerificationError as exc:
                raise CertificateError(str(exc)) from exc
        try:
            if cert.get("format") != CERTIFICATE_FORMAT or cert.get("blob_id") != str(blob_id):
                raise CertificateError(f"certificate is not for blob {blob_id}")
            seen: set[int] = set()
            shards: set[int] = set()
            for item in cert["acks"]:
                node = int(item["node"])
                if node in seen:
                    raise CertificateError(f"two acknowledgments from node-{node:03d}")
                seen.add(node)
                ack = Ack(
                    node, blob_id, tuple(int(t) for t in item["shards"]), bytes.fromhex(item["signature"])
                )
                self.verify_ack(ack)
                shards.update(ack.shards)
        except (KeyError, TypeError, ValueError) as exc:
            raise CertificateError(f"malformed certificate for {blob_id}: {exc}") from exc
        if len(shards) < self.quorum:
            raise CertificateError(f"certificate signs {len(shards)} shards, needs {self.quorum}")
        return len(shards)


PUBLIC_KEY_LEN = 32
_PUBLIC_KEY_HEX = re.compile(f"[0-9a-fA-F]{{{2 * PUBLIC_KEY_LEN}}}")


def _committee_int(value: object, what: str, minimum: int, maximum: int) -> int:
    """A JSON integer as written by init (not "10", 10.9 or true)."""
    return check_int(value, what, minimum, maximum, error=CommitteeError)


def _parse_committee(doc: object) -> tuple[int, list[NodeInfo], int]:
    if not isinstance(doc, dict) or doc.get("format") != COMMITTEE_FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise CommitteeError(f"not a {COMMITTEE_FORMAT} file (format {found!r})")
    n = _committee_int(doc.get("n_shards"), "n_shards", MIN_N_SHARDS, MAX_N_SHARDS)
    epoch = _committee_int(doc.get("epoch", 1), "epoch", 0, 0xFFFFFFFF)
    items = doc.get("nodes")
    if not isinstance(items, list) or not 1 <= len(items) <= n:
        raise CommitteeError(f"nodes must be a list of 1..{n} node entries")
    nodes = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise CommitteeError(f"node {i} is not a JSON object")
        _committee_int(item.get("index"), f"node {i}: index", i, i)
        shards = item.get("shards")
        if not isinstance(shards, list) or not shards:
            raise CommitteeError(f"node {i}: shards must be a non-empty list")
        key = item.get("public_key")
        if not isinstance(key, str) or not _PUBLIC_KEY_HEX.fullmatch(key):
            raise CommitteeError(f"node {i}: public_key must be {PUBLIC_KEY_LEN} bytes in hex")
        held = tuple(_committee_int(t, f"node {i}: shard", 0, n - 1) for t in shards)
        nodes.append(NodeInfo(i, held, bytes.fromhex(key), *_served_fields(i, item)))
    if sorted(t for node in nodes for t in node.shards) != list(range(n)):
        raise CommitteeError(f"the nodes' shards must split 0..{n - 1}, each shard to one node")
    return n, nodes, epoch


def _served_fields(i: int, item: dict[str, Any]) -> tuple[str | None, bytes | None]:
    """A node's optional ``url`` and ``bls_public_key`` (standard base64 of 48 bytes)."""
    import base64
    import binascii

    url = item.get("url")
    if url is not None and not (isinstance(url, str) and _URL.fullmatch(url)):
        raise CommitteeError(f"node {i}: url must be http(s)://HOST:PORT, got {url!r}")
    text = item.get("bls_public_key")
    if text is None:
        return (url.rstrip("/") if url else None), None
    try:
        key = base64.b64decode(text, validate=True) if isinstance(text, str) else b""
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 48:
        raise CommitteeError(f"node {i}: bls_public_key must be 48 bytes in standard base64")
    return (url.rstrip("/") if url else None), key


_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(:[0-9]{1,5})?/?")


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 hosts in brackets) -> (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommitteeError(f"--listen must be HOST:PORT, got {text!r}")
    return host, int(port)


def load_committee(root: Path | str) -> Committee:
    """The committee in ``root``, from a committee file checked strictly:
    integers are JSON integers, n is one RS2 allows, every key is 32 bytes,
    and the nodes' shards split 0..n-1 (CommitteeError says what is wrong)."""
    root = Path(root)
    path = root / COMMITTEE_FILE
    try:
        raw = read_file(path, COMMITTEE_FILE_MAX)
    except StorageError as exc:
        raise CommitteeError(f"malformed committee file {path}: {exc}") from exc
    if raw is None:
        raise CommitteeError(
            f"no committee at {root} (create one with: walrus-core init {root} --nodes N --shards n)"
        )
    try:
        n, nodes, epoch = _parse_committee(json.loads(raw))
    # CommitteeError is a ValueError too; json raises RecursionError for deeply nested input
    except (ValueError, RecursionError) as exc:
        raise CommitteeError(f"malformed committee file {path}: {exc}") from exc
    return Committee(root, n, nodes, epoch)


def init_committee(
    root: Path | str,
    n_nodes: int,
    n_shards: int,
    weights: Sequence[float] | None = None,
    *,
    listen: str | None = None,
    epoch: int = 1,
) -> Committee:
    """Create a committee directory: node directories, keys and the committee
    file. With ``listen`` = HOST:PORT0, node i is to be served at
    http://HOST:PORT0+i (``walrus-core serve``)."""
    import base64

    from ..node_api import bls

    root = Path(root)
    base = parse_listen(listen) if listen else None
    if base and base[1] + n_nodes - 1 > 65535:
        raise CommitteeError(f"ports {base[1]}..{base[1] + n_nodes - 1} do not all exist")
    _committee_int(n_shards, "n_shards", MIN_N_SHARDS, MAX_N_SHARDS)
    _committee_int(n_nodes, "n_nodes", 1, n_shards)
    if (root / COMMITTEE_FILE).exists():
        raise CommitteeError(f"{root} already holds a committee")
    split = split_shards(n_shards, n_nodes, weights)
    for i in range(n_nodes):
        if (root / node_dir_name(i)).exists() or (root / "keys" / f"{node_dir_name(i)}.key").exists():
            raise CommitteeError(f"{root / node_dir_name(i)} already exists")
    ensure_dir(root / "keys")
    nodes = []
    for i, shards in enumerate(split):
        public = generate_key(root / "keys" / f"{node_dir_name(i)}.key")
        secret = bls.generate_secret_key()
        bls.write_secret_key(root / "keys" / f"{node_dir_name(i)}.bls", secret)
        url = f"http://{base[0]}:{base[1] + i}" if base else None
        nodes.append(NodeInfo(i, tuple(shards), public, url, bls.public_key(secret)))
    committee = Committee(root, n_shards, nodes, epoch)
    for node, info in zip(committee.node_dirs(), nodes):
        node.create(info.public_key)
    doc = {
        "format": COMMITTEE_FORMAT,
        "n_shards": n_shards,
        "epoch": epoch,
        "max_faulty": max_faulty(n_shards),
        "nodes": [
            {
                "index": x.index,
                "dir": node_dir_name(x.index),
                "shards": list(x.shards),
                "public_key": x.public_key.hex(),
                **({"url": x.url} if x.url else {}),
                "bls_public_key": base64.b64encode(x.bls_public_key or b"").decode(),
            }
            for x in nodes
        ],
    }
    atomic_write(root / COMMITTEE_FILE, (json.dumps(doc, indent=1) + "\n").encode())
    return committee
