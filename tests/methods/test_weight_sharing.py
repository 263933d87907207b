"""The six weight-sharing baselines (RSPS, DARTS-V1/V2, GDAS, SETN, ENAS) on tiny synthetic
images: every method searches, records its trajectory and resumes bit-exactly; DARTS-V2's
hypergradient, GDAS' forward, ENAS' controller update and SETN's candidates are checked
against independent computations; the table-oracle mode reads no test split."""

import copy
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nasbench_eval.bench import open_benchmark  # noqa: E402
from nasbench_eval.estimators import TableEstimator  # noqa: E402
from nasbench_eval.methods import METHODS  # noqa: E402
from nasbench_eval.nets.config import BNConfig  # noqa: E402
from nasbench_eval.nets.topology import TopologySupernet  # noqa: E402
from nasbench_eval.runs import one_shot  # noqa: E402
from nasbench_eval.runs.runner import run_seeds  # noqa: E402
from nasbench_eval.runs.spec import RunSpec  # noqa: E402
from nasbench_eval.spaces import get_space  # noqa: E402
from nasbench_eval.spaces.topology import EDGES, OPS  # noqa: E402

WS = ["rsps", "darts-v1", "darts-v2", "gdas", "setn", "enas"]
TSS = get_space("nats-tss")
VALID_KEY = "cifar10-valid/x-valid/accuracy/12/mean"
TINY = {"epochs": 2, "batch_size": 25, "candidates": 4, "select_batch_size": 25}


def tiny(method, **extra):
    cfg = dict(TINY)
    if method == "enas":
        cfg.update(controller_steps=2, controller_samples=3)
    return {**cfg, **extra}


@pytest.fixture(scope="module")
def empty_home(tmp_path_factory):
    """No imported data: the embedded default table serves every lookup."""
    return tmp_path_factory.mktemp("home")


def _spec(home, images, method, **kw):
    return RunSpec(method, home=str(home), data_root=str(images), verify=False, config=tiny(method), **kw)


def test_all_six_are_registered_one_shot_methods():
    assert set(WS) <= set(METHODS.names("one-shot"))


@pytest.mark.parametrize("method", WS)
def test_each_method_searches_and_records_its_trajectory(empty_home, images, tmp_path, method):
    (path,), _ = run_seeds(_spec(empty_home, images, method), [0], tmp_path)
    r = json.loads(path.read_text())
    assert r["kind"] == "one-shot" and r["budget"] == {"limit": 2, "unit": "epochs", "used": 2}
    assert [e["epoch"] for e in r["epochs"]] == [1, 2]
    assert r["final"]["arch"] == r["epochs"][-1]["arch"] and 0 <= r["final"]["index"] < 15625
    assert TSS.format(TSS.parse(r["final"]["arch"])) == r["final"]["arch"]
    bench = open_benchmark("nats-tss", str(empty_home))
    key = "cifar10/ori-test/accuracy/200/mean"
    assert r["final_metrics"][key] == pytest.approx(bench.query(key, r["final"]["index"]))
    assert all(e[key] == pytest.approx(bench.query(key, e["index"])) for e in r["epochs"])
    assert "train_loss" in r["epochs"][0] and "train_accuracy" in r["epochs"][0]
    if METHODS.get(method).has_alpha:
        probs = np.array(r["epochs"][-1]["probs"])
        assert probs.shape == (6, 5) and np.allclose(probs.sum(1), 1, atol=1e-4)
        assert r["epochs"][-1]["skip_connect_weight"] == pytest.approx(
            probs[:, OPS.index("skip_connect")].mean(), abs=1e-4
        )
    timing = json.loads(path.with_suffix(".timing.json").read_text())
    assert len(timing["epoch_seconds"]) == 2 and timing["steps_per_epoch"] == 2


@pytest.mark.parametrize("method", WS)
def test_kill_and_resume_is_bit_exact(empty_home, images, tmp_path, method):
    full, _ = one_shot.run(_spec(empty_home, images, method), 3, tmp_path / "full.ckpt.pt")
    ckpt = tmp_path / "k.ckpt.pt"
    with pytest.raises(KeyboardInterrupt):
        one_shot.run(_spec(empty_home, images, method), 3, ckpt, stop_after_epochs=1)
    resumed, _ = one_shot.run(_spec(empty_home, images, method), 3, ckpt)
    assert resumed.to_dict() == full.to_dict()
    a, b = (torch.load(p, weights_only=True)["method"] for p in (tmp_path / "full.ckpt.pt", ckpt))
    assert torch.equal(a["alpha"], b["alpha"])
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    if method == "enas":
        assert all(torch.equal(a["controller"][k], b["controller"][k]) for k in a["controller"])


