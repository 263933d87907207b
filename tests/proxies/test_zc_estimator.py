"""The zc estimator on real NB201 networks: seeds, shared passes, batch == single, the cache,
the errors a user sees, the CLI (correlate, data info) and REA's zero-cost warm-up."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from click.testing import CliRunner  # noqa: E402

from nasbench_eval import open_benchmark  # noqa: E402
from nasbench_eval.cli import main  # noqa: E402
from nasbench_eval.errors import BenchmarkFileError, MetricKeyError, UnknownNameError  # noqa: E402
from nasbench_eval.estimators import EstimatorContext, build_estimator  # noqa: E402
from nasbench_eval.estimators.zero_cost import ZeroCostEstimator  # noqa: E402
from nasbench_eval.proxies import PROXIES, Probe  # noqa: E402

NETWORK_PROXIES = ("grad_norm", "snip", "grasp", "fisher", "jacob_cov", "naswot", "synflow", "zen")
SMALL = {"batch_size": 8}  # small batches keep the tests fast; the formulas do not change


@pytest.fixture
def data(images):
    return images


@pytest.fixture
def bench(tmp_path):
    return open_benchmark("nats-tss", tmp_path / "home")


def _est(bench, names, data, **kw):
    small = SMALL if any("batch_size" in PROXIES.get(n).options for n in names) else {}
    options = {**small, **kw.pop("options", {})}
    return ZeroCostEstimator(bench, "cifar10", list(names), options, data_root=data, verify=False, **kw)


ARCHS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|skip_connect~1|nor_conv_3x3~2|",
    "|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",  # node 1 is dead
]


def _choices(bench):
    return np.array([bench.space.parse(a) for a in ARCHS])


def test_same_seed_same_scores_other_seed_other_scores(bench, data):
    a = _est(bench, NETWORK_PROXIES, data, cache=False).score_columns(_choices(bench))
    b = _est(bench, NETWORK_PROXIES, data, cache=False).score_columns(_choices(bench))
    c = _est(bench, NETWORK_PROXIES, data, cache=False, options={"seed": 1}).score_columns(_choices(bench))
    for name in NETWORK_PROXIES:
        np.testing.assert_array_equal(a[name], b[name])
        assert not np.allclose(a[name], c[name]), name


def test_shared_pass_equals_each_proxy_alone_and_batch_equals_single(bench, data):
    together = _est(bench, NETWORK_PROXIES, data, cache=False).score_columns(_choices(bench))
    for name in NETWORK_PROXIES:
        alone = _est(bench, [name], data, cache=False)
        single = [alone.score_many(row[None])[0] for row in _choices(bench)]
        np.testing.assert_allclose(together[name], single, rtol=1e-5, err_msg=name)


def test_naswot_kernel_shares_a_node_input_exactly(bench, data):
    """The kernel term of a node feeding several edges is counted once per ReLU, as if each
    ReLU were hooked on its own (the reference)."""
    est = _est(bench, ["naswot"], data, cache=False)
    images = est._images(8)
    arch = bench.space.parse(ARCHS[0])
    probe = Probe(bench.space, arch, "cifar10", seed=0, code=bench.space.code(arch), images=images)
    fast = probe.signals(8, ("relu_kernel",))["relu_kernel"]
    slow = torch.zeros(8, 8, dtype=torch.float64)

    def hook(module, inputs, output):
        c = inputs[0].flatten(1).gt(0).double()
        slow.add_(c @ c.T + (1 - c) @ (1 - c).T)

    net = probe.build().to(memory_format=torch.channels_last)  # as the probe's, bit for bit
    for m in net.modules():
        if isinstance(m, torch.nn.ReLU):
            m.register_forward_hook(hook)
    with torch.no_grad():
        net(probe.batch(8)[0])
    torch.testing.assert_close(fast, slow)


def test_scores_are_cached_and_need_no_images_the_second_time(bench, data):
    first = _est(bench, ["snip", "synflow"], data)
    values = first.score_columns(_choices(bench))
    assert first.computed == len(ARCHS)
    again = ZeroCostEstimator(bench, "cifar10", ["snip", "synflow"], SMALL)  # no data_root
    cached = again.score_columns(_choices(bench))
    assert again.computed == 0
    for name in values:
        np.testing.assert_array_equal(values[name], cached[name])
    other_batch = ZeroCostEstimator(bench, "cifar10", ["snip"], {"batch_size": 16})
    other_batch.score_columns(_choices(bench))  # a new cache entry, from the stored image batch
    assert other_batch.computed == len(ARCHS)


def test_no_images_and_no_stored_batch_is_a_one_line_error(tmp_path):
    fresh = ZeroCostEstimator(open_benchmark("nats-tss", tmp_path / "empty"), "cifar10", ["snip"])
    with pytest.raises(MetricKeyError, match=r"zc:snip on cifar10 needs training images.*cifar_unpack"):
        fresh.score_many(np.zeros((1, 6), int))


def test_missing_image_files_name_what_to_unpack(bench, tmp_path):
    est = ZeroCostEstimator(bench, "cifar10", ["snip"], data_root=tmp_path / "empty")
    with pytest.raises(BenchmarkFileError, match=r"missing dataset file.*cifar-10-batches-py.*cifar_unpack"):
        est.score_many(_choices(bench)[:1])


def test_synflow_zen_flops_need_no_images(bench):
    est = ZeroCostEstimator(bench, "cifar10", ["synflow", "zen", "flops", "params"], {"zen.batch_size": 4})
    cols = est.score_columns(_choices(bench))
    assert np.isfinite(cols["synflow"]).all() and np.isfinite(cols["zen"]).all()
    np.testing.assert_allclose(
        cols["flops"][0], bench.space.cost_model("cifar10", "flops").evaluate(_choices(bench))[0]
    )


@pytest.mark.parametrize(
    "spec, error, match",
    [
        ("zc:", MetricKeyError, "needs a proxy name"),
        ("zc:synflaw", UnknownNameError, "unknown zero-cost proxy 'synflaw'"),
        ("zc:snip:batchsize=3", MetricKeyError, "unknown zc option"),
        ("zc:snip:batch_size=1", MetricKeyError, "must be >= 2"),
        ("zc:snip:batch_size=2.5", MetricKeyError, "must be an integer"),
        ("zc:snip:seed=-1", MetricKeyError, "non-negative integer"),
        ("zc:snip,snip", MetricKeyError, "twice"),
        ("zc:snip:seed", MetricKeyError, "KEY=VALUE"),
    ],
)
def test_bad_specs(bench, spec, error, match):
    with pytest.raises(error, match=match):
        build_estimator(spec, EstimatorContext(bench, "cifar10"))


def test_options_reach_the_right_proxies(bench):
    est = build_estimator("zc:snip,naswot:naswot.batch_size=32,seed=3", EstimatorContext(bench, "cifar10"))
    assert (
        est.seed == 3
        and est.options["snip"]["batch_size"] == 64
        and est.options["naswot"]["batch_size"] == 32
    )
    assert est.spec_of("naswot") == "zc:naswot:seed=3,batch_size=32"
    with pytest.raises(MetricKeyError, match="needs one proxy"):
        est.score_many(_choices(bench))


def test_correlate_cli_one_record_per_proxy_and_data_info(tmp_path, data, monkeypatch):
    home = tmp_path / "home"
    out = tmp_path / "out"
    args = ["--home", str(home), "correlate", "--estimator", "zc:synflow,snip,vote", "--dataset", "cifar10"]
    args += ["--truth", "cifar10-valid/ori-test/accuracy/200/mean", "--archs", "6", "--bootstrap", "0"]
    args += ["--set", "batch_size=8", "--set", "vote.reference=5", "--data-root", str(data), "--no-verify"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = sorted(out.glob("*.json"))
    assert len(records) == 3
    specs = {json.loads(p.read_text())["estimator"]["spec"] for p in records}
    assert specs == {"zc:synflow:seed=0", "zc:snip:seed=0,batch_size=8", "zc:vote:seed=0,reference=5"}
    info = CliRunner().invoke(main, ["--home", str(home), "data", "info", "--space", "nats-tss"])
    assert "zc:snip:seed=0,batch_size=8" in info.output and "zc:synflow:seed=0" in info.output
    bad = CliRunner().invoke(main, ["--home", str(home), "correlate", "--estimator", "flops", "--set", "a=1"])
    assert bad.exit_code == 2 and "takes no --set options" in bad.output


def test_rea_warm_start_takes_the_best_by_proxy(tss):
    from nasbench_eval.methods import get_method

    key = "cifar10-valid/x-valid/accuracy/12/mean"
    table = build_estimator(key, EstimatorContext(tss, "cifar10"))
    rea = get_method("rea")
    warm = rea(tss.space, np.random.default_rng(0), prior=table.score_many, warmup=200, population_size=10)
    firsts = [warm.ask().arch for _ in range(10)]
    rng = np.random.default_rng(0)
    pool = tss.space.sample(rng, 200)  # the same draws the method made
    best = sorted(pool, key=lambda a: -table.evaluate(a).value)[:10]
    assert firsts == best
    with pytest.raises(Exception, match="needs a prior"):
        rea(tss.space, np.random.default_rng(0), warmup=5).ask()


def test_rea_warmup_run_records_its_proxy(home):
    from nasbench_eval.runs.multi_trial import run
    from nasbench_eval.runs.spec import RunSpec

    config = {"warmup": 40, "warmup_estimator": "zc:synflow"}
    record, _ = run(
        RunSpec("rea", protocol="nb201", home=str(home), config=config, budget=20, budget_unit="queries"), 0
    )
    assert record.prior_estimator["spec"] == "zc:synflow:seed=0"
    bench = open_benchmark("nats-tss", home)
    synflow = build_estimator("zc:synflow", EstimatorContext(bench, "cifar10"))
    pool = bench.space.sample(np.random.default_rng(0), 40)
    best = np.argsort(-synflow.score_many(np.array(pool)), kind="stable")[:10]
    assert record.trajectory.index[:10] == [bench.index_of(pool[i]) for i in best]


def test_fresh_batch_gives_each_arch_its_own_batch(bench, data):
    fixed = _est(bench, ["snip"], data, cache=False).score_columns(_choices(bench))["snip"]
    fresh = _est(bench, ["snip"], data, cache=False, options={"fresh_batch": 1})
    once, twice = (fresh.score_columns(_choices(bench))["snip"] for _ in range(2))
    np.testing.assert_array_equal(once, twice)
    assert not np.allclose(once, fixed)
    assert fresh.spec_of("snip") == "zc:snip:seed=0,batch_size=8,fresh_batch=1"


def test_size_space_networks_are_scored_too(tmp_path, data):
    sss = open_benchmark("nats-sss", tmp_path / "home")
    est = ZeroCostEstimator(
        sss, "cifar10", ["synflow", "snip", "naswot"], SMALL, data_root=data, verify=False
    )
    archs = np.array([(0, 0, 0, 0, 0), (7, 7, 7, 7, 7), (3, 1, 4, 1, 5)])
    cols = est.score_columns(archs)
    for name, values in cols.items():
        assert np.isfinite(values).all(), name
    assert cols["synflow"][1] > cols["synflow"][0]  # the widest net carries more flow than the narrowest


def test_run_searches_with_a_proxy_as_its_estimator(tmp_path):
    out = tmp_path / "runs"
    args = ["--home", str(tmp_path / "home"), "run", "--method", "rs", "--estimator", "zc:synflow"]
    result = CliRunner().invoke(main, [*args, "--budget", "5q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads(next(out.rglob("seed-*.json")).read_text())
    assert record["estimator"]["spec"] == "zc:synflow:seed=0" and record["budget"]["used"] == 5


def test_rea_never_prefers_a_nan_score(tss):
    from nasbench_eval.methods import get_method
    from nasbench_eval.methods.base import Query

    rea = get_method("rea")(tss.space, np.random.default_rng(0), population_size=3, sample_size=3)
    archs = tss.space.sample(np.random.default_rng(1), 3)
    for arch, value in zip(archs, [np.nan, 1.0, np.nan], strict=True):
        rea.tell(Query(arch), value)
    child = rea.ask().arch  # a mutation of the only finite member
    assert child in tss.space.neighbours(archs[1])
