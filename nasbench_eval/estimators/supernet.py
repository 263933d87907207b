"""Score architectures with inherited weight-sharing supernet weights.

Each candidate is evaluated on the same fixed held-out batches (e.g. the x-valid half of
cifar10-valid), so estimates are comparable. With BatchNorm running statistics off (the
NATS-Bench search setting) BN always normalises with the batch's statistics; with them on,
``recalibrate`` batches re-estimate the statistics per candidate before it is scored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import MetricKeyError, NasbenchEvalError
from ..spaces import Arch, SearchSpace, get_space
from .base import Estimate, Estimator
from .spec import ESTIMATORS

if TYPE_CHECKING:
    import torch
    from torch import nn


@ESTIMATORS.register(
    "supernet",
    kind="weight-sharing",
    description="inherited weights of a 'supernet train' job: supernet:JOB_DIR",
)
class SupernetEstimator(Estimator):
    budget_unit = "queries"
    spec_arg = "JOB_DIR"
    label = "supernet accuracy on held-out batches (%)"

    def __init__(
        self,
        model: nn.Module,
        space: SearchSpace,
        batches: list,
        *,
        recalibrate: list | None = None,
        description: dict | None = None,
    ):
        import torch

        super().__init__(space)
        self.model = model.eval()
        self.batches = [(x.contiguous(memory_format=torch.channels_last), y) for x, y in batches]
        self.recal = recalibrate or []
        self.description = description or {}
        self._stems = None  # the stem's output per batch: identical for every tss arch
        self._frozen, self._samples = False, 0
        self.class_mask = None  # a task view: the classes predicted among (others masked)
        self.groups = None  # CIFAR-100: the superclass of every class (the tasks of EAS)
        self._source = None  # (splits, batch size, device): set by from_job, for on_split

    def on_split(self, split: str, batches: int | None = None) -> SupernetEstimator:
        """The same weights scored on another held-out split of the job's dataset (e.g. x-test:
        images that neither a search nor a generator trained on saw); ``batches``: default all."""
        if self._source is None:
            raise NasbenchEvalError("on_split needs an estimator made by SupernetEstimator.from_job")
        splits, batch_size, device = self._source
        if split not in splits.evals:
            raise NasbenchEvalError(
                f"{splits.name} has no held-out split {split!r} (has: {', '.join(splits.evals)})"
            )
        part = splits.evals[split]
        n = batches if batches is not None else -(-len(part.labels) // batch_size)
        est = SupernetEstimator(
            self.model,
            self.space,
            _fixed_batches(part, splits, batch_size, n, False, device),
            recalibrate=self.recal,
            description={**self.description, "held_out": split, "eval_batches": n},
        )
        est.groups, est._source = self.groups, self._source
        return est

    def for_task(self, classes) -> SupernetEstimator:
        """A view for one task (EAS): only the held-out (and recalibration) images of
        ``classes`` (a bool mask over the dataset's classes), predicted among those classes
        alone, re-batched to the original batch size (a step sees a full batch of the task);
        the same weights."""
        import torch

        mask = torch.as_tensor(np.asarray(classes, bool), device=self.batches[0][1].device)
        if not bool(mask.any()):
            raise NasbenchEvalError("a task needs at least one class")

        def keep(batches):
            if not batches:
                return []
            x = torch.cat([x[mask[y]] for x, y in batches])
            y = torch.cat([y[mask[y]] for _, y in batches])
            size = len(batches[0][1])
            return [(x[i : i + size], y[i : i + size]) for i in range(0, len(y), size)]

        view = SupernetEstimator(
            self.model,
            self.space,
            keep(self.batches),
            recalibrate=keep(self.recal),
            description={**self.description, "task_classes": int(mask.sum())},
        )
        if not view.batches:
            raise NasbenchEvalError("the held-out batches hold no image of this task; use more eval_batches")
        view.class_mask, view.groups, view._source = mask, self.groups, self._source
        return view

    def finetuned_accuracy(self, arch: Arch, epochs: int, *, lr: float = 0.01, seed: int = 0) -> float:
        """This view's accuracy after fine-tuning a copy of the inherited weights for ``epochs``
        on the training images of its classes (the arch fixed, the other classes' logits
        masked; SGD with Nesterov momentum, cosine learning rate); the supernet is untouched."""
        import copy

        import torch
        from torch.nn import functional as F

        from ..data.batches import DeviceBatches
        from ..data.splits import Part

        if self._source is None:
            raise NasbenchEvalError("fine-tuning needs an estimator made by SupernetEstimator.from_job")
        splits, batch_size, device = self._source
        keep = np.ones(len(splits.train.labels), bool)
        if self.class_mask is not None:
            keep = self.class_mask.cpu().numpy()[splits.train.labels]
        part = Part(splits.train.images[keep], splits.train.labels[keep])
        arch = self.space.to_arch(arch)
        model = copy.deepcopy(self.model).train()
        for p in model.parameters():
            p.requires_grad_(True)
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
        batches = DeviceBatches.of_split(
            part, splits, batch_size, augment=True, shuffle=True, device=device, seed=seed
        )
        total, step = epochs * len(batches), 0
        for _ in range(epochs):
            for x, y in batches:
                for group in opt.param_groups:
                    group["lr"] = 0.5 * lr * (1 + np.cos(np.pi * step / total))
                loss = F.cross_entropy(
                    self._masked(model(x.contiguous(memory_format=torch.channels_last), arch=arch)), y
                )
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
        tuned = SupernetEstimator(model.eval(), self.space, self.batches, recalibrate=self.recal)
        tuned.class_mask = self.class_mask
        return tuned.accuracy(arch)

    def _masked(self, logits):
        return logits if self.class_mask is None else logits.masked_fill(~self.class_mask, float("-inf"))

    def _stem_outputs(self) -> list:
        import torch

        if self._stems is None:
            with torch.inference_mode():
                self._stems = [self.model.stem(x) for x, _ in self.batches]
        return self._stems

    def _call(self, x: torch.Tensor, arch: Arch, stem_out=None) -> torch.Tensor:
        import torch

        x = x.contiguous(memory_format=torch.channels_last)
        return self._masked(self.model(x, arch=arch, stem_out=stem_out))

    def accuracy(self, arch: Arch) -> float:
        import torch

        with torch.inference_mode():
            return self._accuracy(self.space.to_arch(arch))

    def _accuracy(self, arch: Arch) -> float:
        from torch import nn

        bns = [m for m in self.model.modules() if isinstance(m, nn.BatchNorm2d) and m.track_running_stats]
        if self.recal and bns:
            for m in bns:
                m.reset_running_stats()
                m.momentum = None  # cumulative average over the recalibration batches
            self.model.train()
            for x, _ in self.recal:
                self._call(x, arch)
            self.model.eval()
        cache = self.model.shares_stem and not (self.recal and bns)
        stems = self._stem_outputs() if cache else [None] * len(self.batches)
        correct = seen = 0
        for (x, y), stem in zip(self.batches, stems, strict=True):
            correct += int((self._call(x, arch, stem).argmax(1) == y).sum())
            seen += len(y)
        return 100.0 * correct / seen

    def evaluate(self, arch: Arch, fidelity: int | None = None) -> Estimate:
        return Estimate(self.accuracy(arch), 1.0)

    def straight_through_loss(self, soft, count: int):
        """Mean cross-entropy of up to ``count`` straight-through one-hot samples of ``soft``
        (batch, positions, choices), each on the next held-out batch: the frozen supernet
        passes gradients to the samples, not to its weights (SGNAS's quality term)."""
        import torch
        from torch.nn import functional as F

        if not self._frozen:
            for p in self.model.parameters():
                p.requires_grad_(False)
            self._frozen = True
        total = 0.0
        for i in range(min(count, soft.shape[0])):
            hard = torch.zeros_like(soft[i]).scatter_(-1, soft[i].argmax(-1, keepdim=True), 1.0)
            x, y = self.batches[self._samples % len(self.batches)]
            self._samples += 1
            logits = self._masked(self.model(x, weights=hard - soft[i].detach() + soft[i]))
            total = total + F.cross_entropy(logits, y)
        return total / count

    def score_many(self, choices, progress=None) -> np.ndarray:
        archs = [tuple(int(c) for c in row) for row in np.atleast_2d(choices)]
        progress = progress or (lambda it, total: it)
        return np.array([self.accuracy(a) for a in progress(archs, len(archs))], np.float64)

    def describe(self) -> dict:
        return {"kind": "supernet", "spec": f"supernet:{self.description.get('job')}", **self.description}

    @classmethod
    def from_spec(cls, arg: str, context) -> SupernetEstimator:
        if not arg:
            raise MetricKeyError(
                "supernet needs a job folder: supernet:JOB_DIR (from 'nasbench-eval supernet train')"
            )
        if context.data_root is None:
            raise MetricKeyError("a supernet estimator needs --data-root (the images to score on)")
        opts = context.options
        est = cls.from_job(
            arg,
            context.data_root,
            context.splits_dir,
            eval_batches=int(opts.get("eval_batches", 10)),
            batch_size=int(opts.get("batch_size", 256)),
            recalibrate_batches=int(opts.get("recalibrate", 0)),
            device=context.device,
            verify=context.verify,
        )
        if est.space.name != context.search_space.name:
            raise NasbenchEvalError(
                f"{arg} is a {est.space.name} supernet; this run uses {context.search_space.name}"
            )
        return est

    @classmethod
    def from_job(
        cls,
        job: str | Path,
        data_root,
        splits_dir=None,
        *,
        eval_batches: int = 10,
        batch_size: int = 256,
        recalibrate_batches: int = 0,
        device: str = "cpu",
        verify: bool = True,
    ) -> SupernetEstimator:
        """A trained ``supernet train`` job; scores on its dataset's held-out x-valid split."""

        from ..data.splits import load_splits
        from ..nets import build_supernet
        from ..nets.ops import BNConfig
        from ..train.jobs import load_config
        from ..train.trainer import CHECKPOINT, load_checkpoint

        job = Path(job)
        config = load_config(job)
        space = get_space(config["space"])
        bn = BNConfig(config["bn_affine"], config["bn_track_running_stats"])
        model = build_supernet(space, config["dataset"], bn)
        model.load_state_dict(load_checkpoint(job / CHECKPOINT)["model"])
        model.to(device)
        splits = load_splits(config["dataset"], data_root, splits_dir, verify=verify, search=True)

        def fixed(part, n, augment):
            return _fixed_batches(part, splits, batch_size, n, augment, device)

        held_out = splits.evals["x-valid"]
        desc = {
            "job": str(job),
            "config": config,
            "eval_batches": eval_batches,
            "batch_size": batch_size,
            "recalibrate_batches": recalibrate_batches,
        }
        est = cls(
            model,
            space,
            fixed(held_out, eval_batches, False),
            recalibrate=fixed(splits.train, recalibrate_batches, True) if recalibrate_batches else None,
            description=desc,
        )
        est.groups = splits.groups
        est._source = (splits, batch_size, device)
        return est


def _fixed_batches(part, splits, batch_size: int, n: int, augment: bool, device) -> list:
    """The first ``n`` batches of a shuffled pass over ``part`` (seeded: always the same)."""
    from ..data.batches import DeviceBatches

    it = DeviceBatches.of_split(part, splits, batch_size, augment=augment, shuffle=True, device=device)
    return [b for _, b in zip(range(n), it, strict=False)]
