"""Analytic FLOPs/params against the official sample records and the shared table."""

import csv

import numpy as np
import pytest
from shared_data import ACCURACY_CSV, SAMPLE_INDICES, SSS_SAMPLE, TSS_SAMPLE, needs_shared

from nasbench_eval.bench.safe_pickle import read_bz2
from nasbench_eval.spaces import get_space
from nasbench_eval.spaces.costs import costs, expected_table_value

TSS, SSS = get_space("nats-tss"), get_space("nats-sss")


def _official_costs(sample, index):
    record, _ = read_bz2(sample / f"{index:06d}.pickle.pbz2")
    out = {}
    for state in record.values():
        for (dataset, _seed), res in state["all_results"].items():
            out.setdefault(dataset, (state["arch_str"], float(res["flop"]), float(res["params"])))
    return out


@needs_shared
@pytest.mark.parametrize("space, sample", [(TSS, TSS_SAMPLE), (SSS, SSS_SAMPLE)])
@pytest.mark.parametrize("index", SAMPLE_INDICES)
def test_sample_records_every_dataset(space, sample, index):
    official = _official_costs(sample, index)
    assert set(official) == {"cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"}
    for dataset, (arch, flop, params) in official.items():
        a = [space.parse(arch)]
        assert costs(space, dataset, "flops", a)[0] == pytest.approx(flop, rel=1e-4)
        assert costs(space, dataset, "params", a)[0] == pytest.approx(params, rel=1e-4)


def test_protocol_oracle_arch_284_and_naslib_differs():
    a = [TSS.parse("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|none~0|nor_conv_1x1~1|none~2|")]
    got = {
        d: (costs(TSS, d, "flops", a)[0], costs(TSS, d, "params", a)[0])
        for d in ("cifar10", "cifar100", "ImageNet16-120")
    }
    assert got["cifar10"] == pytest.approx((11.71521, 0.101306), rel=1e-6)
    assert got["cifar100"] == pytest.approx((11.72106, 0.107156), rel=1e-6)
    assert got["ImageNet16-120"] == pytest.approx((2.93644, 0.108456), rel=1e-6)
    assert abs(got["cifar10"][0] - 12.306) > 0.5  # NASLib's convention is not ours


@needs_shared
def test_params_of_all_15625_cells_against_table():
    """The table's params are means over the three seed records. For 204 archs one seed's
    record describes another network (the NATS-Bench legacy issue the official API patches
    by reading seed 888); everywhere else the analytic count equals the table to 1e-4."""
    rows = list(csv.DictReader(open(ACCURACY_CSV)))
    table = np.array([float(r["cifar10/-/params_mb/-/-"]) for r in rows])
    codes = np.array([TSS.code(TSS.parse(r["arch"])) for r in rows])
    exact = costs(TSS, "cifar10", "params")[codes]
    bad = np.flatnonzero(np.abs(exact - table) > 1e-4 * exact)
    assert len(rows) == 15625 and len(bad) == 204
    assert 296 in bad  # the arch of NATS-Bench issue #16
    # each mismatch is explained by one seed (of three) holding another arch's params
    values = np.unique(np.round(costs(TSS, "cifar10", "params"), 6))
    explained = [np.abs(values - (3 * table[i] - 2 * exact[i])).min() < 3e-6 for i in bad]
    assert sum(explained) >= 199


@pytest.mark.parametrize("space", [TSS, SSS])
@pytest.mark.parametrize("measure", ["flops", "params"])
def test_expected_cost_is_exact(space, measure):
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(space.num_choices), space.num_positions)
    allc = space.all_choices()
    weight = np.prod(probs[np.arange(space.num_positions), allc], axis=1)
    values = costs(space, "cifar100", measure)
    brute = float(weight @ values)
    model = space.cost_model("cifar100", measure)
    assert model.expected(probs) == pytest.approx(brute, rel=1e-10)
    assert expected_table_value(values, probs) == pytest.approx(brute, rel=1e-10)
    batch = np.stack([probs, probs[::-1]])
    assert model.expected(batch).shape == (2,)


def test_expected_cost_is_differentiable_in_torch():
    torch = pytest.importorskip("torch")
    model = get_space("nats-sss").cost_model("cifar10", "flops")
    logits = torch.zeros(5, 8, dtype=torch.float64, requires_grad=True)
    e = model.expected(torch.softmax(logits, -1))
    e.backward()
    uniform = np.full((5, 8), 1 / 8)
    assert e.item() == pytest.approx(model.expected(uniform))
    assert logits.grad.shape == (5, 8) and torch.all(logits.grad[:, -1] > 0)  # wider costs more
    values = costs(TSS, "cifar10", "flops")
    p = torch.full((6, 5), 0.2, dtype=torch.float64, requires_grad=True)
    expected_table_value(values, p).backward()
    assert p.grad.shape == (6, 5)


def test_tss_decomposition_is_additive():
    model = get_space("nats-tss").cost_model("cifar10", "flops")
    assert model.pairwise is None and model.unary.shape == (6, 5)
    assert model.unary[:, [0, 1, 4]].max() == 0  # none, skip, pool are free
    all_conv3 = [(3,) * 6]
    expected = model.const + model.unary[:, 3].sum()
    assert costs(TSS, "cifar10", "flops", all_conv3)[0] == pytest.approx(expected)
