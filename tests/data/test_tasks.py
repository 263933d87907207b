"""CIFAR-100 superclasses and task dropout (EAS's supernet training)."""

import numpy as np
import pytest
import synthetic
import torch
from torch.nn import functional as F

from nasbench_eval.data.batches import DeviceBatches
from nasbench_eval.data.raw import load_cifar100
from nasbench_eval.data.splits import Part, load_splits
from nasbench_eval.data.tasks import TaskDropout, class_mask
from nasbench_eval.errors import BenchmarkFileError, NasbenchEvalError
from nasbench_eval.train.jobs import train_supernet
from nasbench_eval.train.trainer import CHECKPOINT, load_checkpoint

GROUPS = np.arange(100) // 5  # the synthetic files' superclasses


@pytest.fixture(scope="module")
def c100(tmp_path_factory):
    root = tmp_path_factory.mktemp("c100")
    synthetic.write_cifar100(root, train=400, test=100)
    synthetic.write_splits(root, cifar100_test=100)
    return root


def test_superclasses_come_from_the_files(c100, tmp_path):
    raw = load_cifar100(c100, verify=False)
    seen = np.unique(raw.train_y)
    assert (raw.groups[seen] == seen // 5).all() and raw.groups.shape == (100,)
    assert (load_splits("cifar100", c100, verify=False, search=True).groups == raw.groups).all()
    assert class_mask(raw.groups, [0, 3]).sum() == 10 and class_mask(raw.groups, [0, 3])[[0, 4, 15, 19]].all()
    with pytest.raises(NasbenchEvalError, match="superclasses 0..19"):
        class_mask(raw.groups, [20])


def test_a_class_in_two_superclasses_is_a_corrupt_file(tmp_path):
    import pickle

    d = synthetic.write_cifar100(tmp_path, train=300)
    rec = pickle.loads((d / "train").read_bytes())
    rec[b"coarse_labels"][0] = (rec[b"coarse_labels"][0] + 1) % 20
    (d / "train").write_bytes(pickle.dumps(rec, protocol=2))
    with pytest.raises(BenchmarkFileError, match="one superclass per class"):
        load_cifar100(tmp_path, verify=False)


def _stream(labels, p, seed=0):
    images = np.zeros((len(labels), 32, 32, 3), np.uint8)
    batches = DeviceBatches(
        Part(images, np.asarray(labels, np.int64)),
        len(labels),
        mean=(0, 0, 0),
        std=(1, 1, 1),
        augment=False,
        shuffle=False,
        generator=torch.Generator().manual_seed(seed),
    )
    return TaskDropout(batches, GROUPS, p)


def test_task_dropout_masks_exactly_the_dropped_superclasses():
    labels = np.arange(100)  # every class once
    stream = _stream(labels, 0.5)
    ((x, y),) = list(stream)
    kept_groups = torch.unique(torch.as_tensor(GROUPS)[y])
    assert 0 < len(kept_groups) < 20  # some dropped, some kept at p = 0.5 (seed 0)
    assert set((torch.as_tensor(GROUPS)[stream.kept.nonzero().flatten()]).tolist()) == set(
        kept_groups.tolist()
    )
    assert int(stream.kept.sum()) == 5 * len(kept_groups) and len(y) == int(stream.kept.sum())
    logits = torch.zeros(len(y), 100)
    masked = stream.forward(lambda m, x, g: logits)(None, x, None)
    assert torch.isinf(masked[:, ~stream.kept]).all() and (masked[:, stream.kept] == 0).all()
    # the loss is the one over the kept task alone: uniform over its classes
    assert F.cross_entropy(masked, y).item() == pytest.approx(np.log(int(stream.kept.sum())))


def test_task_dropout_keeps_one_superclass_and_zero_drops_nothing():
    always = _stream(np.arange(100), 0.999999)
    ((_, y),) = list(always)
    assert len(torch.unique(torch.as_tensor(GROUPS)[y])) == 1
    ((_, y),) = list(_stream(np.arange(100), 0.0))
    assert len(y) == 100
    with pytest.raises(NasbenchEvalError, match=r"\[0, 1\)"):
        _stream(np.arange(10), 1.0)


def test_supernet_training_with_task_dropout_resumes_exactly(c100, tmp_path, monkeypatch):
    from nasbench_eval.train import jobs

    # 400 images, batch 256 (the weight-sharing recipe): 2 batches per epoch
    kw = dict(data_root=c100, verify=False, progress=False, task_dropout=0.5, epochs=2)
    full = train_supernet("nats-sss", "cifar100", out=tmp_path / "full", **kw)
    assert full["task_dropout"] == 0.5 and len(full["log"]) == 2

    class Killed(jobs.Trainer):
        def __init__(self, *a, **k):
            super().__init__(*a, **k, stop_after_steps=3)  # dies in epoch 2

    monkeypatch.setattr(jobs, "Trainer", Killed)
    with pytest.raises(KeyboardInterrupt):
        train_supernet("nats-sss", "cifar100", out=tmp_path / "killed", **kw)
    monkeypatch.undo()
    train_supernet("nats-sss", "cifar100", out=tmp_path / "killed", resume=True, **kw)
    a = load_checkpoint(tmp_path / "full" / CHECKPOINT)["model"]
    b = load_checkpoint(tmp_path / "killed" / CHECKPOINT)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)  # the same superclasses dropped after the resume
    with pytest.raises(NasbenchEvalError, match="only cifar100"):
        train_supernet("nats-sss", "cifar10-valid", out=tmp_path / "c10", **kw)


def test_a_task_view_of_the_supernet_estimator(c100, tmp_path):
    from nasbench_eval.estimators.supernet import SupernetEstimator

    kw = dict(data_root=c100, verify=False, progress=False, task_dropout=0.5, epochs=1)
    train_supernet("nats-sss", "cifar100", out=tmp_path / "job", **kw)
    est = SupernetEstimator.from_job(tmp_path / "job", c100, eval_batches=2, batch_size=25, verify=False)
    mask = class_mask(GROUPS, [0, 3])
    view = est.for_task(mask)
    ys = torch.cat([y for _, y in view.batches]).numpy()
    assert mask[ys].all() and len(ys) == sum(int(mask[y.numpy()].sum()) for _, y in est.batches) > 0
    arch = (7, 7, 7, 7, 7)
    preds = torch.cat([view._call(x, arch).argmax(1) for x, _ in view.batches]).numpy()
    assert mask[preds].all()  # predicted among the task's 10 classes only
    assert view.accuracy(arch) == pytest.approx(100.0 * (preds == ys).mean())
    alpha = torch.zeros(2, 5, 8, requires_grad=True)
    view.straight_through_loss(torch.softmax(alpha, -1), 2).backward()
    assert torch.isfinite(alpha.grad).all() and alpha.grad.abs().sum() > 0
    assert est.class_mask is None  # the full estimator is unchanged
