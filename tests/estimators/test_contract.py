"""Contract of every registered estimator: batch and single scoring agree, the record
description names its kind and spec, and ``expected`` (where offered) is exact."""

import numpy as np
import pytest

from nasbench_eval.errors import MetricKeyError
from nasbench_eval.estimators import ESTIMATORS, EstimatorContext, build_estimator, parse_estimator_spec

#: how the contract builds each kind (a new kind without an entry fails loudly below)
SPECS = {
    "table": "cifar10-valid/x-valid/accuracy/12/mean",
    "flops": "flops",
    "params": "params",
    "latency": "latency:edgegpu",
    "file": "file:{tmp}/scores.csv:score",
    "supernet": "supernet:{job}",
    "additive": "additive:200",
    "zc": "zc:synflow",  # needs no images
}


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """A tiny trained supernet job on synthetic CIFAR-10 files."""
    pytest.importorskip("torch")
    import synthetic

    from nasbench_eval.train.jobs import train_supernet

    root = tmp_path_factory.mktemp("sn")
    synthetic.write_cifar10(root, per_batch=40)
    synthetic.write_splits(root, cifar_train=200)
    train_supernet(
        "nats-tss", "cifar10-valid", out=root / "job", data_root=root, epochs=1, verify=False, progress=False
    )
    return root


def _build(kind, tss, tmp_path, job_root=None):
    spec = SPECS[kind].format(tmp=tmp_path, job=(job_root or tmp_path) / "job")
    if kind == "file":
        idx = np.arange(0, tss.space.size)
        (tmp_path / "scores.csv").write_text("index,score\n" + "".join(f"{i},{i % 97}\n" for i in idx))
    options = {"eval_batches": 1, "batch_size": 20}
    context = EstimatorContext(
        tss, "cifar10-valid", data_root=str(job_root) if job_root else None, verify=False, options=options
    )
    return build_estimator(spec, context)


def test_every_registered_estimator_has_a_contract_entry():
    assert set(ESTIMATORS.names()) <= set(SPECS), "add an example spec for the new estimator to SPECS"


@pytest.mark.parametrize("kind", ESTIMATORS.names())
def test_batch_and_single_agree(kind, tss, tmp_path, request):
    job_root = request.getfixturevalue("job") if kind == "supernet" else None
    est = _build(kind, tss, tmp_path, job_root)
    archs = np.array(tss.space.sample(np.random.default_rng(0), 5))
    batch = est.score_many(archs)
    single = [est.evaluate(tuple(a)).value for a in archs]
    np.testing.assert_allclose(batch, single)
    desc = est.describe()
    assert desc["kind"] and desc["spec"] and est.label
    assert parse_estimator_spec(SPECS[kind].split(":")[0] if kind != "table" else SPECS[kind]).kind == kind
    if est.differentiable:
        torch = pytest.importorskip("torch")
        probs = torch.nn.functional.one_hot(torch.as_tensor(archs), tss.space.num_choices).double()
        np.testing.assert_allclose(est.expected(probs).numpy(), batch, rtol=1e-9)
        shape = (tss.space.num_positions, tss.space.num_choices)
        uniform = torch.full(shape, 1 / tss.space.num_choices, dtype=torch.float64)
        everything = est.score_many(tss.space.all_choices())
        assert float(est.expected(uniform.double())) == pytest.approx(np.nanmean(everything), rel=1e-9)


def test_known_values(tss):
    """Oracles: the official sample arch 284's FLOPs and the shared table's 12-epoch accuracy."""
    est = build_estimator("flops", EstimatorContext(tss, "cifar10"))
    arch = tss.space.parse(tss.arch_at(284))
    assert est.evaluate(arch).value == pytest.approx(11.71521, abs=1e-5)
    table = build_estimator("table:cifar10-valid/x-valid/accuracy/12/mean", EstimatorContext(tss, "cifar10"))
    assert table.evaluate(arch).value == tss.query("cifar10-valid/x-valid/accuracy/12/mean", 284)


@pytest.mark.parametrize(
    "spec, match",
    [
        ("dunno", "unknown estimator 'dunno'"),
        ("latency", "needs a device"),
        ("latency:toaster", "unknown device 'toaster'"),
        ("flops:x", "takes no argument"),
        ("supernet", "supernet:JOB_DIR"),
        ("cifar10-valid/x-valid/accuracy/7/mean", "no metric"),
        ("", "non-empty"),
    ],
)
def test_bad_specs(tss, spec, match):
    with pytest.raises(MetricKeyError, match=match):
        build_estimator(spec, EstimatorContext(tss, "cifar10"))
