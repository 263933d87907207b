"""The ``file:`` estimator: external scores by index or arch string, in correlate and run."""

import numpy as np
import pytest
from click.testing import CliRunner

from nasbench_eval.cli import main
from nasbench_eval.errors import BenchmarkFileError, MetricKeyError
from nasbench_eval.estimators import EstimatorContext, build_estimator

P12 = "cifar10-valid/x-valid/accuracy/12/mean"


def test_scores_by_arch_string_and_default_column(tss, tmp_path):
    f = tmp_path / "s.csv"
    f.write_text(f"arch,score\n{tss.arch_at(284)},7.5\n{tss.arch_at(0)},-1\n")
    est = build_estimator(f"file:{f}", EstimatorContext(tss, "cifar10", purpose="score"))
    arch = tss.space.parse(tss.arch_at(284))
    assert est.evaluate(arch).value == 7.5 and est.describe()["column"] == "score"
    assert np.isnan(est.score_many(np.array([tss.space.parse(tss.arch_at(1))]))[0])
    with pytest.raises(MetricKeyError, match="scores 2 of the 15,625"):
        build_estimator(f"file:{f}", EstimatorContext(tss, "cifar10"))  # a search needs all


def test_correlate_and_search_with_a_copy_of_the_table(home, tss, tmp_path):
    f = tmp_path / "copy.csv"
    values = tss.query(P12)
    f.write_text("index,a,b\n" + "".join(f"{i},{v},{-v}\n" for i, v in enumerate(values)))
    cli = CliRunner()
    res = cli.invoke(
        main,
        [
            "--home",
            str(home),
            "correlate",
            "--estimator",
            f"file:{f}:a",
            "--archs",
            "500",
            "--bootstrap",
            "0",
        ],
    )
    assert res.exit_code == 0, res.output
    from nasbench_eval.runs.correlate import correlate

    copy = correlate(tss, "cifar10-valid", f"file:{f}:a", archs="500", n_boot=0)
    table = correlate(tss, "cifar10-valid", P12, archs="500", n_boot=0)
    assert copy["metrics"]["kendall_tau"] == table["metrics"]["kendall_tau"]  # the same scores
    assert f"{copy['metrics']['kendall_tau']:.3f}" in res.output
    out = tmp_path / "runs"
    for spec in (f"file:{f}:a", P12):
        res = cli.invoke(
            main,
            [
                "--home",
                str(home),
                "run",
                "--method",
                "rea",
                "--protocol",
                "nb201",
                "--seeds",
                "0",
                "--estimator",
                spec,
                "--budget",
                "120q",
                "--out",
                str(out / spec[:4]),
            ],
        )
        assert res.exit_code == 0, res.output
    a, b = (next((out / d).rglob("seed-0000.json")).read_text() for d in ("file", "cifa"))
    import json

    ra, rb = json.loads(a), json.loads(b)
    assert ra["trajectory"]["index"] == rb["trajectory"]["index"]  # same scores, same search
    assert ra["estimator"]["kind"] == "file" and rb["estimator"]["kind"] == "table"


@pytest.mark.parametrize(
    "text, match",
    [
        ("foo,score\n1,2\n", "needs an 'index' or 'arch' column"),
        ("index,a,b\n1,2,3\n", "name the score column"),
        ("index,score\n99999,2\n", "line 2"),
        ("index,score\n1,nan\n", "not a finite number"),
        ("index,score\n1,2\n1,3\n", "a second, different score"),
    ],
)
def test_bad_files(tss, tmp_path, text, match):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(BenchmarkFileError, match=match):
        build_estimator(f"file:{f}", EstimatorContext(tss, "cifar10", purpose="score"))
