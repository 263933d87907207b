"""Executors: the same records, byte for byte, whether seeds run here, in processes or on Ray."""

import sys

import pytest

from nasbench_eval.errors import NasbenchEvalError
from nasbench_eval.runs.executors import make_executor
from nasbench_eval.runs.runner import run_seeds
from nasbench_eval.runs.spec import RunSpec

SEEDS = range(10)


def _records(out):
    return {
        p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("seed-*.json")) if "timing" not in p.name
    }


def test_local_process_and_ray_records_are_byte_identical(home, tmp_path):
    spec = RunSpec("rea", protocol="nb201", home=str(home))
    run_seeds(spec, SEEDS, tmp_path / "local", executor="local")
    run_seeds(spec, SEEDS, tmp_path / "process", executor="process", workers=2)
    local = _records(tmp_path / "local")
    assert len(local) == 10 and _records(tmp_path / "process") == local
    ray = pytest.importorskip("ray")
    try:
        run_seeds(spec, SEEDS, tmp_path / "ray", executor="ray", workers=2)
    finally:
        ray.shutdown()
    assert _records(tmp_path / "ray") == local


def test_ray_missing_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(NasbenchEvalError, match=r"pip install 'nasbench-eval\[ray\]'"):
        make_executor("ray", 2)


def test_address_needs_ray():
    with pytest.raises(NasbenchEvalError, match="--address joins a Ray cluster"):
        make_executor("process", 2, "10.0.0.1:6379")
    assert type(make_executor(None, 1)).__name__ == "LocalExecutor"
    assert type(make_executor(None, 2)).__name__ == "ProcessExecutor"
