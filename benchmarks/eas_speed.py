#!/usr/bin/env python3
"""EAS speed: (task, budget) scenarios mapped to architectures in one generator forward pass.

Issue 14's target: 50 scenarios in under 10 ms on CPU (the paper: 50 scenarios in 0.1 s).
The generator is EAS's (SGNAS's with a 20-superclass task input, width 32, size space); its
weights do not change the time, so no trained supernet is needed. Prints the best of 20
calls for 1, 50 and 1,000 scenarios and the scenarios per second.

usage: python benchmarks/eas_speed.py [--threads 1]
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (EAS's default: 1)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from nasbench_eval.methods._sgnas_generator import Generator, PriorPool, generate
    from nasbench_eval.methods.eas import random_tasks
    from nasbench_eval.provenance import stamp
    from nasbench_eval.spaces import get_space

    space = get_space("nats-sss")
    choices = space.all_choices()
    rng = np.random.default_rng(0)
    pool = PriorPool.build(choices[rng.choice(len(choices), 4000, replace=False)], rng.random(4000), 20)
    torch.manual_seed(0)
    gen = Generator(32, tasks=20)
    for n in (1, 50, 1000):
        budgets = rng.random(n)
        tasks = random_tasks(rng, n, 20, (1, 4))
        generate(gen, pool, space.num_choices, budgets, tasks=tasks)  # warm-up
        best = min(
            timeit.repeat(
                lambda b=budgets, t=tasks: generate(gen, pool, space.num_choices, b, tasks=t),
                repeat=20,
                number=1,
            )
        )
        print(f"{n:>5} scenarios in one pass: {best * 1000:7.2f} ms ({n / best:,.0f} scenarios/s)")
    print(f"threads {a.threads}; target: 50 scenarios under 10 ms on CPU (paper: 0.1 s)")
    print(f"stamp: {stamp([]).line}")


if __name__ == "__main__":
    main()
