#!/usr/bin/env python3
"""Training throughput (images/s of one SGD step) of our networks vs xautodl's, same run.

Networks (C=16, N=5, CIFAR-10 input, CrossEntropy + SGD step):
  (a) single-path supernet, a new uniform random arch every step (ours: arch=...; xautodl:
      GenericNAS201Model in 'dynamic' mode with the same arch),
  (b) DARTS-style soft supernet, softmax weights over all ops (xautodl: 'joint' mode),
  (c) the ResNet-like discrete cell network (xautodl: infer.tiny).
Supernets use the NATS search BatchNorm (no affine, no running stats); (c) the benchmark's.

xautodl is a peer, not a dependency (it pins numpy<=1.19.5): install it without its
dependencies into a folder of its own and pass that folder:
    pip install --no-deps --target /tmp/xad xautodl
    python benchmarks/train_throughput.py --xautodl /tmp/xad [--device cuda] [--batches 64 256]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch
from torch import nn

RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


def steps_per_second(model, forward, batch, device, steps, warmup=2):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    x = torch.randn(batch, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    crit = nn.CrossEntropyLoss()
    times = []
    for i in range(warmup + steps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        loss = crit(forward(model, x, i), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    return batch / float(np.median(times))


def ours(device):
    from nasbench_eval.nets import build_network
    from nasbench_eval.nets.topology import TopologySupernet
    from nasbench_eval.spaces import get_space

    space = get_space("nats-tss")
    rng = np.random.default_rng(0)
    archs = space.sample(rng, 1000)
    logits = torch.randn(6, 5, device=device)
    cl = torch.channels_last  # as our trainer runs them
    single = TopologySupernet(10).to(device, memory_format=cl)
    darts = TopologySupernet(10).to(device, memory_format=cl)
    resnet = build_network(space, RESNET, "cifar10").to(device, memory_format=cl)
    return {
        "single-path": (single, lambda m, x, i: m(x.contiguous(memory_format=cl), arch=archs[i % 1000])),
        "DARTS soft": (
            darts,
            lambda m, x, i: m(x.contiguous(memory_format=cl), weights=torch.softmax(logits, -1)),
        ),
        "ResNet cell": (resnet, lambda m, x, i: m(x.contiguous(memory_format=cl))),
    }


def peer(device, path):
    if path:
        sys.path.insert(0, path)
    try:
        from xautodl.models import get_cell_based_tiny_net, get_search_spaces
        from xautodl.models.cell_searchs.generic_model import GenericNAS201Model
        from xautodl.models.cell_searchs.genotypes import Structure
    except ImportError as exc:
        print(f"xautodl not importable ({exc}); see the usage above. Timing ours only.")
        return {}
    from nasbench_eval.spaces import get_space

    space = get_space("nats-tss")
    archs = space.sample(np.random.default_rng(0), 1000)  # the same archs as ours
    structures = [Structure.str2structure(space.format(a)) for a in archs]
    ops = get_search_spaces("cell", "nats-bench")

    def generic():
        m = GenericNAS201Model(16, 5, 4, 10, ops, False, False)
        m.set_algo("darts-v1")
        return m.to(device)

    single, darts = generic(), generic()
    darts.set_cal_mode("joint")

    def single_fwd(m, x, i):
        m.set_cal_mode("dynamic", structures[i % 1000])
        return m(x)[1]

    resnet = get_cell_based_tiny_net(
        {"name": "infer.tiny", "C": 16, "N": 5, "arch_str": RESNET, "num_classes": 10}
    ).to(device)
    return {
        "single-path": (single, single_fwd),
        "DARTS soft": (darts, lambda m, x, i: m(x)[1]),
        "ResNet cell": (resnet, lambda m, x, i: m(x)[1]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--xautodl", default=None, help="folder holding the xautodl package")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    device = torch.device(a.device)
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU, {a.threads} threads"
    mine, theirs = ours(device), peer(device, a.xautodl)
    print(f"device: {name}; torch {torch.__version__}; train step = forward + backward + SGD")
    print("ours fp32 = our default on CPU; ours bf16 = bf16 autocast (default on CUDA, --bf16 on CPU);")
    print("xautodl in fp32 as its scripts run; ratios are ours / xautodl")
    print(
        f"{'network':<14}{'batch':>6}{'ours fp32':>11}{'ours bf16':>11}{'xautodl':>9}"
        f"{'ratio fp32':>12}{'ratio bf16':>12}   (img/s)"
    )
    for net in mine:
        model, fwd = mine[net]

        def bf16(m, x, i, f=fwd):
            with torch.autocast(device.type, dtype=torch.bfloat16):
                return f(m, x, i).float()

        for batch in a.batches:
            steps = a.steps if batch <= 64 else max(2, a.steps // 2)
            fp = steps_per_second(model, fwd, batch, device, steps)
            bf = steps_per_second(model, bf16, batch, device, steps)
            peer_ips = steps_per_second(*theirs[net], batch, device, steps) if net in theirs else float("nan")
            print(
                f"{net:<14}{batch:>6}{fp:>11.0f}{bf:>11.0f}{peer_ips:>9.0f}{fp / peer_ips:>12.2f}"
                f"{bf / peer_ips:>12.2f}"
            )

    from nasbench_eval.provenance import stamp

    print(f"stamp: {stamp([]).line}")


if __name__ == "__main__":
    main()
