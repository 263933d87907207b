"""The trainer on synthetic CIFAR files: loss falls, resume is exact, jobs and commands."""

import json

import pytest
import synthetic
import torch
from click.testing import CliRunner
from shared_data import NB201, needs_shared

from nasbench_eval.cli import main
from nasbench_eval.errors import NasbenchEvalError
from nasbench_eval.estimators.supernet import SupernetEstimator
from nasbench_eval.spaces import get_space
from nasbench_eval.train.jobs import train_network, train_supernet
from nasbench_eval.train.recipes import RECIPES, read_config
from nasbench_eval.train.trainer import CHECKPOINT, cosine_lr, load_checkpoint

RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    r = tmp_path_factory.mktemp("data")
    synthetic.write_cifar10(r, per_batch=60)
    synthetic.write_splits(r, cifar_train=300)
    return r


@needs_shared
def test_builtin_recipes_equal_the_official_files():
    base = NB201 / "official-configs"
    for name in ("01E", "12E", "90E", "200E"):
        assert read_config(base / "hyper-opts" / f"{name}.config") == RECIPES[name]
    for name in ("weight-sharing", "RANDOM", "SETN", "GDAS", "DARTS", "ENAS"):
        assert read_config(base / "algos" / f"{name}.config") == RECIPES[name], name


def test_cosine_schedule():
    r = RECIPES["200E"].with_epochs(2)
    assert cosine_lr(r, 0) == pytest.approx(0.1) and cosine_lr(r, 1) == pytest.approx(0.05)
    assert cosine_lr(r, 2) == pytest.approx(0.0, abs=1e-12)
    assert cosine_lr(RECIPES["DARTS"], 50) == pytest.approx(0.001)  # ends at eta_min


def test_loss_falls(root, tmp_path):
    r = train_network(
        "nats-tss",
        RESNET,
        "cifar10",
        out=tmp_path,
        data_root=root,
        epochs=4,
        recipe="12E",
        verify=False,
        progress=False,
    )
    losses = [e["train_loss"] for e in r["log"]]
    assert losses[-1] < losses[0] - 0.3
    assert set(r["metrics"]) == {"cifar10/ori-test/accuracy/4/seed0", "cifar10/ori-test/loss/4/seed0"}
    state = load_checkpoint(tmp_path / CHECKPOINT)  # weights_only=True
    assert state["epoch"] == 4 and len((tmp_path / "log.jsonl").read_text().splitlines()) == 4


def test_killed_mid_epoch_and_resumed_gives_the_same_weights(root, tmp_path):
    kw = dict(data_root=root, epochs=2, recipe="12E", verify=False, progress=False)  # 2 batches/epoch
    train_network("nats-tss", RESNET, "cifar10", out=tmp_path / "full", **kw)
    from nasbench_eval.train import jobs

    class Killed(jobs.Trainer):
        def __init__(self, *a, **k):
            super().__init__(*a, **k, stop_after_steps=3)  # dies in epoch 2 (2 batches/epoch)

    orig = jobs.Trainer
    jobs.Trainer = Killed
    try:
        with pytest.raises(KeyboardInterrupt):
            train_network("nats-tss", RESNET, "cifar10", out=tmp_path / "killed", **kw)
    finally:
        jobs.Trainer = orig
    assert load_checkpoint(tmp_path / "killed" / CHECKPOINT)["epoch"] == 1
    with pytest.raises(NasbenchEvalError, match="--resume"):
        train_network("nats-tss", RESNET, "cifar10", out=tmp_path / "killed", **kw)
    train_network("nats-tss", RESNET, "cifar10", out=tmp_path / "killed", resume=True, **kw)
    a = load_checkpoint(tmp_path / "full" / CHECKPOINT)["model"]
    b = load_checkpoint(tmp_path / "killed" / CHECKPOINT)["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_supernet_job_and_estimator(root, tmp_path):
    r = train_supernet(
        "nats-tss", "cifar10-valid", out=tmp_path, data_root=root, epochs=2, verify=False, progress=False
    )
    assert r["bn_affine"] is False and r["bn_track_running_stats"] is False and len(r["log"]) == 2
    est = SupernetEstimator.from_job(tmp_path, root, eval_batches=2, batch_size=50, verify=False)
    space = get_space("nats-tss")
    archs = space.sample(__import__("numpy").random.default_rng(0), 3)
    accs = est.score_many(archs)
    assert accs.shape == (3,) and ((0 <= accs) & (accs <= 100)).all()
    assert est.evaluate(archs[0]).value == accs[0]  # same fixed batches every time
    assert est.describe()["config"]["sampling"] == "uniform single path"


def test_supernet_estimator_recalibrates_bn(root, tmp_path):
    train_supernet(
        "nats-sss",
        "cifar10-valid",
        out=tmp_path,
        data_root=root,
        epochs=1,
        verify=False,
        progress=False,
        bn=__import__("nasbench_eval.nets.ops", fromlist=["BNConfig"]).BNConfig(True, True),
    )
    est = SupernetEstimator.from_job(
        tmp_path, root, eval_batches=1, batch_size=50, recalibrate_batches=2, verify=False
    )
    a = est.accuracy((0, 1, 2, 3, 4))
    assert 0 <= a <= 100 and a == est.accuracy((0, 1, 2, 3, 4))


def test_commands(root, tmp_path):
    cli = CliRunner()
    args = ["--data-root", str(root), "--no-verify", "--epochs", "1", "--limit-train", "64"]
    train = ["train", "--arch", RESNET, "--recipe", "12E"]
    res = cli.invoke(main, [*train, "--dataset", "cifar10-valid", "--out", str(tmp_path / "t"), *args])
    assert res.exit_code == 0, res.output
    assert (
        "cifar10-valid/x-valid/accuracy/1/seed0"
        in json.loads((tmp_path / "t" / "result.json").read_text())["metrics"]
    )
    res = cli.invoke(
        main, ["supernet", "train", "--dataset", "cifar10-valid", "--out", str(tmp_path / "s"), *args]
    )
    assert res.exit_code == 0 and "supernet in" in res.output
    res = cli.invoke(main, [*train, "--dataset", "cifar10", "--out", str(tmp_path / "t"), *args])
    assert res.exit_code == 2 and "already holds a training job" in res.stderr
    missing = ["--data-root", str(tmp_path / "none"), "--epochs", "1"]
    res = cli.invoke(main, [*train, "--dataset", "cifar10", "--out", str(tmp_path / "x"), *missing])
    assert res.exit_code == 2 and "missing dataset file" in res.stderr and "31,035,704 bytes" in res.stderr
