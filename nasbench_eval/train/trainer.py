"""A small, exact trainer: SGD (nesterov) + per-iteration cosine schedule, checkpoints.

Deterministic: every random draw (shuffling, augmentation, sampled paths) comes from
generators seeded from ``seed`` whose states are saved in the checkpoint written
atomically after every epoch, so a run killed mid-epoch and resumed repeats that epoch
from its start and ends with the same weights as an uninterrupted run. Checkpoints hold
only tensors and plain values and load with ``torch.load(weights_only=True)``. A JSON log
line is appended per epoch. On CUDA: bf16 autocast and channels-last; ``compile`` wraps
the forward in ``torch.compile``.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from ..data.batches import DeviceBatches
from ..errors import BenchmarkFileError
from . import distributed
from .recipes import Recipe

CHECKPOINT = "checkpoint.pt"
LOG = "log.jsonl"

#: step(model, x, generator) -> logits; lets the same loop train nets and supernets
Forward = Callable[[nn.Module, torch.Tensor, torch.Generator], torch.Tensor]


def plain_forward(model: nn.Module, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return model(x)


def cosine_lr(recipe: Recipe, progress: float) -> float:
    """LR at ``progress`` epochs (fractional), cosine from ``lr`` to ``eta_min``."""
    if progress < recipe.warmup:
        return recipe.lr * (progress + 1e-8) / recipe.warmup
    t = (progress - recipe.warmup) / max(recipe.epochs - recipe.warmup, 1e-8)
    return recipe.eta_min + (recipe.lr - recipe.eta_min) * (1 + math.cos(math.pi * min(t, 1.0))) / 2


def save_checkpoint(path: Path, state: dict) -> None:
    """Atomically: a kill never leaves a half-written checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt or foreign file
        raise BenchmarkFileError(f"cannot load checkpoint {path}: {exc}") from None


class Trainer:
    def __init__(
        self,
        model: nn.Module,
        recipe: Recipe,
        train: DeviceBatches,
        out_dir: Path,
        *,
        seed: int = 0,
        forward: Forward = plain_forward,
        device: str = "cpu",
        compile: bool = False,
        bf16: bool | None = None,
        progress: bool = True,
        config: dict | None = None,
        grad_clip: float | None = None,
        stop_after_steps: int | None = None,
    ):
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"
        self.bf16 = self.cuda if bf16 is None else bf16  # CPU: opt-in (fast with AMX, not exact)
        # channels-last is faster for these small convs on GPU and on CPU (oneDNN) alike
        self.model = model.to(self.device, memory_format=torch.channels_last)
        train.channels_last = True
        self.recipe, self.train_batches, self.out = recipe, train, Path(out_dir)
        self.forward = forward
        self.step_fn = torch.compile(forward) if compile else forward
        self.progress = progress
        self.config = config or {}
        self.stop_after_steps = stop_after_steps  # for tests: simulate a kill mid-run
        torch.manual_seed(seed)
        self.train_batches.generator.manual_seed(seed)
        self.sampler = torch.Generator().manual_seed(seed + 1)
        self.grad_clip = grad_clip
        self.params = list(self.model.parameters())
        distributed.broadcast_state(self.model)
        # NB201 applies weight decay to every parameter
        self.optimizer = torch.optim.SGD(
            self.model.parameters(),
            lr=recipe.lr,
            momentum=recipe.momentum,
            weight_decay=recipe.weight_decay,
            nesterov=recipe.nesterov,
        )
        self.criterion = nn.CrossEntropyLoss()
        self.epoch = 0
        self.log: list[dict] = []

    # -- state ------------------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "epoch": self.epoch,
            "data_rng": self.train_batches.generator.get_state(),
            "sample_rng": self.sampler.get_state(),
            "torch_rng": torch.get_rng_state(),
            "log": json.dumps(self.log),
            "recipe": json.dumps(asdict(self.recipe)),
            "config": json.dumps(self.config),
        }

    def resume(self) -> bool:
        path = self.out / CHECKPOINT
        if not path.exists():
            return False
        state = load_checkpoint(path)
        if json.loads(state["config"]) != json.loads(json.dumps(self.config)):
            raise BenchmarkFileError(f"{path} was made with another configuration; use a new --out")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch = int(state["epoch"])
        self.train_batches.generator.set_state(state["data_rng"])
        self.sampler.set_state(state["sample_rng"])
        torch.set_rng_state(state["torch_rng"])
        self.log = json.loads(state["log"])
        self._write_log()
        return True

    def _write_log(self) -> None:
        tmp = self.out / f".{LOG}.tmp"
        tmp.write_text("".join(json.dumps(r) + "\n" for r in self.log))
        os.replace(tmp, self.out / LOG)

    # -- training -------------------------------------------------------------------------
    def fit(self) -> list[dict]:
        self.out.mkdir(parents=True, exist_ok=True)
        steps = 0
        n = len(self.train_batches)
        while self.epoch < self.recipe.epochs:
            self.model.train()
            start = time.perf_counter()
            loss_sum, correct, seen = 0.0, 0, 0
            bar = tqdm(
                self.train_batches,
                total=n,
                desc=f"epoch {self.epoch + 1}/{self.recipe.epochs}",
                disable=not self.progress or not distributed.is_main(),
                leave=False,
                unit="batch",
            )
            for i, (x, y) in enumerate(bar):
                x, y, share = distributed.shard(x, y)  # data-parallel under torchrun
                lr = cosine_lr(self.recipe, self.epoch + i / n)
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
                    logits = self.step_fn(self.model, x, self.sampler)
                    loss = self.criterion(logits.float(), y)
                self.optimizer.zero_grad(set_to_none=True)
                (loss * share).backward()
                distributed.average_gradients(self.params)
                if self.grad_clip:
                    nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
                self.optimizer.step()
                loss_sum += float(loss.detach()) * len(y)
                correct += int((logits.argmax(1) == y).sum())
                seen += len(y)
                steps += 1
                if self.stop_after_steps is not None and steps >= self.stop_after_steps:
                    raise KeyboardInterrupt("stopped for a test")
            self.epoch += 1
            self.log.append(
                {
                    "epoch": self.epoch,
                    "lr_end": lr,
                    "train_loss": loss_sum / seen,
                    "train_accuracy": 100.0 * correct / seen,
                    "seconds": time.perf_counter() - start,
                    "images_per_second": seen / (time.perf_counter() - start),
                }
            )
            distributed.broadcast_buffers(self.model)  # every rank keeps rank 0's BN statistics
            if distributed.is_main():
                save_checkpoint(self.out / CHECKPOINT, self.state())
                self._write_log()
        return self.log

    @torch.no_grad()
    def evaluate(self, batches: DeviceBatches, forward: Forward | None = None) -> tuple[float, float]:
        """(accuracy %, mean loss) without augmentation."""
        self.model.eval()
        fwd = forward or self.forward
        correct, loss_sum, seen = 0, 0.0, 0
        for x, y in batches:
            x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
                logits = fwd(self.model, x, self.sampler).float()
            loss_sum += float(self.criterion(logits, y)) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(y)
        return 100.0 * correct / seen, loss_sum / seen
