#!/usr/bin/env python3
"""SGNAS speed: one batched forward pass for 1,000 targets, and a full table-estimator run.

Targets (issue 6): <= 10 ms for 1,000 targets on CPU; a full run <= 60 s on 2 cores.

usage: python benchmarks/sgnas_speed.py --home HOME_WITH_SHARED_TABLES [--threads 2]
"""

from __future__ import annotations

import argparse
import time
import timeit

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from nasbench_eval.methods._sgnas_generator import Generator, PriorPool, generate
    from nasbench_eval.runs.runner import run_one
    from nasbench_eval.runs.spec import RunSpec
    from nasbench_eval.spaces import get_space

    space = get_space("nats-tss")
    choices = space.all_choices()
    pool = PriorPool.build(choices[:4000], np.linspace(0, 1, 4000), 20)
    gen = Generator(32)
    targets = np.linspace(0, 1, 1000)
    from nasbench_eval.spaces.costs import costs

    flops = costs(space, "cifar10", "flops")
    raw = flops.min() + targets * (flops.max() - flops.min())
    generate(gen, pool, 5, targets)  # warm-up
    per_call = min(timeit.repeat(lambda: generate(gen, pool, 5, targets), repeat=20, number=1))
    decoded = min(
        timeit.repeat(
            lambda: generate(gen, pool, 5, targets, cost_by_code=flops, targets=raw), repeat=10, number=1
        )
    )
    print(
        f"generate 1,000 architectures in one forward pass: {per_call * 1000:.2f} ms argmax, "
        f"{decoded * 1000:.2f} ms with constrained decoding (target <= 10 ms)"
    )
    start = time.perf_counter()
    _, timing = run_one(RunSpec("sgnas", home=a.home), 0)
    total = time.perf_counter() - start
    print(
        f"full SGNAS table-estimator run (50 epochs x 20 steps, 19 targets): {total:.1f} s "
        f"(generator training {timing['generator_training_s']:.1f} s; target <= 60 s)"
    )

    from nasbench_eval.provenance import stamp

    print(f"stamp: {stamp([]).line}")


if __name__ == "__main__":
    main()
