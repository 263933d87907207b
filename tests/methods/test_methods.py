"""The search methods: reproducible, and faithful to their reference algorithms."""

import numpy as np
import pytest

from nasbench_eval.errors import UnknownNameError
from nasbench_eval.estimators.base import Estimate, Estimator
from nasbench_eval.methods import METHODS, get_method
from nasbench_eval.methods.base import Query
from nasbench_eval.methods.bohb import BOHB
from nasbench_eval.methods.evolution import RegularizedEvolution
from nasbench_eval.methods.reinforce import Reinforce
from nasbench_eval.runs.multi_trial import BudgetLimit, run_search
from nasbench_eval.spaces import get_space
from nasbench_eval.spaces.costs import costs

TSS = get_space("nats-tss")


class Synthetic(Estimator):
    """Accuracy-like signal: more conv FLOPs is better, lower fidelity is worse."""

    budget_unit = "queries"

    def __init__(self, fidelities=()):
        super().__init__(TSS)
        self.max_fidelity = 12
        self.fidelities = fidelities
        self.flops = costs(TSS, "cifar10", "flops")

    def evaluate(self, arch, fidelity=None):
        epochs = fidelity or 12
        return Estimate(float(self.flops[TSS.code(arch)]) * epochs / 12, epochs / 12)

    def score_many(self, choices, progress=None):
        return self.flops[TSS.codes_of(choices)]

    def describe(self):
        return {"kind": "synthetic", "spec": "synthetic"}


def _run(name, seed, est=None, limit=60, **config):
    est = est or Synthetic()
    method = get_method(name)(
        TSS, np.random.default_rng(seed), max_fidelity=12, fidelities=est.fidelities, **config
    )
    return run_search(method, est, BudgetLimit(limit, "queries"))


@pytest.mark.parametrize("name", METHODS.names("multi-trial"))
def test_same_seed_same_trajectory(name):
    a, b, c = _run(name, 3), _run(name, 3), _run(name, 4)
    assert a.archs == b.archs and a.estimates == b.estimates and a.final == b.final
    assert a.archs != c.archs
    assert a.used >= 60 and a.cumulative_cost[-2] < 60  # the crossing evaluation counts


@pytest.mark.parametrize("name", ["rea", "reinforce", "bohb"])
def test_guided_methods_beat_random_search(name):
    rs = np.mean([_run("rs", s).estimates[-40:] for s in range(5)])
    guided = np.mean([_run(name, s, limit=150).estimates[-40:] for s in range(5)])
    assert guided > rs


def test_unknown_method_and_hyper_parameter():
    with pytest.raises(ValueError, match="unknown method"):
        get_method("darts-v9")
    with pytest.raises(UnknownNameError, match="unknown option"):
        RegularizedEvolution(TSS, np.random.default_rng(0), population=3)


def test_rea_mutation_is_node_first_and_changes_one_edge():
    rea = RegularizedEvolution(TSS, np.random.default_rng(0))
    arch = (0, 1, 2, 3, 4, 0)
    counts = np.zeros(6)
    for _ in range(6000):
        child = rea.mutate(arch)
        diff = [i for i in range(6) if child[i] != arch[i]]
        assert len(diff) == 1
        counts[diff[0]] += 1
    # node 1 has one edge, node 2 two, node 3 three: 1/3, 1/6, 1/6, 1/9, 1/9, 1/9
    assert np.allclose(counts / 6000, [1 / 3, 1 / 6, 1 / 6, 1 / 9, 1 / 9, 1 / 9], atol=0.02)


def test_rea_population_is_a_fifo_of_ten():
    rea = RegularizedEvolution(TSS, np.random.default_rng(0))
    for i in range(25):
        q = rea.ask()
        rea.tell(q, float(i))
    assert len(rea.population) == 10 and [v for v, _ in rea.population] == list(map(float, range(15, 25)))


def test_reinforce_update_equals_torch_autograd_and_adam():
    torch = pytest.importorskip("torch")
    rf = Reinforce(TSS, np.random.default_rng(1), learning_rate=0.05)
    logits = torch.tensor(rf.logits.copy(), requires_grad=True)
    opt = torch.optim.Adam([logits], lr=0.05)
    ema_num = ema_den = 0.0
    rng = np.random.default_rng(2)
    for _ in range(5):
        q = rf.ask()
        reward = float(rng.uniform(80, 95))
        ema_num = 0.9 * ema_num + 0.1 * reward
        ema_den = 0.9 * ema_den + 0.1
        logp = torch.log_softmax(logits, -1)[torch.arange(6), torch.tensor(q.arch)].sum()
        loss = -logp * (reward - ema_num / ema_den)
        opt.zero_grad()
        loss.backward()
        opt.step()
        rf.tell(q, reward)
        np.testing.assert_allclose(rf.logits, logits.detach().numpy(), rtol=1e-6, atol=1e-8)


def test_bohb_brackets_follow_hyperband():
    est = Synthetic(fidelities=tuple(range(1, 13)))
    b = BOHB(TSS, np.random.default_rng(0), max_fidelity=12, fidelities=est.fidelities)
    assert np.allclose(b.budgets, [12 / 9, 4, 12])
    seen = []
    for _ in range(9 + 3 + 1 + 3 + 1 + 3):
        q = b.ask()
        seen.append(q.fidelity)
        b.tell(q, est.evaluate(q.arch, q.fidelity).value)
    assert seen == [1] * 9 + [4] * 3 + [12] + [4] * 3 + [12] + [12] * 3


def test_bohb_successive_halving_promotes_the_best():
    est = Synthetic(fidelities=tuple(range(1, 13)))
    b = BOHB(TSS, np.random.default_rng(5), max_fidelity=12, fidelities=est.fidelities)
    first = []
    for _ in range(9):
        q = b.ask()
        v = est.evaluate(q.arch, q.fidelity).value
        first.append((v, q.arch))
        b.tell(q, v)
    promoted = {b.ask().arch}
    best3 = {a for _, a in sorted(first, reverse=True)[:3]}
    assert promoted <= best3


def test_bohb_uses_its_model_once_it_has_enough_points():
    b = BOHB(TSS, np.random.default_rng(0), max_fidelity=12, random_fraction=0.0)
    est = Synthetic()
    for _ in range(8):
        q = b.ask()
        b.tell(q, est.evaluate(q.arch).value)
    assert 12.0 in b.models  # d + 1 = 7 points exceeded
    proposed = np.mean([est.evaluate(b._propose()).value for _ in range(200)])
    random = np.mean([est.evaluate(b.random_arch()).value for _ in range(200)])
    assert proposed > random * 1.1  # the model steers towards better configurations


def test_query_carries_fidelity():
    assert Query((0,) * 6).fidelity is None
