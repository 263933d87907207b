"""Batches straight from a uint8 image tensor that lives on the training device.

The whole dataset is one (N, 3, H, W) uint8 tensor on the device (CIFAR-10: 150 MB).
Each batch is gathered, randomly cropped (zero padding), flipped and normalised in a few
batched tensor ops, with no per-image Python loop, on GPU and CPU alike. Shuffling and
augmentation draw from one ``torch.Generator`` whose state is part of the checkpoint, so
a resumed run sees the same batches.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.nn import functional as F

from .splits import Part


class DeviceBatches:
    def __init__(
        self,
        part: Part,
        batch_size: int,
        *,
        mean,
        std,
        pad: int = 4,
        augment: bool,
        shuffle: bool,
        device: str | torch.device = "cpu",
        generator: torch.Generator | None = None,
        drop_last: bool = False,
        channels_last: bool = False,
    ):
        self.images = torch.from_numpy(np.ascontiguousarray(part.images.transpose(0, 3, 1, 2))).to(device)
        self.labels = torch.from_numpy(part.labels).to(device)
        self.batch_size, self.pad, self.augment, self.shuffle = batch_size, pad, augment, shuffle
        self.drop_last, self.channels_last = drop_last, channels_last
        self.device = torch.device(device)
        self.generator = generator or torch.Generator().manual_seed(0)
        self.mean = torch.tensor(mean, device=device).view(1, 3, 1, 1)
        self.std = torch.tensor(std, device=device).view(1, 3, 1, 1)

    @classmethod
    def of_split(
        cls, part: Part, splits, batch_size: int, *, augment: bool, shuffle: bool, device, seed: int = 0
    ) -> DeviceBatches:
        """Batches of one part of a loaded split, normalised (and padded) as that dataset is,
        drawn from a generator seeded with ``seed``."""
        return cls(
            part,
            batch_size,
            mean=splits.mean,
            std=splits.std,
            pad=splits.pad,
            augment=augment,
            shuffle=shuffle,
            device=device,
            generator=torch.Generator().manual_seed(seed),
        )

    def __len__(self) -> int:
        n = len(self.labels)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _crop_flip(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        p = self.pad
        padded = F.pad(x, (p, p, p, p))
        off = torch.randint(0, 2 * p + 1, (2, b), generator=self.generator).to(x.device)
        rows = (off[0][:, None] + torch.arange(h, device=x.device))[:, None, :, None]
        cols = (off[1][:, None] + torch.arange(w, device=x.device))[:, None, None, :]
        out = padded[
            torch.arange(b, device=x.device)[:, None, None, None],
            torch.arange(x.shape[1], device=x.device)[None, :, None, None],
            rows,
            cols,
        ]
        flip = (torch.rand(b, generator=self.generator) < 0.5).to(x.device)
        return torch.where(flip[:, None, None, None], out.flip(-1), out)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.labels)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        order = order.to(self.device)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            if self.drop_last and len(idx) < self.batch_size:
                break
            x = self.images[idx].float()
            if self.augment:  # pad with black before normalising, as the official transform
                x = self._crop_flip(x)
            x = (x - self.mean) / self.std
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            yield x, self.labels[idx]
