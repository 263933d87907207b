"""The NB201 data splits and what each benchmark dataset trains and evaluates on.

Split files are the official ones from the NAS-Bench-201 release (``cifar-split.txt``,
``cifar100-test-split.txt``, ``imagenet-16-120-test-split.txt``,
``ImageNet16-120-split.txt``; MIT). They are *read from a folder*, not shipped: pass
``splits_dir`` (CLI ``--splits``), set ``NASBENCH_EVAL_SPLITS``, or put them in
``DATA_ROOT/nb201-splits``.

| dataset | trains on | evaluates on |
|---|---|---|
| cifar10-valid | 25k of CIFAR-10 train ("train" half) | x-valid (the other 25k), ori-test |
| cifar10 | all 50k train | ori-test |
| cifar100 | all 50k train | x-valid / x-test (halves of test), ori-test |
| ImageNet16-120 | 151,700 train | x-valid / x-test (halves of val), ori-test |

``search`` splits (weight-sharing search): cifar10-valid -> train / x-valid halves of
train; cifar100 -> full train / x-valid; ImageNet16-120 -> the 75,850 / 75,850 halves of
train (``ImageNet16-120-split.txt``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets import get_dataset
from ..errors import BenchmarkFileError
from .raw import RawData, load_cifar10, load_cifar100, load_imagenet16

SPLIT_FILES = {
    "cifar10": "cifar-split.txt",
    "cifar100": "cifar100-test-split.txt",
    "ImageNet16-120": "imagenet-16-120-test-split.txt",
    "ImageNet16-120-search": "ImageNet16-120-split.txt",
}
#: per-channel mean / std on 0..255 (official)
NORMALISATION = {
    "cifar10": ((125.3, 123.0, 113.9), (63.0, 62.1, 66.7)),
    "cifar100": ((129.3, 124.1, 112.4), (68.2, 65.4, 70.4)),
    "ImageNet16-120": ((122.68, 116.66, 104.01), (63.22, 61.26, 65.09)),
}


@dataclass
class Part:
    images: np.ndarray  # uint8 (N, H, W, 3)
    labels: np.ndarray  # int64 (N,)

    def first(self, n: int | None) -> Part:
        """The first ``n`` images (quick checks); the whole part for None."""
        return self if n is None else Part(self.images[:n], self.labels[:n])


@dataclass
class DatasetSplits:
    name: str
    train: Part
    evals: dict[str, Part]  # split name -> part
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    pad: int  # random-crop padding: 4 (CIFAR) or 2 (ImageNet16)
    #: CIFAR-100: the superclass of every class (the tasks of EAS); None elsewhere
    groups: np.ndarray | None = None


def find_splits_dir(splits_dir=None, data_root=None) -> Path:
    for cand in (
        splits_dir,
        os.environ.get("NASBENCH_EVAL_SPLITS"),
        Path(data_root) / "nb201-splits" if data_root else None,
    ):
        if cand and Path(cand).is_dir():
            return Path(cand)
    raise BenchmarkFileError(
        "the NB201 split files were not found: pass --splits DIR (the folder "
        "with cifar-split.txt etc. from the NAS-Bench-201 release) or set "
        "NASBENCH_EVAL_SPLITS"
    )


def read_split(path: Path) -> dict[str, np.ndarray]:
    """An official split file: JSON of name -> ["int", [indices as strings]]."""
    try:
        raw = json.loads(Path(path).read_text())
        return {
            k: np.asarray([int(i) for i in v[1]], np.int64)
            for k, v in raw.items()
            if isinstance(v, list) and v and v[0] == "int"
        }
    except (OSError, ValueError, TypeError, IndexError) as exc:
        raise BenchmarkFileError(f"cannot read split file {path}: {exc}") from None


def _take(x: np.ndarray, y: np.ndarray, idx: np.ndarray, what: str) -> Part:
    if idx.size and (idx.min() < 0 or idx.max() >= len(x)):
        raise BenchmarkFileError(f"{what}: split indices out of range for {len(x)} images")
    return Part(x[idx], y[idx])


def load_splits(
    name: str, data_root, splits_dir=None, *, verify: bool = True, search: bool = False
) -> DatasetSplits:
    """The benchmark dataset ``name`` (``search=True``: the weight-sharing search split)."""
    get_dataset(name)
    if name != "cifar10":  # every other dataset needs a split file
        sdir = find_splits_dir(splits_dir, data_root)
    if name in ("cifar10", "cifar10-valid"):  # not startswith: "cifar100" starts with "cifar10"
        raw: RawData = load_cifar10(data_root, verify)
        norm = NORMALISATION["cifar10"]
    elif name == "cifar100":
        raw = load_cifar100(data_root, verify)
        norm = NORMALISATION["cifar100"]
    else:
        raw = load_imagenet16(data_root, 120, verify)
        norm = NORMALISATION["ImageNet16-120"]
    test = Part(raw.test_x, raw.test_y)
    if name == "cifar10-valid":
        s = read_split(sdir / SPLIT_FILES["cifar10"])
        train = _take(raw.train_x, raw.train_y, s["train"], "cifar-split.txt")
        evals = {"x-valid": _take(raw.train_x, raw.train_y, s["valid"], "cifar-split.txt"), "ori-test": test}
    elif name == "cifar10":
        train, evals = Part(raw.train_x, raw.train_y), {"ori-test": test}
    else:
        s = read_split(sdir / SPLIT_FILES[name])
        evals = {
            "x-valid": _take(raw.test_x, raw.test_y, s["xvalid"], SPLIT_FILES[name]),
            "x-test": _take(raw.test_x, raw.test_y, s["xtest"], SPLIT_FILES[name]),
            "ori-test": test,
        }
        train = Part(raw.train_x, raw.train_y)
        if search and name == "ImageNet16-120":
            h = read_split(sdir / SPLIT_FILES["ImageNet16-120-search"])
            train = _take(raw.train_x, raw.train_y, h["train"], "ImageNet16-120-split.txt")
            evals = {"x-valid": _take(raw.train_x, raw.train_y, h["valid"], "ImageNet16-120-split.txt")}
    pad = 2 if name == "ImageNet16-120" else 4
    return DatasetSplits(name, train, evals, norm[0], norm[1], pad, raw.groups)
