"""Run one search per seed, on any executor, and write one record per seed.

Every kind of method goes through here: ``run_seeds`` validates the spec once (before any
worker starts), skips seeds that already have a record (unless ``overwrite``), runs the
others on the executor and writes each record (and its ``.timing.json``) from this process
only, so records are the same whatever the executor.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..bench.layout import locked
from ..errors import MetricKeyError, NasbenchEvalError
from ..provenance import timestamp
from ..records import RunRecord, record_path, write_record
from ..train import distributed
from . import generative, multi_trial, one_shot, space_learning
from .executors import make_executor
from .spec import RunSpec

#: method kind -> its runner module (``build(spec)`` checks, ``run(spec, seed, ckpt)`` runs)
RUNNERS = {
    "multi-trial": multi_trial,
    "one-shot": one_shot,
    "generative": generative,
    "space-learning": space_learning,
}


def parse_seeds(text: str) -> list[int]:
    """'0-99', '3', '1,5,7' or '0-4,10' -> sorted unique seeds."""
    seeds: set[int] = set()
    try:
        for part in str(text).split(","):
            lo, _, hi = part.strip().partition("-")
            lo_i, hi_i = int(lo), int(hi or lo)
            if lo_i < 0 or hi_i < lo_i or hi_i - lo_i >= 100_000:
                raise ValueError
            seeds.update(range(lo_i, hi_i + 1))
    except ValueError:
        raise MetricKeyError(
            f"seeds must look like 0-99 or 1,5,7 (non-negative, at most 100,000 per range), got {text!r}"
        ) from None
    if not seeds:
        raise MetricKeyError("no seeds given")
    return sorted(seeds)


def output_path(spec: RunSpec, out: Path, seed: int) -> Path:
    protocol = spec.resolved_protocol()
    return record_path(out, spec.method, protocol.space, protocol.name, spec.dataset, seed)


def validate(spec: RunSpec) -> None:
    """Fail fast on a bad name, option, sub-space or missing metric."""
    spec.search_space()
    spec.method_config()
    RUNNERS[spec.kind].build(spec)


def run_one(spec: RunSpec, seed: int, checkpoint: Path | None = None) -> tuple[RunRecord, dict]:
    """One seeded search of any kind -> (record, timing)."""
    start = time.perf_counter()
    record, timing = RUNNERS[spec.kind].run(spec, seed, checkpoint)
    return record, {**timing, "wall_time_s": time.perf_counter() - start, "finished": timestamp()}


def _job(args) -> tuple[dict, dict]:
    spec, seed, checkpoint = args
    record, timing = run_one(spec, seed, checkpoint)
    return record.to_dict(), timing


def run_seeds(
    spec: RunSpec,
    seeds: Iterable[int],
    out: Path,
    *,
    executor: str | None = None,
    workers: int = 1,
    address: str | None = None,
    overwrite: bool = False,
    progress: Callable = lambda it, total: it,
    on_record: Callable[[Path, RunRecord], None] | None = None,
) -> tuple[list[Path], list[Path]]:
    """Run every seed without a record yet (all with ``overwrite``); returns (written, kept).
    One process at a time writes a folder: a second run on it is a one-line error. Under
    torchrun every rank runs the jobs (one-shot searches, data-parallel) and rank 0 alone
    writes."""
    validate(spec)
    out = Path(out)
    main = distributed.is_main()
    if distributed.launched() and (executor not in (None, "local") or workers > 1 or spec.kind != "one-shot"):
        raise NasbenchEvalError("under torchrun, run one-shot methods with the local executor and one worker")
    guard = locked(out, wait=False, what="a nasbench-eval run") if main else contextlib.nullcontext()
    with guard:
        jobs, paths, kept = [], [], []
        for seed in seeds:
            path = output_path(spec, out, seed)
            if path.exists() and not overwrite:
                kept.append(path)
                continue
            checkpoint = path.with_suffix(".ckpt.pt") if spec.kind != "multi-trial" else None
            if checkpoint is not None and overwrite and main:
                checkpoint.unlink(missing_ok=True)
            jobs.append((spec, seed, checkpoint))
            paths.append(path)
        runner = make_executor(executor, workers, address)
        written = []
        results = progress(runner.map(_job, jobs), len(jobs))
        for (_, _, checkpoint), path, (data, timing) in zip(jobs, paths, results, strict=True):
            if not main:
                continue
            record = RunRecord.from_dict(data, str(path))
            write_record(
                path, record, overwrite=overwrite, timing={**timing, "executor": type(runner).__name__}
            )
            after_write = getattr(RUNNERS[spec.kind], "after_write", None)
            if after_write is not None:  # e.g. a learned space's sub-space files
                after_write(path, record)
            if checkpoint is not None:
                checkpoint.unlink(missing_ok=True)
            written.append(path)
            if on_record:
                on_record(path, record)
    return written, kept
