"""SGNAS (Huang & Chu, CVPR 2021): search by generating; the mapping to NB201 / NATS is ours.

A generator takes a prior architecture (one-hot image) and a normalised cost target and
returns per-choice logits; it is trained with Gumbel-softmax samples against a quality
estimator plus the paper's asymmetric hardware loss on the exact expected cost. At
deployment one batched forward pass maps every target to an architecture. The torch parts
are in ``_sgnas_generator.py``; this file is the method: options, lifecycle, state.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import numpy as np

from ..errors import NasbenchEvalError
from .base import GenerativeMethod, Option, register

GENERATIVE_OPTIONS = {
    "constraint": Option("flops", "the cost to control: flops, params or latency:DEVICE"),
    "targets": Option(
        None,
        "start:stop:step in the constraint's unit [default: 19 values over the 5-95% cost range]",
        types=(str, int, float),
    ),
}


@register
class SGNAS(GenerativeMethod):
    """SGNAS (Huang & Chu, 2021): one generator forward pass gives an arch per cost target."""

    name = "sgnas"
    title = "SGNAS"
    options = {
        **GENERATIVE_OPTIONS,
        "epochs": Option(50, "generator training epochs", minimum=1),
        "steps_per_epoch": Option(20, "generator steps per epoch", minimum=1),
        "batch_size": Option(64, "constraints per generator step", minimum=1),
        "lr": Option(1e-3, "Adam learning rate", minimum=0),
        "betas": Option([0.5, 0.999], "Adam betas"),
        "tau_start": Option(5.0, "initial Gumbel-softmax temperature", minimum=1e-6),
        "tau_decay": Option(0.95, "temperature factor per epoch", minimum=1e-6, maximum=1),
        "width": Option(32, "generator channels", minimum=1),
        "anchors": Option(20, "constraint anchors grouping the prior architectures", minimum=2),
        "prior_pool": Option(4000, "random archs the priors are drawn from", minimum=1),
        "under_weight": Option(10.0, "hardware-loss weight below the target", minimum=0),
        "over_weight": Option(12.0, "hardware-loss weight above the target", minimum=0),
        "dead_zone": Option(0.005, "hardware-loss dead zone (normalised cost)", minimum=0),
        "decode": Option(
            "argmax",
            "argmax: the paper's decoding; constrained: the most probable "
            "combination of each position's 2 best choices within 5% of the target (ours)",
            choices=("argmax", "constrained"),
        ),
        "threads": Option(
            1,
            "torch intra-op threads for the generator (a tiny model: more threads "
            "only contend on a busy machine)",
            minimum=1,
        ),
        "supernet_archs_per_step": Option(4, "supernet estimator: samples scored per step", minimum=1),
        "supernet_batches": Option(4, "supernet estimator: held-out batches", minimum=1),
        "supernet_batch_size": Option(64, "supernet estimator: images per batch", minimum=1),
    }

    def __init__(self, space, seed: int, **config):
        super().__init__(space, seed, **config)
        mask = space.choice_mask()
        if not getattr(space, "is_product", True):
            raise NasbenchEvalError("SGNAS needs a per-position sub-space (KEY=CHOICES), not an arch list")
        self._mask = None if mask.all() else mask
        self.rng = np.random.default_rng(seed)
        self.generator = self.optimizer = self.pool = None
        self.log: list[dict] = []
        self.epoch = 0

    @staticmethod
    def estimator_options(config: dict) -> dict:
        """How a supernet quality estimator is built for SGNAS (small held-out batches)."""
        return {"eval_batches": config["supernet_batches"], "batch_size": config["supernet_batch_size"]}

    @staticmethod
    def estimator_variant(estimator) -> str:
        if estimator.expected_reads_all:
            return "nasbench-eval oracle (not in the paper): reads the whole table"
        if estimator.differentiable:
            return "nasbench-eval (not in the paper)"
        return "paper (frozen single-path supernet)"

    def _build(self, constraint) -> None:
        import torch

        from ._sgnas_generator import Generator, PriorPool

        cfg = self.config
        torch.manual_seed(self.seed)
        self.torch_gen = torch.Generator().manual_seed(self.seed)
        choices = self.space.all_choices()
        sample = self.rng.choice(len(choices), min(cfg["prior_pool"], len(choices)), replace=False)
        cost = constraint.by_code[self.space.codes_of(choices[sample])]
        self.pool = PriorPool.build(choices[sample], constraint.normalise(cost), cfg["anchors"])
        self.generator = Generator(cfg["width"], **self._generator_options())
        self.optimizer = torch.optim.Adam(
            self.generator.parameters(), lr=cfg["lr"], betas=tuple(cfg["betas"])
        )

    def _quality_loss(self, quality):
        if quality.differentiable:

            def loss(soft, probs):
                return -quality.expected(probs).float().mean() / 100.0

            return loss
        per_step = self.config["supernet_archs_per_step"]
        return lambda soft, probs: quality.straight_through_loss(soft, per_step)

    def fit(self, quality, constraint, *, on_epoch=None, state: dict | None = None) -> list[dict]:
        with _threads(self.config["threads"]):
            return self._fit(quality, constraint, on_epoch, state)

    # hooks for generators conditioned on more than the cost (EAS)
    def _prepare(self, quality) -> None:
        """Before the generator is built: what the quality estimator tells it."""

    def _generator_options(self) -> dict:
        return {}

    def _train_options(self) -> dict:
        return {}

    def _fit(self, quality, constraint, on_epoch, state) -> list[dict]:
        from ._sgnas_generator import train_generator

        self._prepare(quality)
        self._build(constraint)
        if state is not None:
            self.load_state_dict(state)

        def after_epoch(epoch, entry):
            self.log.append(entry)
            self.epoch = epoch
            if on_epoch:
                on_epoch(epoch, entry)

        train_generator(
            self.generator,
            self.pool,
            self.space.num_choices,
            self._quality_loss(quality),
            constraint.expected,
            rng=self.rng,
            torch_gen=self.torch_gen,
            config=self.config,
            start_epoch=self.epoch,
            optimizer=self.optimizer,
            on_epoch=after_epoch,
            mask=self._mask,
            **self._train_options(),
        )
        return self.log

    def generate(self, targets: np.ndarray, constraint, **conditions) -> np.ndarray:
        """``conditions``: what a conditioned generator also takes (EAS: ``tasks``)."""
        from ._sgnas_generator import generate

        constrained = self.config["decode"] == "constrained"
        with _threads(self.config["threads"]):
            return generate(
                self.generator,
                self.pool,
                self.space.num_choices,
                constraint.normalise(targets),
                cost_by_code=constraint.by_code if constrained else None,
                targets=targets,
                tolerance=self.tolerance,
                top=2,
                mask=self._mask,
                **conditions,
            )

    def search_cost(self) -> tuple[float, str]:
        return self.config["epochs"] * self.config["steps_per_epoch"], "generator steps"

    def state_dict(self) -> dict:
        return {
            "generator": self.generator.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "epoch": self.epoch,
            "torch_rng": self.torch_gen.get_state(),
            "numpy_rng": json.dumps(self.rng.bit_generator.state),
            "log": json.dumps(self.log),
        }

    def load_state_dict(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.torch_gen.set_state(state["torch_rng"])
        self.rng.bit_generator.state = json.loads(state["numpy_rng"])
        self.epoch, self.log = int(state["epoch"]), json.loads(state["log"])


@contextmanager
def _threads(n: int):
    """Run torch with ``n`` intra-op threads, then restore the caller's setting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
