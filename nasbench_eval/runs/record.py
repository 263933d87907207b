"""Run records: one JSON file per (method, space, protocol, dataset, seed).

A record holds everything needed to trust and re-make a result: the full config, package
version and git commit, the benchmark's sources (path + md5), the estimator, the whole
trajectory, the final architecture and its final metrics (each named by its metric key),
and the wall time. Records are written atomically and never overwritten unless asked.
"""

from __future__ import annotations

import datetime as _dt
import json
import subprocess
from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..bench.layout import write_json_atomic
from ..errors import BenchmarkFileError

FORMAT = "nasbench-eval-run"
VERSION = 1


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout the package runs from (``+dirty`` with local changes)."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (commit + ("+dirty" if dirty else "")) if commit else None


def provenance() -> dict:
    return {"package": "nasbench-eval", "version": __version__, "git_commit": git_commit(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


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
