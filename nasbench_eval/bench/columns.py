"""What an importer hands to the store: one source's values, indexed by official index.

Final values are dense (one float64 per arch, NaN = absent). Per-epoch curves are stored
only for the archs the source covers: ``rows[index]`` is the arch's row in every curve
array of the batch (-1 = none), so a 3-record sample does not cost 15,625 rows per metric.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import BenchmarkFileError
from .keys import parse_key


@dataclass(frozen=True)
class Source:
    path: str
    md5: str
    kind: str  # nats-simple | nats-full | nb201-pth | table


@dataclass
class Column:
    final: np.ndarray  # (archs,) float64, NaN = not in this source
    curve: np.ndarray | None = None  # (records, epochs) float32, rows per Batch.rows


@dataclass
class Batch:
    space: str
    num_archs: int
    source: Source
    records: int = 0  # how many archs may carry curves (rows to allocate)
    archs: dict[int, str] = field(default_factory=dict)  # official index -> arch string
    columns: dict[str, Column] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rows: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.rows = np.full(self.num_archs, -1, np.int32)
        self._next_row = 0

    def _row(self, index: int) -> int:
        if self.rows[index] < 0:
            if self._next_row >= self.records:
                raise ValueError(f"more records than the {self.records} announced")
            self.rows[index] = self._next_row
            self._next_row += 1
        return int(self.rows[index])

    def put(self, key: str, index: int, curve: np.ndarray) -> None:
        """Record one arch's value (a curve of length >= 1; its last entry is the final)."""
        col = self.columns.get(key)
        if col is None:
            parse_key(key)  # validate once per column
            col = Column(np.full(self.num_archs, np.nan))
            if len(curve) > 1:
                col.curve = np.full((self.records, len(curve)), np.nan, np.float32)
            self.columns[key] = col
        col.final[index] = curve[-1]
        if col.curve is not None:
            col.curve[self._row(index)] = curve

    def put_column(self, key: str, final: np.ndarray) -> None:
        """Record a whole column of final values (no curves), NaN where absent."""
        parse_key(key)
        self.columns[key] = Column(np.asarray(final, np.float64))


def validate(batch: Batch, *, allow_new_measure: bool = False) -> None:
    """Refuse values that cannot be right: non-finite, outside the measure's range (accuracies
    in [0, 100], times, latencies and losses >= 0), or of a measure nobody named before."""
    from .keys import measure_range

    for key, col in batch.columns.items():
        measure = parse_key(key).measure
        bounds = measure_range(measure)
        if bounds is None and not allow_new_measure:
            raise BenchmarkFileError(
                f"{batch.source.path}: {key}: unknown measure {measure!r}; check the spelling, or pass "
                "--allow-new-measure to store it as a new metric"
            )
        lo, hi = bounds or (-np.inf, np.inf)
        for name, values in (("value", col.final), ("curve value", col.curve)):
            if values is None:
                continue
            v = values[~np.isnan(values)]
            bad = v[~np.isfinite(v) | (v < lo) | (v > hi)]
            if bad.size:
                where = int(np.flatnonzero(np.isin(col.final, bad))[0]) if name == "value" else None
                arch = f" (official index {where})" if where is not None else ""
                allowed = f"finite values in [{lo:g}, {hi:g}]" if bounds else "finite values"
                raise BenchmarkFileError(
                    f"{batch.source.path}: {key}: {name} {bad[0]!r}{arch} is not allowed ({allowed}); "
                    f"{bad.size} such value(s)"
                )
