"""Small datasets written in the exact official file formats (no real images needed)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np


def _images(labels: np.ndarray, side: int, rng: np.random.Generator) -> np.ndarray:
    """Learnable images: a class-dependent colour and stripe plus noise, as channel-plane rows."""
    n = len(labels)
    colour = (labels[:, None] * 37 + np.array([0, 80, 160])) % 256
    img = np.broadcast_to(colour[:, :, None, None], (n, 3, side, side)).astype(np.int16)
    stripe = labels % side
    img[np.arange(n), :, stripe, :] = 255 - img[np.arange(n), :, stripe, :]
    img = img + rng.integers(-20, 21, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8).reshape(n, -1)


def write_cifar10(root: Path, per_batch: int = 40, test: int = 100, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    d = root / "cifar-10-batches-py"
    d.mkdir(parents=True, exist_ok=True)
    for name, n in [*[(f"data_batch_{i}", per_batch) for i in range(1, 6)], ("test_batch", test)]:
        labels = rng.integers(0, 10, n)
        rec = {
            b"batch_label": name.encode(),
            b"labels": [int(v) for v in labels],
            b"data": _images(labels, 32, rng),
            b"filenames": [f"{i}.png".encode() for i in range(n)],
        }
        (d / name).write_bytes(pickle.dumps(rec, protocol=2))
    return d


def write_cifar100(root: Path, train: int = 200, test: int = 100, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    d = root / "cifar-100-python"
    d.mkdir(parents=True, exist_ok=True)
    for name, n in (("train", train), ("test", test)):
        labels = rng.permutation(
            np.arange(n) % 100
        )  # every class present once n >= 100, as in the real files
        rec = {
            b"fine_labels": [int(v) for v in labels],
            b"coarse_labels": [int(v) // 5 for v in labels],
            b"data": _images(labels, 32, rng),
            b"filenames": [b"x"] * n,
            b"batch_label": b"x",
        }
        (d / name).write_bytes(pickle.dumps(rec, protocol=2))
    return d


def write_imagenet16(root: Path, per_batch: int = 30, val: int = 60, seed: int = 2) -> Path:
    """Labels 1..1000 as in the official files; about 12% fall in 1..120."""
    rng = np.random.default_rng(seed)
    d = root / "ImageNet16"
    d.mkdir(parents=True, exist_ok=True)
    for name, n in [*[(f"train_data_batch_{i}", per_batch) for i in range(1, 11)], ("val_data", val)]:
        labels = np.where(rng.random(n) < 0.5, rng.integers(1, 121, n), rng.integers(121, 1001, n))
        rec = {"data": _images(labels, 16, rng), "labels": [int(v) for v in labels], "mean": np.zeros(768)}
        (d / name).write_bytes(pickle.dumps(rec, protocol=2))
    return d


def write_splits(
    root: Path, cifar_train: int = 200, cifar100_test: int = 100, in16_val: int = 0, in16_train: int = 0
) -> Path:
    d = root / "nb201-splits"
    d.mkdir(parents=True, exist_ok=True)

    def halves(n, a, b):
        idx = np.random.default_rng(n).permutation(n)
        return {
            a: ["int", [str(i) for i in sorted(idx[: n // 2])]],
            b: ["int", [str(i) for i in sorted(idx[n // 2 :])]],
        }

    (d / "cifar-split.txt").write_text(json.dumps(halves(cifar_train, "train", "valid")))
    (d / "cifar100-test-split.txt").write_text(json.dumps(halves(cifar100_test, "xvalid", "xtest")))
    (d / "imagenet-16-120-test-split.txt").write_text(json.dumps(halves(in16_val, "xvalid", "xtest")))
    (d / "ImageNet16-120-split.txt").write_text(json.dumps(halves(in16_train, "train", "valid")))
    return d
