"""Dataset readers and NB201 splits on synthetic files in the official formats."""

import hashlib
import shutil

import numpy as np
import pytest
import synthetic
import torch
from shared_data import NB201, needs_shared

from nasbench_eval.data.batches import DeviceBatches
from nasbench_eval.data.raw import CIFAR10, load_cifar10, load_cifar100, load_imagenet16
from nasbench_eval.data.splits import Part, load_splits, read_split
from nasbench_eval.errors import BenchmarkFileError

OFFICIAL_SPLITS = NB201 / "official-configs"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    r = tmp_path_factory.mktemp("data")
    synthetic.write_cifar10(r)
    synthetic.write_cifar100(r)
    synthetic.write_imagenet16(r)
    in16 = load_imagenet16(r, verify=False)
    synthetic.write_splits(r, in16_val=len(in16.test_y), in16_train=len(in16.train_y))
    return r


def test_cifar_readers(root):
    c10 = load_cifar10(root, verify=False)
    assert c10.train_x.shape == (200, 32, 32, 3) and c10.train_x.dtype == np.uint8
    assert c10.test_x.shape == (100, 32, 32, 3) and c10.train_y.max() <= 9
    c100 = load_cifar100(root, verify=False)
    assert c100.train_x.shape == (200, 32, 32, 3) and c100.test_y.max() < 100


def test_imagenet16_keeps_labels_1_to_120_zero_based(root):
    import pickle

    raw = pickle.loads((root / "ImageNet16" / "val_data").read_bytes())
    kept = sum(1 <= v <= 120 for v in raw["labels"])
    d = load_imagenet16(root, verify=False)
    assert len(d.test_y) == kept and d.test_x.shape[1:] == (16, 16, 3)
    assert d.train_y.min() >= 0 and d.train_y.max() <= 119


def test_checks_name_the_file_and_size(root, tmp_path):
    with pytest.raises(BenchmarkFileError, match="md5 differs"):
        load_cifar100(root, verify=True)
    with pytest.raises(BenchmarkFileError, match=r"data_batch_1 has .* bytes, expected 31,035,704"):
        load_cifar10(root, verify=True)
    with pytest.raises(BenchmarkFileError, match=r"missing dataset file .*data_batch_1 \(31,035,704 bytes\)"):
        load_cifar10(tmp_path)
    broken = tmp_path / "b"
    shutil.copytree(root / "cifar-10-batches-py", broken / "cifar-10-batches-py")
    (broken / "cifar-10-batches-py" / "test_batch").write_bytes(b"\x80\x02}q\x00(")
    with pytest.raises(BenchmarkFileError, match="test_batch: not a readable dataset pickle"):
        load_cifar10(broken, verify=False)
    assert set(CIFAR10) == {*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"}


@needs_shared
def test_official_split_files_have_the_documented_sizes():
    sizes = {
        f: {k: len(v) for k, v in read_split(OFFICIAL_SPLITS / f).items()}
        for f in (
            "cifar-split.txt",
            "cifar100-test-split.txt",
            "imagenet-16-120-test-split.txt",
            "ImageNet16-120-split.txt",
        )
    }
    assert sizes["cifar-split.txt"] == {"train": 25000, "valid": 25000}
    assert sizes["cifar100-test-split.txt"] == {"xvalid": 5000, "xtest": 5000}
    assert sizes["imagenet-16-120-test-split.txt"] == {"xvalid": 3000, "xtest": 3000}
    assert sizes["ImageNet16-120-split.txt"] == {"train": 75850, "valid": 75850}
    s = read_split(OFFICIAL_SPLITS / "cifar-split.txt")
    assert (
        len(np.intersect1d(s["train"], s["valid"])) == 0 and np.union1d(s["train"], s["valid"]).size == 50000
    )


def test_benchmark_datasets_use_the_right_parts(root):
    c10v = load_splits("cifar10-valid", root, verify=False)
    raw = load_cifar10(root, verify=False)
    idx = read_split(root / "nb201-splits" / "cifar-split.txt")
    assert np.array_equal(c10v.train.images, raw.train_x[idx["train"]])
    assert np.array_equal(c10v.evals["x-valid"].labels, raw.train_y[idx["valid"]])
    assert set(c10v.evals) == {"x-valid", "ori-test"} and c10v.pad == 4
    c100 = load_splits("cifar100", root, verify=False)
    assert {k: len(v.labels) for k, v in c100.evals.items()} == {"x-valid": 50, "x-test": 50, "ori-test": 100}
    raw100 = load_cifar100(root, verify=False)  # CIFAR-100's own images (a bug once read CIFAR-10's)
    assert np.array_equal(c100.train.images, raw100.train_x) and np.array_equal(
        c100.train.labels, raw100.train_y
    )
    assert c100.mean[0] == 129.3
    in16 = load_splits("ImageNet16-120", root, verify=False, search=True)
    assert set(in16.evals) == {"x-valid"} and in16.pad == 2 and in16.mean[0] == 122.68
    with pytest.raises(BenchmarkFileError, match="split files were not found"):
        load_splits("cifar100", root / "nowhere", verify=False)


def test_device_batches_augment_in_batched_ops():
    rng = np.random.default_rng(0)
    part = Part(rng.integers(0, 256, (10, 8, 8, 3), dtype=np.uint8), np.arange(10))
    plain = DeviceBatches(part, 4, mean=(0, 0, 0), std=(1, 1, 1), pad=2, augment=False, shuffle=False)
    x, y = next(iter(plain))
    assert torch.equal(x, torch.from_numpy(part.images[:4]).permute(0, 3, 1, 2).float()) and y.tolist() == [
        0,
        1,
        2,
        3,
    ]
    assert len(plain) == 3 and sum(len(b[1]) for b in plain) == 10

    def augmented():
        return DeviceBatches(
            part,
            10,
            mean=(0, 0, 0),
            std=(1, 1, 1),
            pad=2,
            augment=True,
            shuffle=True,
            generator=torch.Generator().manual_seed(3),
        )

    xa, ya = next(iter(augmented()))
    src = torch.nn.functional.pad(torch.from_numpy(part.images).permute(0, 3, 1, 2).float(), (2, 2, 2, 2))
    for img, label in zip(xa, ya, strict=True):  # every image is a crop (maybe flipped) of its source
        s = src[label]
        found = any(
            torch.equal(img, c) or torch.equal(img, c.flip(-1))
            for c in (s[:, i : i + 8, j : j + 8] for i in range(5) for j in range(5))
        )
        assert found
    assert torch.equal(next(iter(augmented()))[0], xa)  # same generator seed, same batch


@needs_shared
def test_real_cifar10_md5_table_matches_checksums_file():
    text = (NB201.parent / "raw" / "CHECKSUMS.md").read_text()
    for name, (size, md5) in CIFAR10.items():
        assert f"{size} | {md5}" in text.replace("  ", " ") or (md5 in text and str(size) in text), name
    assert hashlib.md5(b"").hexdigest() not in text
