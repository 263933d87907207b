"""Shared fixtures: the real benchmark data in ../shared/data, imported once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("NASBENCH_EVAL_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "data"
NB201 = SHARED / "nb201"
SAMPLE = NB201 / "nats-official-sample"
TSS_SAMPLE = SAMPLE / "NATS-tss-v1_0-3ffb9-simple"
SSS_SAMPLE = SAMPLE / "NATS-sss-v1_0-50262-simple"
ACCURACY_CSV = NB201 / "tss_accuracy.csv"
HARDWARE_CSV = NB201 / "tss_hardware.csv"
SAMPLE_INDICES = (0, 11, 284)

if not NB201.is_dir():  # pragma: no cover - CI always has ../shared
    raise RuntimeError(f"benchmark data not found at {NB201}; set NASBENCH_EVAL_SHARED")


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Path:
    """A store holding the shared tables and both official samples."""
    from nasbench_eval.bench.importers import read_source
    from nasbench_eval.bench.store import import_batch

    root = tmp_path_factory.mktemp("home")
    for path in (ACCURACY_CSV, HARDWARE_CSV, TSS_SAMPLE, SSS_SAMPLE):
        import_batch(root, read_source(path))
    return root


@pytest.fixture(scope="session")
def tss(home):
    from nasbench_eval import open_benchmark

    return open_benchmark("nats-tss", home)


@pytest.fixture(scope="session")
def sss(home):
    from nasbench_eval import open_benchmark

    return open_benchmark("nats-sss", home)
