"""The quilt commands of ``walrus-core`` (registered by cli.py):

    walrus-core --committee DIR store-quilt FILE... [--tag FILE:KEY=VALUE]...
    walrus-core --committee DIR read-patch PATCH_ID -o OUT
    walrus-core --committee DIR read-patch IDENTIFIER --quilt QUILT_ID -o OUT
    walrus-core quilt-id FILE... --shards n [--tag FILE:KEY=VALUE]...

Each file's identifier is its base name; ``--tag`` attaches a tag to the file
given by that name (or path, as written on the command line)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

COMMANDS = ("store-quilt", "read-patch", "quilt-id")

Emit = Callable[[argparse.Namespace, dict[str, Any], str], None]


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the quilt subcommands to ``sub`` (the CLI's subparsers)."""
    s = sub.add_parser(
        "store-quilt",
        parents=[common],
        help="store many files as one quilt; prints the quilt ID and each file's patch ID",
    )
    s.add_argument("files", type=Path, nargs="+", metavar="FILE")
    s.add_argument("--tag", action="append", default=[], metavar="FILE:KEY=VALUE", help="tag a file")

    s = sub.add_parser(
        "read-patch", parents=[common], help="read one file of a quilt from the few slivers it needs"
    )
    s.add_argument("patch_id", metavar="PATCH_ID", help="patch ID (or, with --quilt, a file's identifier)")
    s.add_argument("--quilt", default=None, metavar="QUILT_ID", help="the quilt to look the identifier up in")
    s.add_argument("-o", "--output", default=None, help="output file (default: stdout)")

    s = sub.add_parser(
        "quilt-id", parents=[common], help="the quilt ID and patch IDs of FILE... (offline, nothing stored)"
    )
    s.add_argument("files", type=Path, nargs="+", metavar="FILE")
    s.add_argument("--shards", type=int, required=True)
    s.add_argument("--tag", action="append", default=[], metavar="FILE:KEY=VALUE", help="tag a file")


class UsageError(Exception):
    """A command line that cannot work (cli.py reports it with exit status 2)."""


def _tags(files: list[Path], specs: list[str]) -> dict[Path, dict[str, str]]:
    by_name: dict[str, Path] = {}
    for f in files:
        by_name.setdefault(str(f), f)
        by_name.setdefault(f.name, f)
    out: dict[Path, dict[str, str]] = {}
    for spec in specs:
        name, sep, pair = spec.rpartition(":")
        key, eq, value = pair.partition("=")
        if not sep or not eq:
            raise UsageError(f"--tag must be FILE:KEY=VALUE, got {spec!r}")
        if name not in by_name:
            raise UsageError(f"--tag {spec!r}: {name!r} is not one of the files given")
        out.setdefault(by_name[name], {})[key] = value
    return out


def read_files(files: list[Path], tag_specs: list[str]) -> list[Any]:
    """quilt.File per path: identifier = base name, content = the file's bytes."""
    from .quilt import File
    from .reference.errors import StorageError

    tags = _tags(files, tag_specs)
    out = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
        out.append(File(path.name, data, tags.get(path)))
    return out


def _patch_lines(quilt_id: Any, patches: list[Any]) -> str:
    lines = [str(quilt_id)]
    lines += [f"{p.patch_id}  {p.identifier}" for p in patches]
    return "\n".join(lines)


