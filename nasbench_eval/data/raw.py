"""Readers for the official raw files: CIFAR-10/100 (python pickles) and ImageNet16.

Each file is checked against the official size and md5 (``verify=False`` skips both, for
files known to differ, e.g. a CIFAR-100 rebuilt in another sample order or test files); a
missing or truncated file is a one-line ``BenchmarkFileError`` naming the file and the
size expected.
Images come back as uint8 arrays (N, H, W, 3), labels as int64 (N,).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..bench.safe_pickle import SafeUnpickler
from ..errors import BenchmarkFileError

#: official (size in bytes or None, md5) per file, from the official releases
CIFAR10 = {
    f"data_batch_{i}": v
    for i, v in enumerate(
        [
            (31035704, "c99cafc152244af753f735de768cd75f"),
            (31035320, "d4bba439e000b95fd0a9bffe97cbabec"),
            (31035999, "54ebc095f3ab1f0389bbae665268c751"),
            (31035696, "634d18415352ddfa80567beed471001a"),
            (31035623, "482c414d41f54cd18b22e5b47cb7c3cb"),
        ],
        start=1,
    )
}
CIFAR10["test_batch"] = (31035526, "40351d587109b95175f43aff81a1287e")
CIFAR100 = {
    "train": (None, "16019d7e3df5f24257cddd939b257f8d"),
    "test": (None, "f0ef6b0ae62326f3e7ffdfab6717acfc"),
}
IMAGENET16 = {
    f"train_data_batch_{i}": (None, m)
    for i, m in enumerate(
        [
            "27846dcaa50de8e21a7d1a35f30f0e91",
            "c7254a054e0e795c69120a5727050e3f",
            "4333d3df2e5ffb114b05d2ffc19b1e87",
            "1620cdf193304f4a92677b695d70d10f",
            "348b3c2fdbb3940c4e9e834affd3b18d",
            "6e765307c242a1b3d7d5ef9139b48945",
            "564926d8cbf8fc4818ba23d2faac7564",
            "f4755871f718ccb653440b9dd0ebac66",
            "bb6dd660c38c58552125b1a92f86b5d4",
            "8f03f34ac4b42271a294f91bf480f29b",
        ],
        start=1,
    )
}
IMAGENET16["val_data"] = (None, "3410e3017fdaefba8d5073aaa65e4bd6")
FOLDERS = {"cifar10": "cifar-10-batches-py", "cifar100": "cifar-100-python", "imagenet16": "ImageNet16"}


@dataclass
class RawData:
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray  # CIFAR test set, or the ImageNet16 validation set
    test_y: np.ndarray
    #: CIFAR-100: the superclass of every fine class (100,), from the files' coarse labels
    groups: np.ndarray | None = None


def _read(path: Path, expected: tuple[int | None, str], verify: bool) -> dict:
    size, md5 = expected
    if not path.is_file():
        hint = f" ({size:,} bytes)" if size else ""
        raise BenchmarkFileError(f"missing dataset file {path}{hint}")
    data = path.read_bytes()
    if verify and size is not None and len(data) != size:
        raise BenchmarkFileError(f"{path} has {len(data):,} bytes, expected {size:,} (truncated download?)")
    if verify and hashlib.md5(data).hexdigest() != md5:
        raise BenchmarkFileError(
            f"{path}: md5 differs from the official {md5} (use --no-verify only for files known to differ)"
        )
    try:
        obj = SafeUnpickler(io.BytesIO(data), encoding="bytes").load()
    except Exception as exc:
        raise BenchmarkFileError(f"{path}: not a readable dataset pickle ({exc})") from None
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _images(rows, side: int) -> np.ndarray:
    """Rows of 3 channel planes -> (N, side, side, 3) uint8."""
    arr = np.asarray(rows, dtype=np.uint8).reshape(-1, 3, side, side)
    return np.ascontiguousarray(arr.transpose(0, 2, 3, 1))


def load_cifar10(root: str | Path, verify: bool = True) -> RawData:
    d = Path(root) / FOLDERS["cifar10"]
    parts = [_read(d / f"data_batch_{i}", CIFAR10[f"data_batch_{i}"], verify) for i in range(1, 6)]
    test = _read(d / "test_batch", CIFAR10["test_batch"], verify)
    return RawData(
        _images(np.concatenate([p["data"] for p in parts]), 32),
        np.concatenate([np.asarray(p["labels"], np.int64) for p in parts]),
        _images(test["data"], 32),
        np.asarray(test["labels"], np.int64),
    )


def load_cifar100(root: str | Path, verify: bool = True) -> RawData:
    d = Path(root) / FOLDERS["cifar100"]
    train, test = (_read(d / n, CIFAR100[n], verify) for n in ("train", "test"))
    return RawData(
        _images(train["data"], 32),
        np.asarray(train["fine_labels"], np.int64),
        _images(test["data"], 32),
        np.asarray(test["fine_labels"], np.int64),
        _superclasses(d / "train", train),
    )


def _superclasses(path: Path, rows: dict, classes: int = 100) -> np.ndarray | None:
    """fine class -> superclass from a CIFAR-100 file's labels (None if it has no coarse labels);
    a fine class seen with two superclasses, or never seen, is a corrupt file."""
    if "coarse_labels" not in rows:
        return None
    fine = np.asarray(rows["fine_labels"], np.int64)
    coarse = np.asarray(rows["coarse_labels"], np.int64)
    groups = np.full(classes, -1, np.int64)
    groups[fine] = coarse
    if (groups < 0).any() or (groups[fine] != coarse).any():
        raise BenchmarkFileError(f"{path}: fine and coarse labels do not form one superclass per class")
    return groups


def load_imagenet16(root: str | Path, classes: int = 120, verify: bool = True) -> RawData:
    """Downsampled ImageNet 16x16; labels in the files are 1..1000, kept if <= ``classes``
    and returned 0-based (NB201's ImageNet16-120: 151,700 train / 6,000 val images)."""
    d = Path(root) / FOLDERS["imagenet16"]
    xs, ys = [], []
    for i in range(1, 11):
        p = _read(d / f"train_data_batch_{i}", IMAGENET16[f"train_data_batch_{i}"], verify)
        xs.append(np.asarray(p["data"], np.uint8))
        ys.append(np.asarray(p["labels"], np.int64))
    val = _read(d / "val_data", IMAGENET16["val_data"], verify)
    tx, ty = np.concatenate(xs), np.concatenate(ys)
    vx, vy = np.asarray(val["data"], np.uint8), np.asarray(val["labels"], np.int64)
    keep, vkeep = ty <= classes, vy <= classes
    return RawData(_images(tx[keep], 16), ty[keep] - 1, _images(vx[vkeep], 16), vy[vkeep] - 1)
