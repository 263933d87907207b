#!/usr/bin/env python3
"""Score many archs with zero-cost proxies in parallel worker processes, into the store.

Each worker scores its shard of the archs (in a seeded shuffled order, so whatever is
finished when ``--time-limit`` stops the workers is a uniform random subset) and merges
its scores into the store's cache every 100 archs; ``nasbench-eval correlate --estimator
zc:...`` then reads them at no cost. Prints archs scored, seconds and archs/s, and writes a
JSON summary with ``--out``.

usage: NASBENCH_EVAL_HOME=HOME python benchmarks/zerocost_space.py --dataset cifar10 \\
         --data-root DIR [--archs all|N] [--proxies all|a,b] [--workers 2] [--device cpu]
         [--time-limit SECONDS] [--no-verify] [--out summary.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import time
from pathlib import Path

import numpy as np

ALL = "grad_norm,snip,grasp,fisher,jacob_cov,naswot,synflow,zen"
CHUNK = 10


def _worker(args) -> tuple[int, float]:
    codes, a, deadline, threads = args
    import torch

    torch.set_num_threads(threads)
    from nasbench_eval.bench import open_benchmark

    bench = open_benchmark(a.space)
    est = _estimator(a, bench, a.device)
    space, done, start = bench.space, 0, time.perf_counter()
    for i in range(0, len(codes), CHUNK):
        if time.time() > deadline:
            break
        chunk = codes[i : i + CHUNK]
        est.score_columns(space.all_choices()[chunk])
        done += len(chunk)
    return done, time.perf_counter() - start


def _estimator(a, bench, device: str = "cpu"):
    from nasbench_eval.estimators.zero_cost import ZeroCostEstimator

    options = _options(a.set)
    kw = {"data_root": a.data_root, "splits_dir": a.splits, "device": device, "verify": not a.no_verify}
    return ZeroCostEstimator(bench, a.dataset, a.proxies.split(","), options, **kw)


def _options(items) -> dict:
    return dict(item.split("=", 1) for item in items or [])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--space", default="nats-tss")
    ap.add_argument("--dataset", default="cifar10")
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--splits", default=None)
    ap.add_argument("--archs", default="all", help="all, or N: correlate's random subset (--seed)")
    ap.add_argument("--seed", type=int, default=0, help="the subset's seed (as correlate --seed)")
    ap.add_argument("--proxies", default=ALL)
    ap.add_argument("--set", action="append", help="zc option KEY=VALUE (repeatable)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--time-limit", type=float, default=None, help="stop starting new chunks after this")
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.runs.correlate import select_archs

    bench = open_benchmark(a.space)
    idx, selection = select_archs(bench, a.archs, a.seed)
    codes = np.asarray(bench.order)[idx]
    codes = codes[np.random.default_rng(a.seed).permutation(len(codes))]
    # draw (and store) the image batch once, before the workers start
    est = _estimator(a, bench)
    need = max((p.batch_size(est.options[n]) for n, p in est.proxies.items() if p.needs), default=0)
    if need:
        est._images(need)
    deadline = time.time() + (a.time_limit or 1e9)
    shards = [codes[w :: a.workers] for w in range(a.workers)]
    start = time.perf_counter()
    if a.workers == 1:
        results = [_worker((shards[0], a, deadline, a.threads))]
    else:
        with mp.get_context("spawn").Pool(a.workers) as pool:
            results = pool.map(_worker, [(s, a, deadline, a.threads) for s in shards])
    wall = time.perf_counter() - start
    scored = sum(r[0] for r in results)
    summary = {
        "space": a.space,
        "dataset": a.dataset,
        "proxies": a.proxies,
        "selection": selection,
        "archs_requested": int(len(codes)),
        "archs_scored": int(scored),
        "wall_seconds": wall,
        "archs_per_second": scored / wall if wall else None,
        "workers": a.workers,
        "threads_per_worker": a.threads,
        "device": a.device,
        "home": os.environ.get("NASBENCH_EVAL_HOME"),
    }
    print(json.dumps(summary, indent=1))
    if a.out:
        Path(a.out).write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
