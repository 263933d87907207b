#!/usr/bin/env python3
"""Why the size-space supernet trains no faster on a GPU at the recipe's batch of 64: the
median SGD step time (a new uniform random width config every step, synthetic CIFAR-100
input, CrossEntropy + SGD) per batch size, fp32 and bf16 autocast, and for one step the
number of device kernels launched and the host's time to enqueue it.

A step whose time does not grow with the batch is bound by the host (Python and kernel
launches), not by the device's arithmetic.
    python benchmarks/sss_step_profile.py [--device cuda] [--batches 64 256 1024] [--steps 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn


def step_times(model, space, device, batch: int, steps: int, bf16: bool, rng) -> list[float]:
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    x = torch.randn(batch, 3, 32, 32, device=device).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 100, (batch,), device=device)
    crit = nn.CrossEntropyLoss()
    archs = space.sample(rng, steps + 3)
    times = []
    for i, arch in enumerate(archs):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = crit(model(x, arch=tuple(int(c) for c in arch)).float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= 3:
            times.append(time.perf_counter() - t)
    return times


def main() -> None:
    from nasbench_eval.nets.ops import BNConfig
    from nasbench_eval.nets.size import SizeSupernet
    from nasbench_eval.spaces import get_space

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batches", type=int, nargs="+", default=[64, 256, 1024])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    space = get_space("nats-sss")
    model = SizeSupernet(100, BNConfig(False, False)).to(device).to(memory_format=torch.channels_last)
    rng = np.random.default_rng(0)
    print(
        f"device {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'}),",
        f"torch {torch.__version__}",
    )
    print(f"{'batch':>6} {'precision':>9} {'step ms (median)':>17} {'images/s':>9}")
    for batch in a.batches:
        for bf16 in (False, True):
            if bf16 and device.type == "cpu":
                continue
            t = float(np.median(step_times(model, space, device, batch, a.steps, bf16, rng)))
            print(f"{batch:>6} {'bf16' if bf16 else 'fp32':>9} {1000 * t:>17.1f} {batch / t:>9.0f}")
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        step_times(model, space, device, a.batches[0], 1, device.type == "cuda", rng)
    events = prof.key_averages()
    kernels = sum(e.count for e in events if e.device_type.name == "CUDA")
    ops = sum(e.count for e in events if e.key.startswith("aten::"))
    print(
        f"one step at batch {a.batches[0]} (4 steps profiled: 3 warm-up + 1):",
        f"{ops} aten calls, {kernels} device kernels",
    )


if __name__ == "__main__":
    main()
