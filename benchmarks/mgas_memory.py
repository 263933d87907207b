#!/usr/bin/env python3
"""Activation memory of one training step: MGAS's staged search (stage 1, 2, 3 through the
auxiliary heads, then the whole network; every unit alive, as at a stage's start) vs the
DARTS-V1 supernet (every op of every edge, softmax-weighted) at the same batch. Measured as
the bytes autograd saves for the backward pass (``train.memory.SavedBytes``, the same on
every device); on CUDA the allocator's peak beside it.
    python benchmarks/mgas_memory.py [--batch 64] [--device cpu] [--dataset cifar10]
"""

from __future__ import annotations

import argparse

import torch
from torch.nn import functional as F


def step_memory(forward, device) -> tuple[float, float | None]:
    from nasbench_eval.train.memory import SavedBytes

    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats(device)
    with SavedBytes() as saved:
        loss = forward()
    loss.backward()
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return saved.bytes / 2**20, peak


def main() -> None:
    from nasbench_eval.datasets import get_dataset
    from nasbench_eval.nets import build_supernet
    from nasbench_eval.nets.masked import MaskedNB201
    from nasbench_eval.spaces import get_space

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dataset", default="cifar10")
    a = ap.parse_args()
    device = torch.device(a.device)
    d = get_dataset(a.dataset)
    torch.manual_seed(0)
    x = torch.randn(a.batch, 3, d.resolution, d.resolution, device=device)
    y = torch.randint(0, d.num_classes, (a.batch,), device=device)
    rows = []
    mgas = MaskedNB201(d.num_classes, d.resolution).to(device)
    for stages, label in (
        (1, "MGAS stage 1 (aux head)"),
        (2, "MGAS stage 2 (aux head)"),
        (3, "MGAS stage 3 / whole"),
    ):
        rows.append((label, *step_memory(lambda s=stages: F.cross_entropy(mgas(x, stages=s), y), device)))
    darts = build_supernet(get_space("nats-tss"), a.dataset).to(device)
    w = torch.softmax(1e-3 * torch.randn(6, 5, device=device), -1)
    rows.append(
        (
            "DARTS-V1 supernet (soft, all ops)",
            *step_memory(lambda: F.cross_entropy(darts(x, weights=w), y), device),
        )
    )
    print(
        f"device {device}, batch {a.batch}, {a.dataset} ({d.resolution}x{d.resolution}),",
        f"torch {torch.__version__}",
    )
    print(
        "| network | activation MiB (saved for backward) | ratio to DARTS | CUDA peak MiB |\n"
        "|---|---|---|---|"
    )
    base = rows[-1][1]
    for label, mib, peak in rows:
        print(f"| {label} | {mib:.1f} | {mib / base:.2f} | {'-' if peak is None else f'{peak:.1f}'} |")


if __name__ == "__main__":
    main()
