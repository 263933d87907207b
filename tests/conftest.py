"""Shared fixtures. The real benchmark data (``shared_data``) is imported once per session
into a temporary store; fixtures that need it skip when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_data import ACCURACY_CSV, HARDWARE_CSV, HAVE_SHARED, SKIP_REASON, SSS_SAMPLE, TSS_SAMPLE


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Path:
    """A store holding the shared tables and both official samples."""
    if not HAVE_SHARED:
        pytest.skip(SKIP_REASON)
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


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    """Small CIFAR-10 files in the official format with their split file (read-only)."""
    import synthetic

    root = tmp_path_factory.mktemp("img")
    synthetic.write_cifar10(root, per_batch=20)
    synthetic.write_splits(root, cifar_train=100)
    return root
