"""External per-arch scores from a CSV file: ``file:PATH.csv[:COLUMN]``.

Lets a user correlate or search with any predictor computed elsewhere. The file has an
``index`` column (official indices) or an ``arch`` column (arch strings), and the score
column: COLUMN, else ``score``, else the only other column. Archs the file lacks score
NaN; a search needs a score for every arch of its (sub-)space.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from ..errors import ArchError, BenchmarkFileError, MetricKeyError
from .base import ColumnEstimator
from .spec import ESTIMATORS


@ESTIMATORS.register("file", kind="external", description="scores from a CSV file: file:PATH.csv[:COLUMN]")
class FileEstimator(ColumnEstimator):
    spec_arg = "PATH.csv[:COLUMN]"

    def __init__(self, bench, path: str, column: str | None = None, *, space=None, require_complete=True):
        super().__init__(space or bench.space, np.full(bench.space.size, np.nan))
        self.bench, self.path = bench, Path(path)
        rows, self.column = self._read(column)
        self.label = f"{self.column} ({self.path.name})"
        for n, row in enumerate(rows, start=2):
            code, value = self._row(row, n)
            if not math.isnan(self._by_code[code]) and self._by_code[code] != value:
                raise BenchmarkFileError(f"{self.path}, line {n}: a second, different score for one arch")
            self._by_code[code] = value
        missing = self.missing()
        if require_complete and missing:
            raise MetricKeyError(
                f"{self.path} scores {self.space.size - missing:,} of the {self.space.size:,} "
                f"{self.space.label} archs; a search needs all of them (or restrict it with --subspace)"
            )

    @classmethod
    def from_spec(cls, arg: str, context) -> FileEstimator:
        path, column = arg, None
        head, sep, tail = arg.rpartition(":")
        if sep and head.lower().endswith(".csv"):
            path, column = head, tail
        if not path:
            raise MetricKeyError("file needs a CSV path: file:PATH.csv[:COLUMN]")
        return cls(
            context.bench, path, column, space=context.space, require_complete=context.purpose == "search"
        )

    def _read(self, column):
        try:
            with open(self.path, newline="", encoding="utf-8-sig") as f:
                reader = csv.DictReader(f)
                fields = reader.fieldnames or []
                rows = list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise BenchmarkFileError(f"cannot read scores from {self.path}: {exc}") from None
        self._key = "index" if "index" in fields else "arch" if "arch" in fields else None
        if self._key is None:
            raise BenchmarkFileError(
                f"{self.path}: needs an 'index' or 'arch' column (has {', '.join(fields)})"
            )
        others = [c for c in fields if c not in ("index", "arch")]
        column = column or ("score" if "score" in others else others[0] if len(others) == 1 else None)
        if column not in others:
            raise BenchmarkFileError(
                f"{self.path}: name the score column (file:{self.path}:COLUMN); columns: {', '.join(others)}"
            )
        return rows, column

    def _row(self, row: dict, n: int) -> tuple[int, float]:
        try:
            value = float(row[self.column])
            if self._key == "index":
                index = int(row["index"])
                code = int(self.bench.order[self.bench._check_index(index)])
                if code < 0:
                    raise ValueError("the benchmark does not know this index's arch")
            else:
                code = self.bench.space.code(self.bench.space.parse(row["arch"]))
        except (ValueError, TypeError, ArchError) as exc:
            raise BenchmarkFileError(f"{self.path}, line {n}: {exc}") from None
        if not math.isfinite(value):
            raise BenchmarkFileError(
                f"{self.path}, line {n}: score {row[self.column]!r} is not a finite number"
            )
        return code, value

    def describe(self) -> dict:
        return {
            "kind": "file",
            "spec": f"file:{self.path}:{self.column}",
            "path": str(self.path),
            "column": self.column,
        }