def test_protocols_set_the_official_hyper_parameters():
    darts, enas, gdas = (METHODS.get(m) for m in ("darts-v1", "enas", "gdas"))
    assert darts.defaults("nb201")["epochs"] == 50 and darts.defaults("nats")["epochs"] == 100
    assert gdas.defaults("nb201")["epochs"] == 250
    for m in WS:
        nb, nats = METHODS.get(m).defaults("nb201"), METHODS.get(m).defaults("nats")
        assert (nb["grad_clip"], nb["bn_running_stats"]) == (5.0, True)
        assert (nats["grad_clip"], nats["bn_running_stats"]) == (0.0, False)
        assert (nats["lr"], nats["lr_min"], nats["weight_decay"], nats["batch_size"]) == (
            0.025,
            0.001,
            5e-4,
            64,
        )
    nb = enas.defaults("nb201")
    assert (nb["lr"], nb["lr_min"], nb["lr_period"], nb["weight_decay"], nb["batch_size"]) == (
        0.05,
        0.0005,
        10,
        2.5e-4,
        128,
    )
    assert nb["arch_betas"] == [0.0, 0.999] and enas.defaults("nats")["arch_betas"] == [0.5, 0.999]
    assert (nb["arch_lr"], nb["arch_eps"]) == (1e-3, 1e-3)


def test_enas_nb201_cosine_restarts_every_20_epochs():
    m = METHODS.get("enas")(TSS, 0, **METHODS.get("enas").resolve_config({}, "nb201"))
    lrs = []
    for epoch in (0, 5, 10, 20):
        m.begin_epoch(epoch, 250, 100)
        lrs.append(m.lr())
    assert lrs == pytest.approx([0.05, (0.05 + 0.0005) / 2, 0.0005, 0.05])
    d = METHODS.get("darts-v1")(TSS, 0, epochs=100)
    d.begin_epoch(50, 100, 10)
    assert d.lr() == pytest.approx((0.025 + 0.001) / 2)


def _tiny_method(name, **config):
    m = METHODS.get(name)(TSS, 0, **tiny(name, **config))
    m.build("cifar10-valid", "cpu")
    return m


def test_darts_v2_hypergradient_matches_finite_differences():
    """d/d alpha of L_val(w - lr (grad_w L_train(w, alpha) + wd w), alpha), by central
    differences in float64, against the unrolled step with its finite-difference Hessian
    (a small r here: the official r = 0.01 / ||v|| is coarse on so steep a toy net)."""
    from torch.nn import functional as F

    from nasbench_eval.methods.darts_v2 import unrolled_alpha_grad

    torch.manual_seed(0)
    model = TopologySupernet(3, BNConfig(False, False), channels=2, cells=1).double()
    alpha = (0.5 * torch.randn(6, 5, dtype=torch.float64)).requires_grad_(True)
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9, weight_decay=1e-2, nesterov=True)
    base = (torch.randn(6, 3, 8, 8, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1, 2]))
    arch = (torch.randn(6, 3, 8, 8, dtype=torch.float64), torch.tensor([2, 1, 0, 2, 1, 0]))

    def probs():
        return torch.softmax(alpha, -1)

    grad, _ = unrolled_alpha_grad(model, probs, alpha, opt, base, arch, r=1e-6)
    params = list(model.parameters())
    w0 = [p.detach().clone() for p in params]

    def objective(a):
        with torch.no_grad():
            for p, w in zip(params, w0, strict=True):
                p.copy_(w)
        weights = torch.softmax(a, -1)
        loss = F.cross_entropy(model(base[0], weights=weights), base[1])
        g = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, gi in zip(params, g, strict=True):
                p.sub_(0.5 * (gi + 1e-2 * p))
            return float(F.cross_entropy(model(arch[0], weights=weights), arch[1]))

    h, numeric = 1e-5, torch.zeros(6, 5, dtype=torch.float64)
    for i in range(6):
        for j in range(5):
            d = torch.zeros(6, 5, dtype=torch.float64)
            d[i, j] = h
            numeric[i, j] = (objective(alpha.detach() + d) - objective(alpha.detach() - d)) / (2 * h)
    assert torch.allclose(grad, numeric, atol=2e-3)  # ReLU kinks limit central differences
    # and exactly against autograd through the virtual step (double backward)
    from torch.func import functional_call

    names = [n for n, _ in model.named_parameters()]
    with torch.no_grad():
        for p, w in zip(params, w0, strict=True):
            p.copy_(w)
    weights = torch.softmax(alpha, -1)
    g = torch.autograd.grad(
        F.cross_entropy(model(base[0], weights=weights), base[1]), params, create_graph=True
    )
    virtual = {n: p - 0.5 * (gi + 1e-2 * p) for n, p, gi in zip(names, params, g, strict=True)}
    out = functional_call(model, virtual, (arch[0],), {"weights": weights})
    exact = torch.autograd.grad(F.cross_entropy(out, arch[1]), alpha)[0]
    assert torch.allclose(grad, exact, atol=1e-7)
    first_order = torch.autograd.grad(F.cross_entropy(model(arch[0], weights=probs()), arch[1]), alpha)[0]
    assert not torch.allclose(grad, first_order, rtol=1e-2)  # the second-order term matters here