def run(
    args: argparse.Namespace,
    emit: Emit,
    committee: Callable[[argparse.Namespace], Any],
    progress: Any,
) -> int:
    """Run one quilt command; returns the exit status."""
    if args.command == "quilt-id":
        from .quilt import encode
        from .reference.quilt_store import patch_json

        q = encode(read_files(args.files, args.tag), args.shards)
        obj = {
            "quilt_id": str(q.quilt_id),
            "n_shards": args.shards,
            "symbol_size": q.symbol_size,
            "patches": [patch_json(p) for p in q.patches],
        }
        emit(args, obj, _patch_lines(q.quilt_id, q.patches))
        return 0
    if args.command == "store-quilt":
        from .reference.quilt_store import store_quilt

        r = store_quilt(committee(args), read_files(args.files, args.tag), progress=progress)
        emit(args, r.to_json(), _patch_lines(r.quilt.quilt_id, r.quilt.patches))
        return 0
    if args.command == "read-patch":
        import sys

        from .reference.quilt_store import read_patch_to_file

        to_stdout = args.output in (None, "-")
        if to_stdout and args.json:
            raise UsageError("--json with read-patch needs -o FILE (stdout carries the JSON)")
        from .reference.retrieve import parse_blob_id

        quilt_id = parse_blob_id(args.quilt) if args.quilt else None
        c = committee(args)
        if c.served:  # only the slivers the patch needs, over HTTP, each verified
            from .node_api.http_node import served_nodes

            with served_nodes(c) as remote:
                by_shard = {t: remote[c.owner[t]] for t in range(c.n_shards)}
                got = read_patch_to_file(c, args.patch_id, args.output, quilt_id, by_shard)
        else:
            got = read_patch_to_file(c, args.patch_id, args.output, quilt_id)
        if not args.json:
            for problem in got.problems:
                print(f"note: {problem}", file=sys.stderr)
        if not to_stdout:
            share = 100 * got.bytes_moved / got.quilt_encoded_length
            emit(
                args,
                got.to_json(),
                f"{len(got.data)} bytes of {got.identifier!r} written to {args.output}; moved "
                f"{got.bytes_moved} bytes = {share:.3f}% of the quilt's encoded {got.quilt_encoded_length}",
            )
        return 0
    raise UsageError(f"unknown command {args.command}")  # pragma: no cover


# ---- what ls, info and cost add for quilts (called from cli.py's handlers) ----------------------
def annotate_listing(committee: Any, items: list[dict[str, Any]]) -> list[str]:
    """Add ``quilt_files`` (how many) to each ``ls`` item that is a quilt (plain
    blobs are left as they were); return the text suffix of each line."""
    from .metadata import BlobId
    from .reference.quilt_store import quilt_note

    suffixes = []
    for item in items:
        note = quilt_note(committee, BlobId.from_str(item["blob_id"]))
        if note is not None:
            item["quilt_files"] = len(note["patches"])
        suffixes.append(f"  quilt of {len(note['patches'])} files" if note is not None else "")
    return suffixes


def info_lines(committee: Any, blob_id: Any, info: dict[str, Any], nodes: Any = None) -> list[str]:
    """Add ``quilt_files`` to ``info`` for a quilt, its index read from
    ``nodes`` (by shard; the node directories when None); return one line per file."""
    from .reference.quilt_store import quilt_files

    files = quilt_files(committee, blob_id, nodes)
    if files is None:
        return []
    info["quilt_files"] = files
    lines = [f"quilt of {len(files)} files:"]
    for f in files:
        tags = " " + ",".join(f"{k}={v}" for k, v in f["tags"].items()) if f["tags"] else ""
        lines.append(f"  {f['patch_id']}  {f['identifier']}{tags}")
    return lines


def cost_of_files(
    args: argparse.Namespace, n_shards: int, human: Callable[[float], str]
) -> tuple[dict[str, Any], str]:
    """``cost FILE FILE...``: the files as single blobs against one quilt."""
    from .reference.quilt_store import compare_costs

    c = compare_costs(read_files(args.file, []), n_shards, args.epochs, args.price)
    blobs, q = c["as_single_blobs"], c["as_quilt"]
    text = (
        f"{c['files']} files, {human(blobs['unencoded_length'])} (n = {n_shards}):\n"
        f"  as {c['files']} blobs: encoded {human(blobs['encoded_length'])}; "
        f"{blobs['storage_units']} units x {args.epochs} epochs x {args.price} = {blobs['cost']}\n"
        f"  as one quilt: encoded {human(q['encoded_length'])}; "
        f"{q['storage_units']} units x {args.epochs} epochs x {args.price} = {q['cost']} "
        f"({c['quilt_saves']:.1f}x less)"
    )
    return c, text
