"""Mixture fitness: how good a weighted mixture of K candidate architectures is, as a loss
that is differentiable in the mixing probabilities (AutoSpace's differentiable fitness).

``fitness.begin(archs)`` starts a generation with its K candidates; ``fitness.loss(archs,
probs)`` returns the loss to minimise (the caller back-propagates it into the mixing
weights). Two sources:

Each also names the optimiser its mixing weights take (``arch_optimizer``, ``arch_lr``) and
its loss unit for a budget penalty (``penalty_unit``: the loss of 100% over budget at
penalty 1).

* ``TableMixture`` (ours): minus the exact expected accuracy of the mixture in points,
  ``-sum_k probs[k] * value(arch_k)``, from a non-test estimator (default the
  protocol's 12-epoch validation accuracy); no images, seconds on a CPU. It refuses any
  test split, so a learned space never saw a test value.
* ``SupernetMixture`` (the paper's): the K candidates run as one weighted parallel layer
  on a weight-sharing supernet; each step first trains the shared weights on a training
  batch (SGD, the mixture fixed), then returns the cross-entropy of the mixture on a
  validation batch (first-order, as DARTS-V1). Batches are redrawn per generation from a
  generator seeded by (seed, generation), so a resumed run sees the same images.
"""

from __future__ import annotations

import math

import numpy as np

from ..bench.keys import parse_key
from ..errors import MetricKeyError


class TableMixture:
    """-E_probs[value] from an estimator's value per arch (never a test split)."""

    #: plain gradient descent: a weight moves in proportion to its candidate's advantage
    arch_optimizer, arch_lr = "sgd", 0.1
    penalty_unit = 100.0  # penalty 1: one accuracy point per 1% over budget

    def __init__(self, estimator):
        spec = estimator.describe()
        key = spec.get("key")
        if key is not None and "test" in parse_key(key).split:
            raise MetricKeyError(
                f"a table fitness never reads test values; {key} is a test split (use a validation key)"
            )
        self.estimator = estimator
        self.queried: set[int] = set()  # codes whose value was read

    def begin(self, archs: np.ndarray) -> None:
        import torch

        values = np.asarray(self.estimator.score_many(archs), float)
        if np.isnan(values).any():
            raise MetricKeyError(f"{self.estimator.describe()['spec']} lacks a value for a mixed arch")
        self.queried.update(int(c) for c in self.estimator.space.codes_of(archs))
        self._values = torch.as_tensor(values, dtype=torch.float64)

    def loss(self, archs: np.ndarray, probs):
        return -(probs * self._values).sum()

    def describe(self) -> dict:
        return {
            **self.estimator.describe(),
            "variant": "table fitness (ours): the exact expected value of the mixture, no images",
            "queried_archs": len(self.queried),
        }

    def state_dict(self) -> dict:
        return {"queried": sorted(self.queried)}

    def load_state_dict(self, state: dict) -> None:
        self.queried = set(state["queried"])


class SupernetMixture:
    """The mixture as one weighted parallel layer of a supernet trained for real."""

    arch_optimizer, arch_lr = "adam", 0.05
    penalty_unit = 1.0  # penalty 1: one nat of cross-entropy per 100% over budget

    def __init__(self, space, dataset: str, streams: dict, config: dict, *, device: str, seed: int):
        import torch

        from ..nets import build_supernet
        from ..nets.config import BNConfig

        self.device = torch.device(device)
        with torch.random.fork_rng(devices=[]):  # the same initial weights for the same seed
            torch.manual_seed(seed)
            model = build_supernet(space, dataset, BNConfig(affine=False, track_running_stats=False))
        self.model = model.to(self.device, memory_format=torch.channels_last)
        self.train, self.valid = streams["train"], streams["valid"]
        self.seed, self.steps = seed, config["steps"]
        self.total = config["generations"] * config["steps"]
        self.lr = config["weight_lr"]
        self.opt = torch.optim.SGD(
            self.model.parameters(),
            lr=self.lr,
            momentum=0.9,
            weight_decay=config["weight_decay"],
            nesterov=True,
        )
        self.step_count, self.generation = 0, 0
        self.dataset = dataset

    def begin(self, archs: np.ndarray) -> None:
        for offset, stream in enumerate((self.train, self.valid)):
            stream.generator.manual_seed((self.seed * 1_000_003 + self.generation) * 2 + offset)
        self._pairs = zip(iter(self.train), iter(self.valid), strict=False)
        self.generation += 1

    def _lr(self) -> float:
        """Cosine from ``weight_lr`` to 0.001 over every step of the evolution (NATS's schedule)."""
        progress = min(self.step_count / max(self.total, 1), 1.0)
        return 0.001 + 0.5 * (self.lr - 0.001) * (1 + math.cos(math.pi * progress))

    def loss(self, archs: np.ndarray, probs):
        import torch
        from torch.nn import functional as F

        (x, y), (vx, vy) = next(self._pairs)
        x, vx = (t.contiguous(memory_format=torch.channels_last) for t in (x, vx))
        weights = probs.detach().float().to(self.device)
        for group in self.opt.param_groups:
            group["lr"] = self._lr()
        self.opt.zero_grad(set_to_none=True)
        F.cross_entropy(self.model.mixture(x, archs.tolist(), weights), y).backward()
        self.opt.step()
        self.step_count += 1
        self.opt.zero_grad(set_to_none=True)
        logits = self.model.mixture(vx, archs.tolist(), probs.float().to(self.device))
        return F.cross_entropy(logits, vy).double().cpu()

    def describe(self) -> dict:
        return {
            "kind": "weight-sharing",
            "spec": "autospace mixture supernet",
            "dataset": self.dataset,
            "variant": "paper (mixture weights learned with real weight sharing)",
            "weight_steps": self.step_count,
        }

    def state_dict(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "step_count": self.step_count,
            "generation": self.generation,
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.step_count, self.generation = int(state["step_count"]), int(state["generation"])
