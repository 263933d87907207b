"""Typed run records: round trip, schema version, and files that name the bad field."""

import json

import pytest

from nasbench_eval.errors import BenchmarkFileError
from nasbench_eval.records import (
    Budget,
    FinalArch,
    RunRecord,
    Trajectory,
    find_records,
    load_record,
    write_record,
)


def _record(**kw) -> RunRecord:
    base = dict(
        method="rs",
        method_title="RS",
        kind="multi-trial",
        space="nats-tss",
        subspace=None,
        protocol="nb201",
        search_dataset="cifar10",
        seed=3,
        config={},
        run={},
        estimator={"kind": "table", "spec": "k"},
        budget=Budget(10, "queries", 10),
        benchmark={"space": "nats-tss", "sources": []},
        provenance={"version": "x"},
        final=FinalArch(5, "a", 1.5),
        final_metrics={"k": float("nan"), "j": 2.0},
        trajectory=Trajectory([5], [None], [1.5], [1.0]),
    )
    return RunRecord(**{**base, **kw})


def test_round_trip_and_nan_becomes_null(tmp_path):
    path = tmp_path / "r" / "seed-0003.json"
    write_record(path, _record(), timing={"wall_time_s": 1.0})
    data = json.loads(path.read_text())
    assert data["schema_version"] == 2 and data["final_metrics"]["k"] is None and "sweep" not in data
    back = load_record(path)
    assert back.final == FinalArch(5, "a", 1.5) and back.trajectory.index == [5]
    assert [p.name for p, _ in find_records([tmp_path])] == ["seed-0003.json"]  # not the timing file
    with pytest.raises(FileExistsError):
        write_record(path, _record())


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda d: d.pop("final"), "lacks field\\(s\\) final"),
        (lambda d: d.update(seed="3"), "seed and final.index must be integers"),
        (lambda d: d.update(final_metrics={"k": "high"}), "final_metrics must map"),
        (lambda d: d.update(schema_version=9), "schema 9 is not supported"),
        (lambda d: d.update(format="other"), "not a nasbench-eval run record"),
        (lambda d: d["budget"].pop("used"), "malformed run record"),
    ],
)
def test_bad_records_name_the_file_and_field(tmp_path, edit, match):
    data = _record().to_dict()
    edit(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(BenchmarkFileError, match=match) as err:
        load_record(path)
    assert "bad.json" in str(err.value)


def test_version_1_records_still_read():
    v1 = {
        "format": "nasbench-eval-run",
        "version": 1,
        "method": "rea",
        "method_title": "REA",
        "space": "nats-tss",
        "protocol": "nb201",
        "search_dataset": "cifar10",
        "seed": 0,
        "config": {"method": "rea", "config": {"population_size": 10}},
        "estimator": {"kind": "table"},
        "budget": {"limit": 120, "unit": "queries", "used": 120},
        "benchmark": {},
        "provenance": {},
        "trajectory": {"index": [1], "fidelity": [None], "estimate": [80.0], "cumulative_cost": [1.0]},
        "final": {"index": 1, "arch": "a", "estimate": 80.0},
        "final_metrics": {},
        "wall_time_s": 1.0,
    }
    r = RunRecord.from_dict(v1)
    assert r.config == {"population_size": 10} and r.kind == "multi-trial" and r.trajectory.index == [1]
