"""walrus-core: the command line over walrus_core.reference (a thin shell).

    walrus-core init DIR --nodes N --shards n [--weights w1,w2,...] [--listen HOST:PORT0]
    walrus-core --committee DIR serve NODE               (the Walrus storage-node API over HTTP)
    walrus-core --committee DIR store FILE
    walrus-core --committee DIR read BLOB_ID -o OUT [--memory BYTES]
    walrus-core --committee DIR repair [NODE]
    walrus-core --committee DIR scrub [NODE] [--repair]      (alias: verify)
    walrus-core --committee DIR status | ls | info BLOB_ID [--check]
    walrus-core [--committee DIR] cost FILE... --epochs E --price P [--shards n]
    walrus-core --committee DIR store-quilt FILE... [--tag FILE:KEY=VALUE]...
    walrus-core --committee DIR read-patch PATCH_ID -o OUT
    walrus-core quilt-id FILE... --shards n
    walrus-core get BLOB_ID --aggregator URL -o OUT [--shards 1000]   (verified aggregator read)
    walrus-core blob-id FILE... [--shards n] [--memory BYTES]

With a committee whose committee.json gives every node a url (init --listen),
store, read, repair, scrub, info, status, store-quilt and read-patch speak
HTTP to the served nodes.

``--json`` (before or after the command) prints one JSON object for scripts.
Exit status: 0 on success, 1 when the operation failed (the message says why),
2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import quilt_cli
from .config import EncodingConfig
from .errors import WalrusCoreError
from .reference.committee import Committee, init_committee, load_committee
from .reference.nodes import NodeDir
from .reference.progress import ProgressFn, StderrBar, no_progress
from .reference.repair import repair
from .reference.retrieve import parse_blob_id, read_to_file, write_output
from .reference.store import store_file
from .reference.verify import blob_info, committee_status, cost, list_blobs, scrub
from .stream import DEFAULT_MEMORY, ByteBar, file_blob_ids

# A blob ID (43 base64url characters) or a patch ID (50) may begin with "-".
_DASHED_ID = re.compile(r"-[A-Za-z0-9_-]{42}(?:[A-Za-z0-9_-]{7})?")


class _Parser(argparse.ArgumentParser):
    """argparse that takes a blob or patch ID beginning with "-" as an argument,
    not as an unknown option (or as "-o" followed by a value)."""

    def _parse_optional(self, arg_string: str) -> Any:
        if _DASHED_ID.fullmatch(arg_string):
            return None
        return super()._parse_optional(arg_string)


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--committee", "-c", default=argparse.SUPPRESS, help="committee directory")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output")
    common.add_argument(
        "--quiet", "-q", action="store_true", default=argparse.SUPPRESS, help="no progress bar"
    )

    p = _Parser(prog="walrus-core", description="Walrus RS2 blobs over local node directories.")
    p.add_argument(
        "--committee", "-c", default=os.environ.get("WALRUS_CORE_COMMITTEE"), help="committee directory"
    )
    p.add_argument("--json", action="store_true", default=False, help="JSON output for scripts")
    p.add_argument("--quiet", "-q", action="store_true", default=False, help="no progress bar")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser(
        "init", parents=[common], help="create a committee: node directories, keys, committee file"
    )
    s.add_argument("dir", type=Path)
    s.add_argument("--nodes", type=int, required=True)
    s.add_argument("--shards", type=int, required=True)
    s.add_argument("--weights", help="comma-separated relative weights, one per node (default: even split)")
    s.add_argument("--listen", help="HOST:PORT0: node i is served at http://HOST:PORT0+i (walrus-core serve)")

    s = sub.add_parser("serve", parents=[common], help="serve one node over the Walrus storage-node HTTP API")
    s.add_argument("node", help="node index or name (node-003)")
    s.add_argument("--host", help="address to bind (default: the host of the node's url)")
    s.add_argument("--port", type=int, help="port to bind (default: the port of the node's url)")
    s.add_argument(
        "--max-pending", type=int, default=64, help="requests in progress before answering 503 (default: 64)"
    )

    s = sub.add_parser(
        "store", parents=[common], help="encode FILE and store it on the nodes; prints the blob ID"
    )
    s.add_argument("file", type=Path)
    _add_memory(s)

    s = sub.add_parser("read", parents=[common], help="read a blob back, exactly, or fail clearly")
    s.add_argument("blob_id")
    s.add_argument("-o", "--output", default=None, help="output file (default: stdout)")
    _add_memory(s)  # to a file: decoded band by band within it

    s = sub.add_parser(
        "repair", parents=[common], help="rebuild lost or corrupt slivers from peers' recovery symbols"
    )
    s.add_argument("node", nargs="?", help="node index or name (default: every node)")

    for name in ("scrub", "verify"):
        s = sub.add_parser(name, parents=[common], help="check every stored sliver against the metadata")
        s.add_argument("node", nargs="?", help="node index or name (default: every node)")
        s.add_argument("--repair", action="store_true", help="repair what is found bad")

    sub.add_parser("status", parents=[common], help="nodes, shards and blob counts")
    sub.add_parser("ls", parents=[common], help="list blobs")
    s = sub.add_parser("info", parents=[common], help="one blob: metadata, certificate, shards per node")
    s.add_argument("blob_id")
    s.add_argument("--check", action="store_true", help="verify every sliver (slower)")

    s = sub.add_parser(
        "get", parents=[common], help="fetch a blob from a Walrus aggregator; keep it only if its ID matches"
    )
    s.add_argument("blob_id")
    s.add_argument("--aggregator", required=True, help="aggregator base URL (GET /v1/blobs/BLOB_ID)")
    s.add_argument("-o", "--output", default=None, help="output file (default: stdout)")
    s.add_argument("--shards", type=int, default=1000, help="the network's shard count (default: 1000)")

    s = sub.add_parser(
        "cost", parents=[common], help="encoded size and storage cost of FILE (FILE...: blobs vs quilt)"
    )
    s.add_argument("file", type=Path, nargs="+")
    s.add_argument("--epochs", type=int, required=True)
    s.add_argument("--price", type=int, required=True, help="price per 1 MiB storage unit per epoch")
    s.add_argument(
        "--shards", type=int, default=None, help="shard count (default: the committee's, else 1000)"
    )
    s = sub.add_parser(
        "blob-id", parents=[common], help="blob ID of each FILE (no committee needed), all cores in use"
    )
    s.add_argument("files", nargs="+", type=Path)
    s.add_argument("--shards", type=int, default=1000, help="shard count (default: 1000, as Mainnet)")
    _add_memory(s)
    quilt_cli.register(sub, common)
    return p


def _byte_count(text: str) -> int:
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = t[-1:] if t[-1:] in units else ""
    try:
        value = int(t[: len(t) - len(unit)]) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a byte count: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive byte count: {text!r}")
    return value


def _add_memory(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory",
        type=_byte_count,
        default=DEFAULT_MEMORY,
        help="memory budget, e.g. 512M or 2G (default: 768M)",
    )


def _cmd_blob_id(args: argparse.Namespace) -> int:
    bar = None if (args.quiet or args.json or not sys.stderr.isatty()) else ByteBar("blob-id")
    results = file_blob_ids(args.files, args.shards, memory=args.memory, progress=bar)
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=1))
    for r in results:
        if r.error is not None:
            print(f"walrus-core: {r.file}: {r.error}", file=sys.stderr)
        elif not args.json:
            print(f"{r.blob_id}  {r.file}")
    return 1 if any(r.error is not None for r in results) else 0


def _emit(args: argparse.Namespace, obj: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(obj, indent=1, sort_keys=True))
    elif text:
        print(text)


def _committee(args: argparse.Namespace) -> Committee:
    if not args.committee:
        raise _Usage("this command needs --committee DIR (or WALRUS_CORE_COMMITTEE)")
    return load_committee(args.committee)


#: Walrus's own shard count; beyond it the CLI warns about the O(n²) metadata.
LARGE_N_SHARDS = 1000


class _Usage(Exception):
    pass


def _human(n: float) -> str:
    if n < 1024:
        return f"{int(n)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if n < 1024 or unit == "TiB":
            break
    return f"{n:.1f} {unit}"


def _warn_if_large(n_shards: int) -> None:
    """Say what a shard count beyond Walrus's own costs: every blob's metadata
    has 64 bytes per shard and every shard keeps a copy (O(n²) per blob)."""
    if n_shards > LARGE_N_SHARDS:
        per_blob = n_shards * EncodingConfig(n_shards).metadata_length
        print(
            f"warning: {n_shards} shards: every blob carries {_human(per_blob)} of metadata "
            f"(n x (64n + 32) bytes, growing as n squared), and its encoding and repair work grow "
            f"with n too; Walrus uses {LARGE_N_SHARDS}",
            file=sys.stderr,
        )


def _progress(args: argparse.Namespace) -> ProgressFn:
    return no_progress if (args.quiet or args.json or not sys.stderr.isatty()) else StderrBar()


def _node(args: argparse.Namespace, committee: Committee) -> NodeDir | None:
    return committee.resolve_node(args.node) if args.node else None


# ------------------------------------------------------------------ one handler per command
def _cmd_init(args: argparse.Namespace) -> int:
    try:
        weights = [float(x) for x in args.weights.split(",")] if args.weights else None
    except ValueError:
        raise _Usage(f"--weights must be comma-separated numbers, got {args.weights!r}") from None
    c = init_committee(args.dir, args.nodes, args.shards, weights, listen=args.listen)
    _warn_if_large(c.n_shards)
    obj = {
        "committee": str(c.root),
        "nodes": len(c.nodes),
        "n_shards": c.n_shards,
        "max_faulty": c.max_faulty,
    }
    _emit(
        args,
        obj,
        f"committee of {len(c.nodes)} nodes, {c.n_shards} shards (f = {c.max_faulty}) in {c.root}",
    )
    return 0


def _cmd_cost(args: argparse.Namespace) -> int:
    n = args.shards or (_committee(args).n_shards if args.committee else 1000)
    if len(args.file) > 1:
        _emit(args, *quilt_cli.cost_of_files(args, n, _human))
        return 0
    try:
        length = args.file[0].stat().st_size
    except OSError as exc:
        raise _Usage(f"cannot read {args.file[0]}: {exc.strerror}") from exc
    est: dict[str, Any] = cost(length, n, args.epochs, args.price)
    _warn_if_large(n)
    _emit(
        args,
        est,
        f"{_human(length)} -> encoded {_human(est['encoded_length'])} "
        f"({est['expansion']:.2f}x, n = {n}); "
        f"{est['storage_units']} units x {args.epochs} epochs x {args.price} = {est['cost']}",
    )
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .node_api.server import serve

    committee = _committee(args)
    if args.max_pending < 1:
        raise _Usage("--max-pending must be at least 1")
    index = committee.resolve_node(args.node).index
    serve(committee, index, args.host, args.port, max_pending=args.max_pending)
    return 0


def _cmd_get(args: argparse.Namespace) -> int:
    from .node_api.aggregator import get_to_file

    if args.output in (None, "-") and args.json:
        raise _Usage("--json with get needs -o FILE (stdout carries the JSON)")
    data = get_to_file(args.blob_id, args.aggregator, args.output, n_shards=args.shards)
    if args.output not in (None, "-"):
        obj = {"blob_id": args.blob_id, "length": len(data), "verified": True, "output": args.output}
        _emit(args, obj, f"{len(data)} bytes verified against {args.blob_id} and written to {args.output}")
    return 0


def _cmd_store(args: argparse.Namespace) -> int:
    committee = _committee(args)
    if committee.served:
        from .node_api.http_store import store_file_http

        r = store_file_http(committee, args.file, progress=_progress(args), memory=args.memory)
    else:
        r = store_file(committee, args.file, progress=_progress(args), memory=args.memory)
    _emit(args, r.to_json(), str(r.blob_id))
    if r.failures and not args.json:
        for v in r.failures.values():
            print(f"warning: {v}", file=sys.stderr)
    return 0


def _cmd_read(args: argparse.Namespace) -> int:
    committee = _committee(args)
    blob_id = parse_blob_id(args.blob_id)
    to_stdout = args.output in (None, "-")
    if to_stdout and args.json:
        raise _Usage("--json with read needs -o FILE (stdout carries the JSON)")
    if committee.served:
        from .node_api.http_node import read_blob_http

        out = None if to_stdout else args.output
        rr = read_blob_http(committee, blob_id, progress=_progress(args), out=out, memory=args.memory)
        if to_stdout:
            write_output(rr.data, args.output)
    else:
        rr = read_to_file(committee, blob_id, args.output, progress=_progress(args), memory=args.memory)
    if not args.json:
        for problem in rr.problems:
            print(f"note: {problem}", file=sys.stderr)
    if not to_stdout:
        _emit(args, rr.to_json(), f"{rr.length} bytes written to {args.output}")
    return 0


def _cmd_repair(args: argparse.Namespace) -> int:
    committee = _committee(args)
    node = _node(args, committee)
    if committee.served:
        from .node_api.http_repair import repair_http

        reports = repair_http(committee, node.index if node else None, progress=_progress(args))
    else:
        reports = repair(committee, node, progress=_progress(args))
    lines = []
    for rep in reports:
        if rep.rebuilt or rep.failed:
            ratio = f"{rep.bytes_moved / rep.blob_bytes:.3f}x blob" if rep.blob_bytes else "-"
            share = f"{rep.bytes_moved / rep.node_share:.2f}x own share" if rep.node_share else "-"
            lines.append(
                f"{rep.node}: rebuilt {len(rep.rebuilt)} slivers, moved {_human(rep.bytes_moved)} "
                f"({ratio}, {share})"
            )
            lines += [f"  FAILED {x}" for x in rep.failed]
    if not lines:
        lines.append("nothing to repair")
    _emit(
        args,
        {"nodes": [r.to_json() for r in reports], "ok": all(r.ok for r in reports)},
        "\n".join(lines),
    )
    return 0 if all(r.ok for r in reports) else 1


def _cmd_scrub(args: argparse.Namespace) -> int:
    committee = _committee(args)
    node = _node(args, committee)
    if committee.served:
        from .node_api.http_node import served_nodes
        from .node_api.http_repair import repair_http

        with served_nodes(committee) as remote:
            chosen = [remote[node.index]] if node else remote
            results = scrub(committee, progress=_progress(args), served=chosen)
        for res, x in zip(results, chosen):
            if args.repair and res.problems:
                res.repair = repair_http(committee, x.index, progress=_progress(args))[0]
    else:
        results = scrub(committee, node, repair=args.repair, progress=_progress(args))
    lines = []
    bad = False
    for res in results:
        fixed = res.repair is not None and res.repair.ok
        bad |= bool(res.problems) and not fixed
        state = "ok" if not res.problems else ("repaired" if fixed else "PROBLEMS")
        lines.append(f"{res.node}: {res.ok} slivers ok, {len(res.problems)} problems, {state}")
        lines += [f"  {x}" for x in res.problems[:20]]
        if len(res.problems) > 20:
            lines.append(f"  ... and {len(res.problems) - 20} more")
        lines += [f"  stray file: {x}" for x in res.strays]
        if res.repair is not None:
            lines += [f"  FAILED {x}" for x in res.repair.failed]
    _emit(args, {"nodes": [r.to_json() for r in results], "ok": not bad}, "\n".join(lines))
    return 1 if bad else 0


def _cmd_status(args: argparse.Namespace) -> int:
    committee = _committee(args)
    st = committee_status(committee)
    lines = [
        f"{st['committee']}: {len(st['nodes'])} nodes, {st['n_shards']} shards, f = {st['max_faulty']}, "
        f"{st['certified_blobs']} certified blobs"
    ]
    for x in st["nodes"]:
        state = f"{x['blobs']} blobs" if x["exists"] else "MISSING"
        lines.append(f"  {x['node']}: shards {x['shards']} ({x['n_shards']}), {state}")
    if committee.served:
        from .node_api.http_node import committee_health

        st["servers"] = committee_health(committee)
        for h in st["servers"]:
            if not h["up"]:
                lines.append(f"  {h['node']} at {h['url']}: DOWN ({h['error']})")
            else:
                ok = "ok" if h["shards_match"] and h["key_matches"] else "MISMATCH with committee.json"
                shards = f"{h['owned_shards']} shards"
                lines.append(f"  {h['node']} at {h['url']}: up, epoch {h['epoch']}, {shards}, {ok}")
    _emit(args, st, "\n".join(lines))
    return 0


def _cmd_ls(args: argparse.Namespace) -> int:
    committee = _committee(args)
    items = list_blobs(committee)
    quilts = quilt_cli.annotate_listing(committee, items)
    text = "\n".join(
        f"{x['blob_id']}  {x['length'] if x['length'] is not None else '?':>12}  "
        f"{'certified' if x['certified'] else 'uncertified'}{quilt}"
        for x, quilt in zip(items, quilts)
    )
    _emit(args, {"blobs": items}, text)
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    committee, blob_id = _committee(args), parse_blob_id(args.blob_id)
    if committee.served:
        from .node_api.http_node import served_nodes

        with served_nodes(committee) as remote:
            info = blob_info(committee, blob_id, check=args.check, nodes=remote)
            by_shard = {t: remote[committee.owner[t]] for t in range(committee.n_shards)}
            quilt_lines = quilt_cli.info_lines(committee, blob_id, info, by_shard)
    else:
        info = blob_info(committee, blob_id, check=args.check)
        quilt_lines = quilt_cli.info_lines(committee, blob_id, info)
    lines = [f"{k}: {v}" for k, v in info.items() if k not in ("nodes", "quilt_files")]
    lines += [f"  {x['node']}: {x['shards_present']}/{x['shards']} shards" for x in info["nodes"]]
    _emit(args, info, "\n".join(lines + quilt_lines))
    return 0


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": _cmd_init,
    "serve": _cmd_serve,
    "get": _cmd_get,
    "cost": _cmd_cost,
    "store": _cmd_store,
    "read": _cmd_read,
    "repair": _cmd_repair,
    "scrub": _cmd_scrub,
    "verify": _cmd_scrub,
    "status": _cmd_status,
    "ls": _cmd_ls,
    "info": _cmd_info,
    "blob-id": _cmd_blob_id,
}
for _name in quilt_cli.COMMANDS:  # store-quilt, read-patch, quilt-id
    _HANDLERS[_name] = lambda args: quilt_cli.run(args, _emit, _committee, _progress(args))


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    for name, default in (("committee", None), ("json", False), ("quiet", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    try:
        return _HANDLERS[args.command](args)
    except (_Usage, quilt_cli.UsageError) as exc:
        print(f"walrus-core: error: {exc}", file=sys.stderr)
        return 2
    except (WalrusCoreError, OSError) as exc:
        msg = str(exc) or type(exc).__name__
        if getattr(args, "json", False):
            print(json.dumps({"error": type(exc).__name__, "message": msg}))
        print(f"walrus-core: error: {msg}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("walrus-core: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
