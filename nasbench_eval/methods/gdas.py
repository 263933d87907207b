"""GDAS (Dong & Yang, CVPR 2019): Gumbel-softmax straight-through sampling.

Per forward one Gumbel sample of every edge (shared by all cells): the hard one-hot sample
picks the op that runs, its soft probabilities carry the gradient; the other ops add their
(zero) weight as a scalar, as the official ``forward_gdas`` does, so every logit gets a
gradient. The same sampling serves the weight step and the arch step. The temperature falls
linearly from ``tau_max`` to ``tau_min`` over the epochs (set at the start of each). The
answer is the argmax of alpha. NB201: 250 epochs; NATS: 100.
"""

from __future__ import annotations

from ._weight_sharing import NB201, WS_OPTIONS, WeightSharingMethod
from .base import Option, register


@register
class GDAS(WeightSharingMethod):
    """GDAS (Dong & Yang, 2019): one Gumbel-sampled op per edge, straight-through gradients."""

    name = "gdas"
    title = "GDAS"
    options = {
        **WS_OPTIONS,
        "tau_max": Option(10.0, "Gumbel temperature in the first epoch", minimum=1e-6),
        "tau_min": Option(0.1, "Gumbel temperature in the last epoch", minimum=1e-6),
    }
    protocol_defaults = {"nb201": {**NB201, "epochs": 250}}

    def begin_epoch(self, epoch: int, epochs: int, steps: int) -> None:
        super().begin_epoch(epoch, epochs, steps)
        c = self.config
        self.tau = c["tau_max"] - (c["tau_max"] - c["tau_min"]) * epoch / max(epochs - 1, 1)

    def arch_weights(self):
        from ..nets.supernet import gumbel_weights

        return gumbel_weights(self.logits(), self.tau, hard=True, generator=self.gen)

    def weight_kwargs(self) -> dict:
        return {"weights": self.arch_weights().detach(), "rest": True}

    def arch_kwargs(self) -> dict:
        return {"weights": self.arch_weights(), "rest": True}

    def epoch_info(self) -> dict:
        return {**super().epoch_info(), "tau": round(self.tau, 6)}

    def extra_state(self) -> dict:
        return {"tau": self.tau}

    def load_extra_state(self, state: dict) -> None:
        self.tau = float(state["tau"])
