"""REINFORCE (Williams, 1992) with a factorised categorical policy, as in NATS-Bench.

One logit vector per position (initialised at 1e-3 x N(0, 1)), Adam on the policy-gradient
loss ``-log p(arch) * (reward - baseline)``, the baseline an exponential moving average of
rewards (momentum 0.9, updated before the advantage is taken, as in the reference script).
The gradient of a softmax log-likelihood is closed-form, so this runs in numpy.
"""

from __future__ import annotations

import numpy as np

from .base import MultiTrialMethod, Option, Query, register


@register
class Reinforce(MultiTrialMethod):
    """REINFORCE (Williams, 1992) with a factorised categorical policy, as in NATS-Bench."""

    name = "reinforce"
    title = "REINFORCE"
    options = {
        "learning_rate": Option(0.01, "Adam learning rate of the policy logits", minimum=0),
        "ema_momentum": Option(0.9, "momentum of the reward baseline", minimum=0, maximum=1),
        "adam_betas": Option([0.9, 0.999], "Adam betas"),
        "adam_eps": Option(1e-8, "Adam epsilon", minimum=0),
    }
    #: nb201: 0.5, the command in xautodl's docs/NAS-Bench-201.md ("REINFORCE.sh 0.5"); the
    #: script's own header says 0.001 and hps/GRID-RL.sh sweeps 0.01-0.5 (see reports/baselines/).
    #: nats: 0.01, the NATS-Bench README's command.
    protocol_defaults = {"nb201": {"learning_rate": 0.5}}

    def __init__(self, space, rng, **kw):
        super().__init__(space, rng, **kw)
        shape = (space.num_positions, space.num_choices)
        self.logits = 1e-3 * rng.standard_normal(shape)
        mask = space.choice_mask()
        self._masked = None if mask.all() else ~mask  # sub-spaces: choices that do not exist
        self._m = np.zeros(shape)
        self._v = np.zeros(shape)
        self._t = 0
        self._ema_num = self._ema_den = 0.0

    def probabilities(self) -> np.ndarray:
        logits = self.logits if self._masked is None else np.where(self._masked, -np.inf, self.logits)
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def ask(self) -> Query:
        p = self.probabilities()
        for _ in range(100):  # an explicit arch set: sample the policy until inside
            u = self.rng.random((self.space.num_positions, 1))
            choices = (u > np.cumsum(p, axis=1)).sum(axis=1)  # inverse-CDF sample per position
            arch = tuple(int(min(c, self.space.num_choices - 1)) for c in choices)
            if self.space.contains(arch):
                return Query(arch)
        return Query(self.random_arch())

    def tell(self, query: Query, value: float) -> None:
        super().tell(query, value)
        mom = self.config["ema_momentum"]
        self._ema_num = mom * self._ema_num + (1 - mom) * value
        self._ema_den = mom * self._ema_den + (1 - mom)
        advantage = value - self._ema_num / self._ema_den
        onehot = np.zeros_like(self.logits)
        onehot[np.arange(self.space.num_positions), list(query.arch)] = 1.0
        grad = -(onehot - self.probabilities()) * advantage  # d loss / d logits
        self._adam(grad)

    def _adam(self, grad: np.ndarray) -> None:
        b1, b2 = self.config["adam_betas"]
        self._t += 1
        self._m = b1 * self._m + (1 - b1) * grad
        self._v = b2 * self._v + (1 - b2) * grad * grad
        m_hat = self._m / (1 - b1**self._t)
        v_hat = self._v / (1 - b2**self._t)
        self.logits -= self.config["learning_rate"] * m_hat / (np.sqrt(v_hat) + self.config["adam_eps"])