def test_gdas_runs_only_its_sampled_path_and_every_logit_gets_a_gradient():
    m = _tiny_method("gdas")
    m.begin_epoch(0, 2, 1)
    x = torch.randn(4, 3, 32, 32)
    state = m.gen.get_state()
    hard = m.arch_weights()
    arch = tuple(int(i) for i in hard.argmax(-1))
    m.gen.set_state(state)
    out = m.model(x, **m.arch_kwargs())
    assert torch.allclose(out, m.model(x, arch=arch), atol=1e-5)  # the path = the discrete net (test_nets)
    out.sum().backward()
    assert (m.alpha.grad != 0).all()  # the skipped ops' zero-valued weights carry gradient, as forward_gdas


def test_gdas_temperature_falls_linearly():
    m = _tiny_method("gdas")
    taus = []
    for e in range(5):
        m.begin_epoch(e, 5, 1)
        taus.append(m.tau)
    assert taus == pytest.approx([10, 7.525, 5.05, 2.575, 0.1])


def test_setn_candidates_are_the_most_probable_archs():
    m = _tiny_method("setn", candidates=7)
    with torch.no_grad():
        m.alpha.copy_(torch.randn(6, 5, generator=torch.Generator().manual_seed(3)))
    logp = torch.log_softmax(m.alpha.detach().double(), -1)
    brute = sorted(TSS.enumerate(), key=lambda a: -float(sum(logp[i, c] for i, c in enumerate(a))))[:7]
    assert m.candidates() == brute


def test_rsps_never_samples_a_node_with_only_none_inputs():
    m = _tiny_method("rsps")
    none = OPS.index("none")
    for _ in range(300):
        arch = m.cell_arch()
        for node in (1, 2, 3):
            assert any(arch[e] != none for e, (to, _) in enumerate(EDGES) if to == node)
    kwargs = m.weight_kwargs()
    assert len(kwargs["cell_archs"]) == 15 and len(set(kwargs["cell_archs"])) > 1  # one path per cell


