"""Count a built network's FLOPs (multiply-adds of convs and linears) and parameters, by
running it once with hooks; used to check the analytic cost model against real nets."""

from __future__ import annotations

import torch
from torch import nn


def count(model: nn.Module, resolution: int) -> tuple[float, float]:
    """(FLOPs in millions, parameters in millions) in the NATS-Bench convention."""
    macs = [0]

    def conv_hook(m: nn.Conv2d, inp, out):
        kh, kw = m.kernel_size
        macs[0] += out.shape[2] * out.shape[3] * m.out_channels * m.in_channels * kh * kw // m.groups

    def linear_hook(m: nn.Linear, inp, out):
        macs[0] += m.in_features * m.out_features + (m.out_features if m.bias is not None else 0)

    handles = []
    cells = [m for m in model.modules() if hasattr(m, "compute_all")]
    for c in cells:  # the official count runs every edge, live or not
        c.compute_all = True
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, resolution, resolution))
    model.train(was_training)
    for h in handles:
        h.remove()
    for c in cells:
        c.compute_all = False
    params = sum(p.numel() for p in model.parameters())
    return macs[0] / 1e6, params / 1e6
