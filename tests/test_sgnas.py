"""SGNAS: generator, losses, the run on the shared tables, resume, edge cases, command."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from nasbench_eval.cli import main
from nasbench_eval.errors import MetricKeyError, NasbenchEvalError
from nasbench_eval.methods.sgnas import Generator, PriorPool, generate, hardware_loss
from nasbench_eval.runs.generate import SGNASSpec, run_sgnas

TINY = {"epochs": 4, "steps_per_epoch": 5, "batch_size": 16, "prior_pool": 500}


def test_hardware_loss_has_a_dead_zone_and_punishes_overshoot_more():
    t = torch.tensor([0.5])
    hl = lambda e: float(hardware_loss(torch.tensor([e]), t, under=10, over=12, dead_zone=0.01))  # noqa: E731
    assert hl(0.505) == 0 and hl(0.495) == 0
    assert hl(0.61) == pytest.approx(12 * 0.1**2) and hl(0.39) == pytest.approx(10 * 0.1**2)


def test_generator_maps_every_target_in_one_pass():
    gen = Generator(8)
    choices = np.random.default_rng(0).integers(0, 5, (200, 6))
    pool = PriorPool.build(choices, np.linspace(0, 1, 200), 10)
    archs = generate(gen, pool, 5, np.linspace(0, 1, 1000))
    assert archs.shape == (1000, 6) and archs.min() >= 0 and archs.max() <= 4
    assert pool.draw(np.array([0.0, 1.0]), np.random.default_rng(0)).shape == (2, 6)


def test_table_run_record(home, tmp_path):
    spec = SGNASSpec(targets="20:180:40", config=TINY, home=str(home))
    r = run_sgnas(spec, 0, tmp_path / "a.json")
    assert [t["target"] for t in r["targets"]] == [20, 60, 100, 140, 180]
    assert r["estimator"]["kind"] == "table" and "not in the paper" in r["estimator"]["variant"]
    assert "no --supernet job" in r["estimator"]["choice_reason"]
    s = r["summary"]
    assert set(s["regret"]) == {"C10 test", "C100 test", "IN16 test"} and 0 <= s["share_within_5pct"] <= 1
    assert r["final"]["index"] in [t["index"] for t in r["targets"]]
    assert len(r["generator_log"]) == 4 and r["generator_log"][0]["tau"] == 5.0
    assert r["generator_log"][1]["tau"] == pytest.approx(4.75)
    again = run_sgnas(spec, 0, tmp_path / "b.json")
    assert [t["arch"] for t in again["targets"]] == [t["arch"] for t in r["targets"]]


def test_killed_generator_training_resumes(home, tmp_path):
    spec = SGNASSpec(targets="20:180:40", config=TINY, home=str(home))
    full = run_sgnas(spec, 1, tmp_path / "full.json")
    with pytest.raises(KeyboardInterrupt):
        run_sgnas(spec, 1, tmp_path / "k.json", stop_after_epochs=2)
    assert (tmp_path / "k.ckpt.pt").exists() and not (tmp_path / "k.json").exists()
    resumed = run_sgnas(spec, 1, tmp_path / "k.json")
    assert [t["arch"] for t in resumed["targets"]] == [t["arch"] for t in full["targets"]]
    assert resumed["generator_log"] == full["generator_log"] and not (tmp_path / "k.ckpt.pt").exists()


@pytest.mark.parametrize(
    "kw, error, match",
    [
        ({"targets": "1:500:10"}, NasbenchEvalError, "achievable range"),
        ({"targets": "a:b"}, NasbenchEvalError, "start:stop:step"),
        ({"constraint": "latency:toaster"}, MetricKeyError, "unknown device"),
        ({"constraint": "latency:edgetpu"}, MetricKeyError, "lacks 4699 archs"),
        ({"space": "nats-sss"}, MetricKeyError, "covers only 3"),
        ({"estimator": "supernet"}, NasbenchEvalError, "--supernet JOB_DIR"),
    ],
)
def test_edge_cases(home, tmp_path, kw, error, match):
    with pytest.raises(error, match=match):
        run_sgnas(SGNASSpec(**{"config": TINY, "home": str(home), **kw}), 0, tmp_path / "x.json")


def test_latency_constraint_uses_the_exact_table_expectation(home, tmp_path, tss):
    from nasbench_eval.reports.plots import sweep_plot

    r = run_sgnas(
        SGNASSpec(constraint="latency:pixel3", targets="10:20:5", config=TINY, home=str(home)),
        0,
        tmp_path / "l.json",
    )
    assert r["constraint"]["unit"] == "ms on pixel3" and len(r["targets"]) == 3
    sweep_plot([r], tss, tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 10_000


def test_command_and_table(home, tmp_path):
    cfg = tmp_path / "tiny.json"
    cfg.write_text(json.dumps(TINY))
    cli = CliRunner()
    res = cli.invoke(
        main,
        [
            "--home",
            str(home),
            "run",
            "--method",
            "sgnas",
            "--space",
            "nats-tss",
            "--targets",
            "20:100:40",
            "--config",
            str(cfg),
            "--out",
            str(tmp_path / "runs"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "estimator: table" in res.output and "controllability: Kendall tau" in res.output
    res = cli.invoke(main, ["--home", str(home), "table", str(tmp_path / "runs")])
    assert res.exit_code == 0 and "SGNAS (nb201, cifar10)" in res.output and "generator steps" in res.output
    res = cli.invoke(
        main,
        ["--home", str(home), "plot", "trajectory", str(tmp_path / "runs"), "-o", str(tmp_path / "t.png")],
    )
    assert res.exit_code == 2 and "no record with a search trajectory" in res.stderr
    res = cli.invoke(
        main, ["--home", str(home), "plot", "cost", str(tmp_path / "runs"), "-o", str(tmp_path / "c.png")]
    )
    assert res.exit_code == 0


def test_supernet_estimator_on_both_spaces(home, tmp_path):
    import synthetic

    from nasbench_eval.train.jobs import train_supernet

    synthetic.write_cifar10(tmp_path, per_batch=40)
    synthetic.write_splits(tmp_path, cifar_train=200)
    cfg = {
        **TINY,
        "epochs": 2,
        "steps_per_epoch": 2,
        "supernet_archs_per_step": 2,
        "supernet_batches": 2,
        "supernet_batch_size": 32,
    }
    for space, targets in (("nats-tss", "20:100:40"), ("nats-sss", "5:20:5")):
        job = tmp_path / space
        train_supernet(
            space, "cifar10-valid", out=job, data_root=tmp_path, epochs=1, verify=False, progress=False
        )
        spec = SGNASSpec(
            space=space,
            targets=targets,
            supernet=str(job),
            data_root=str(tmp_path),
            config=cfg,
            home=str(home),
            verify=False,
        )
        r = run_sgnas(spec, 0, tmp_path / f"{space}.json")
        assert r["estimator"]["kind"] == "supernet" and "paper" in r["estimator"]["variant"]
        assert len(r["targets"]) >= 3
        assert all(0 <= t["estimated_accuracy"] <= 100 for t in r["targets"])
