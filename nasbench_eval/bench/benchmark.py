"""The opened benchmark: fast, read-only queries by official index or arch string.

``open_benchmark("nats-tss")`` reads one small manifest; arrays are memory-mapped on first
use. Values are NaN where an arch lacks a metric; a metric the benchmark does not hold at
all raises ``MetricKeyError`` listing the close matches. FLOPs and params
(``DATASET/-/flops/-/-``, ``DATASET/-/params/-/-``) are computed analytically for every arch.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets import DATASETS, get_dataset
from ..errors import ArchError, BenchmarkFileError, MetricKeyError
from ..spaces import SearchSpace, get_space
from ..spaces.costs import costs
from . import layout
from .default import default_table
from .keys import ANALYTIC_MEASURES, MetricKey, cost_key, parse_key

ANALYTIC_SOURCE = {"path": "analytic (nasbench_eval.spaces.costs)", "md5": None, "kind": "analytic"}


@dataclass(frozen=True)
class Coverage:
    key: MetricKey
    archs: int
    sources: tuple[str, ...]
    has_curve: bool


class Benchmark:
    def __init__(self, space: SearchSpace, root: Path):
        self.space = space
        self.root = root
        self.manifest = layout.read_manifest(root) or {"order": None, "sources": [], "metrics": {}}
        self._metrics: dict[str, dict] = self.manifest["metrics"]
        self._finals: dict[MetricKey, np.ndarray] = {}
        self._curves: dict[MetricKey, tuple[np.ndarray, np.ndarray]] = {}
        self._order: np.ndarray | None = None
        self._index_of_code: np.ndarray | None = None
        #: every metric key whose values or curves were read (audits: a search reads no test split)
        self.read_keys: set[str] = set()
        #: the package's embedded table: fills whatever the store lacks (None for some spaces)
        self.default = default_table(space.name)

    def __repr__(self) -> str:
        return f"Benchmark({self.space.name!r}, {len(self._metrics)} stored metrics, root={self.root})"

    @property
    def num_archs(self) -> int:
        return self.space.size

    @property
    def sources(self) -> list[dict]:
        """The imported sources, and the embedded default when it supplies any value."""
        extra = [self.default.source] if self._default_contributes() else []
        return list(self.manifest["sources"]) + extra

    def _default_contributes(self, key: str | None = None) -> bool:
        if self.default is None:
            return False
        keys = [key] if key is not None else list(self.default.values)
        return any(
            k in self.default.values and self._metrics.get(k, {}).get("count", 0) < self.space.size
            for k in keys
        )

    def _load(self, key: str | None, field: str) -> np.ndarray:
        """An array named by the manifest (``key`` None: the index order). An import may have
        replaced it since this benchmark was opened: then the new manifest is read once and
        its array returned, so a reader sees the old or the new state, never an error."""

        def name() -> str:
            return self.manifest["order"] if key is None else self._metrics[key][field]

        try:
            return layout.load_array(self.root, name())
        except BenchmarkFileError:
            if not self._reload():
                raise
        return layout.load_array(self.root, name())

    def _reload(self) -> bool:
        manifest = layout.read_manifest(self.root)
        if manifest is None or manifest == self.manifest:
            return False
        self.manifest, self._metrics = manifest, manifest["metrics"]
        self._finals.clear()
        self._curves.clear()
        return True

    # -- index <-> arch ----------------------------------------------------------------
    @property
    def order(self) -> np.ndarray:
        """Official index -> space code (-1 where unknown)."""
        if self._order is None:
            if self.manifest["order"]:
                self._order = np.asarray(self._load(None, "order"))
            elif getattr(self.space, "official_order_is_code", False):
                self._order = np.arange(self.space.size, dtype=np.int32)
            else:
                self._order = np.full(self.space.size, -1, np.int32)
            if self.default is not None and (self._order < 0).any():
                self._order = np.where(self._order >= 0, self._order, self.default.order).astype(np.int32)
            inverse = np.full(self.space.size, -1, np.int64)
            known = self._order >= 0
            inverse[self._order[known]] = np.flatnonzero(known)
            self._index_of_code = inverse
        return self._order

    @property
    def index_by_code(self) -> np.ndarray:
        """Space code -> official index (-1 where unknown): vectorised ``index_of``."""
        self.order  # noqa: B018 - builds the inverse map
        return self._index_of_code

    def _no_order(self) -> ArchError:
        return ArchError(
            f"the official {self.space.name} index order is not known yet: import the official "
            "archive's meta file or a table with an 'index' column (nasbench-eval data import)"
        )

    def index_of(self, arch) -> int:
        """Official index of an arch string or choice tuple."""
        index = int(self.index_by_code[self.space.code(self.space.to_arch(arch))])
        if index < 0:
            raise self._no_order()
        return index

    def arch_at(self, index: int) -> str:
        index = self._check_index(index)
        code = int(self.order[index])
        if code < 0:
            raise self._no_order()
        return self.space.format(self.space.from_code(code))

    def _check_index(self, index) -> int:
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            raise ArchError(f"an index must be an integer, got {index!r}")
        if not 0 <= index < self.space.size:
            raise ArchError(f"index {index} out of range 0..{self.space.size - 1} for {self.space.name}")
        return int(index)

    def indices(self, archs) -> np.ndarray | int:
        """Normalise archs (None = all, int, arch string, or a sequence/array of either)."""
        if archs is None:
            return np.arange(self.space.size)
        if isinstance(archs, int | np.integer) and not isinstance(archs, bool):
            return self._check_index(archs)
        if isinstance(archs, str):
            return self.index_of(archs)
        arr = np.asarray(archs)
        if arr.dtype.kind in "iu":
            if arr.size and (arr.min() < 0 or arr.max() >= self.space.size):
                raise ArchError(f"indices out of range 0..{self.space.size - 1}")
            return arr
        return np.array([self.index_of(a) for a in archs], np.int64)

    # -- metrics ---------------------------------------------------------------------------
    def keys(self, *, include_analytic: bool = True) -> list[MetricKey]:
        names = set(self._metrics) | set(self.default.values if self.default else ())
        stored = [parse_key(k) for k in names]
        if include_analytic:
            stored += [cost_key(d, m) for d in DATASETS for m in ANALYTIC_MEASURES]
        return sorted(stored, key=str)

    def has(self, key) -> bool:
        key = parse_key(key)
        return (
            key.is_analytic
            or str(key) in self._metrics
            or bool(self.default and str(key) in self.default.values)
        )

    def _missing(self, key: MetricKey) -> MetricKeyError:
        names = [str(k) for k in self.keys()]
        close = difflib.get_close_matches(str(key), names, n=5, cutoff=0.6)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        listing = "" if close else f"; it holds {len(names)} keys (see 'nasbench-eval data info')"
        if not self._metrics:
            listing = "; nothing is imported yet (nasbench-eval data import PATH)"
            if self.default is not None:
                listing = "; only the embedded default table is there (nasbench-eval data import PATH)"
        return MetricKeyError(f"the {self.space.name} benchmark has no metric {key}{hint}{listing}")

    def values(self, key) -> np.ndarray:
        """Final values of ``key`` for every arch, by official index (read-only)."""
        key = parse_key(key)
        self.read_keys.add(str(key))
        cached = self._finals.get(key)
        if cached is not None:
            return cached
        if key.is_analytic:
            by_code = costs(self.space, key.dataset, key.measure)
            order = self.order
            arr = np.where(order >= 0, by_code[np.maximum(order, 0)], np.nan)
            arr.flags.writeable = False
        else:
            entry = self._metrics.get(str(key))
            fallback = self.default.values.get(str(key)) if self.default else None
            if entry is None and fallback is None:
                raise self._missing(key)
            arr = self._load(str(key), "final") if entry is not None else fallback
            if entry is not None and fallback is not None and np.isnan(arr).any():
                # imported values win; the gaps come from the default
                arr = np.where(np.isnan(arr), fallback, arr)
                arr.flags.writeable = False
        self._finals[key] = arr
        return arr

    def query(self, key, archs=None, *, epoch: int | None = None):
        """Value(s) of ``key``: a float for one arch, an array for several (NaN = missing).

        ``epoch`` (0-based) reads the per-epoch curve where the source had one.
        """
        key = parse_key(key)
        if key.is_analytic and isinstance(archs, str):  # needs no index order
            arch = [self.space.parse(archs)]
            return float(costs(self.space, key.dataset, key.measure, arch)[0])
        values = self.values(key)  # first: a missing metric is the more useful error
        idx = self.indices(archs)
        if epoch is None or (key.epochs is not None and epoch == key.epochs - 1):
            out = values[idx]  # the last epoch's value is the final value
        else:
            curve, rows = self.curve(key)
            if not 0 <= epoch < curve.shape[1]:
                raise MetricKeyError(f"epoch {epoch} out of range 0..{curve.shape[1] - 1} for {key}")
            r = rows[idx]
            out = np.where(r >= 0, curve[np.maximum(r, 0), epoch], np.nan)
        return float(out) if np.ndim(idx) == 0 else np.asarray(out, np.float64)

    def curve(self, key) -> tuple[np.ndarray, np.ndarray]:
        """(curves (rows, epochs) float32, rows (archs,) int32 with -1 = no curve)."""
        key = parse_key(key)
        self.read_keys.add(str(key))
        if key not in self._curves:
            entry = self._metrics.get(str(key))
            if entry is None:
                raise self._missing(key)
            if not entry.get("curve"):
                raise MetricKeyError(f"{key} has no per-epoch values (its sources hold only finals)")
            self._curves[key] = (
                self._load(str(key), "curve"),
                self._load(str(key), "rows"),
            )
        return self._curves[key]

    def source_of(self, key, arch) -> dict | None:
        """Where the value came from: {'path', 'md5', 'kind', ...}; None if missing."""
        key = parse_key(key)
        if key.is_analytic:
            return dict(ANALYTIC_SOURCE)
        entry = self._metrics.get(str(key))
        fallback = self.default.values.get(str(key)) if self.default else None
        if entry is None and fallback is None:
            raise self._missing(key)
        index = self.indices(arch)
        sid = int(self._load(str(key), "source")[index]) if entry is not None else -1
        if sid >= 0:
            return dict(self.manifest["sources"][sid])
        return self.default.source if fallback is not None and not np.isnan(fallback[index]) else None

    def best(self, key, *, maximize: bool = True) -> tuple[int, float]:
        """(official index, value) of the best arch for ``key``, ignoring missing values."""
        vals = np.asarray(self.values(key), np.float64)
        if np.isnan(vals).all():
            raise MetricKeyError(f"{key} has no values")
        i = int(np.nanargmax(vals) if maximize else np.nanargmin(vals))
        return i, float(vals[i])

    def optimum(self, keys) -> dict[str, tuple[int, float]]:
        """The 'optimal' row of NB201-style tables: each key's best value on its own."""
        return {str(parse_key(k)): self.best(k) for k in keys}

    def simulated_time(self, archs, dataset: str, epochs: int, aggregate: str = "mean"):
        """Seconds to train an arch for ``epochs`` and evaluate it once, as the official
        ``simulate_train_eval``: total training time + one epoch of validation time.
        ``cifar10`` searches use the ``cifar10-valid`` records (as the official API)."""
        ds = get_dataset(dataset).search_records
        train = self.query(f"{ds}/train/time_s/{epochs}/{aggregate}", archs)
        valid = self.query(f"{ds}/x-valid/time_s/{epochs}/{aggregate}", archs)
        return train + valid / epochs

    def lookup(self, tokens: list[str], key, *, epoch: int | None = None) -> list[dict]:
        """Rows {index, arch, key, value, source} for CLI-style tokens: a digit string is an
        official index, anything else an arch string; value None where missing."""
        key = parse_key(key)
        if not key.is_analytic:
            self.values(key)  # a missing metric is the first thing to report
        rows = []
        for token in tokens:
            digits = token.strip()
            if digits.isascii() and digits.isdigit():
                if len(digits) > 9:
                    raise ArchError(f"index {digits[:12]}... out of range 0..{self.space.size - 1}")
                index = self._check_index(int(digits))
                arch = self.arch_at(index)
            else:
                arch = self.space.format(self.space.parse(token))
                index = self.index_of(arch) if not key.is_analytic else self._index_or_none(arch)
            value = self.query(key, arch if index is None else index, epoch=epoch)
            source = self.source_of(key, index) if index is not None else dict(ANALYTIC_SOURCE)
            rows.append(
                {
                    "index": index,
                    "arch": arch,
                    "key": str(key),
                    "epoch": epoch,
                    "value": None if np.isnan(value) else value,
                    "source": source["path"] if source else None,
                }
            )
        return rows

    def _index_or_none(self, arch: str) -> int | None:
        try:
            return self.index_of(arch)
        except ArchError:
            return None

    def coverage(self) -> list[Coverage]:
        rows = []
        for key in self.keys(include_analytic=False):
            name, entry = str(key), self._metrics.get(str(key))
            paths: tuple[str, ...] = ()
            if entry is not None:
                ids = entry.get("sources")  # stores written before 0.2 lack it: read the array
                if ids is None:
                    ids = sorted({int(i) for i in np.unique(self._load(name, "source")) if i >= 0})
                paths = tuple(self.manifest["sources"][i]["path"] for i in ids)
            count = entry["count"] if entry is not None else 0
            if self._default_contributes(name):
                paths += (self.default.source["path"],)
                count = int((~np.isnan(self.values(key))).sum())
            rows.append(Coverage(key, count, paths, bool(entry and entry.get("curve"))))
        known = int((self.order >= 0).sum())
        for d in DATASETS:
            for m in ANALYTIC_MEASURES:
                rows.append(Coverage(cost_key(d, m), known, (ANALYTIC_SOURCE["path"],), False))
        return rows


def open_benchmark(space: str = "nats-tss", home=None) -> Benchmark:
    """The one factory: the benchmark of ``space`` under ``home`` (default: the user cache
    folder or ``$NASBENCH_EVAL_HOME``). Opening reads one small JSON file."""
    sp = get_space(space)
    return Benchmark(sp, layout.store_dir(home, sp.name))
