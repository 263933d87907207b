#!/usr/bin/env python3
"""Archs per second when scoring many architectures with one weight-sharing supernet.

Compares, in the same run on the same archs and batches: the naive loop (one arch at a
time, a plain ``model(x, arch=...)`` per batch under ``no_grad``, default memory format)
with ``SupernetEstimator`` (inference mode, channels-last, the stem computed once per
batch for all archs, dead edges skipped, same-op convs of a node stacked).

usage: python benchmarks/supernet_eval_speed.py [--archs 50] [--batches 4] [--batch-size 256]
       [--job SUPERNET_JOB_DIR] [--device cpu] [--threads 2]
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archs", type=int, default=50)
    ap.add_argument("--batches", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--job", default=None, help="a 'supernet train' job (default: random weights)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    from nasbench_eval.estimators.supernet import SupernetEstimator
    from nasbench_eval.nets.topology import TopologySupernet
    from nasbench_eval.spaces import get_space
    from nasbench_eval.train.trainer import CHECKPOINT, load_checkpoint

    space = get_space("nats-tss")
    model = TopologySupernet(10)
    if a.job:
        model.load_state_dict(load_checkpoint(f"{a.job}/{CHECKPOINT}")["model"])
    model = model.to(a.device).eval()
    batches = [
        (
            torch.randn(a.batch_size, 3, 32, 32, device=a.device),
            torch.randint(0, 10, (a.batch_size,), device=a.device),
        )
        for _ in range(a.batches)
    ]
    archs = space.sample(np.random.default_rng(0), a.archs)

    naive_model = copy.deepcopy(model)
    start = time.perf_counter()
    naive = []
    with torch.no_grad():
        for arch in archs:
            correct = sum(int((naive_model(x, arch=arch).argmax(1) == y).sum()) for x, y in batches)
            naive.append(100.0 * correct / (a.batch_size * a.batches))
    t_naive = time.perf_counter() - start

    est = SupernetEstimator(model.to(memory_format=torch.channels_last), space, batches)
    start = time.perf_counter()
    ours = est.score_many(archs)
    t_ours = time.perf_counter() - start
    assert np.allclose(naive, ours, atol=100.0 / (a.batch_size * a.batches) + 1e-9), "the two loops disagree"
    device = torch.cuda.get_device_name() if a.device.startswith("cuda") else f"CPU, {a.threads} threads"
    print(f"{device}; {a.archs} archs x {a.batches} batches of {a.batch_size} images (forward only)")
    print(f"naive loop:          {a.archs / t_naive:7.2f} archs/s")
    print(f"SupernetEstimator:   {a.archs / t_ours:7.2f} archs/s   ({t_naive / t_ours:.2f}x)")
    print(f"all 15,625 archs at this rate: {15625 / (a.archs / t_ours) / 60:.0f} min")
    from nasbench_eval.provenance import stamp

    print(f"stamp: {stamp([]).line}")


if __name__ == "__main__":
    main()
