"""Each proxy on a tiny network against a direct, independent formula (numpy, by hand)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from nasbench_eval.proxies import PROXIES, Probe  # noqa: E402
from nasbench_eval.proxies.jacob_cov import jacobian_score  # noqa: E402
from nasbench_eval.proxies.synflow import synflow_network, synflow_score  # noqa: E402
from nasbench_eval.proxies.vote import majority_wins  # noqa: E402
from nasbench_eval.proxies.zen import zen_score  # noqa: E402

B = 6


@pytest.fixture
def tiny():
    """Linear(4, 3) - ReLU - Linear(3, 2) in float64, a batch of 6 and its numpy gradients."""
    torch.manual_seed(3)
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).double()
    with torch.no_grad():  # most units active, so no image has an all-zero Jacobian
        net[0].bias.copy_(torch.tensor([0.9, -0.2, 0.7]))
    x = torch.randn(B, 4, dtype=torch.float64)
    y = torch.tensor([0, 1, 1, 0, 1, 0])
    w1, b1 = net[0].weight.detach().numpy().copy(), net[0].bias.detach().numpy().copy()
    w2, b2 = net[2].weight.detach().numpy().copy(), net[2].bias.detach().numpy().copy()
    xn, onehot = x.numpy(), np.eye(2)[y.numpy()]

    def grads(w1, w2):
        pre = xn @ w1.T + b1
        h = np.maximum(pre, 0)
        z = h @ w2.T + b2
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        dz = (p - onehot) / B
        dpre = (dz @ w2) * (pre > 0)
        return dpre.T @ xn, dz.T @ h, pre, dpre, z, dz

    return net, (x, y), (w1, w2), grads


def _probe(net, images):
    probe = Probe(None, None, "cifar10", seed=0, code=0, images=images)
    probe._net = net
    return probe


def _score(name, net, images, **options):
    cls = PROXIES.get(name)
    opts = {k: o.default for k, o in cls.options.items()} | {"batch_size": B} | options
    return cls().score(_probe(net, images), opts)


def test_grad_norm_snip_fisher_by_hand(tiny):
    net, images, (w1, w2), grads = tiny
    g1, g2, pre, dpre, z, dz = grads(w1, w2)
    assert _score("grad_norm", net, images) == pytest.approx(
        np.linalg.norm(g1) + np.linalg.norm(g2), rel=1e-10
    )
    assert _score("snip", net, images) == pytest.approx(
        np.abs(w1 * g1).sum() + np.abs(w2 * g2).sum(), rel=1e-10
    )
    # fisher: per output channel 0.5 * mean_n (a * g)^2, times the channel's fan-in (4, then 3)
    fisher = 0.5 * ((pre * dpre) ** 2).mean(0).sum() * 4 + 0.5 * ((z * dz) ** 2).mean(0).sum() * 3
    assert _score("fisher", net, images) == pytest.approx(fisher, rel=1e-10)


def test_grasp_is_minus_w_times_hessian_gradient(tiny):
    net, images, (w1, w2), grads = tiny
    g1, g2 = grads(w1, w2)[:2]
    eps = 1e-6  # central differences of the gradient along g: H g
    p1, p2 = grads(w1 + eps * g1, w2 + eps * g2)[:2]
    m1, m2 = grads(w1 - eps * g1, w2 - eps * g2)[:2]
    hg1, hg2 = (p1 - m1) / (2 * eps), (p2 - m2) / (2 * eps)
    expected = (-w1 * hg1).sum() + (-w2 * hg2).sum()
    assert _score("grasp", net, images) == pytest.approx(expected, rel=1e-5)


def test_jacob_cov_by_hand(tiny):
    net, images, (w1, w2), grads = tiny
    pre = grads(w1, w2)[2]
    jac = np.stack([(w2.sum(0) * (p > 0)) @ w1 for p in pre])  # d(sum logits)/dx per image
    eig = np.linalg.eig(np.corrcoef(jac))[0].real  # the reference's eig
    expected = -np.sum(np.log(eig + 1e-5) + 1 / (eig + 1e-5))
    assert _score("jacob_cov", net, images) == pytest.approx(expected, rel=1e-6)
    assert math.isnan(jacobian_score(np.zeros((4, 5))))  # an output that ignores the input


def test_naswot_kernel_on_a_fixed_activation_pattern():
    net = nn.Sequential(nn.ReLU(), nn.Flatten(), nn.Linear(5, 2))
    signs = np.array([[1, 1, -1, -1, 1], [1, -1, -1, 1, 1], [-1, -1, -1, -1, 1], [1, 1, 1, 1, 1]])
    x = torch.tensor(signs * np.arange(1, 6), dtype=torch.float32)
    probe = _probe(net, (x, torch.zeros(4, dtype=torch.long)))
    kernel = probe.signals(4, ("relu_kernel",))["relu_kernel"].numpy()
    c = signs > 0
    expected = np.array([[np.sum(a == b) for b in c] for a in c])  # positions with the same pattern
    np.testing.assert_array_equal(kernel, expected)
    opts = {"batch_size": 4}
    assert PROXIES.get("naswot")().score(probe, opts) == pytest.approx(np.linalg.slogdet(expected)[1])


def test_synflow_of_a_two_layer_linear_net_by_hand():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3, bias=False), nn.Linear(3, 2, bias=False))
    a1, a2 = (np.abs(m.weight.detach().numpy().astype(np.float64)) for m in net)
    # R = 1^T |W2| |W1| 1: dR/d|W1| = (col sums of |W2|) x 1^T, dR/d|W2| = 1 x (row sums of |W1|)^T
    expected = (a1 * np.outer(a2.sum(0), np.ones(4))).sum() + (a2 * np.outer(np.ones(2), a1.sum(1))).sum()
    assert synflow_score(net, (1, 4)) == pytest.approx(expected, rel=1e-12)
    conv = nn.Sequential(nn.Conv2d(3, 2, 3), nn.BatchNorm2d(2), nn.ReLU())
    stripped = synflow_network(conv)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in stripped.modules())
    assert (stripped[0].weight >= 0).all() and stripped[0].weight.dtype == torch.float64


def test_zen_by_hand():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 2, 1, bias=False), nn.BatchNorm2d(2)).train()
    shape, gamma = (5, 3, 4, 4), 0.01
    value = zen_score(net, net, shape, torch.Generator().manual_seed(7), gamma)
    gen = torch.Generator().manual_seed(7)  # the same draws, in the same order, by hand
    w = torch.randn((2, 3, 1, 1), generator=gen).double().numpy()[:, :, 0, 0]
    x = torch.randn(shape, generator=gen).double().numpy()
    e = torch.randn(shape, generator=gen).double().numpy()

    def conv(v):
        return np.einsum("oc,nchw->nohw", w, v)

    def bn(v):
        mean, var = v.mean((0, 2, 3), keepdims=True), v.var((0, 2, 3), keepdims=True)
        return (v - mean) / np.sqrt(var + 1e-5)

    fx, fm = conv(x), conv(x + gamma * e)
    delta = np.abs(bn(fx) - bn(fm)).sum((1, 2, 3)).mean()
    unbiased = [v.var((0, 2, 3), ddof=1) for v in (fx, fm)]
    running = 0.9 * (0.9 * 1.0 + 0.1 * unbiased[0]) + 0.1 * unbiased[1]  # momentum 0.1, from 1
    assert value == pytest.approx(np.log(delta) + np.log(np.sqrt(running.mean())), rel=1e-5)


def test_vote_counts_majorities_against_the_reference():
    reference = np.array([[1.0, 1.0, 1.0], [3.0, 0.0, 5.0], [0.0, 0.0, 0.0], [np.nan, 1, 1]])
    scores = np.array([[2.0, 2.0, 0.0], [1.0, 1.0, 1.0], [4.0, 1.0, 9.0], [np.nan, 0, 0]])
    # row 0 beats [1,1,1] (2 of 3), loses to [3,0,5] (1 of 3), beats [0,0,0]; NaN rows are ignored
    np.testing.assert_allclose(majority_wins(scores, reference), [2 / 3, 1 / 3, 1.0, np.nan])
