#!/usr/bin/env python3
"""Search steps per second of our one-shot methods vs xautodl's search model, same run.

One search step = one weight step (training batch) + one arch step (validation batch), as
``exps/NATS-algos/search-cell.py`` runs them under the NATS protocol (BN without affine or
running statistics, SGD nesterov on the weights, Adam on the arch parameters). Ours: the
method classes through their ``weight_step``/``arch_step``. xautodl: GenericNAS201Model
(C=16, N=5) in the algorithm's modes with the same optimisers and batch. Same random
32x32 batches, same threads, fp32.

xautodl is a peer, not a dependency (it pins numpy<=1.19.5): install it without its
dependencies into a folder of its own and pass that folder:
    pip install --no-deps --target /tmp/xad xautodl
    python benchmarks/search_throughput.py --xautodl /tmp/xad [--methods darts-v1 gdas] [--device cuda]
An epoch of the NB201 CIFAR-10 search is 391 steps at batch 64.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PEER_ALGO = {"darts-v1": "darts-v1", "gdas": "gdas", "setn": "setn", "rsps": "random", "darts-v2": None}


def batches(batch, device, n=4):
    g = torch.Generator().manual_seed(0)
    return [
        (
            torch.randn(batch, 3, 32, 32, generator=g).to(device),
            torch.randint(0, 10, (batch,), generator=g).to(device),
        )
        for _ in range(n)
    ]


def timed(step, data, device, steps, warmup=2) -> float:
    """Median seconds of one search step."""
    times = []
    for i in range(warmup + steps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        step(data[i % len(data)], data[(i + 1) % len(data)])
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    return float(np.median(times))


def ours(name, device, batch):
    from nasbench_eval.methods import get_method
    from nasbench_eval.spaces import get_space

    cls = get_method(name)
    m = cls(get_space("nats-tss"), 0, **cls.resolve_config({"batch_size": batch}, "nats"))
    m.build("cifar10-valid", str(device))
    m.begin_epoch(0, 100, 391)

    def step(base, arch):
        m.weight_step(*base)
        m.arch_step(*arch)

    return step


def peer(name, device, path):
    algo = PEER_ALGO.get(name)
    if algo is None:
        return None
    if path and path not in sys.path:
        sys.path.insert(0, path)
    try:
        from xautodl.models import get_search_spaces
        from xautodl.models.cell_searchs.generic_model import GenericNAS201Model
    except ImportError as exc:
        print(f"xautodl not importable ({exc}); see the usage above. Timing ours only.")
        return None
    torch.manual_seed(0)
    net = GenericNAS201Model(16, 5, 4, 10, get_search_spaces("cell", "nats-bench"), False, False)
    net.set_algo(algo)
    net = net.to(device)
    if algo == "gdas":
        net.set_tau(10)
    w_opt = torch.optim.SGD(net.weights, lr=0.025, momentum=0.9, weight_decay=5e-4, nesterov=True)
    a_opt = torch.optim.Adam(net.alphas, lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    crit = torch.nn.CrossEntropyLoss()

    def step(base, arch):  # search_func's body, one iteration
        if algo == "setn":
            net.set_cal_mode("dynamic", net.dync_genotype(True))
        else:
            net.set_cal_mode({"gdas": "gdas", "random": "urs"}.get(algo, "joint"), None)
        net.zero_grad()
        crit(net(base[0])[1], base[1]).backward()
        w_opt.step()
        if algo == "random":
            with torch.no_grad():
                net(arch[0])
            return
        net.set_cal_mode("joint" if algo == "setn" else {"gdas": "gdas"}.get(algo, "joint"), None)
        net.zero_grad()
        crit(net(arch[0])[1], arch[1]).backward()
        a_opt.step()

    return step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--xautodl", default=None, help="folder holding the xautodl package")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--methods", nargs="+", default=["darts-v1", "gdas", "setn", "rsps", "darts-v2"])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    card = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU, {a.threads} threads"
    data = batches(a.batch, device)
    print(f"device: {card}; torch {torch.__version__}; batch {a.batch}; fp32; NATS protocol")
    print(f"{'method':<10}{'ours steps/s':>14}{'xautodl':>10}{'ratio':>8}{'ours s/epoch (391 steps)':>27}")
    for name in a.methods:
        mine = 1 / timed(ours(name, device, a.batch), data, device, a.steps)
        theirs_step = peer(name, device, a.xautodl)
        theirs = 1 / timed(theirs_step, data, device, a.steps) if theirs_step else float("nan")
        print(f"{name:<10}{mine:>14.2f}{theirs:>10.2f}{mine / theirs:>8.2f}{391 / mine:>27.0f}", flush=True)

    from nasbench_eval.provenance import stamp

    print(f"stamp: {stamp([]).line}")


if __name__ == "__main__":
    main()
