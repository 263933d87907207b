"""Contract of every registered method, by kind: valid options, seeded reproducibility, a
valid answer on a tiny budget, and sub-spaces respected. No benchmark data needed: the
estimators here are analytic."""

import numpy as np
import pytest

from nasbench_eval.errors import NasbenchEvalError, UnknownNameError
from nasbench_eval.estimators import CostConstraint
from nasbench_eval.estimators.cost import FlopsEstimator, ParamsEstimator
from nasbench_eval.methods import KINDS, METHODS
from nasbench_eval.runs.multi_trial import BudgetLimit, run_search
from nasbench_eval.spaces import get_space

SPACES = ("nats-tss", "nats-sss")
SUBSPACES = {"nats-tss": "ops=nor_conv_3x3,skip_connect,avg_pool_3x3", "nats-sss": "widths=24-48"}
TINY_GENERATIVE = {"epochs": 2, "steps_per_epoch": 3, "batch_size": 8, "prior_pool": 200, "targets": None}


@pytest.mark.parametrize("name", METHODS.names())
def test_options_are_declared_and_checked(name):
    cls = METHODS.get(name)
    assert cls.kind in KINDS and cls.title and METHODS.entry(name).description
    config = cls.resolve_config({})
    assert config == {k: o.default for k, o in cls.options.items()}
    for protocol in ("nb201", "nats"):
        cls.resolve_config({}, protocol)
    with pytest.raises(UnknownNameError, match="unknown option"):
        cls.resolve_config({"no_such_option": 1})
    numeric = [
        k for k, o in cls.options.items() if isinstance(o.default, int | float) and o.minimum is not None
    ]
    for key in numeric:
        with pytest.raises(NasbenchEvalError, match=key):
            cls.resolve_config({key: cls.options[key].minimum - 1})


def _multi_trial(name, space, seed, limit=25):
    est = FlopsEstimator(space, "cifar10")
    method = METHODS.get(name)(space, np.random.default_rng(seed), max_fidelity=None)
    return run_search(method, est, BudgetLimit(limit, "queries"))


@pytest.mark.parametrize("space_name", SPACES)
@pytest.mark.parametrize("name", METHODS.names("multi-trial"))
def test_multi_trial_methods(name, space_name):
    space = get_space(space_name)
    a, b = _multi_trial(name, space, 0), _multi_trial(name, space, 0)
    assert a.archs == b.archs and a.final == b.final and len(a.archs) == 25
    assert space.check(a.final)
    sub = space.subspace(SUBSPACES[space_name])
    r = _multi_trial(name, sub, 1, limit=40)
    assert all(sub.contains(arch) for arch in r.archs) and sub.contains(r.final)


@pytest.mark.parametrize("name", METHODS.names("multi-trial"))
def test_multi_trial_methods_on_a_sparse_arch_list(name, tmp_path):
    space = get_space("nats-tss")
    archs = space.sample(np.random.default_rng(5), 15)  # mostly no neighbours of each other
    (tmp_path / "archs.txt").write_text("\n".join(space.format(a) for a in archs))
    sub = space.subspace(str(tmp_path / "archs.txt"))
    r = _multi_trial(name, sub, 2, limit=40)
    assert len(r.archs) == 40 and all(sub.contains(arch) for arch in r.archs)


@pytest.mark.parametrize("space_name", SPACES)
@pytest.mark.parametrize("name", METHODS.names("generative"))
def test_generative_methods(name, space_name):
    pytest.importorskip("torch")
    if getattr(METHODS.get(name), "needs_task_quality", False):
        pytest.skip(f"{name} needs a task-dropout supernet as its quality (tests/methods/test_eas.py)")
    space = get_space(space_name)
    quality, constraint = FlopsEstimator(space, "cifar10"), CostConstraint(ParamsEstimator(space, "cifar10"))
    targets = np.linspace(constraint.lo, constraint.hi, 5)

    def archs(sp, seed):
        method = METHODS.get(name)(sp, seed, **TINY_GENERATIVE)
        log = method.fit(quality, constraint)
        assert len(log) == TINY_GENERATIVE["epochs"]
        return method.generate(targets, constraint)

    a, b = archs(space, 0), archs(space, 0)
    assert a.shape == (5, space.num_positions) and (a == b).all()
    sub = space.subspace(SUBSPACES[space_name])
    sub_constraint = CostConstraint(ParamsEstimator(sub, "cifar10"))
    method = METHODS.get(name)(sub, 1, **TINY_GENERATIVE)
    method.fit(quality, sub_constraint)
    generated = method.generate(np.linspace(sub_constraint.lo, sub_constraint.hi, 5), sub_constraint)
    assert all(sub.contains(tuple(int(c) for c in row)) for row in generated)


@pytest.mark.parametrize("space_name", SPACES)
@pytest.mark.parametrize("name", METHODS.names("space-learning"))
def test_space_learning_methods(name, space_name):
    pytest.importorskip("torch")
    from nasbench_eval.estimators.mixture import TableMixture

    space = get_space(space_name)
    tiny = {"population": 10, "generations": 6, "steps": 3}

    def learn(sp, seed):
        method = METHODS.get(name)(sp, seed, **tiny)
        log = method.fit(TableMixture(FlopsEstimator(sp, "cifar10")))
        assert len(log) == tiny["generations"]
        return method

    a, b = learn(space, 0), learn(space, 0)
    archs, fitness = a.learned_space()
    assert (archs == b.learned_space()[0]).all() and len(archs) == tiny["population"]
    assert len({tuple(r) for r in archs}) == len(archs) and (np.diff(fitness) <= 0).all()
    assert a.product_form().shape == (space.num_positions, space.num_choices)
    sub = space.subspace(SUBSPACES[space_name])
    inside = learn(sub, 1)
    assert all(sub.contains(tuple(int(c) for c in r)) for r in inside.learned_space()[0])
    assert (inside.product_form() <= sub.choice_mask()).all()
