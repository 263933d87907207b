"""The embedded default table: checksummed, used only where the store has no value."""

import json
from importlib import resources

import numpy as np
import pytest

from nasbench_eval import open_benchmark
from nasbench_eval.bench.default import default_table
from nasbench_eval.bench.importers import read_source
from nasbench_eval.bench.store import import_batch

C10_TEST = "cifar10/ori-test/accuracy/200/mean"


def test_the_package_carries_a_checksummed_table_with_its_sources():
    table = default_table("nats-tss")
    folder = resources.files("nasbench_eval.bench").joinpath("default")
    manifest = json.loads(folder.joinpath("manifest.json").read_text())
    assert table.md5 == manifest["md5"] and sorted(table.values) == manifest["keys"]
    assert all(k.endswith("/mean") for k in table.values)  # no per-seed values (another licence)
    assert sorted(table.order) == list(range(15625))  # a complete official order
    assert "MIT" in folder.joinpath("SOURCES.md").read_text()
    assert default_table("nats-sss") is None


def test_imported_values_win_and_the_default_fills_the_gaps(tmp_path):
    bench = open_benchmark("nats-tss", tmp_path)
    csv = tmp_path / "mine.csv"
    csv.write_text(f"index,arch,{C10_TEST}\n0,{bench.arch_at(0)},50.0\n1,{bench.arch_at(1)},51.0\n")
    import_batch(tmp_path, read_source(csv))
    bench = open_benchmark("nats-tss", tmp_path)
    values = bench.values(C10_TEST)
    assert values[0] == 50.0 and values[1] == 51.0
    assert values[2] == default_table("nats-tss").values[C10_TEST][2] and not np.isnan(values).any()
    assert bench.source_of(C10_TEST, 0)["path"].endswith("mine.csv")
    assert bench.source_of(C10_TEST, 2)["kind"] == "embedded"
    row = next(r for r in bench.coverage() if str(r.key) == C10_TEST)
    assert row.archs == 15625 and row.sources[-1] == "embedded default" and len(row.sources) == 2
    assert {s["kind"] for s in bench.sources} == {"table", "embedded"}


def test_a_complete_import_makes_the_default_silent(home):
    bench = open_benchmark("nats-tss", home)
    row = next(r for r in bench.coverage() if str(r.key) == C10_TEST)
    assert "embedded default" not in row.sources
    # the shared tables hold every default key but the training times: the default adds those
    row = next(r for r in bench.coverage() if str(r.key) == "cifar10-valid/train/time_s/12/mean")
    assert row.sources[-1] == "embedded default" and row.archs == 15625  # + the 3 sample archs
    with pytest.raises(Exception, match="no metric"):
        bench.values("cifar100/x-valid/accuracy/90/mean")
