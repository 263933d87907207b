"""AutoSpace: evolution steps, the mixture layer, the fitness gradient, no test values read,
the learned space's files, resume, the command."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from nasbench_eval.bench import open_benchmark
from nasbench_eval.cli import main
from nasbench_eval.errors import MetricKeyError, NasbenchEvalError
from nasbench_eval.estimators import TableEstimator
from nasbench_eval.estimators.cost import FlopsEstimator
from nasbench_eval.estimators.mixture import TableMixture
from nasbench_eval.methods.autospace import AutoSpace
from nasbench_eval.runs import space_learning
from nasbench_eval.runs.runner import run_seeds
from nasbench_eval.runs.spec import RunSpec
from nasbench_eval.spaces import get_space

TINY = {"population": 12, "generations": 15, "steps": 5}
VALID12 = "cifar10-valid/x-valid/accuracy/12/mean"


def _method(space="nats-tss", seed=0, **kw):
    return AutoSpace(get_space(space), seed, **{**TINY, **kw})


def test_tournament_picks_the_fittest_of_each_draw():
    m = _method(reference="none", population=6, tournament=6)
    m.fitness = np.array([0.5, 2.0, 1.0, 3.0, 0.1, 1.5])
    assert m.tournament(3) == [3, 1, 5]  # every member drawn: the three fittest, in order
    m = _method(reference="none", population=6, tournament=1)
    picks = m.tournament(6)
    assert sorted(picks) == list(range(6))  # distinct, and a draw of one is uniform
    ref = _method(population=6, tournament=6)
    assert ref.members[0] == ref.reference and 0 not in ref.tournament(5)  # the anchor is never drawn


def test_fitness_update_survival_and_mutation():
    m = _method(reference="none", population=4, children=3, momentum=0.5)
    m.update_fitness([0, 1], np.array([0.75, 0.25]))
    assert m.fitness[:2].tolist() == [1.5, 0.5] and m.seen[:2].tolist() == [1, 1]  # first value as is
    m.update_fitness([0], np.array([0.25]))
    assert m.fitness[0] == pytest.approx(0.5 * 1.5 + 0.5 * 0.25 * 1)  # then averaged with momentum
    before = list(m.members)
    parents = [before[0], before[1]]
    m.reproduce(parents, np.array([1.0, 0.0]), [9.0, 0.0])  # all children from parent 0
    assert len(m.members) == 4  # truncated back to the population
    children = [a for a in m.members if a not in before]
    assert len(children) == 3 and all(
        sum(x != y for x, y in zip(c, before[0], strict=True)) == 1 for c in children
    )
    assert all(m.fitness[m.members.index(c)] == 9.0 for c in children)  # inherited
    # fitness 0.875 and 0.5 lose to the unseen members' 1.0; on a tie the earlier arrival stays
    assert m.members[0] == before[2] and before[0] not in m.members
    sub = get_space("nats-tss", "ops=nor_conv_3x3,skip_connect")
    s = AutoSpace(sub, 0, population=5, children=4, reference="none")
    s.reproduce(s.members[:2], np.array([0.5, 0.5]), [5.0, 5.0])
    assert all(sub.contains(a) for a in s.members)


def test_mixture_layer_is_the_weighted_sum_of_the_discrete_cells():
    from nasbench_eval.nets.config import BNConfig
    from nasbench_eval.nets.discrete import Cell
    from nasbench_eval.nets.topology import SearchCell, TopologySupernet
    from nasbench_eval.spaces.topology import OPS

    torch.manual_seed(0)
    bn = BNConfig(affine=False, track_running_stats=False)
    model = TopologySupernet(10, bn, channels=4, cells=1).double()
    space = get_space("nats-tss")
    archs = [
        space.parse(a)
        for a in (
            "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|",
            "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|nor_conv_3x3~0|skip_connect~1|avg_pool_3x3~2|",
        )
    ]
    probs = torch.tensor([0.3, 0.7], dtype=torch.float64)
    x = torch.randn(3, 3, 32, 32, dtype=torch.float64)

    def discrete(layer, arch):  # a discrete cell holding the supernet's weights for its ops
        ops = tuple(OPS[i] for i in arch)
        cell = Cell(ops, layer.c, layer.c, bn).double()
        for e, module in cell.layers.items():
            module.load_state_dict(layer.edges[int(e)][ops[int(e)]].state_dict())
        return cell

    h = model.stem(x)
    for layer in model.layers:
        if isinstance(layer, SearchCell):
            h = sum(p * discrete(layer, a)(h) for p, a in zip(probs, archs, strict=True))
        else:
            h = layer(h)
    expected = model.head(h)
    assert torch.allclose(model.mixture(x, archs, probs), expected, atol=1e-10)
    one_hot = torch.tensor([0.0, 1.0], dtype=torch.float64)
    assert torch.allclose(model.mixture(x, archs, one_hot), model(x, arch=archs[1]), atol=1e-10)


def test_size_space_mixture_mixes_the_sliced_networks():
    from nasbench_eval.nets.size import SizeSupernet

    torch.manual_seed(0)
    model = SizeSupernet(10).double()
    archs = [(0, 1, 2, 3, 4), (7, 7, 7, 7, 7)]
    probs = torch.tensor([0.25, 0.75], dtype=torch.float64)
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    want = 0.25 * model(x, arch=archs[0]) + 0.75 * model(x, arch=archs[1])
    assert torch.allclose(model.mixture(x, archs, probs), want, atol=1e-10)


def _central_difference(f, alpha, eps=1e-6):
    grad = torch.zeros_like(alpha)
    for i in range(len(alpha)):
        d = torch.zeros_like(alpha)
        d[i] = eps
        grad[i] = (f(alpha + d) - f(alpha - d)) / (2 * eps)
    return grad


def test_table_fitness_gradient_matches_finite_differences(tss):
    m = _method(constraint="flops", max_cost=60.0, penalty=2.0)
    archs = np.array([[3, 3, 3, 3, 3, 3], [1, 0, 2, 1, 0, 4], [2, 3, 0, 1, 2, 3], [0, 0, 0, 0, 0, 0]])
    fitness = TableMixture(TableEstimator(tss, VALID12))
    fitness.begin(archs)
    cost = FlopsEstimator(get_space("nats-tss"), "cifar10").score_many(archs)
    excess = torch.relu(torch.as_tensor(cost) / 60.0 - 1) * fitness.penalty_unit
    assert excess[0] > 0 and excess[3] == 0

    def f(alpha):
        return m.mixture_loss(fitness, archs, torch.softmax(alpha, 0), excess)

    alpha = torch.tensor([0.3, -0.2, 0.1, 0.5], dtype=torch.float64, requires_grad=True)
    f(alpha).backward()
    assert torch.allclose(alpha.grad, _central_difference(f, alpha.detach()), rtol=1e-6, atol=1e-8)


def test_supernet_fitness_gradient_matches_finite_differences():
    from torch.nn import functional as F

    from nasbench_eval.nets.config import BNConfig
    from nasbench_eval.nets.topology import TopologySupernet

    torch.manual_seed(1)
    model = TopologySupernet(10, BNConfig(affine=False, track_running_stats=False), channels=4, cells=1)
    model = model.double()
    archs = [(3, 1, 2, 0, 4, 3), (1, 2, 3, 3, 1, 1), (2, 2, 2, 2, 2, 2)]
    x, y = torch.randn(4, 3, 32, 32, dtype=torch.float64), torch.tensor([0, 1, 2, 3])

    def f(alpha):
        return F.cross_entropy(model.mixture(x, archs, torch.softmax(alpha, 0)), y)

    alpha = torch.tensor([0.2, -0.1, 0.4], dtype=torch.float64, requires_grad=True)
    f(alpha).backward()
    assert alpha.grad.abs().sum() > 0
    assert torch.allclose(alpha.grad, _central_difference(f, alpha.detach()), rtol=1e-5, atol=1e-9)


def test_table_fitness_never_reads_a_test_split(home):
    bench = open_benchmark("nats-tss", home)  # a fresh one: its read log starts empty
    est = TableEstimator(bench, VALID12)
    m = _method(generations=30)
    m.fit(TableMixture(est))
    read = set(bench.read_keys)
    assert VALID12 in read and not any("test" in k.split("/")[1] for k in read), read
    with pytest.raises(MetricKeyError, match="never reads test"):
        TableMixture(TableEstimator(bench, "cifar10/ori-test/accuracy/200/mean"))
    spec = RunSpec("autospace", home=str(home), estimator="cifar10/ori-test/accuracy/200/mean", config=TINY)
    with pytest.raises(MetricKeyError, match="never reads test"):
        space_learning.build(spec)


def test_learned_space_round_trips_through_its_files(home, tmp_path):
    spec = RunSpec("autospace", home=str(home), config=TINY)
    (path,), _ = run_seeds(spec, [0], tmp_path)
    record = json.loads(path.read_text())
    learned = record["learned_space"]
    members_file, product_file = space_learning.space_files(path)
    sub = get_space("nats-tss", str(members_file))
    assert sub.size == len(learned["members"]) == TINY["population"]
    assert sorted(sub.format(tuple(a)) for a in sub.all_choices()) == sorted(learned["members"])
    product = get_space("nats-tss", str(product_file))
    assert product.is_product and product.size == learned["product_summary"]["size"] == 2**6
    assert record["final"]["arch"] == learned["members"][0]
    assert learned["fitness"] == sorted(learned["fitness"], reverse=True)
    assert learned["evaluated_archs"] <= TINY["generations"] * 3 + 1
    assert record["estimator"]["queried_archs"] == learned["evaluated_archs"]
    # a method runs inside it
    inside = RunSpec("rs", home=str(home), subspace=str(members_file), budget=20, budget_unit="queries")
    (rec,), _ = run_seeds(inside, [0], tmp_path / "rs")
    assert json.loads(rec.read_text())["final"]["arch"] in learned["members"]


def test_killed_evolution_resumes_exactly(home, tmp_path):
    spec = RunSpec("autospace", home=str(home), config={**TINY, "constraint": "flops", "max_cost": 50.0})
    full, _ = space_learning.run(spec, 3)
    ckpt = tmp_path / "a.ckpt.pt"
    with pytest.raises(KeyboardInterrupt):
        space_learning.run(spec, 3, ckpt, stop_after_generations=6)
    resumed, _ = space_learning.run(spec, 3, ckpt)
    assert resumed.to_dict() == full.to_dict()
    assert 0 <= full.learned_space["constraint"]["members_within_budget"] <= 1


def test_supernet_fitness_runs_and_resumes_exactly(home, images, tmp_path):
    cfg = {**TINY, "fitness": "supernet", "generations": 3, "steps": 2, "batch_size": 8, "population": 6}
    spec = RunSpec("autospace", home=str(home), config=cfg, data_root=str(images), verify=False)
    full, _ = space_learning.run(spec, 0)
    assert full.estimator["kind"] == "weight-sharing" and full.estimator["weight_steps"] == 6
    ckpt = tmp_path / "s.ckpt.pt"
    with pytest.raises(KeyboardInterrupt):
        space_learning.run(spec, 0, ckpt, stop_after_generations=1)
    resumed, _ = space_learning.run(spec, 0, ckpt)
    assert resumed.learned_space["log"] == full.learned_space["log"]
    assert resumed.learned_space["members"] == full.learned_space["members"]


@pytest.mark.parametrize(
    "config, error, match",
    [
        ({"constraint": "flops"}, NasbenchEvalError, "both constraint and max_cost"),
        ({"constraint": "flops", "max_cost": 0.5}, NasbenchEvalError, "below the cheapest"),
        ({"reference": "|bad|"}, NasbenchEvalError, "reference"),
        ({"population": 20_000}, NasbenchEvalError, "exceeds"),
        ({"fitness": "supernet"}, NasbenchEvalError, "--data-root"),
    ],
)
def test_bad_input_is_one_clear_error(home, config, error, match):
    with pytest.raises(error, match=match):
        space_learning.build(RunSpec("autospace", home=str(home), config=config))


def test_command_writes_the_space_and_data_subspace_reads_it(home, tmp_path):
    runner = CliRunner()
    args = ["--home", str(home), "run", "--method", "autospace", "--out", str(tmp_path)]
    args += ["--set", "generations=10", "--set", "population=8", "--set", "steps=3"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "learned space after 10 generations" in result.output and "product form" in result.output
    members = next(tmp_path.rglob("seed-0000.space.txt"))
    result = runner.invoke(main, ["--home", str(home), "data", "subspace", str(members)])
    assert result.exit_code == 0, result.output
    assert "8 archs of 15,625" in result.output and "best member" in result.output
    result = runner.invoke(main, ["--home", str(home), "table", str(tmp_path)])
    assert result.exit_code == 0 and "AutoSpace [table fitness, ours, best member]" in result.output


def test_fitness_scale_counts_the_anchor():
    m = _method(population=6)  # the ResNet cell anchors every mixture: K = 4 with 3 picks
    m.update_fitness([1, 2, 3], np.array([0.25, 0.25, 0.25, 0.25]))
    assert m.fitness[1:4].tolist() == [1.0, 1.0, 1.0]  # as good as the mixture's average


def test_supernet_fitness_on_the_size_space(home, images):
    cfg = {"fitness": "supernet", "generations": 2, "steps": 1, "batch_size": 8, "population": 5}
    spec = RunSpec(
        "autospace", space="nats-sss", config=cfg, home=str(home), data_root=str(images), verify=False
    )
    method = AutoSpace(get_space("nats-sss"), 0, **space_learning.build(spec)[1])
    log = method.fit(space_learning._fitness(spec, method.config, None, 0))
    assert len(log) == 2 and all(np.isfinite(e["loss"]) for e in log)
    assert method.reference == (7, 7, 7, 7, 7) and len(method.learned_space()[0]) == 5
