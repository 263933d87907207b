#!/usr/bin/env python3
"""Why a gradient proxy lands where it does: the same archs scored three ways.

(a) ours (the zc estimator's defaults); (b) with a bias on every cell convolution, as the
NB201 model of zero-cost-nas has (its cells use ``affine=False`` and ``bias=not affine``;
the benchmark's own nets have no bias there); (c) a fresh batch per arch (``fresh_batch=1``,
as a harness that asks a shuffled loader for a new batch every time). Spearman of each
against the 200-epoch test accuracy of cifar10-valid, on the first N archs of correlate's
random subset (``--archs``/``--seed``). No cache is read or written.

usage: python benchmarks/zerocost_ablation.py --data-root DIR [--archs 1000 --seed 0 --n 300]
       [--proxies grad_norm,snip,fisher]
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--archs", default="1000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--proxies", default="grad_norm,snip,fisher")
    a = ap.parse_args()
    import torch
    from scipy import stats
    from torch import nn

    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.estimators.zero_cost import ZeroCostEstimator
    from nasbench_eval.nets.discrete import Cell
    from nasbench_eval.proxies import PROXIES, Probe
    from nasbench_eval.proxies.base import arch_seed
    from nasbench_eval.runs.correlate import select_archs

    bench = open_benchmark("nats-tss", "/nonexistent-home")  # the embedded table only
    idx, selection = select_archs(bench, a.archs, a.seed)
    idx = idx[: a.n]
    codes = np.asarray(bench.order)[idx]
    truth = bench.query("cifar10-valid/ori-test/accuracy/200/mean", idx)
    names = a.proxies.split(",")
    est = ZeroCostEstimator(bench, "cifar10", names, data_root=a.data_root, cache=False)
    fresh = ZeroCostEstimator(bench, "cifar10", names, {"fresh_batch": 1}, data_root=a.data_root, cache=False)

    def with_cell_bias(net, code):
        gen = torch.Generator().manual_seed(arch_seed(0, code, salt="bias"))
        for cell in (m for m in net.modules() if isinstance(m, Cell)):
            for conv in (m for m in cell.modules() if isinstance(m, nn.Conv2d)):
                bound = 1 / np.sqrt(conv.weight[0].numel())  # PyTorch's default bias init
                conv.bias = nn.Parameter((torch.rand(conv.out_channels, generator=gen) * 2 - 1) * bound)
        return net

    images = est._images(64)
    biased = {n: [] for n in names}
    for code in codes:
        probe = Probe(
            bench.space, bench.space.from_code(int(code)), "cifar10", seed=0, code=int(code), images=images
        )
        probe._net = with_cell_bias(probe.build(), int(code)).to(memory_format=torch.channels_last)
        for n in names:
            biased[n].append(PROXIES.get(n)().score(probe, est.options[n]))
    choices = bench.space.all_choices()[codes]
    ours, fresh_cols = est.score_columns(choices), fresh.score_columns(choices)
    print(f"{len(idx)} archs ({selection}, the first {a.n}); Spearman vs cifar10-valid ori-test 200 epochs")
    print(f"{'proxy':<10} {'ours':>7} {'cell conv bias':>15} {'fresh batch':>12}")
    for n in names:
        row = [
            stats.spearmanr(v, truth, nan_policy="omit").statistic
            for v in (ours[n], biased[n], fresh_cols[n])
        ]
        print(f"{n:<10} {row[0]:7.3f} {row[1]:15.3f} {row[2]:12.3f}")


if __name__ == "__main__":
    main()
