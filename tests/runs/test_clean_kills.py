"""Kills and sharing: workers die with their parent, killed writers leave nothing behind,
one process writes a folder, readers survive an import, decompression is bounded."""

import bz2
import fcntl
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from nasbench_eval import open_benchmark
from nasbench_eval.bench import safe_pickle
from nasbench_eval.bench.importers import read_source
from nasbench_eval.bench.layout import write_json_atomic
from nasbench_eval.bench.store import import_batch
from nasbench_eval.errors import BenchmarkFileError
from nasbench_eval.runs.runner import run_seeds
from nasbench_eval.runs.spec import RunSpec

KEY = "cifar10/ori-test/accuracy/200/mean"
A0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


def _alive_with(marker: str) -> list[int]:
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path):
    out = tmp_path / "orphan-check-runs"
    cmd = [
        sys.executable,
        "-m",
        "nasbench_eval",
        "--home",
        str(tmp_path / "home"),
        "run",
        "--method",
        "rea",
        "--seeds",
        "0-5000",
        "--workers",
        "2",
        "--executor",
        "process",
        "--out",
        str(out),
    ]
    parent = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while len(_alive_with(str(out))) < 3 and time.time() < deadline:  # the parent and its 2 workers
        time.sleep(0.2)
    assert len(_alive_with(str(out))) >= 3, "the workers never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    time.sleep(5)
    assert _alive_with(str(out)) == []


def test_a_second_run_on_one_folder_is_refused_and_stale_temporaries_go(home, tmp_path):
    spec = RunSpec("rs", budget=3, budget_unit="queries", home=str(home))
    stale = tmp_path / "rs-nats-tss-nats-cifar10" / ".seed-0000.json.x1y2.tmp"
    stale.parent.mkdir(parents=True)
    stale.write_text("{half")
    with open(tmp_path / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        with pytest.raises(BenchmarkFileError, match="another process is writing to"):
            run_seeds(spec, [0], tmp_path)
        fcntl.flock(f, fcntl.LOCK_UN)
    (path,), _ = run_seeds(spec, [0], tmp_path)
    assert path.exists() and not stale.exists()


def test_a_reader_sees_the_new_state_after_an_import_replaced_its_files(tmp_path):
    home = tmp_path / "home"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(f"index,arch,{KEY}\n0,{A0},90\n")
    second.write_text(f"index,arch,{KEY}\n0,{A0},80\n")
    import_batch(home, read_source(first))
    reader = open_benchmark("nats-tss", home)  # opened before the import below
    import_batch(home, read_source(second), replace=True)  # new files; the old ones are removed
    assert reader.query(KEY, 0) == 80


def test_decompression_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(safe_pickle, "MIN_LIMIT", 1 << 20)
    bomb = tmp_path / "000000.pickle.pbz2"
    bomb.write_bytes(bz2.compress(b"\0" * (20 << 20)))  # 20 MiB from a few hundred bytes
    with pytest.raises(BenchmarkFileError, match="decompression bomb"):
        safe_pickle.read_bz2(bomb)


def test_files_get_the_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "r.json"
        write_json_atomic(path, {"a": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~old
