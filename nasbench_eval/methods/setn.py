"""SETN (Dong & Yang, ICCV 2019), as NB201 / NATS-Bench run it.

Weights train on one uniformly sampled arch per step (shared by all cells); alpha learns
on the soft mixture (as DARTS-V1). The answer: the ``candidates`` (100) archs of highest
summed log-probability under alpha, each scored on its own validation batch; the best wins.
NB201: 250 epochs; NATS: 100.
"""

from __future__ import annotations

import numpy as np

from ._weight_sharing import NB201, WeightSharingMethod
from .base import register


@register
class SETN(WeightSharingMethod):
    """SETN (Dong & Yang, 2019): uniform paths for weights, soft mixture for alpha, top-100 scored."""

    name = "setn"
    title = "SETN"
    protocol_defaults = {"nb201": {**NB201, "epochs": 250}}

    def weight_kwargs(self) -> dict:
        return {"arch": self.uniform_arch()}

    def candidates(self):
        import torch

        archs = self.space.all_choices()
        logp = torch.log_softmax(self.logits().detach().cpu().double(), -1).numpy()
        score = logp[np.arange(archs.shape[1]), archs].sum(1)
        top = np.argsort(-score, kind="stable")[: self.config["candidates"]]
        return [tuple(int(c) for c in archs[i]) for i in top]
