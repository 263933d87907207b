"""Imports refuse values that cannot be right, accept Excel's CSV quirks, and --replace
always re-applies the named file."""

import pytest

from nasbench_eval import open_benchmark
from nasbench_eval.bench.importers import read_source
from nasbench_eval.bench.store import import_batch
from nasbench_eval.errors import BenchmarkFileError, ConflictError

KEY = "cifar10/ori-test/accuracy/200/mean"
A0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
A1 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def _table(tmp_path, body, header=f"index,arch,{KEY}", name="t.csv", raw=None):
    path = tmp_path / name
    path.write_bytes(raw if raw is not None else f"{header}\n{body}".encode())
    return path


@pytest.mark.parametrize(
    "value, match",
    [("inf", "not allowed"), ("-5", r"in \[0, 100\]"), ("1000", r"in \[0, 100\]"), ("1e308", "not allowed")],
)
def test_accuracies_outside_0_100_or_non_finite_are_refused(tmp_path, value, match):
    path = _table(tmp_path, f"0,{A0},{value}\n")
    with pytest.raises(BenchmarkFileError, match=match):
        import_batch(tmp_path / "home", read_source(path))


def test_negative_latency_and_unknown_measures(tmp_path):
    neg = _table(tmp_path, f"0,{A0},-1\n", header="index,arch,cifar10/-/latency_ms:pixel3/-/-")
    with pytest.raises(BenchmarkFileError, match=r"in \[0, inf\]"):
        import_batch(tmp_path / "home", read_source(neg))
    new = _table(tmp_path, f"0,{A0},3\n", header="index,arch,cifar10/-/acuracy/-/-", name="n.csv")
    with pytest.raises(BenchmarkFileError, match="unknown measure 'acuracy'.*--allow-new-measure"):
        import_batch(tmp_path / "home", read_source(new))
    import_batch(tmp_path / "home", read_source(new), allow_new_measure=True)
    assert open_benchmark("nats-tss", tmp_path / "home").query("cifar10/-/acuracy/-/-", 0) == 3


def test_duplicate_indices_name_both_rows(tmp_path):
    path = _table(tmp_path, f"0,{A0},90\n1,{A1},91\n0,{A0},92\n")
    with pytest.raises(BenchmarkFileError, match="index 0 appears twice, in rows 2 and 4"):
        read_source(path)


def test_bom_and_crlf_are_accepted(tmp_path):
    path = _table(tmp_path, None, raw=f"\ufeffindex,arch,{KEY}\r\n0,{A0},90.5\r\n".encode())
    import_batch(tmp_path / "home", read_source(path))
    assert open_benchmark("nats-tss", tmp_path / "home").query(KEY, 0) == 90.5


def test_replace_round_trip(tmp_path):
    home = tmp_path / "home"
    good = _table(tmp_path, f"0,{A0},90\n", name="good.csv")
    bad = _table(tmp_path, f"0,{A0},10\n", name="bad.csv")
    import_batch(home, read_source(good))
    with pytest.raises(ConflictError, match="--replace"):
        import_batch(home, read_source(bad))
    import_batch(home, read_source(bad), replace=True)
    assert open_benchmark("nats-tss", home).query(KEY, 0) == 10
    assert import_batch(home, read_source(good)).skipped  # seen before: a no-op without --replace
    report = import_batch(home, read_source(good), replace=True)  # applied again, and wins
    bench = open_benchmark("nats-tss", home)
    assert not report.skipped and bench.query(KEY, 0) == 90
    assert bench.source_of(KEY, 0)["path"].endswith("good.csv")
