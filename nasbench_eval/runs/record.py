"""Run records: one JSON file per (method, space, protocol, dataset, seed).

A record holds everything needed to trust and re-make a result: the full config, package
version and git commit, the benchmark's sources (path + md5), the estimator, the whole
trajectory, the final architecture and its final metrics (each named by its metric key),
and the wall time. Records are written atomically and never overwritten unless asked.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..bench.layout import write_json_atomic
from ..errors import BenchmarkFileError
from ..provenance import git_commit, provenance  # noqa: F401 - re-exported for the run layer

FORMAT = "nasbench-eval-run"
VERSION = 1


def record_path(out: Path, method: str, space: str, protocol: str, dataset: str, seed: int) -> Path:
    return Path(out) / f"{method}-{space}-{protocol}-{dataset}" / f"seed-{seed:04d}.json"


def write_record(path: Path, record: dict, *, overwrite: bool = False) -> None:
    if path.exists() and not overwrite:
        raise FileExistsError(path)
    write_json_atomic(path, {"format": FORMAT, "version": VERSION, **record})


def load_record(path: Path) -> dict:
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise BenchmarkFileError(f"corrupt run record {path}: {exc}") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise BenchmarkFileError(f"{path} is not a nasbench-eval run record")
    return record


def find_records(paths) -> list[tuple[Path, dict]]:
    """Every run record under the given files or folders; an error if there is none."""
    found = []
    for p in map(Path, paths):
        if not p.exists():
            raise BenchmarkFileError(f"{p} does not exist")
        files = [p] if p.is_file() else sorted(p.rglob("*.json"))
        found += [(f, load_record(f)) for f in files if not f.name.startswith(".")]
    if not found:
        raise BenchmarkFileError(f"no run records in {', '.join(map(str, paths))}")
    return found