def test_enas_controller_update_matches_an_independent_reinforce_step(empty_home):
    """One controller update (3 samples, oracle rewards) against the same REINFORCE step written
    with torch.distributions.Categorical on a copy of the controller."""
    from torch.distributions import Categorical

    bench = open_benchmark("nats-tss", str(empty_home))
    oracle = TableEstimator(bench, VALID_KEY)
    seen = []

    class Recording:
        def score_many(self, archs):
            seen.append(tuple(int(c) for c in archs[0]))
            return oracle.score_many(archs)

    m = METHODS.get("enas")(TSS, 0, **tiny("enas", controller_steps=1, controller_samples=3))
    m.build("cifar10-valid", "cpu", oracle=Recording())
    m.baseline = 0.5  # a previous epoch's mean baseline
    ref = copy.deepcopy(m.controller)
    opt = torch.optim.Adam(ref.parameters(), lr=1e-3, betas=(0.5, 0.999), eps=1e-3, weight_decay=0)
    m.end_epoch(None)
    assert len(seen) == 3
    loss, baselines = 0, []
    for arch in seen:
        inputs, state, log_p, entropy = ref.start, None, 0, 0
        for c in arch:
            logits, state = ref.step_logits(inputs, state)
            dist = Categorical(logits=logits)
            log_p, entropy = log_p + dist.log_prob(torch.tensor(c)), entropy + dist.entropy()
            inputs = ref.embed(torch.tensor([c])).view(1, 1, -1)
        reward = float(oracle.score_many(np.array([arch]))[0]) / 100 + 1e-4 * entropy
        baseline = 0.5 - 0.01 * (0.5 - reward)
        baselines.append(float(baseline.detach()))
        loss = loss - log_p * (reward - baseline) / 3
    loss.backward()
    torch.nn.utils.clip_grad_norm_(ref.parameters(), 5.0)
    opt.step()
    for (name, a), b in zip(m.controller.state_dict().items(), ref.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-7), name
    assert m.baseline == pytest.approx(np.mean(baselines))  # the next epoch's b0


def test_oracle_mode_needs_no_images_and_reads_no_test_split(tmp_path):
    bench = open_benchmark("nats-tss", str(tmp_path))  # a fresh benchmark: nothing read yet
    for name in WS:
        bench.read_keys.clear()
        m = METHODS.get(name)(TSS, 0, **tiny(name))
        m.build("cifar10-valid", "cpu", oracle=TableEstimator(bench, VALID_KEY))
        m.begin_epoch(0, 2, 5)
        for _ in range(5):
            m.weight_step(None, None)
            m.arch_step(None, None)
        m.end_epoch(None)
        TSS.check(m.derive(None))
        assert VALID_KEY in bench.read_keys, name
        assert all("/x-valid/" in k or "/train/" in k for k in bench.read_keys), (name, bench.read_keys)


def test_oracle_darts_ascends_the_expected_accuracy_and_v2_equals_v1(tmp_path):
    spec = {"home": str(tmp_path), "estimator": "table"}
    v1, _ = one_shot.run(RunSpec("darts-v1", config={"epochs": 3, "oracle_steps": 50}, **spec), 0)
    v2, _ = one_shot.run(RunSpec("darts-v2", config={"epochs": 3, "oracle_steps": 50}, **spec), 0)
    assert [e["arch"] for e in v1.epochs] == [e["arch"] for e in v2.epochs]
    losses = [e["arch_loss"] for e in v1.epochs]  # minus the expected accuracy / 100
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0]
    assert v1.estimator["oracle"] and v1.estimator["spec"] == VALID_KEY
    assert v1.budget.unit.startswith("epochs (table oracle")


def test_bad_requests_are_one_line_errors(empty_home, tmp_path):
    from nasbench_eval.errors import NasbenchEvalError

    with pytest.raises(NasbenchEvalError, match="--data-root"):
        one_shot.build(RunSpec("gdas", home=str(empty_home)))
    scores = tmp_path / "scores.csv"  # an external predictor: scores, but no exact expectation
    scores.write_text("index,score\n" + "".join(f"{i},{i % 7}\n" for i in range(15625)))
    with pytest.raises(NasbenchEvalError, match="exact expectation"):
        one_shot.build(RunSpec("gdas", home=str(empty_home), estimator=f"file:{scores}"))
    one_shot.build(RunSpec("rsps", home=str(empty_home), estimator=f"file:{scores}"))  # scores suffice
    with pytest.raises(NasbenchEvalError, match="topology space"):
        METHODS.get("gdas")(get_space("nats-sss"), 0)
    with pytest.raises(NasbenchEvalError, match="accumulate"):
        METHODS.get("darts-v2")(TSS, 0, accumulate=2)


def test_a_product_subspace_confines_the_search(empty_home, images, tmp_path):
    spec = RunSpec(
        "gdas",
        home=str(empty_home),
        data_root=str(images),
        verify=False,
        subspace="ops=nor_conv_3x3,skip_connect",
        config=tiny("gdas"),
    )
    record, _ = one_shot.run(spec, 0)
    ops = {TSS.parse(e["arch"])[i] for e in record.epochs for i in range(6)}
    assert ops <= {OPS.index("nor_conv_3x3"), OPS.index("skip_connect")}
