"""MGAS's masked NB201 network: masks follow thresholds, surrogate gradients reach scores and
thresholds, and the size term is the exact cost of the remaining network."""

import numpy as np
import pytest
import torch

from nasbench_eval.nets.masked import MaskedNB201, mask_counts, project, step
from nasbench_eval.spaces import get_space
from nasbench_eval.spaces.topology import OPS


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return MaskedNB201(10, 32)


def set_cell(net, arch, others: float = -6.0):
    """Every cell keeps exactly the op of ``arch`` on each edge (sigmoid(+6) > 0.5 > sigmoid(-6))."""
    with torch.no_grad():
        net.thresholds["op"].fill_(0.5)
        for cell in net.cells():
            cell.alpha.fill_(others)
            for e, o in enumerate(arch):
                cell.alpha[e, o] = 6.0


@pytest.mark.parametrize("measure", ["flops", "params"])
def test_size_of_a_one_op_per_edge_network_is_the_tables_exact_cost(net, measure):
    space = get_space("nats-tss")
    model = space.base.cost_model("cifar10", measure)
    for arch in space.sample(np.random.default_rng(0), 12):
        set_cell(net, arch)
        want = model.const + sum(model.unary[e, o] for e, o in enumerate(arch))
        assert net.size(measure, "cifar10").item() == pytest.approx(want, rel=1e-12)
        gates = np.stack([np.eye(5)[list(arch)] * 0.7] * 15)  # the cell's ops kept, the rest pruned
        assert project(gates) == tuple(arch)


def test_size_counts_remaining_filters_and_weights(net):
    set_cell(net, (3,) * 6)  # conv3x3 on every edge
    cell = net.cells()[0]
    key = "0-nor_conv_3x3"
    full = net.size("params", "cifar10").item()
    flops_full = net.size("flops", "cifar10").item()
    removed_conv = 4 * 16 * 9 + 2 * 9  # FLOPs: the removed conv weights x 32 x 32 output pixels
    with torch.no_grad():
        net.thresholds["filter"].fill_(0.5)
        net.thresholds["weight"].fill_(0.5)
        cell.filter_scores[key][:4] = -3.0  # 4 of 16 filters of one conv go
        cell.weight_scores[key][4, :2] = -3.0  # 2 x 9 weights of a remaining filter go
    try:
        got = net.size("params", "cifar10").item()
        removed = 4 * (16 * 9 + 2) + 2 * 9  # conv weights and BN of 4 filters, then 18 weights
        assert got == pytest.approx(full - removed / 1e6, rel=1e-12)
        flops_drop = net.size("flops", "cifar10").item()
        set_cell(net, (3,) * 6)
        counts = mask_counts(net.masks())
        # the conv3x3 of each edge remains, in 5 cells per stage of 16, 32 and 64 channels
        assert counts["filter"] == 5 * 6 * (16 + 32 + 64) - 4
        assert counts["weight"] == 5 * 6 * 9 * (16**2 + 32**2 + 64**2) - 4 * 144 - 18
        assert flops_drop == pytest.approx(flops_full - removed_conv * 32 * 32 / 1e6, rel=1e-12)
    finally:
        with torch.no_grad():
            cell.filter_scores[key].fill_(2.0)
            cell.weight_scores[key].fill_(2.0)
            net.thresholds["filter"].zero_()
            net.thresholds["weight"].zero_()


def test_masks_follow_the_thresholds_and_gradients_reach_scores_and_thresholds():
    torch.manual_seed(1)
    net = MaskedNB201(10, 32)
    with torch.no_grad():
        net.thresholds["op"].fill_(0.45)
        net.cells()[0].alpha.copy_(torch.linspace(-1, 1, 30).view(6, 5))
    m = net.masks()
    want = (torch.sigmoid(net.cells()[0].alpha) > 0.45).float()
    assert torch.equal(m[0]["op"], want)
    loss = net.size("flops", "cifar10") + net(torch.randn(2, 3, 32, 32)).square().mean()
    loss.backward()
    assert net.cells()[0].alpha.grad.abs().sum() > 0
    assert all(
        net.thresholds[level].grad is not None and net.thresholds[level].grad.abs().sum() > 0
        for level in ("op", "filter", "weight")
    )
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.cells()[3].weight_scores.values())


def test_surrogate_gradient_is_mg_dartss():
    x = torch.tensor([-1.5, -0.7, -0.2, 0.0, 0.3, 0.9, 1.2], requires_grad=True)
    y = step(x)
    assert y.tolist() == [0, 0, 0, 0, 1, 1, 0][:4] + [1, 1, 1]
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx([0, 0.4, 2 - 0.8, 2, 2 - 1.2, 0.4, 0])


def test_a_pruned_op_takes_no_part(net):
    set_cell(net, (3, 1, 2, 4, 0, 3))
    x = torch.randn(2, 3, 32, 32)
    before = net(x)
    with torch.no_grad():  # an op whose mask is 0 (conv1x1 on edge 0) has no effect
        saved = net.cells()[0].convs["0-nor_conv_1x1"].weight.clone()
        net.cells()[0].convs["0-nor_conv_1x1"].weight.normal_()
        after = net(x)
        net.cells()[0].convs["0-nor_conv_1x1"].weight.copy_(saved)
    assert torch.equal(before, after)
    assert OPS[3] == "nor_conv_3x3"


def test_levels_select_the_ablation():
    net = MaskedNB201(10, 32, levels=("op",))
    with torch.no_grad():
        net.thresholds["filter"].fill_(0.99)  # would remove every filter if the level were on
    assert mask_counts(net.masks())["filter"] == 5 * 6 * 2 * (16 + 32 + 64)
    with pytest.raises(ValueError, match="unknown MGAS levels"):
        MaskedNB201(10, 32, levels=("op", "kernel"))


def test_each_stage_has_its_own_thresholds():
    net = MaskedNB201(10, 32)
    with torch.no_grad():
        net.thresholds["op"][1] = 0.99  # stage 2's op units all go; stages 1 and 3 keep theirs
    counts = [int(m["op"][:, 1:].sum()) for m in net.masks()]
    assert counts == [24] * 5 + [0] * 5 + [24] * 5


def test_projection_prefers_a_surviving_op_to_none():
    gates = np.zeros((15, 6, 5))
    gates[:, :, 0] = 0.9  # none: never masked
    gates[:3, 0, 3] = 0.6  # edge 0: a conv survives in 3 cells
    gates[:, 1, 1] = 0.2  # edge 1: skip everywhere, weak
    assert project(gates) == (3, 1, 0, 0, 0, 0)
