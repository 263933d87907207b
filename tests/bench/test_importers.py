"""Every official format, written here from the official samples, imports to the same values;
tampered, corrupt or misnamed files are refused with a clear error."""

import bz2
import os
import pickle
import shutil

import numpy as np
import pytest
from shared_data import SAMPLE_INDICES, TSS_SAMPLE, needs_shared

from nasbench_eval import open_benchmark
from nasbench_eval.bench.importers import read_source
from nasbench_eval.bench.safe_pickle import read_bz2
from nasbench_eval.bench.store import import_batch
from nasbench_eval.errors import BenchmarkFileError


def _records(sample=TSS_SAMPLE):
    meta, _ = read_bz2(sample / "meta.pickle.pbz2")
    return meta, {i: read_bz2(sample / f"{i:06d}.pickle.pbz2")[0] for i in SAMPLE_INDICES}


@pytest.fixture(scope="module")
def simple(tmp_path_factory):
    root = tmp_path_factory.mktemp("simple")
    import_batch(root, read_source(TSS_SAMPLE))
    return open_benchmark("nats-tss", root)


def _same_values(a, b):
    keys = {str(k) for k in a.keys(include_analytic=False)}
    assert keys == {str(k) for k in b.keys(include_analytic=False)} and len(keys) > 200
    idx = np.array(SAMPLE_INDICES)
    for key in keys:
        np.testing.assert_array_equal(a.query(key, idx), b.query(key, idx), err_msg=key)
    key = "cifar10-valid/x-valid/accuracy/200/seed888"
    assert 50 < a.query(key, 284, epoch=150) == b.query(key, 284, epoch=150)


@needs_shared
def test_single_file_full_archive(tmp_path, simple):
    meta, records = _records()
    full = {**meta, "arch2infos": records, "evaluated_indexes": set(records)}
    path = tmp_path / "NATS-tss-v1_0-3ffb9.pickle.pbz2"
    path.write_bytes(bz2.compress(pickle.dumps(full, protocol=4)))
    import_batch(tmp_path / "home", read_source(path))
    _same_values(open_benchmark("nats-tss", tmp_path / "home"), simple)


@needs_shared
def test_nb201_pth_through_the_official_package(tmp_path, simple):
    torch = pytest.importorskip("torch")
    pytest.importorskip("nas_201_api")
    meta, records = _records()
    data = {
        "meta_archs": meta["meta_archs"],
        "evaluated_indexes": set(records),
        "arch2infos": {i: {"less": r["12"], "full": r["200"]} for i, r in records.items()},
    }
    path = tmp_path / "NAS-Bench-201-v1_1-096897.pth"
    torch.save(data, path)
    import_batch(tmp_path / "home", read_source(path))
    _same_values(open_benchmark("nats-tss", tmp_path / "home"), simple)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned-by-pickle",))


@needs_shared
def test_code_in_an_archive_is_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    archive = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    archive.mkdir()
    shutil.copy(TSS_SAMPLE / "meta.pickle.pbz2", archive)
    (archive / "000000.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps({"12": _Evil()})))
    with pytest.raises(BenchmarkFileError, match="refusing to load global"):
        read_source(archive)
    assert not (tmp_path / "pwned-by-pickle").exists()


@needs_shared
def test_corrupt_and_misnamed_files(tmp_path):
    archive = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    archive.mkdir()
    shutil.copy(TSS_SAMPLE / "meta.pickle.pbz2", archive)
    (archive / "000000.pickle.pbz2").write_bytes(b"BZh91AY&SY truncated")
    with pytest.raises(BenchmarkFileError, match="000000.pickle.pbz2: corrupt bz2"):
        read_source(archive)
    (archive / "000000.pickle.pbz2").unlink()
    (archive / "notes.txt").write_text("x")
    with pytest.raises(BenchmarkFileError, match="unexpected files"):
        read_source(archive)
    renamed = tmp_path / "my-archive"
    shutil.copytree(TSS_SAMPLE, renamed)
    with pytest.raises(BenchmarkFileError, match="official names only"):
        read_source(renamed)
    no_meta = tmp_path / "NATS-sss-v1_0-50262-simple"
    no_meta.mkdir()
    with pytest.raises(BenchmarkFileError, match="missing meta.pickle.pbz2"):
        read_source(no_meta)
    with pytest.raises(BenchmarkFileError, match="does not exist"):
        read_source(tmp_path / "nothing.csv")


@needs_shared
def test_record_that_contradicts_the_meta_file(tmp_path):
    archive = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    archive.mkdir()
    shutil.copy(TSS_SAMPLE / "meta.pickle.pbz2", archive)
    shutil.copy(TSS_SAMPLE / "000011.pickle.pbz2", archive / "000012.pickle.pbz2")
    with pytest.raises(BenchmarkFileError, match="but the meta file says"):
        read_source(archive)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("arch,index\n", "needs a header"),
        (
            "index,arch,cifar10/ori-test/acc\n0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,1\n",
            "column 'cifar10/ori-test/acc'",
        ),
        ("index,arch,cifar10/ori-test/accuracy/200/mean\n0,|bad|,1\n", ":2: invalid nats-tss arch"),
        (
            "index,arch,cifar10/ori-test/accuracy/200/mean\n0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,x\n",
            "could not convert",
        ),
        (
            "index,arch,cifar10/ori-test/accuracy/200/mean\n99999,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,1\n",
            "out of range",
        ),
    ],
)
def test_table_errors_name_file_line_and_problem(tmp_path, text, problem):
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(BenchmarkFileError, match=problem):
        read_source(path)


def test_table_with_costs_is_checked_against_the_analytic_model(tmp_path):
    arch = "|none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|"
    path = tmp_path / "t.csv"
    path.write_text(f"index,arch,cifar10/-/flops/-/-,cifar10/ori-test/accuracy/200/mean\n7,{arch},1.0,50\n")
    batch = read_source(path)
    assert batch.notes and "differ from the analytic cost model" in batch.notes[0]
    assert "cifar10/-/flops/-/-" not in batch.columns
