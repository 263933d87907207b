"""The run record: one typed, versioned JSON file per (method, space, protocol, dataset, seed).

Every kind of method writes a ``RunRecord``; ``table`` and ``plot`` read nothing else. A
record holds what is needed to trust and re-make a result: the resolved options, the run's
spec, the estimator, the budget and what was used of it, the benchmark's sources (path +
md5), package version and commit, the final architecture and its metrics by metric key,
and the kind's own part (a multi-trial ``trajectory``, a generative ``sweep``, one-shot
``epochs``). It holds nothing that differs between two runs of the same seed (no clock, no
host), so a record is byte-identical whatever executor made it; wall times go to a
``.timing.json`` file beside it. Records are written atomically and never overwritten
unless asked.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .bench.layout import write_json_atomic
from .errors import BenchmarkFileError

FORMAT = "nasbench-eval-run"
SCHEMA_VERSION = 2


@dataclass
class Budget:
    limit: float
    unit: str  # 'seconds', 'queries', 'generator steps', 'epochs'
    used: float


@dataclass
class FinalArch:
    index: int
    arch: str
    estimate: float | None = None  # the method's own estimate of it
    target: float | None = None  # generative methods: the target it was generated for


@dataclass
class Trajectory:
    """Multi-trial: every query in order."""

    index: list[int]
    fidelity: list[int | None]
    estimate: list[float | None]
    cumulative_cost: list[float]


@dataclass
class TargetRow:
    target: float
    achieved: float
    index: int
    arch: str
    estimated_accuracy: float
    metrics: dict[str, float | None]
    #: scenarios (EAS): the task's superclasses and the baselines' archs on the same scenario
    task: list[int] | None = None
    baselines: dict | None = None


@dataclass
class Sweep:
    """Generative: one generated arch per target, controllability and regret."""

    constraint: dict  # name, unit, range
    targets: list[TargetRow]
    summary: dict
    log: list[dict]  # per generator epoch

    @classmethod
    def from_dict(cls, d: dict) -> Sweep:
        return cls(d["constraint"], [TargetRow(**t) for t in d["targets"]], d["summary"], d["log"])


@dataclass
class RunRecord:
    method: str
    method_title: str
    kind: str  # multi-trial | one-shot | generative | space-learning
    space: str
    subspace: str | None
    protocol: str
    search_dataset: str
    seed: int
    config: dict  # the method's resolved options
    run: dict  # the run's spec (estimator, budget request, data options)
    estimator: dict
    budget: Budget
    benchmark: dict  # space and sources (path, md5)
    provenance: dict  # package, version, git commit
    final: FinalArch
    final_metrics: dict[str, float | None]
    trajectory: Trajectory | None = None
    sweep: Sweep | None = None
    epochs: list[dict] | None = None  # one-shot: the derived arch after every epoch
    #: the zero-cost estimator a method's warm-up ranked random archs with (REA warmup)
    prior_estimator: dict | None = None
    #: space-learning: the learned space (members, fitness, product form, summaries, log)
    learned_space: dict | None = None
    format: str = field(default=FORMAT)
    schema_version: int = field(default=SCHEMA_VERSION)

    def to_dict(self) -> dict:
        out = {"format": self.format, "schema_version": self.schema_version}
        optional = ("trajectory", "sweep", "epochs", "prior_estimator", "learned_space")
        out.update(
            {k: v for k, v in asdict(self).items() if k not in out and (v is not None or k not in optional)}
        )
        return _finite(out)

    @classmethod
    def from_dict(cls, d: Any, source: str = "record") -> RunRecord:
        """Validate and build; a missing or mistyped field names the file and the field."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise BenchmarkFileError(f"{source} is not a nasbench-eval run record")
        if d.get("schema_version", d.get("version")) == 1:
            d = _from_v1(d)
        if d.get("schema_version") != SCHEMA_VERSION:
            raise BenchmarkFileError(
                f"{source}: run record schema {d.get('schema_version')!r} is not supported "
                f"(this version reads {SCHEMA_VERSION} and 1)"
            )
        names = {f.name for f in dataclasses.fields(cls)}
        required = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING}
        missing = sorted(required - set(d))
        if missing:
            raise BenchmarkFileError(f"{source}: run record lacks field(s) {', '.join(missing)}")
        try:
            values = {k: v for k, v in d.items() if k in names}
            values["budget"] = Budget(**d["budget"])
            values["final"] = FinalArch(**d["final"])
            if d.get("trajectory") is not None:
                values["trajectory"] = Trajectory(**d["trajectory"])
            if d.get("sweep") is not None:
                values["sweep"] = Sweep.from_dict(d["sweep"])
            record = cls(**values)
            _check_types(record)
        except (TypeError, KeyError, ValueError) as exc:
            raise BenchmarkFileError(f"{source}: malformed run record ({exc})") from None
        return record


