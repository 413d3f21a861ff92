"""What a node answers to ``/recoverySymbols`` and ``/decodingSymbols``
(spec §4.7, §4.8), from the slivers it holds. Pure logic over a lookup
function, so the server and the tests share it.

Index spaces: symbol id ``P-S`` is X[P][S], row P = primary sliver P (pair P),
column S = secondary sliver S (pair n-1-S)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .. import RecoverySymbol, Sliver, recovery_symbols
from ..config import EncodingConfig
from ..metadata import BlobMetadata
from .wire import ApiError, DecodingSymbol

# (kind, sliver index) -> the held sliver, or None when the node owns it but does not hold it
SliverLookup = Callable[[str, int], "Sliver | None"]


def parse_symbol_id(text: str) -> tuple[int, int]:
    """``"P-S"`` -> (P, S); ApiError INVALID_QUERY when malformed."""
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 5 for p in parts):
        raise ApiError("INVALID_QUERY", f"bad symbol id {text!r} (expected P-S)")
    return int(parts[0]), int(parts[1])


def target_symbol_ids(
    n: int, owned_pairs: Sequence[int], target: int, target_kind: str
) -> list[tuple[int, int]]:
    """The ids of the ``targetSliver`` query form: one per owned pair q, in the
    node's shard order: (target, n-1-q) for a primary target, (q, target) else."""
    if target_kind == "primary":
        return [(target, n - 1 - q) for q in owned_pairs]
    return [(q, target) for q in owned_pairs]


def serve_recovery_symbols(
    metadata: BlobMetadata,
    owned_pairs: Sequence[int],
    ids: Iterable[tuple[int, int]],
    proof_axis: str | None,
    lookup: SliverLookup,
) -> list[RecoverySymbol]:
    """The symbols of ``ids`` this node can serve, in order; each comes from
    a source sliver it owns and holds (primary sliver P first, unless
    ``proof_axis`` restricts it). Raises the last ApiError when none is served."""
    n = metadata.n_shards
    owned = set(owned_pairs)
    last: ApiError | None = None
    plan: list[tuple[str, int, int]] = []  # (source kind, source index, target index)
    for p, s in ids:
        if not (0 <= p < n and 0 <= s < n):
            last = ApiError("INDEX_OUT_OF_RANGE", max(p, s), n)
            continue
        candidates = []
        if proof_axis in (None, "primary") and p in owned:
            candidates.append(("primary", p, s))
        if proof_axis in (None, "secondary") and n - 1 - s in owned:
            candidates.append(("secondary", s, p))
        if not candidates:
            last = ApiError("SYMBOL_NOT_PRESENT_AT_SHARDS")
            continue
        for kind, source, target in candidates:
            if lookup(kind, source) is not None:
                plan.append((kind, source, target))
                break
        else:
            last = ApiError("SLIVER_NOT_FOUND")
    if not plan:
        raise last or ApiError("NO_SYMBOLS_SPECIFIED")
    # one expansion per source sliver, however many of its symbols are asked for
    wanted: dict[tuple[str, int], list[int]] = {}
    for kind, source, target in plan:
        wanted.setdefault((kind, source), []).append(target)
    made: dict[tuple[str, int, int], RecoverySymbol] = {}
    for (kind, source), targets in wanted.items():
        sliver = lookup(kind, source)
        assert sliver is not None
        for sym in recovery_symbols(sliver, metadata, sorted(set(targets))):
            made[(kind, source, sym.target_index)] = sym
    return [made[key] for key in plan]


def serve_decoding_symbols(
    metadata: BlobMetadata,
    owned_pairs: Sequence[int],
    targets: Sequence[int],
    target_kind: str,
    lookup: SliverLookup,
) -> dict[int, list[DecodingSymbol]]:
    """Systematic decoding symbols for ``targets`` of ``target_kind``, from
    every owned pair whose orthogonal sliver the node holds (no proofs)."""
    cfg = EncodingConfig(metadata.n_shards)
    n = cfg.n_shards
    limit = cfg.n_primary_source_symbols if target_kind == "primary" else cfg.n_secondary_source_symbols
    if not targets:
        raise ApiError("NO_TARGET_SLIVERS_SPECIFIED")
    for t in targets:
        if not 0 <= t < limit:
            raise ApiError("RECOVERY_SYMBOL_OUT_OF_RANGE", f"{target_kind} target {t} is not below {limit}")
    out: dict[int, list[DecodingSymbol]] = {}
    for q in owned_pairs:
        if target_kind == "primary":
            source_kind, source_index = "secondary", n - 1 - q
        else:
            source_kind, source_index = "primary", q
        sliver = lookup(source_kind, source_index)
        if sliver is None:
            continue
        for t in targets:
            out.setdefault(t, []).append(DecodingSymbol(target_kind, source_index, bytes(sliver.symbol(t))))
    return out
