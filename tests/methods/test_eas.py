"""EAS: the task-conditioned generator on a task-dropout supernet (synthetic CIFAR-100)."""

from pathlib import Path

import numpy as np
import pytest
import synthetic
import torch

from nasbench_eval.errors import NasbenchEvalError
from nasbench_eval.estimators import CostConstraint
from nasbench_eval.estimators.cost import FlopsEstimator
from nasbench_eval.estimators.supernet import SupernetEstimator
from nasbench_eval.methods.eas import EAS, random_tasks
from nasbench_eval.spaces import get_space
from nasbench_eval.train.jobs import train_supernet

TINY = {
    "epochs": 2,
    "steps_per_epoch": 3,
    "batch_size": 8,
    "prior_pool": 200,
    "supernet_archs_per_step": 2,
    "targets": None,
}


@pytest.fixture(scope="module")
def quality(tmp_path_factory):
    root = tmp_path_factory.mktemp("eas")
    synthetic.write_cifar100(root, train=400, test=200)
    synthetic.write_splits(root, cifar100_test=200)
    job = root / "job"
    train_supernet(
        "nats-sss",
        "cifar100",
        out=job,
        data_root=root,
        verify=False,
        progress=False,
        task_dropout=0.5,
        epochs=1,
    )
    return SupernetEstimator.from_job(job, root, eval_batches=2, batch_size=100, verify=False)


def _run_spec(job, home, space="nats-sss", **config):
    from nasbench_eval.runs.spec import RunSpec

    return RunSpec(
        "eas",
        space=space,
        dataset="cifar100",
        estimator=f"supernet:{job}",
        config={**TINY, "supernet_batches": 2, "supernet_batch_size": 100, **config},
        home=str(home),
        data_root=str(Path(job).parent),
        verify=False,
    )


def test_random_tasks_have_the_asked_sizes():
    t = random_tasks(np.random.default_rng(0), 500, 20, (1, 4))
    sizes = t.sum(1)
    assert t.shape == (500, 20) and sizes.min() == 1 and sizes.max() == 4 and set(np.unique(t)) == {0, 1}


def test_eas_trains_on_tasks_and_generates_every_scenario_in_one_pass(quality):
    space = get_space("nats-sss")
    constraint = CostConstraint(FlopsEstimator(space, "cifar100"))
    method = EAS(space, 0, **TINY)
    log = method.fit(quality, constraint)
    assert len(log) == 2 and method.groups == 20 and len(method._views) > 1  # several tasks seen
    tasks = random_tasks(np.random.default_rng(1), 1000, 20, (1, 4))
    targets = np.random.default_rng(2).uniform(constraint.lo, constraint.hi, 1000)
    archs = method.generate(targets, constraint, tasks)
    assert archs.shape == (1000, 5) and archs.min() >= 0 and archs.max() < 8
    everything = method.generate(targets[:3], constraint)  # the all-task baseline
    assert everything.shape == (3, 5)
    again = EAS(space, 0, **TINY)
    again.fit(quality, constraint)
    assert (again.generate(targets, constraint, tasks) == archs).all()  # seeded


def test_eas_resumes_exactly(quality):
    space = get_space("nats-sss")
    constraint = CostConstraint(FlopsEstimator(space, "cifar100"))
    full = EAS(space, 3, **TINY)
    full.fit(quality, constraint)
    first = EAS(space, 3, **{**TINY, "epochs": 1})
    first.fit(quality, constraint)
    resumed = EAS(space, 3, **TINY)
    resumed.fit(quality, constraint, state=first.state_dict())
    a, b = full.generator.state_dict(), resumed.generator.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a) and resumed.log == full.log


def test_task_views_rebatch_and_score_on_x_test(quality):
    classes = np.isin(quality.groups, [3])  # one superclass: 5 of 100 classes
    view = quality.for_task(classes)
    kept = sum(int(np.isin(y.numpy(), np.flatnonzero(classes)).sum()) for _, y in quality.batches)
    assert sum(len(y) for _, y in view.batches) == kept
    assert all(len(y) == 100 for _, y in view.batches[:-1])  # full batches of the task's images
    test = quality.on_split("x-test")
    assert test.description["held_out"] == "x-test" and sum(len(y) for _, y in test.batches) == 100
    assert test.model is quality.model
    with pytest.raises(NasbenchEvalError, match="no held-out split 'nope'"):
        quality.on_split("nope")


def test_eas_needs_a_supernet_with_superclasses():
    space = get_space("nats-sss")
    with pytest.raises(NasbenchEvalError, match="supernet"):
        EAS(space, 0, **TINY).fit(
            FlopsEstimator(space, "cifar100"), CostConstraint(FlopsEstimator(space, "cifar100"))
        )