def _check_types(r: RunRecord) -> None:
    for name in ("method", "method_title", "kind", "space", "protocol", "search_dataset"):
        if not isinstance(getattr(r, name), str):
            raise ValueError(f"field {name} must be a string")
    if not isinstance(r.seed, int) or not isinstance(r.final.index, int):
        raise ValueError("seed and final.index must be integers")
    if not isinstance(r.final_metrics, dict) or not all(
        v is None or isinstance(v, int | float) for v in r.final_metrics.values()
    ):
        raise ValueError("final_metrics must map metric keys to numbers or null")
    if not isinstance(r.budget.used, int | float) or not isinstance(r.budget.unit, str):
        raise ValueError("budget.used must be a number and budget.unit a string")


def _finite(obj):
    """NaN and infinities become null (JSON has neither)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def _from_v1(d: dict) -> dict:
    """Records written by version 0.1 (schema 1): same facts, older layout."""
    d = dict(d)
    cfg = d.get("config", {})
    d["config"] = cfg.get("config", cfg.get("generator", {}))
    d["run"] = {k: v for k, v in cfg.items() if k not in ("config", "generator")}
    d["kind"] = "generative" if "targets" in d else "multi-trial"
    d["subspace"] = None
    if "targets" in d:
        d["sweep"] = {
            "constraint": d.pop("constraint"),
            "targets": d.pop("targets"),
            "summary": d.pop("summary"),
            "log": d.pop("generator_log", []),
        }
    d["schema_version"] = SCHEMA_VERSION
    return d


def record_path(out: Path, method: str, space: str, protocol: str, dataset: str, seed: int) -> Path:
    return Path(out) / f"{method}-{space}-{protocol}-{dataset}" / f"seed-{seed:04d}.json"


def timing_path(path: Path) -> Path:
    return Path(path).with_suffix(".timing.json")


def write_record(
    path: Path, record: RunRecord, *, overwrite: bool = False, timing: dict | None = None
) -> None:
    if path.exists() and not overwrite:
        raise FileExistsError(path)
    write_json_atomic(path, record.to_dict())
    if timing is not None:
        write_json_atomic(timing_path(path), _finite(timing))


def load_record(path: Path) -> RunRecord:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise BenchmarkFileError(f"corrupt run record {path}: {exc}") from None
    return RunRecord.from_dict(data, str(path))


def is_record_file(path: Path) -> bool:
    return path.suffix == ".json" and not path.name.startswith(".") and not path.name.endswith(".timing.json")


def find_records(paths) -> list[tuple[Path, RunRecord]]:
    """Every run record under the given files or folders; an error if there is none."""
    found = []
    for p in map(Path, paths):
        if not p.exists():
            raise BenchmarkFileError(f"{p} does not exist")
        files = [p] if p.is_file() else sorted(f for f in p.rglob("*.json") if is_record_file(f))
        found += [(f, load_record(f)) for f in files]
    if not found:
        raise BenchmarkFileError(f"no run records in {', '.join(map(str, paths))}")
    return found
