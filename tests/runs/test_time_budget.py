"""The NB201 protocol with the official training times: 12,000 simulated seconds, and a
search that never reads a test split."""

import numpy as np
import pytest
from shared_data import ACCURACY_CSV, NB201, needs_shared

from nasbench_eval import open_benchmark
from nasbench_eval.bench.importers import read_source
from nasbench_eval.bench.store import import_batch
from nasbench_eval.estimators import TableEstimator
from nasbench_eval.methods import METHODS
from nasbench_eval.runs.multi_trial import BudgetLimit, run_search
from nasbench_eval.runs.runner import run_one
from nasbench_eval.runs.spec import RunSpec

TRAIN_TIME_CSV = NB201 / "tss_train_time.csv"
KEY = "cifar10-valid/x-valid/accuracy/12/mean"


@pytest.fixture(scope="module")
def timed_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("timed")
    for path in (ACCURACY_CSV, TRAIN_TIME_CSV):
        import_batch(home, read_source(path))
    return home


@needs_shared
def test_nb201_on_cifar10_stops_at_12000_simulated_seconds(timed_home):
    r, _ = run_one(RunSpec("rea", protocol="nb201", home=str(timed_home)), 0)
    assert (r.budget.unit, r.budget.limit) == ("seconds", 12000)
    cost = r.trajectory.cumulative_cost
    assert cost[-1] >= 12000 > cost[-2]  # the query that crosses the budget still counts
    bench = open_benchmark("nats-tss", timed_home)
    train = bench.query("cifar10-valid/train/time_s/12/mean", np.array(r.trajectory.index))
    assert np.allclose(np.diff([0, *cost]), train)  # each query costs its 12-epoch training time
    assert "not in the data" in r.estimator["validation_time"]


@needs_shared
@pytest.mark.parametrize("method", METHODS.names("multi-trial"))
def test_the_table_estimator_never_reads_a_test_split(timed_home, method):
    bench = open_benchmark("nats-tss", timed_home)  # a fresh benchmark: nothing read yet
    est = TableEstimator(bench, KEY)
    run_search(
        METHODS.get(method)(bench.space, np.random.default_rng(0), max_fidelity=12),
        est,
        BudgetLimit(3000, "seconds"),
    )
    assert bench.read_keys and all("/x-valid/" in k or "/train/" in k for k in bench.read_keys), (
        bench.read_keys
    )