def test_scenario_run_compares_eas_with_both_baselines(quality, home, tmp_path):
    from nasbench_eval.runs import generative

    job = quality.description["job"]
    spec = _run_spec(job, home, scenarios=6, rea_queries=4)
    record, timing = generative.run(spec, 0)
    rows = record.sweep.targets
    assert len(rows) == 6 and all(1 <= len(r.task) <= 4 for r in rows)
    for r in rows:
        assert set(r.baselines) == {"all_task", "rea"} and 0 <= r.estimated_accuracy <= 100
        assert r.baselines["rea"]["achieved"] <= r.target * 1.05
    s = record.sweep.summary
    assert set(s["task_accuracy"]) == {"split", "eas", "all_task", "rea"}
    assert s["task_accuracy"]["split"] == "x-test"  # scored on images no search saw
    assert all(0 <= r.baselines["rea"]["search_accuracy"] <= 100 for r in rows)
    assert timing["generation_s_all_scenarios"] > 0 and len(timing["rea_search_s_per_scenario"]) == 6
    again, _ = generative.run(spec, 0)
    assert again.to_dict() == record.to_dict()
    ckpt = tmp_path / "e.ckpt.pt"
    with pytest.raises(KeyboardInterrupt):
        generative.run(spec, 0, ckpt, stop_after_epochs=1)
    resumed, _ = generative.run(spec, 0, ckpt)
    assert resumed.to_dict() == record.to_dict()


def test_scenarios_file_and_finetuning(quality, home, tmp_path):
    from nasbench_eval.runs import generative
    from nasbench_eval.runs.scenarios import read_scenarios

    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text("task,budget\n3,40\n0+19,120\n")
    tasks, budgets = read_scenarios(scenarios, 20)
    assert budgets.tolist() == [40.0, 120.0] and np.flatnonzero(tasks[1]).tolist() == [0, 19]
    for bad, match in [
        ("task,budget\n20,40\n", "0..19"),
        ("t,b\n1,2\n", "header"),
        ("task,budget\nx,1\n", "3\\+17"),
    ]:
        scenarios.write_text(bad)
        with pytest.raises(NasbenchEvalError, match=match):
            read_scenarios(scenarios, 20)
    scenarios.write_text("task,budget\n3,40\n0+19,120\n")
    job = quality.description["job"]
    spec = _run_spec(job, home, scenarios_file=str(scenarios), rea_queries=2, finetune_epochs=1)
    record, timing = generative.run(spec, 0)
    rows = record.sweep.targets
    assert [r.task for r in rows] == [[3], [0, 19]] and [r.target for r in rows] == [40.0, 120.0]
    for r in rows:
        for label in ("eas", "all_task", "rea"):
            assert 0 <= r.baselines[label]["finetuned_task_accuracy"] <= 100
    tuned = record.sweep.summary["finetuned_task_accuracy"]
    assert tuned["epochs"] == 1 and set(tuned) == {"epochs", "eas", "all_task", "rea"}
    assert len(timing["finetune_s_per_scenario"]) == 2
    from nasbench_eval.analysis.plots import scenario_plot

    scenario_plot([record], tmp_path / "scenarios.png")
    assert (tmp_path / "scenarios.png").stat().st_size > 10_000


def test_finetuning_leaves_the_supernet_untouched(quality):
    view = quality.for_task(np.isin(quality.groups, [1, 2]))
    before = {k: v.clone() for k, v in quality.model.state_dict().items()}
    arch = (7, 7, 7, 7, 7)
    inherited = view.accuracy(arch)
    tuned = view.finetuned_accuracy(arch, 1)
    assert 0 <= tuned <= 100 and view.accuracy(arch) == inherited
    assert all(torch.equal(before[k], v) for k, v in quality.model.state_dict().items())


def test_eas_runs_on_the_topology_space_too(home, tmp_path):
    from nasbench_eval.runs import generative

    root = tmp_path / "data"
    synthetic.write_cifar100(root, train=200, test=200)
    synthetic.write_splits(root, cifar100_test=200)
    train_supernet(
        "nats-tss", "cifar100", out=root / "job", data_root=root, verify=False, progress=False,
        task_dropout=0.5, epochs=1,
    )  # fmt: skip
    spec = _run_spec(root / "job", home, space="nats-tss", scenarios=3, rea_queries=2)
    record, _ = generative.run(spec, 0)
    rows = record.sweep.targets
    assert len(rows) == 3 and all(r.arch.count("~") == 6 for r in rows)
    assert all(
        0 <= r.estimated_accuracy <= 100 and r.baselines["rea"]["achieved"] <= r.target * 1.05 for r in rows
    )
