"""The prepared GPU search (issue 12) runs end to end on CPU with --smoke, and the one-shot
records it writes go into the NB201 table and the trajectory plot."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_gpu_search_smoke_then_table_and_plot(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "search"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/gpu_search.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads((out / "gpu_search.json").read_text())
    assert set(result["runs"]) == {"gdas", "darts-v1"} and result["card"] == "cpu"
    for r in result["runs"].values():
        assert r["epochs"] == 1 and len(r["epoch_seconds"]) == 1 and r["final_c10_test"] > 0
    assert "\\|" in (out / "gpu_search.md").read_text()  # arch strings escaped in the tables

    from nasbench_eval.analysis.plots import trajectory_plot
    from nasbench_eval.analysis.table import method_rows
    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.records import find_records

    records = [r for _, r in find_records([out / "runs"])]
    titles = [row.label for row in method_rows(records)]
    assert titles == ["DARTS-V1 [1 epoch] (nats, cifar10)", "GDAS [1 epoch] (nats, cifar10)"]
    trajectory_plot(records, open_benchmark("nats-tss", str(tmp_path / "home")), tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000
