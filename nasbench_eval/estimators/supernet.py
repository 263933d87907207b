"""Score architectures with inherited weight-sharing supernet weights.

Each candidate is evaluated on the same fixed held-out batches (e.g. the x-valid half of
cifar10-valid), so estimates are comparable. With BatchNorm running statistics off (the
NATS-Bench search setting) BN always normalises with the batch's statistics; with them on,
``recalibrate`` batches re-estimate the statistics per candidate before it is scored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..data.batches import DeviceBatches
from ..data.splits import load_splits
from ..nets.ops import BNConfig
from ..nets.supernet import build_supernet
from ..spaces import Arch, SearchSpace, get_space
from ..train.jobs import load_config
from ..train.trainer import CHECKPOINT, load_checkpoint
from .base import Estimate, Estimator


class SupernetEstimator(Estimator):
    budget_unit = "queries"

    def __init__(
        self,
        model: nn.Module,
        space: SearchSpace,
        batches: list,
        *,
        recalibrate: list | None = None,
        description: dict | None = None,
    ):
        self.model, self.space = model.eval(), space
        self.batches = [(x.contiguous(memory_format=torch.channels_last), y) for x, y in batches]
        self.recal = recalibrate or []
        self.description = description or {}
        self._stems = None  # the stem's output per batch: identical for every tss arch

    def _stem_outputs(self) -> list:
        if self._stems is None:
            with torch.inference_mode():
                self._stems = [self.model.stem(x) for x, _ in self.batches]
        return self._stems

    def _call(self, x: torch.Tensor, arch: Arch, stem_out=None) -> torch.Tensor:
        x = x.contiguous(memory_format=torch.channels_last)
        if self.space.name == "nats-tss":
            return self.model(x, arch=arch, stem_out=stem_out)
        return self.model(x, channels=self.space.channels(arch))

    @torch.inference_mode()
    def accuracy(self, arch: Arch) -> float:
        arch = self.space.to_arch(arch)
        bns = [m for m in self.model.modules() if isinstance(m, nn.BatchNorm2d) and m.track_running_stats]
        if self.recal and bns:
            for m in bns:
                m.reset_running_stats()
                m.momentum = None  # cumulative average over the recalibration batches
            self.model.train()
            for x, _ in self.recal:
                self._call(x, arch)
            self.model.eval()
        cache = self.space.name == "nats-tss" and not (self.recal and bns)
        stems = self._stem_outputs() if cache else [None] * len(self.batches)
        correct = seen = 0
        for (x, y), stem in zip(self.batches, stems, strict=True):
            correct += int((self._call(x, arch, stem).argmax(1) == y).sum())
            seen += len(y)
        return 100.0 * correct / seen

    def evaluate(self, arch: Arch, fidelity: int | None = None) -> Estimate:
        return Estimate(self.accuracy(arch), 1.0)

    def evaluate_many(self, archs, progress=lambda it, total: it) -> np.ndarray:
        return np.array([self.accuracy(a) for a in progress(archs, len(archs))])

    def describe(self) -> dict:
        return {"kind": "supernet", **self.description}

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
        job = Path(job)
        config = load_config(job)
        space = get_space(config["space"])
        bn = BNConfig(config["bn_affine"], config["bn_track_running_stats"])
        model = build_supernet(space, config["dataset"], bn)
        model.load_state_dict(load_checkpoint(job / CHECKPOINT)["model"])
        model.to(device)
        splits = load_splits(config["dataset"], data_root, splits_dir, verify=verify, search=True)

        def fixed(part, n, augment):
            gen = torch.Generator().manual_seed(0)
            it = DeviceBatches(
                part,
                batch_size,
                mean=splits.mean,
                std=splits.std,
                pad=splits.pad,
                augment=augment,
                shuffle=True,
                device=device,
                generator=gen,
            )
            return [b for _, b in zip(range(n), it, strict=False)]

        held_out = splits.evals["x-valid"]
        desc = {
            "job": str(job),
            "config": config,
            "eval_batches": eval_batches,
            "batch_size": batch_size,
            "recalibrate_batches": recalibrate_batches,
        }
        return cls(
            model,
            space,
            fixed(held_out, eval_batches, False),
            recalibrate=fixed(splits.train, recalibrate_batches, True) if recalibrate_batches else None,
            description=desc,
        )
