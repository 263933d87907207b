"""Runs end to end on the shared tables: records, budgets, tables, plots, CLI."""

import csv
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from shared_data import ACCURACY_CSV

from nasbench_eval import open_benchmark
from nasbench_eval.analysis.plots import pareto_front
from nasbench_eval.analysis.table import method_rows, optimal_row, reference_rows, render
from nasbench_eval.bench.importers import read_source
from nasbench_eval.bench.layout import write_json_atomic
from nasbench_eval.bench.store import import_batch
from nasbench_eval.cli import main
from nasbench_eval.errors import BenchmarkFileError, MetricKeyError
from nasbench_eval.estimators import TableEstimator
from nasbench_eval.records import find_records
from nasbench_eval.runs.runner import parse_seeds, run_one, run_seeds
from nasbench_eval.runs.spec import RunSpec


@pytest.fixture(scope="module")
def runs(home, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    for method in ("rs", "rea"):  # query budgets (the embedded default has training times)
        run_seeds(RunSpec(method, protocol="nb201", budget_unit="queries", home=str(home)), range(4), out)
    run_seeds(RunSpec("bohb", dataset="cifar100", home=str(home)), range(3), out, workers=2)
    return out


def test_records_hold_everything(runs, tss):
    records = find_records([runs])
    assert len(records) == 11
    path, r = next((p, rec) for p, rec in records if p.name == "seed-0002.json" and rec.method == "rea")
    assert (r.budget.limit, r.budget.unit, r.budget.used) == (120.0, "queries", 120.0)
    assert r.estimator["key"] == "cifar10-valid/x-valid/accuracy/12/mean"
    assert r.config == {
        "population_size": 10,
        "sample_size": 3,
        "warmup": 0,
        "warmup_estimator": "zc:synflow",
    }
    assert r.kind == "multi-trial"
    assert {s["md5"] for s in r.benchmark["sources"]} >= {"eded4c7c8de485e517d13d59b87083ad"}
    assert r.provenance["version"] == "0.1.0" and r.schema_version == 2
    assert json.loads(path.with_suffix(".timing.json").read_text())["wall_time_s"] > 0
    t = r.trajectory
    assert len(t.index) == 120 and t.cumulative_cost[-1] == 120
    best = int(np.argmax(t.estimate))
    assert r.final.index == t.index[best]
    assert r.final_metrics["cifar10/ori-test/accuracy/200/mean"] == tss.query(
        "cifar10/ori-test/accuracy/200/mean", r.final.index
    )
    assert r.final_metrics["cifar100/x-valid/accuracy/200/mean"] in (None, pytest.approx(0, abs=100))


def test_same_seed_same_record_in_workers(home, tmp_path):
    spec = RunSpec("reinforce", dataset="ImageNet16-120", home=str(home))
    run_seeds(spec, [7, 8], tmp_path / "a", workers=2)
    run_seeds(spec, [7, 8], tmp_path / "b", workers=1)
    for seed in (7, 8):
        a, b = (
            (tmp_path / d / "reinforce-nats-tss-nats-ImageNet16-120" / f"seed-{seed:04d}.json").read_bytes()
            for d in "ab"
        )
        assert a == b  # byte-identical whatever the executor
        assert json.loads(a)["config"]["learning_rate"] == 0.01  # the NATS protocol's value


def test_records_are_never_silently_overwritten(home, tmp_path):
    spec = RunSpec("rs", protocol="nb201", home=str(home))
    written, kept = run_seeds(spec, [0], tmp_path)
    before = written[0].read_text()
    written2, kept2 = run_seeds(spec, [0, 1], tmp_path)
    assert kept2 == written and len(written2) == 1 and written[0].read_text() == before
    written3, _ = run_seeds(spec, [0], tmp_path, overwrite=True)
    assert written3 == written


def test_interrupted_write_leaves_no_record(tmp_path, monkeypatch):
    path = tmp_path / "x" / "seed-0000.json"

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", boom)  # killed after writing, before the rename
    with pytest.raises(KeyboardInterrupt):
        write_json_atomic(path, {"a": 1})
    assert not path.exists() and not list(path.parent.iterdir())


def test_seconds_budget_when_the_benchmark_has_times(home, tmp_path):
    rows = list(csv.DictReader(open(ACCURACY_CSV)))
    key = "cifar10-valid/x-valid/accuracy/12/mean"
    table = tmp_path / "times.csv"
    with open(table, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "index",
                "arch",
                key,
                "cifar10-valid/train/time_s/12/mean",
                "cifar10-valid/x-valid/time_s/12/mean",
            ]
        )
        for r in rows:
            i = int(r["index"])
            w.writerow([i, r["arch"], r[key], 50 + i % 7, 24])
    import_batch(tmp_path, read_source(table))
    bench = open_benchmark("nats-tss", tmp_path)
    est = TableEstimator(bench, key)
    assert est.budget_unit == "seconds"
    arch = bench.space.parse(bench.arch_at(10))
    assert est.evaluate(arch).cost == pytest.approx(50 + 10 % 7 + 24 / 12)
    assert bench.simulated_time(10, "cifar10", 12) == pytest.approx(53 + 2)
    r, _ = run_one(RunSpec("rea", protocol="nb201", home=str(tmp_path)), 0)
    assert r.budget.unit == "seconds" and r.budget.limit == 12000
    assert r.budget.used >= 12000 and r.trajectory.cumulative_cost[-2] < 12000
    with pytest.raises(MetricKeyError, match="training times"):  # cifar100 has none anywhere
        TableEstimator(
            open_benchmark("nats-tss", home), "cifar100/x-valid/accuracy/12/mean", budget_unit="seconds"
        )


