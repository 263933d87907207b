"""Where zero-cost scores live: one per-arch score file per (proxy, dataset, seed, options)
in the store, ``<store>/<space>/zerocost/<proxy>/<dataset>-seed<S>[-bs<B>...].npy`` with a
JSON description beside it; and the drawn image batch per (dataset, seed), so a second
correlate or search over the same archs costs nothing and needs no images.

Writers hold the folder's lock and merge: a score already in the file is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..bench.layout import locked, write_json_atomic
from ..errors import BenchmarkFileError
from ..provenance import timestamp

FORMAT = "nasbench-eval-zc-scores"
FOLDER = "zerocost"
#: images are drawn in chunks of this many, so a smaller batch is a prefix of a larger one
POOL_CHUNK = 256


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class CacheKey:
    proxy: str
    dataset: str
    seed: int
    options: tuple[tuple[str, object], ...]  # the proxy's options, sorted, all of them

    @property
    def stem(self) -> str:
        short = {"batch_size": "bs"}
        parts = [f"{short.get(k, k)}{_fmt(v)}" for k, v in self.options]
        return "-".join([self.dataset, f"seed{self.seed}", *parts])


class ScoreFile:
    """One proxy configuration's scores over the whole space, in code order (NaN: not yet)."""

    def __init__(self, root: Path, key: CacheKey, space_size: int):
        self.root, self.key, self.size = Path(root) / FOLDER, key, space_size
        self.path = self.root / key.proxy / f"{key.stem}.npy"
        self.meta_path = self.path.with_suffix(".json")

    def load(self) -> np.ndarray:
        if not self.path.exists():
            return np.full(self.size, np.nan)
        try:
            values = np.load(self.path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise BenchmarkFileError(f"corrupt zero-cost score file {self.path}: {exc}") from None
        if values.shape != (self.size,):
            raise BenchmarkFileError(f"{self.path}: {values.shape} scores, expected ({self.size},)")
        return values

    def merge(self, codes: np.ndarray, values: np.ndarray, meta: dict) -> np.ndarray:
        """Add scores for ``codes`` (existing scores win) and write; returns the full column."""
        with locked(self.root, what="zero-cost scores"):
            column = self.load()
            fresh = np.isnan(column[codes])
            column[codes[fresh]] = values[fresh]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            with open(tmp, "wb") as f:
                np.save(f, column, allow_pickle=False)
            tmp.replace(self.path)
            old = self.read_meta() or {}
            devices = sorted(set(old.get("devices", [])) | {meta.pop("device")})
            scored = int((~np.isnan(column)).sum())
            write_json_atomic(
                self.meta_path,
                {"format": FORMAT, **meta, "devices": devices, "scored": scored, "updated": timestamp()},
            )
        return column

    def read_meta(self) -> dict | None:
        try:
            return json.loads(self.meta_path.read_text())
        except (OSError, ValueError):
            return None


def list_score_files(store_root: Path) -> list[dict]:
    """What ``data info`` shows: every cached proxy configuration with its coverage."""
    out = []
    for meta_path in sorted((Path(store_root) / FOLDER).glob("*/*.json")):
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            continue
        if meta.get("format") == FORMAT:
            out.append({**meta, "file": str(meta_path.with_suffix(".npy"))})
    return out


def batch_path(store_root: Path, dataset: str, seed: int) -> Path:
    return Path(store_root) / FOLDER / "batches" / f"{dataset}-seed{seed}.npz"


def load_pool(store_root: Path, dataset: str, seed: int, size: int):
    """The stored image pool (x float32 normalised, y int64) if it holds ``size`` images."""
    path = batch_path(store_root, dataset, seed)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            x, y = z["x"], z["y"]
    except (OSError, ValueError, KeyError) as exc:
        raise BenchmarkFileError(f"corrupt zero-cost image batch {path}: {exc}") from None
    return (x, y) if len(y) >= size else None


def save_pool(store_root: Path, dataset: str, seed: int, x: np.ndarray, y: np.ndarray, source: dict) -> None:
    path = batch_path(store_root, dataset, seed)
    with locked(path.parent, what="zero-cost image batch"):
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, x=x, y=y)
        tmp.replace(path)
        write_json_atomic(path.with_suffix(".json"), {**source, "images": len(y), "created": timestamp()})
