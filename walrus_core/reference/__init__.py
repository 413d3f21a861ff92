"""Reference storage: the whole life of a Walrus blob on one machine, each
storage node a local directory (thin modules over walrus_core's codec).

    committee.py  init_committee / load_committee: node directories, Ed25519 keys, shard -> node
    files.py      names derived only from blob IDs and indices, atomic writes, no-symlink reads
    nodes.py      NodeDir: what a node checks, keeps and acknowledges
    store.py      store_blob / store_file: encode, send, collect acks, certify
    retrieve.py   read_blob / read_to_file: verify, decode, exact bytes or a clean error
    repair.py     repair / repair_node: rebuild slivers from peers' recovery symbols
    verify.py     scrub, blob_info, list_blobs, committee_status, cost

The node keys need the optional `cryptography` package (``pip install
'walrus-core[store]'``); it is imported only when a key is made or used.
"""

from __future__ import annotations

from .committee import Committee, init_committee, load_committee, split_shards
from .errors import (
    BlobUnavailableError,
    CertificateError,
    CommitteeError,
    StorageError,
    StoreIncompleteError,
    UnsafeNameError,
)
from .nodes import Ack, NodeDir
from .repair import RepairReport, repair, repair_node
from .retrieve import ReadResult, find_metadata, parse_blob_id, read_blob, read_to_file
from .store import StoreResult, store_blob, store_file
from .verify import blob_info, committee_status, cost, list_blobs, scrub, scrub_node

__all__ = [
    "Ack",
    "BlobUnavailableError",
    "CertificateError",
    "Committee",
    "CommitteeError",
    "NodeDir",
    "ReadResult",
    "RepairReport",
    "StorageError",
    "StoreIncompleteError",
    "StoreResult",
    "UnsafeNameError",
    "blob_info",
    "committee_status",
    "cost",
    "find_metadata",
    "init_committee",
    "list_blobs",
    "load_committee",
    "parse_blob_id",
    "read_blob",
    "read_to_file",
    "repair",
    "repair_node",
    "scrub",
    "scrub_node",
    "split_shards",
    "store_blob",
    "store_file",
]
