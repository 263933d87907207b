"""Networks: exact costs, supernets that equal the discrete nets they contain."""

import numpy as np
import pytest
import torch
from shared_data import SAMPLE_INDICES, SSS_SAMPLE, TSS_SAMPLE, needs_shared

from nasbench_eval.bench.safe_pickle import read_bz2
from nasbench_eval.nets import build_network, gumbel_weights
from nasbench_eval.nets.counting import count
from nasbench_eval.nets.discrete import Cell, live_edges
from nasbench_eval.nets.ops import BNConfig
from nasbench_eval.nets.size import SizeSupernet
from nasbench_eval.nets.topology import TopologySupernet
from nasbench_eval.spaces import get_space
from nasbench_eval.spaces.costs import costs
from nasbench_eval.spaces.topology import OPS

TSS, SSS = get_space("nats-tss"), get_space("nats-sss")


@needs_shared
@pytest.mark.parametrize("space, sample", [(TSS, TSS_SAMPLE), (SSS, SSS_SAMPLE)])
@pytest.mark.parametrize("index", SAMPLE_INDICES)
def test_counted_costs_equal_official_and_analytic(space, sample, index):
    record, _ = read_bz2(sample / f"{index:06d}.pickle.pbz2")
    for state in record.values():
        for (dataset, _), res in state["all_results"].items():
            net = build_network(space, state["arch_str"], dataset)
            flops, params = count(net, 16 if dataset == "ImageNet16-120" else 32)
            assert flops == pytest.approx(res["flop"], rel=1e-4) and params == pytest.approx(
                res["params"], rel=1e-4
            )
            arch = [space.parse(state["arch_str"])]
            assert flops == pytest.approx(costs(space, dataset, "flops", arch)[0], rel=1e-12)
        break


def test_live_edges_skip_only_what_cannot_matter():
    ops = ("nor_conv_3x3", "none", "nor_conv_1x1", "skip_connect", "none", "none")
    assert live_edges(ops) == [3]  # nodes 1, 2 reach node 3 only through "none"
    ops = ("none", "none", "skip_connect", "skip_connect", "avg_pool_3x3", "none")
    assert live_edges(ops) == [3]  # node 1 is zero: its skip/pool add nothing
    ops = ("none", "none", "nor_conv_3x3", "none", "none", "nor_conv_1x1")
    assert live_edges(ops) == [2, 5]  # a conv on a zero node still adds BN(0)
    torch.manual_seed(0)
    for arch in TSS.sample(np.random.default_rng(0), 20):
        cell = Cell(tuple(OPS[i] for i in arch), 8, 8, BNConfig())
        with torch.no_grad():
            cell.weight_init = [torch.nn.init.normal_(p) for p in cell.parameters() if p.ndim == 1]
        x = torch.randn(4, 8, 6, 6)
        fast = cell(x)
        cell.compute_all = True
        assert torch.allclose(fast, cell(x), atol=1e-6)


def _copy_tss(supernet, net, arch):
    """Load a supernet path's weights into the discrete net of that arch."""
    sd = {}
    cells = [m for m in supernet.layers]
    body = list(net.body)
    for i, (s_layer, n_layer) in enumerate(zip(cells, body, strict=True)):
        if hasattr(s_layer, "edges"):
            for key in n_layer.layers:
                op = OPS[arch[int(key)]]
                for name, t in s_layer.edges[int(key)][op].state_dict().items():
                    sd[f"body.{i}.layers.{key}.{name}"] = t
        else:
            for name, t in s_layer.state_dict().items():
                sd[f"body.{i}.{name}"] = t
    for name, t in supernet.stem.state_dict().items():
        sd[f"stem.{name}"] = t
    for name, t in supernet.head.state_dict().items():
        sd[f"head.{name}"] = t
    net.load_state_dict(sd)


def test_single_path_equals_the_discrete_network():
    torch.manual_seed(0)
    bn = BNConfig(affine=True, track_running_stats=False)
    supernet = TopologySupernet(10, bn)
    x = torch.randn(6, 3, 32, 32)
    for arch in TSS.sample(np.random.default_rng(1), 4) + [TSS.parse(TSS.example)]:
        net = build_network(TSS, arch, "cifar10", bn)
        _copy_tss(supernet, net, arch)
        assert torch.allclose(supernet(x, arch=arch), net(x), atol=1e-5)


def test_mixed_ops_with_one_hot_weights_equal_the_path():
    torch.manual_seed(0)
    supernet = TopologySupernet(10)
    x = torch.randn(4, 3, 32, 32)
    arch = TSS.parse(TSS.example)
    w = torch.zeros(6, 5)
    w[torch.arange(6), torch.tensor(arch)] = 1.0
    assert torch.allclose(supernet(x, weights=w), supernet(x, arch=arch), atol=1e-5)
    logits = torch.zeros(6, 5, requires_grad=True)
    hard = gumbel_weights(logits, 1.0, hard=True, generator=torch.Generator().manual_seed(0))
    assert torch.equal(hard.detach().sum(1), torch.ones(6))
    loss = torch.nn.functional.cross_entropy(supernet(x, weights=hard), torch.arange(4))
    loss.backward()
    assert logits.grad.abs().sum() > 0
    soft = gumbel_weights(logits, 5.0, hard=False, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(soft.sum(1), torch.ones(6)) and (soft > 0).all()


def test_size_supernet_slices_equal_a_discrete_net():
    torch.manual_seed(0)
    bn = BNConfig(affine=True, track_running_stats=False)
    sup = SizeSupernet(10, bn)
    for p in sup.parameters():
        torch.nn.init.normal_(p, std=0.1)
    channels = (16, 8, 40, 32, 64)
    net = build_network(SSS, ":".join(map(str, channels)), "cifar10", bn)
    sd = {}
    for name, t in net.state_dict().items():  # each tensor = the leading slice of the supernet's
        parts = name.split(".")
        if parts[0] == "stem":
            src = sup.stem.conv.weight if parts[1] == "0" else getattr(sup.stem.bn, parts[2])
        elif parts[0] == "head":
            src = getattr(sup.head_bn if parts[1] == "bn" else sup.classifier, parts[2])
        else:
            layer = sup.layers[int(parts[1])]
            if parts[2] == "layers":
                mod, rest = layer.convs[parts[3]], parts[4:]
            elif parts[2] == "shortcut":
                mod, rest = layer.shortcut, parts[3:]
            else:
                mod, rest = getattr(layer, parts[2]), parts[3:]
            src = mod.conv.weight if rest[0] == "1" else getattr(mod.bn, rest[1])
        sd[name] = src[tuple(slice(0, n) for n in t.shape)].detach().clone()
    net.load_state_dict(sd)
    x = torch.randn(4, 3, 32, 32)
    assert torch.allclose(sup(x, arch=SSS.parse(":".join(map(str, channels)))), net(x), atol=1e-4)


def test_size_supernet_straight_through_widths():
    torch.manual_seed(0)
    sup = SizeSupernet(10)
    x = torch.randn(4, 3, 32, 32)
    arch = (1, 0, 4, 3, 7)
    logits = torch.zeros(5, 8, requires_grad=True)
    soft = torch.softmax(logits, -1)
    hard = torch.zeros(5, 8).scatter_(1, torch.tensor(arch)[:, None], 1.0)
    out = sup(x, weights=hard - soft.detach() + soft)
    assert torch.allclose(out, sup(x, arch=arch), atol=1e-5)
    torch.nn.functional.cross_entropy(out, torch.arange(4)).backward()
    assert logits.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="one-hot"):
        sup(x, weights=torch.full((5, 8), 1 / 8))
