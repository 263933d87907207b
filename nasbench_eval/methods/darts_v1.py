"""DARTS-V1 (Liu, Simonyan & Yang, ICLR 2019), first order, as NB201 / NATS-Bench run it.

Both steps run the soft mixture (every op of every edge weighted by softmax(alpha)); the
weights learn on training batches, alpha on validation batches with Adam; the answer is the
argmax of alpha per edge (``none`` included). NB201: 50 epochs; NATS: 100.
"""

from __future__ import annotations

from ._weight_sharing import NB201, WeightSharingMethod
from .base import register


@register
class DartsV1(WeightSharingMethod):
    """DARTS-V1 (Liu et al., 2019): soft mixture, first-order arch gradient."""

    name = "darts-v1"
    title = "DARTS-V1"
    protocol_defaults = {"nb201": {**NB201, "epochs": 50}}

    def weight_kwargs(self) -> dict:
        return {"weights": self.probs().detach()}