def test_table_rows_optimal_and_references(runs, tss):
    records = [r for _, r in find_records([runs])]
    rows = method_rows(records)
    assert [r.label for r in rows] == [
        "RS [query budget] (nb201, cifar10)",
        "REA [query budget] (nb201, cifar10)",
        "BOHB [query budget] (nats, cifar100)",
    ]
    rs = rows[0]
    vals = [r.final_metrics["cifar10/ori-test/accuracy/200/mean"] for r in records if r.method == "rs"]
    assert rs.cells[1][0] == pytest.approx(np.mean(vals)) and rs.cells[1][2] == 4
    assert rs.cells[2] is None and rs.cost == "120 queries"  # no C100 val for every arch: n/a
    opt = optimal_row(tss)
    assert [c and round(c[0], 4) for c in opt.cells] == [91.6067, 94.3733, None, 73.5133, None, 47.3111]
    ref = reference_rows("nb201")
    assert any(r.label.startswith("SGNAS") and r.cells[1][0] == 93.53 for r in ref)
    md = render(rows + [opt], "markdown")
    assert "| RS [query budget] (nb201, cifar10) |" in md and "n/a" in md
    assert r"$\pm$" in render(rows, "latex") and render(rows, "csv").startswith("method,C10 val mean")


def test_pareto_front():
    cost = np.array([1, 2, 2, 3, 4, np.nan])
    acc = np.array([10, 5, 12, 11, 20, 99])
    c, a = pareto_front(cost, acc)
    assert c.tolist() == [1, 2, 4] and a.tolist() == [10, 12, 20]


def test_cli_run_table_plot(home, runs, tmp_path):
    cli = CliRunner()
    base = ["--home", str(home)]
    res = cli.invoke(
        main, [*base, "run", "--method", "rea", "--seeds", "0-1", "--out", str(tmp_path), "--budget", "30q"]
    )
    assert res.exit_code == 0 and "2 record(s) written" in res.output
    rec = json.loads(next(tmp_path.rglob("seed-0001.json")).read_text())
    assert rec["budget"]["limit"] == 30
    res = cli.invoke(main, [*base, "table", str(runs), "--reference", "nb201"])
    assert res.exit_code == 0 and "optimal (this benchmark)" in res.output and "Published rows" in res.output
    for name, args in (
        ("t.png", ["trajectory"]),
        ("c.svg", ["cost", "--cost", "latency:pixel3"]),
        ("p.pdf", ["cost", "--cost", "params"]),
    ):
        res = cli.invoke(main, [*base, "plot", *args, str(runs), "-o", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
        assert (tmp_path / name).stat().st_size > 10_000


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["run", "--method", "rea", "--space", "nats-sss", "--out", "{tmp}"],
            "covers only 3 of the 32,768 nats-sss archs",
        ),
        (
            ["run", "--method", "rea", "--protocol", "nb201", "--dataset", "cifar100", "--out", "{tmp}"],
            "cifar10 only",
        ),
        (["run", "--method", "rea", "--seeds", "3-x", "--out", "{tmp}"], "seeds must look like"),
        (["run", "--method", "rea", "--budget", "lots", "--out", "{tmp}"], "--budget must look like"),
        (["table", "{tmp}/nothing"], "does not exist"),
        (["table", "{tmp}"], "no run records"),
        (["table", "{tmp}/bad.json"], "corrupt run record"),
        (
            ["plot", "cost", "{runs}", "--cost", "latency:toaster", "-o", "{tmp}/x.png"],
            "unknown device 'toaster'",
        ),
        (["plot", "trajectory", "{runs}", "-o", "{tmp}/x.gif"], "must end in"),
    ],
)
def test_cli_bad_input(home, runs, tmp_path, args, message):
    (tmp_path / "bad.json").write_text("{oops")
    if "{tmp}" in args and args[0] == "table" and args[1] == "{tmp}":
        (tmp_path / "bad.json").unlink()
    args = [a.replace("{tmp}", str(tmp_path)).replace("{runs}", str(runs)) for a in args]
    res = CliRunner().invoke(main, ["--home", str(home), *args])
    assert res.exit_code == 2 and message in res.stderr and "Traceback" not in res.stderr


def test_parse_seeds():
    assert parse_seeds("0-3,7") == [0, 1, 2, 3, 7] and parse_seeds("5") == [5]
    with pytest.raises(MetricKeyError):
        parse_seeds("a")


def test_find_records_rejects_foreign_json(tmp_path):
    (tmp_path / "x.json").write_text('{"format": "other"}')
    with pytest.raises(BenchmarkFileError, match="not a nasbench-eval run record"):
        find_records([tmp_path])
