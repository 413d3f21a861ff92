"""Replays every fuzz target's corpus (tests/fuzz/corpus/<target>/: seeds,
and inputs that once crashed a target, kept as regression cases) without
atheris, plus a few hundred seeded random mutations of each seed, so the
targets' checks run in every test run."""

from __future__ import annotations

import importlib
import random
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TARGETS = sorted(p.stem[len("fuzz_") :] for p in HERE.glob("fuzz_*.py"))
CASES = [(t, f) for t in TARGETS for f in sorted((HERE / "corpus" / t).glob("*"))]


def _open_findings() -> dict[str, str]:
    """open-findings.txt: `<target>/<file>  <reason>` per line."""
    lines = (HERE / "open-findings.txt").read_text().splitlines()
    entries = [line.split(None, 1) for line in lines if line.strip() and not line.startswith("#")]
    return {path: reason for path, reason in entries}


OPEN_FINDINGS = _open_findings()


def _target(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"fuzz_{name}").target


@pytest.mark.parametrize(("name", "path"), CASES, ids=[f"{t}/{f.name[:18]}" for t, f in CASES])
def test_corpus_entry(name: str, path: Path, request: pytest.FixtureRequest) -> None:
    key = f"{name}/{path.name}"
    if key in OPEN_FINDINGS:  # strict: the fix must take the entry off the list
        request.applymarker(pytest.mark.xfail(reason=OPEN_FINDINGS[key], strict=True))
    _target(name)(path.read_bytes())


@pytest.mark.parametrize("name", TARGETS)
def test_mutated_seeds(name: str) -> None:
    """Byte flips, cuts and splices of the seeds (deterministic)."""
    target = _target(name)
    paths = sorted((HERE / "corpus" / name).glob("seed-*"))
    seeds = [p.read_bytes() for p in paths if f"{name}/{p.name}" not in OPEN_FINDINGS] or [b""]
    rng = random.Random(name)
    for _ in range(200):
        raw = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            how = rng.randrange(4)
            at = rng.randrange(len(raw) + 1)
            if how == 0 and raw:
                raw[min(at, len(raw) - 1)] ^= 1 << rng.randrange(8)
            elif how == 1:
                del raw[at : at + rng.randint(1, 8)]
            elif how == 2:
                raw[at:at] = rng.randbytes(rng.randint(1, 8))
            else:
                raw[at:at] = rng.choice(seeds)[: rng.randint(0, 40)]
        target(bytes(raw))
