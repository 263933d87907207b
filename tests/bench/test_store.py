"""The benchmark store: oracles from the shared tables, merging rules, query behaviour."""

import json

import numpy as np
import pytest
from shared_data import ACCURACY_CSV, TSS_SAMPLE, needs_shared

from nasbench_eval import open_benchmark
from nasbench_eval.bench.importers import read_source
from nasbench_eval.bench.keys import parse_key
from nasbench_eval.bench.store import import_batch
from nasbench_eval.errors import ArchError, BenchmarkFileError, ConflictError, MetricKeyError

C10_TEST = "cifar10/ori-test/accuracy/200/mean"
C100_TEST = "cifar100/x-test/accuracy/200/mean"
IN16_TEST = "ImageNet16-120/x-test/accuracy/200/mean"
C10_VAL = "cifar10-valid/x-valid/accuracy/200/mean"
RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


def test_oracles_from_the_data_readme(tss):
    assert tss.best(C10_TEST) == (6111, pytest.approx(94.3733))
    assert tss.best(C100_TEST) == (9930, pytest.approx(73.5133))
    assert tss.best(IN16_TEST) == (857, pytest.approx(47.3111))
    assert tss.best(C10_VAL)[1] == pytest.approx(91.6067)
    assert tss.index_of(RESNET) == 11472
    got = [tss.query(k, RESNET) for k in (C10_TEST, C100_TEST, IN16_TEST)]
    assert got == pytest.approx([93.91, 70.89, 44.23], abs=0.005)
    opt = tss.optimum([C10_VAL, C10_TEST, C100_TEST, IN16_TEST])
    assert [round(v, 2) for _, v in opt.values()] == [91.61, 94.37, 73.51, 47.31]


def test_vectorised_and_single_queries_agree(tss):
    allv = tss.query(C10_TEST)
    assert allv.shape == (15625,) and allv.dtype == np.float64 and not np.isnan(allv).any()
    idx = np.array([0, 11, 284, 15624])
    assert np.array_equal(tss.query(C10_TEST, idx), allv[idx])
    assert tss.query(C10_TEST, 284) == allv[284]
    assert tss.query(C10_TEST, tss.arch_at(284)) == allv[284]
    assert tss.query(C10_TEST, [tss.arch_at(0), tss.arch_at(1)]).tolist() == allv[:2].tolist()
    flops = tss.query("cifar10/-/flops/-/-")
    assert flops[284] == pytest.approx(11.71521) and not np.isnan(flops).any()


def test_missing_values_are_nan_and_missing_metrics_list_close_keys(tss):
    edgetpu = tss.query("cifar10/-/latency_ms:edgetpu/-/-")
    assert np.isnan(edgetpu).sum() == 4699
    assert np.isnan(tss.query("cifar10/ori-test/loss/200/mean", 5))  # only sample archs have it
    with pytest.raises(MetricKeyError, match="close matches: cifar10/ori-test/accuracy/200/mean"):
        tss.query("cifar10/ori-test/accuracy/20/mean", 0)
    with pytest.raises(MetricKeyError, match="5 parts"):
        tss.query("cifar10/accuracy", 0)
    with pytest.raises(MetricKeyError, match="unknown dataset"):
        parse_key("cifar11/ori-test/accuracy/200/mean")
    with pytest.raises(ArchError, match="out of range"):
        tss.query(C10_TEST, 15625)


def test_sources_are_remembered(tss):
    src = tss.source_of(C10_TEST, 5)
    assert src["path"].endswith("tss_accuracy.csv") and len(src["md5"]) == 32
    curve_src = tss.source_of("cifar100/x-valid/loss/200/seed777", 284)
    assert curve_src["kind"] == "nats-simple"
    assert tss.source_of("cifar10/ori-test/loss/200/mean", 5) is None
    assert tss.source_of("cifar10/-/flops/-/-", 5)["kind"] == "analytic"
    cov = {str(c.key): c for c in tss.coverage()}
    assert cov[C10_TEST].archs == 15625 and cov["cifar10/ori-test/loss/200/mean"].archs == 3


