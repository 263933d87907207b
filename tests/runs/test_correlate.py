"""Rank correlation: the metrics function, the protocol on the shared tables, the command."""

import json

import numpy as np
import pytest
import synthetic
from click.testing import CliRunner
from scipy import stats

from nasbench_eval.cli import main
from nasbench_eval.errors import MetricKeyError
from nasbench_eval.runs.correlate import correlate, default_truth, select_archs

P12 = "cifar10-valid/x-valid/accuracy/12/mean"


def test_table_estimators_on_all_archs(tss):
    r = correlate(tss, "cifar10-valid", P12, n_boot=50)
    assert r["truth"] == "cifar10-valid/x-valid/accuracy/200/mean" and r["archs"]["used"] == 15625
    t = tss.query(r["truth"])
    assert r["metrics"]["kendall_tau"] == pytest.approx(stats.kendalltau(tss.query(P12), t).statistic)
    flops = correlate(tss, "cifar10-valid", "flops", n_boot=0)
    assert flops["estimator"]["key"] == "cifar10/-/flops/-/-" and 0.3 < flops["metrics"]["spearman_rho"] < 0.9
    lat = correlate(tss, "cifar10-valid", "latency:edgetpu", n_boot=0)
    assert lat["archs"]["dropped_missing"] == 4699


def test_truth_falls_back_to_test_and_says_so(tss):
    assert default_truth(tss, "cifar100") == "cifar100/x-test/accuracy/200/mean"
    r = correlate(tss, "cifar100", "cifar100/x-valid/accuracy/12/mean", n_boot=0)
    assert "test accuracy" in r["truth_note"]


def test_subsets_are_seeded_and_files_work(tss, tmp_path):
    a, _ = select_archs(tss, "1000", 3)
    b, desc = select_archs(tss, "1000", 3)
    assert np.array_equal(a, b) and len(a) == 1000 and desc == "random 1000, seed 3"
    f = tmp_path / "idx.txt"
    f.write_text("5\n11\n284\n6111\n")
    idx, _ = select_archs(tss, str(f), 0)
    assert idx.tolist() == [5, 11, 284, 6111]
    f.write_text("5\n99999\n")
    with pytest.raises(Exception, match="out of range"):
        select_archs(tss, str(f), 0)
    with pytest.raises(MetricKeyError):
        select_archs(tss, "2", 0)


def test_command_writes_record_and_plot(home, tmp_path):
    cli = CliRunner()
    args = [
        "--home",
        str(home),
        "correlate",
        "--estimator",
        P12,
        "--archs",
        "1000",
        "--seed",
        "1",
        "--bootstrap",
        "50",
        "--out",
        str(tmp_path),
        "--plot",
        str(tmp_path / "c.png"),
    ]
    res = cli.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "Kendall tau" in res.output and "precision@100" in res.output
    rec = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert rec["archs"]["selection"] == "random 1000, seed 1" and len(rec["indices"]) == 1000
    assert (tmp_path / "c.png").stat().st_size > 10_000
    res = cli.invoke(main, args)
    assert res.exit_code == 2 and "--overwrite" in res.stderr
    res = cli.invoke(main, ["--home", str(home), "correlate", "--estimator", "supernet:/nowhere"])
    assert res.exit_code == 2 and "--data-root" in res.stderr
    res = cli.invoke(main, ["--home", str(home), "correlate", "--estimator", "cifar10/ori-test/acc/1/mean"])
    assert res.exit_code == 2 and "no metric" in res.stderr


def test_supernet_estimator_spec(home, tmp_path):
    from nasbench_eval import open_benchmark
    from nasbench_eval.train.jobs import train_supernet

    synthetic.write_cifar10(tmp_path, per_batch=40)
    synthetic.write_splits(tmp_path, cifar_train=200)
    train_supernet(
        "nats-tss",
        "cifar10-valid",
        out=tmp_path / "sn",
        data_root=tmp_path,
        epochs=1,
        verify=False,
        progress=False,
    )
    r = correlate(
        open_benchmark("nats-tss", home),
        "cifar10-valid",
        f"supernet:{tmp_path / 'sn'}",
        archs="12",
        n_boot=10,
        data_root=tmp_path,
        eval_batches=1,
        verify=False,
    )
    assert r["archs"]["used"] == 12 and r["estimator"]["kind"] == "supernet"
    assert r["estimator"]["archs_per_second"] > 0 and -1 <= r["metrics"]["kendall_tau"] <= 1
