"""The command line: commands work end to end; bad input is one line on stderr, exit 2."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from shared_data import ACCURACY_CSV, TSS_SAMPLE, needs_shared

from nasbench_eval.cli import main

ARCH284 = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|none~0|nor_conv_1x1~1|none~2|"


def run(home, *args):
    result = CliRunner().invoke(main, ["--home", str(home), *args])
    return result.exit_code, result.output, result.stderr


@needs_shared
def test_import_info_query(tmp_path):
    code, out, _ = run(tmp_path, "data", "import", str(ACCURACY_CSV), str(TSS_SAMPLE))
    assert code == 0 and "234375 values added" in out
    code, out, _ = run(tmp_path, "data", "import", str(ACCURACY_CSV))
    assert code == 0 and "already imported" in out
    code, out, _ = run(tmp_path, "data", "info", "--space", "nats-tss")
    assert code == 0 and "cifar10/ori-test/accuracy/200/mean" in out and "15625" in out
    code, out, _ = run(
        tmp_path,
        "query",
        "6111",
        ARCH284,
        "--space",
        "nb201",
        "--dataset",
        "cifar10",
        "--split",
        "ori-test",
        "--measure",
        "accuracy",
        "--epochs",
        "200",
        "--json",
    )
    rows = json.loads(out)
    assert code == 0 and [r["index"] for r in rows] == [6111, 284]
    assert rows[0]["value"] == pytest.approx(94.3733) and rows[1]["arch"] == ARCH284
    code, out, _ = run(
        tmp_path,
        "query",
        "284",
        "--space",
        "tss",
        "--dataset",
        "cifar10-valid",
        "--split",
        "x-valid",
        "--measure",
        "accuracy",
        "--epochs",
        "200",
        "--aggregate",
        "seed777",
        "--epoch",
        "199",
    )
    assert code == 0 and "seed777 @ epoch 199" in out


def test_costs_need_no_imported_data(tmp_path):
    code, out, _ = run(
        tmp_path, "query", ARCH284, "--space", "nats-tss", "--dataset", "ImageNet16-120", "--measure", "flops"
    )
    assert code == 0 and "2.93644" in out
    code, out, _ = run(
        tmp_path,
        "query",
        "8:8:40:32:40",
        "--space",
        "sss",
        "--dataset",
        "cifar10",
        "--measure",
        "params",
        "--json",
    )
    assert code == 0 and json.loads(out)[0]["value"] == pytest.approx(0.144834)


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["query", "|bad|", "--space", "tss", "--dataset", "cifar10", "--measure", "flops"],
            "invalid nats-tss arch",
        ),
        (
            ["query", "1", "--space", "nope", "--dataset", "cifar10", "--measure", "flops"],
            "unknown search space",
        ),
        (
            ["query", ARCH284, "--space", "tss", "--dataset", "cifar10", "--measure", "accuracy"],
            "--split and --epochs are required",
        ),
        (
            [
                "query",
                ARCH284,
                "--space",
                "tss",
                "--dataset",
                "cifar10",
                "--measure",
                "flops",
                "--epochs",
                "200",
            ],
            "depends only on the dataset",
        ),
        (
            [
                "query",
                "3",
                "--space",
                "tss",
                "--dataset",
                "cifar10",
                "--split",
                "ori-test",
                "--measure",
                "loss",
                "--epochs",
                "200",
            ],
            "only the embedded default table is there",
        ),
        (["data", "import", "/does/not/exist.csv"], "does not exist"),
        (["run", "--method", "rea", "--target-params", "0.4"], "unknown option(s) target_params"),
        (
            ["run", "--method", "mgas", "--target-params", "0.4", "--target-flops", "60"],
            "mgas needs one size target",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    code, _, err = run(tmp_path, *args)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_unknown_dataset_is_a_usage_error(tmp_path):
    code, _, err = run(tmp_path, "query", "1", "--space", "tss", "--dataset", "mnist", "--measure", "flops")
    assert code == 2 and "mnist" in err


def test_console_script_runs(tmp_path):
    out = subprocess.run([sys.executable, "-m", "nasbench_eval", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "data" in out.stdout and "query" in out.stdout


@pytest.mark.parametrize(
    "command", [["train", "--arch", "64:64:64:64:64", "--space", "sss"], ["supernet", "train"]]
)
def test_training_without_images_is_a_usage_error(tmp_path, command, monkeypatch):
    monkeypatch.delenv("NASBENCH_EVAL_DATA", raising=False)
    code, _, err = run(tmp_path, *command, "--dataset", "cifar10-valid", "--out", str(tmp_path / "job"))
    assert code == 2 and "Missing option '--data-root'" in err and "Traceback" not in err
