"""A verifying read through an untrusted Walrus aggregator: fetch
``GET /v1/blobs/{blob_id}``, recompute the blob ID of the bytes locally (the
RS2 encoding for ``n_shards``; Walrus mainnet and testnet have 1000 shards),
and hand them out only if it matches."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from .. import blob_id as compute_blob_id
from ..errors import VerificationError
from ..metadata import BlobId, max_blob_size
from ..reference.errors import StorageError
from .transport import ClientConfig

WALRUS_SHARDS = 1000


class AggregatorError(StorageError):
    """The aggregator did not send the blob (HTTP error, connection, size)."""


async def _fetch(url: str, blob_id: BlobId, limit: int, config: ClientConfig) -> bytes:
    timeout = aiohttp.ClientTimeout(
        total=config.timeout, sock_connect=config.connect_timeout, sock_read=config.read_timeout
    )
    target = url.rstrip("/") + f"/v1/blobs/{blob_id}"
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(target) as resp:
            if resp.status != 200:
                text = (await resp.content.read(300)).decode("utf-8", "replace")
                raise AggregatorError(f"aggregator answered HTTP {resp.status} for {blob_id}: {text}")
            if resp.content_length is not None and resp.content_length > limit:
                raise AggregatorError(f"aggregator announced {resp.content_length} bytes, more than any blob")
            chunks = []
            size = 0
            async for chunk in resp.content.iter_chunked(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise AggregatorError(f"aggregator sent more than {limit} bytes, more than any blob")
                chunks.append(chunk)
            return b"".join(chunks)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        raise AggregatorError(f"cannot fetch {target}: {exc or type(exc).__name__}") from exc


def read_from_aggregator(
    blob_id: BlobId | str, url: str, *, n_shards: int = WALRUS_SHARDS, config: ClientConfig | None = None
) -> bytes:
    """The blob's bytes from the aggregator at ``url``, after checking that
    they encode to ``blob_id``; VerificationError names the mismatch."""
    bid = blob_id if isinstance(blob_id, BlobId) else BlobId.from_str(blob_id)
    data = asyncio.run(_fetch(url, bid, max_blob_size(n_shards), config or ClientConfig()))
    got = compute_blob_id(data, n_shards)
    if got != bid:
        raise VerificationError(
            f"blob ID mismatch: the aggregator's {len(data)} bytes encode to {got} "
            f"(n = {n_shards} shards), not the requested {bid}; nothing written"
        )
    return data


def get_to_file(
    blob_id: BlobId | str, url: str, out: Path | str | None, *, n_shards: int = WALRUS_SHARDS
) -> bytes:
    """:func:`read_from_aggregator`, then an atomic write to ``out`` (stdout
    when None or "-") only once the bytes verified."""
    from ..reference.retrieve import write_output

    data = read_from_aggregator(blob_id, url, n_shards=n_shards)
    write_output(data, out)
    return data
