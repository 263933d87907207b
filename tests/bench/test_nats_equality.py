"""Every metric our store returns equals what the official ``nats_bench`` API returns from
the same official sample files (archs 0, 11, 284 of both spaces)."""

import math
import warnings

import pytest
from shared_data import SAMPLE_INDICES, SSS_SAMPLE, TSS_SAMPLE, needs_shared

nats_bench = pytest.importorskip("nats_bench")

# split the official API reports as valid / test / valtest, per dataset
_SETS = {
    "cifar10-valid": {"valid": "x-valid", "test": "ori-test"},
    "cifar10": {"test": "ori-test"},
    "cifar100": {"valid": "x-valid", "test": "x-test", "valtest": "ori-test"},
    "ImageNet16-120": {"valid": "x-valid", "test": "x-test", "valtest": "ori-test"},
}
HPS = {"nats-tss": ("12", "200"), "nats-sss": ("01", "12", "90")}


def _api(space):
    sample = TSS_SAMPLE if space == "nats-tss" else SSS_SAMPLE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nats_bench.create(str(sample), space[-3:], fast_mode=True, verbose=False)


@pytest.fixture(scope="module")
def official_home(tmp_path_factory):
    """Only the official samples: a table imported first would keep its rounded values."""
    from nasbench_eval.bench.importers import read_source
    from nasbench_eval.bench.store import import_batch

    root = tmp_path_factory.mktemp("official")
    for sample in (TSS_SAMPLE, SSS_SAMPLE):
        import_batch(root, read_source(sample))
    return root


@pytest.fixture(scope="module", params=["nats-tss", "nats-sss"])
def pair(request, official_home):
    from nasbench_eval import open_benchmark

    return _api(request.param), open_benchmark(request.param, official_home), request.param


def _compare(bench, official, dataset, epochs, agg, index, iepoch):
    total = (iepoch + 1) if iepoch is not None else epochs
    rel = 1e-12 if iepoch is None else 1e-6  # curves are stored as float32
    checked = 0
    for prefix, split in [("train", "train"), *_SETS[dataset].items()]:
        key = f"{dataset}/{split}/{{}}/{epochs}/{agg}"
        if f"{prefix}-accuracy" not in official:  # the official API has none at this epoch
            assert math.isnan(bench.query(key.format("accuracy"), index, epoch=iepoch))
            continue
        for field, measure in (("loss", "loss"), ("accuracy", "accuracy"), ("all-time", "time_s")):
            ours = bench.query(key.format(measure), index, epoch=iepoch)
            assert ours == pytest.approx(official[f"{prefix}-{field}"], rel=rel), key.format(measure)
            checked += 1
        per_time = bench.query(key.format("time_s"), index, epoch=iepoch) / total
        assert per_time == pytest.approx(official[f"{prefix}-per-time"], rel=rel)
    return checked


@needs_shared
@pytest.mark.parametrize("index", SAMPLE_INDICES)
def test_more_info_equals_official_api(pair, index):
    api, bench, space = pair
    checked = 0
    for hp in HPS[space]:
        epochs = int(hp)
        for dataset in _SETS:
            seeds = api.query_meta_info_by_index(index, hp=hp).get_dataset_seeds(dataset)
            for is_random in [False, *seeds]:
                agg = "mean" if is_random is False else f"seed{is_random}"
                official = api.get_more_info(index, dataset, hp=hp, is_random=is_random)
                checked += _compare(bench, official, dataset, epochs, agg, index, None)
            for iepoch in sorted({0, epochs // 2, epochs - 1}):
                official = api.get_more_info(index, dataset, iepoch=iepoch, hp=hp, is_random=seeds[0])
                checked += _compare(bench, official, dataset, epochs, f"seed{seeds[0]}", index, iepoch)
    assert checked > 300


@needs_shared
@pytest.mark.parametrize("index", SAMPLE_INDICES)
def test_cost_info_equals_official_api(pair, index):
    api, bench, space = pair
    for hp in HPS[space]:
        epochs = int(hp)
        for dataset in _SETS:
            official = api.get_cost_info(index, dataset, hp=hp)
            for measure in ("flops", "params"):
                ours = bench.query(f"{dataset}/-/{measure}/-/-", index)
                assert ours == pytest.approx(official[measure], rel=1e-9)
            lat = bench.query(f"{dataset}/-/latency_s/{epochs}/mean", index)
            assert lat == pytest.approx(official["latency"], rel=1e-12)
            train_total = bench.query(f"{dataset}/train/time_s/{epochs}/mean", index)
            assert train_total == pytest.approx(official["T-train@total"], rel=1e-12)
            assert train_total / epochs == pytest.approx(official["T-train@epoch"], rel=1e-12)
            for split in _SETS[dataset].values():
                total = bench.query(f"{dataset}/{split}/time_s/{epochs}/mean", index)
                assert total == pytest.approx(official[f"T-{split}@total"], rel=1e-12)


@needs_shared
@pytest.mark.parametrize("index", SAMPLE_INDICES)
def test_arch_strings_and_simulated_time(pair, index):
    api, bench, space = pair
    assert bench.arch_at(index) == api.arch(index)
    assert bench.index_of(api.arch(index)) == index
    if space == "nats-tss":
        info = api.get_more_info(index, "cifar10-valid", hp="12", is_random=False)
        expected = info["train-all-time"] + info["valid-per-time"]
        assert bench.simulated_time(index, "cifar10", 12) == pytest.approx(expected, rel=1e-12)
