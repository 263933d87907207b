"""SGNAS: generator, losses, the run on the shared tables, resume, edge cases, command."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from nasbench_eval.cli import main
from nasbench_eval.errors import MetricKeyError, NasbenchEvalError
from nasbench_eval.methods._sgnas_generator import Generator, PriorPool, generate, hardware_loss
from nasbench_eval.runs import generative
from nasbench_eval.runs.spec import RunSpec

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


def _spec(home, targets="20:180:40", **kw) -> RunSpec:
    config = {**TINY, "targets": targets, **kw.pop("config", {})}
    return RunSpec("sgnas", config=config, home=str(home), **kw)


def test_table_run_record(home, tmp_path):
    r, timing = generative.run(_spec(home), 0)
    assert [t.target for t in r.sweep.targets] == [20, 60, 100, 140, 180]
    assert r.estimator["kind"] == "table" and "not in the paper" in r.estimator["variant"]
    assert r.protocol == "nb201" and r.kind == "generative" and r.estimator["oracle"] is True
    assert (r.budget.used, r.budget.unit) == (15625, "archs (the whole 12-epoch table)")  # an oracle's cost
    s = r.sweep.summary
    assert set(s["regret"]) == {"C10 test", "C100 test", "IN16 test"} and 0 <= s["share_within_5pct"] <= 1
    assert r.final.index in [t.index for t in r.sweep.targets]
    assert len(r.sweep.log) == 4 and r.sweep.log[0]["tau"] == 5.0
    assert r.sweep.log[1]["tau"] == pytest.approx(4.75)
    again, _ = generative.run(_spec(home), 0)
    assert again.to_dict() == r.to_dict()  # deterministic, and no clock in the record
    assert timing["generator_training_s"] > 0


def test_killed_generator_training_resumes_identically(home, tmp_path):
    full, _ = generative.run(_spec(home), 1)
    ckpt = tmp_path / "k.ckpt.pt"
    with pytest.raises(KeyboardInterrupt):
        generative.run(_spec(home), 1, ckpt, stop_after_epochs=2)
    assert ckpt.exists()
    resumed, _ = generative.run(_spec(home), 1, ckpt)
    assert [t.arch for t in resumed.sweep.targets] == [t.arch for t in full.sweep.targets]
    assert resumed.sweep.log == full.sweep.log


def test_sub_space_restricts_every_generated_arch(home):
    r, _ = generative.run(_spec(home, targets=None, subspace="ops=nor_conv_3x3,skip_connect,none"), 0)
    allowed = {"nor_conv_3x3", "skip_connect", "none"}
    for t in r.sweep.targets:
        assert {e.split("~")[0] for e in t.arch.replace("+", "|").split("|") if e} <= allowed
    assert r.subspace == "ops=nor_conv_3x3,skip_connect,none"


@pytest.mark.parametrize(
    "kw, error, match",
    [
        ({"targets": "1:500:10"}, NasbenchEvalError, "achievable range"),
        ({"targets": "a:b"}, NasbenchEvalError, "start:stop:step"),
        ({"targets": "20:200:1e-12"}, NasbenchEvalError, "at most 10,000"),
        ({"config": {"constraint": "latency:toaster"}}, MetricKeyError, "unknown device"),
        ({"config": {"constraint": "latency:edgetpu"}}, MetricKeyError, "lacks 4699 archs"),
        ({"space": "nats-sss"}, MetricKeyError, "covers only 3"),
        ({"estimator": "supernet"}, MetricKeyError, "supernet:JOB_DIR"),
        ({"config": {"epochs": 0}}, NasbenchEvalError, "epochs must be >= 1"),
    ],
)
def test_edge_cases(home, kw, error, match):
    with pytest.raises(error, match=match):
        generative.run(_spec(home, **kw), 0)


def test_latency_constraint_uses_the_exact_table_expectation(home, tss, tmp_path):
    from nasbench_eval.analysis.plots import sweep_plot

    r, _ = generative.run(_spec(home, targets="10:20:5", config={"constraint": "latency:pixel3"}), 0)
    assert r.sweep.constraint["unit"] == "ms on pixel3" and len(r.sweep.targets) == 3
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
            "--set",
            "targets=20:100:40",
            "--config",
            str(cfg),
            "--out",
            str(tmp_path / "runs"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "estimator cifar10-valid/x-valid/accuracy/12/mean" in res.output
    assert "controllability: Kendall tau" in res.output
    res = cli.invoke(main, ["--home", str(home), "table", str(tmp_path / "runs")])
    assert res.exit_code == 0 and "SGNAS [oracle estimator] (nb201, cifar10)" in res.output
    assert "15,625 archs (the whole 12-epoch table)" in res.output
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
        spec = _spec(
            home,
            targets=targets,
            space=space,
            estimator=f"supernet:{job}",
            data_root=str(tmp_path),
            config=cfg,
            verify=False,
        )
        r, _ = generative.run(spec, 0)
        assert r.estimator["kind"] == "supernet" and "paper" in r.estimator["variant"]
        assert len(r.sweep.targets) >= 3
        assert all(0 <= t.estimated_accuracy <= 100 for t in r.sweep.targets)


def test_paper_decoding_is_the_default_and_ours_is_a_named_variant(home):
    paper, _ = generative.run(_spec(home, targets=None), 0)
    ours, _ = generative.run(_spec(home, targets=None, config={"decode": "constrained"}), 0)
    assert paper.config["decode"] == "argmax" and ours.config["decode"] == "constrained"
    assert paper.sweep.log == ours.sweep.log  # the same generator, decoded two ways
    assert ours.sweep.summary["share_within_5pct"] >= paper.sweep.summary["share_within_5pct"]


def test_budget_honest_variant_counts_its_queries(home):
    before = torch.get_num_threads()
    r, _ = generative.run(_spec(home, estimator="additive:120"), 0)
    assert (r.budget.used, r.budget.unit) == (120, "queries") and r.estimator["oracle"] is False
    assert (
        r.estimator["kind"] == "additive" and r.estimator["queries"] == 120 and 0 < r.estimator["fit_r2"] < 1
    )
    assert torch.get_num_threads() == before  # the generator's one thread is restored afterwards


def test_task_conditioned_generator_maps_scenarios_in_one_pass():
    """EAS's generator: the task input changes the logits, SGNAS's has no task parameters."""
    torch.manual_seed(0)
    assert set(Generator(8).state_dict()) == {
        k for k in Generator(8, tasks=20).state_dict() if k != "task.weight"
    }
    gen = Generator(8, tasks=20).eval()
    n = 1000
    prior = torch.nn.functional.one_hot(torch.randint(0, 8, (n, 5)), 8).float()
    tasks = torch.zeros(n, 20)
    tasks[torch.arange(n), torch.randint(0, 20, (n,))] = 1
    budget = torch.rand(n)
    logits = gen(prior, budget, tasks)  # one forward pass for every scenario
    assert logits.shape == (n, 5, 8)
    other = tasks.roll(1, dims=1)
    assert not torch.allclose(gen(prior[:1], budget[:1], tasks[:1]), gen(prior[:1], budget[:1], other[:1]))
    with pytest.raises(ValueError, match="task"):
        gen(prior, budget)