@needs_shared
def test_reimport_is_noop_and_conflicts_need_replace(tmp_path):
    first = import_batch(tmp_path, read_source(ACCURACY_CSV))
    assert first.values_added == 15625 * 15 and not first.skipped
    assert import_batch(tmp_path, read_source(ACCURACY_CSV)).skipped
    rows = ACCURACY_CSV.read_text().splitlines()
    cells = rows[1].split(",")
    cells[6] = "12.5"  # cifar10/ori-test/accuracy/200/mean of arch 0
    changed = tmp_path / "changed.csv"
    changed.write_text("\n".join([rows[0], ",".join(cells)]) + "\n")
    with pytest.raises(ConflictError, match="cifar10/ori-test/accuracy/200/mean arch 0"):
        import_batch(tmp_path, read_source(changed))
    assert open_benchmark("nats-tss", tmp_path).query(C10_TEST, 0) == pytest.approx(85.8633)
    report = import_batch(tmp_path, read_source(changed), replace=True)
    assert report.values_replaced == 1
    bench = open_benchmark("nats-tss", tmp_path)
    assert bench.query(C10_TEST, 0) == 12.5 and bench.source_of(C10_TEST, 0)["path"] == str(changed)
    assert bench.source_of(C10_TEST, 1)["path"] == str(ACCURACY_CSV)


@needs_shared
def test_curves_are_added_to_values_a_table_already_had(tmp_path):
    import_batch(tmp_path, read_source(ACCURACY_CSV))
    import_batch(tmp_path, read_source(TSS_SAMPLE))
    bench = open_benchmark("nats-tss", tmp_path)
    curve_value = bench.query(C10_VAL, 284, epoch=100)
    assert 50 < curve_value < 90
    assert bench.source_of(C10_VAL, 284)["path"] == str(ACCURACY_CSV)  # first source kept


def test_store_is_versioned_json_and_npy_only(home):
    files = list((home / "v1" / "nats-tss").iterdir())
    assert {f.suffix for f in files} <= {".json", ".npy", ".lock", ""}
    manifest = json.loads((home / "v1" / "nats-tss" / "manifest.json").read_text())
    assert manifest["format"] == "nasbench-eval-store" and manifest["version"] == 1
    for f in files:
        if f.suffix == ".npy":
            np.load(f, allow_pickle=False)


def test_corrupt_manifest_is_a_clear_error(tmp_path):
    root = tmp_path / "v1" / "nats-tss"
    root.mkdir(parents=True)
    (root / "manifest.json").write_text("{not json")
    with pytest.raises(BenchmarkFileError, match="corrupt store manifest"):
        open_benchmark("nats-tss", tmp_path)


def test_empty_store_serves_the_embedded_default_and_analytic_costs(tmp_path):
    bench = open_benchmark("nats-tss", tmp_path)
    arch284 = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|none~0|nor_conv_1x1~1|none~2|"
    assert bench.query("cifar10/-/flops/-/-", arch284) == pytest.approx(11.71521)
    # the shared data's README oracles, served by the package alone
    assert bench.arch_at(11472) == RESNET and bench.query(C10_TEST, RESNET) == pytest.approx(93.91)
    assert bench.best(C10_TEST) == (6111, pytest.approx(94.3733))
    assert bench.source_of(C10_TEST, 0)["kind"] == "embedded"
    assert [s["kind"] for s in bench.sources] == ["embedded"]
    with pytest.raises(MetricKeyError, match="only the embedded default table"):
        bench.query("cifar10/ori-test/loss/200/mean", RESNET)
    sss = open_benchmark("nats-sss", tmp_path)
    assert sss.default is None and sss.arch_at(1) == "8:8:8:8:16"  # code order, no default table
    with pytest.raises(ArchError, match="every choice must be in 0..4"):
        bench.index_of((9,) * 6)  # still validated
