"""Fuzz the command line in-process: no input may end in a traceback or an exit code other
than 0 (done), 1 (click's own abort) or 2 (a one-line ``error:`` or a usage error).

Command lines are drawn from a grammar of every command and option with valid, borderline
and junk values; option values that would start long jobs are kept tiny, so thousands of
lines run in well under a minute.
"""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasbench_eval.cli import main

EXAMPLES = int(os.environ.get("NASBENCH_EVAL_FUZZ_EXAMPLES", "1500"))
JUNK = [
    "",
    " ",
    "-1",
    "0",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "²",
    "9" * 40,
    "abc",
    "3-x",
    "1,,2",
    "{}",
    "[1]",
    "null",
    "true",
    "../x",
    "a/b/c/d/e",
    "\x00",
    "😀",
    "--",
    "-",
    "0x10",
    "1e-12",
    "-0",
]
SPACES = ["nats-tss", "nats-sss", "nb201", "tss", "sss", "foo"]
DATASETS = ["cifar10", "cifar10-valid", "cifar100", "ImageNet16-120", "imagenet"]
ARCHS = [
    "0",
    "284",
    "15624",
    "15625",
    "-3",
    "64:64:64:64:64",
    "8:8:8:8:9",
    "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|",
    "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|",
    "|x~0|",
]
KEYS = [
    "cifar10-valid/x-valid/accuracy/12/mean",
    "cifar10/ori-test/accuracy/200/mean",
    "flops",
    "params",
    "latency:pixel3",
    "latency:toaster",
    "supernet:/nonexistent",
    "file:/nonexistent.csv",
    "additive:20",
    "additive:x",
    "cifar10/ori-test/accuracy/7/mean",
    "zc:synflow",
    "table:",
    "a/b/c/d/e",
]
SETS = [
    "population_size=3",
    "population_size=0",
    "sample_size=0",
    "sample_size=99",
    "eta=1",
    "learning_rate=nan",
    "learning_rate=-1",
    "epochs=1",
    "epochs=0",
    "steps_per_epoch=0",
    "steps_per_epoch=1",
    "decode=foo",
    "targets=20:200:1e-12",
    "targets=20:60:20",
    "targets=a:b",
    "constraint=latency:toaster",
    "x=1",
    "=",
    "k",
    "num_init=1",
    "threads=0",
    "prior_pool=10",
    "batch_size=2",
    'betas=["a", 1]',
    "betas=[0.5]",
    "adam_betas=[0.9, null]",
    "min_points_in_model=x",
    "min_points_in_model=0",
    "targets=5",
    "targets=[1, 2]",
]


def values(*good):
    return st.sampled_from([*good, *JUNK])


def opt(name, strategy):
    return st.one_of(st.just([]), strategy.map(lambda v: [name, v]))


@st.composite
def command_lines(draw):
    cmd = draw(
        st.sampled_from(
            [
                "query",
                "data-info",
                "data-import",
                "run",
                "table",
                "plot",
                "correlate",
                "list",
                "train",
                "supernet",
            ]
        )
    )
    parts: list[str] = []
    if cmd == "query":
        parts = ["query", *draw(st.lists(values(*ARCHS), min_size=0, max_size=3))]
        for name, s in (
            ("--space", values(*SPACES)),
            ("--dataset", values(*DATASETS)),
            ("--split", values("x-valid", "ori-test", "x-test", "train", "-")),
            ("--measure", values("accuracy", "flops", "params", "loss", "latency_ms:pixel3")),
            ("--epochs", values("12", "200", "90")),
            ("--aggregate", values("mean", "seed888")),
            ("--epoch", values("0", "11", "199")),
        ):
            parts += draw(opt(name, s))
        parts += draw(st.sampled_from([[], ["--json"]]))
    elif cmd == "data-info":
        parts = ["data", "info", *draw(opt("--space", values(*SPACES)))]
    elif cmd == "data-import":
        parts = [
            "data",
            "import",
            draw(values("{tmp}/nothing.csv", "{tmp}/bad.csv", "{tmp}")),
            *draw(opt("--space", values(*SPACES))),
            *draw(opt("--workers", values("1", "2"))),
        ]
    elif cmd == "run":
        parts = [
            "run",
            "--method",
            draw(st.sampled_from(["rs", "rea", "reinforce", "bohb", "ls", "sgnas", "x"])),
            "--out",
            "{tmp}/runs",
            "--seeds",
            draw(values("0", "0-1", "1,3", "5-2", "0-99999999")),
            "--budget",
            draw(values("2q", "3q", "60s", "1e9q", "0q", "-5q", "nanq", "infs", "2")),
        ]
        for name, s in (
            ("--space", values(*SPACES)),
            ("--dataset", values(*DATASETS)),
            ("--protocol", values("nb201", "nats")),
            ("--estimator", values(*KEYS)),
            ("--subspace", values("ops=nor_conv_3x3,skip_connect", "widths=32-64", "ops=x", "p9=1")),
            ("--executor", values("local", "process")),
            ("--workers", values("1", "2")),
            ("--config", values("{tmp}/cfg.json", "{tmp}/deep.json", "{tmp}/cfg.toml", "{tmp}/none")),
        ):
            parts += draw(opt(name, s))
        for item in draw(st.lists(st.sampled_from(SETS), max_size=3)):
            parts += ["--set", item]
        if parts[2] == "sgnas":  # keep generator training tiny
            parts += ["--set", "epochs=1", "--set", "steps_per_epoch=1", "--set", "prior_pool=50"]
    elif cmd == "table":
        parts = [
            "table",
            draw(values("{tmp}/runs", "{tmp}/bad.json", "{tmp}/partial.json", "{tmp}/none")),
            *draw(opt("--format", values("markdown", "latex", "csv"))),
            *draw(opt("--reference", values("nb201"))),
        ]
    elif cmd == "plot":
        kind = draw(st.sampled_from(["trajectory", "cost", "sweep", "x"]))
        parts = [
            "plot",
            kind,
            draw(values("{tmp}/runs", "{tmp}/partial.json")),
            "-o",
            draw(values("{tmp}/p.png", "{tmp}/p.gif", "{tmp}/dir/")),
        ]
        if kind == "cost":
            parts += draw(opt("--cost", values(*KEYS)))
    elif cmd == "correlate":
        parts = [
            "correlate",
            "--estimator",
            draw(values(*KEYS)),
            "--bootstrap",
            draw(values("0", "3", "-1")),
            "--archs",
            draw(values("5", "20", "2", "15626", "{tmp}/idx.txt", "all")),
        ]
        for name, s in (
            ("--space", values(*SPACES)),
            ("--dataset", values(*DATASETS)),
            ("--seed", values("0", "-1", "7")),
            ("--truth", values(*KEYS)),
        ):
            parts += draw(opt(name, s))
    elif cmd == "list":
        parts = ["list", *draw(st.sampled_from([[], ["methods"], ["spaces"], ["x"]]))]
    elif cmd == "train":
        parts = [
            "train",
            "--arch",
            draw(values(*ARCHS)),
            "--dataset",
            draw(values(*DATASETS)),
            "--out",
            "{tmp}/job",
            *draw(opt("--data-root", values("{tmp}/nodata"))),
            *draw(opt("--epochs", values("1", "0", "-3"))),
            *draw(opt("--limit-train", values("0", "10"))),
            *draw(opt("--recipe", values("200E", "x"))),
        ]
    else:
        parts = [
            "supernet",
            "train",
            "--dataset",
            draw(values(*DATASETS)),
            "--out",
            "{tmp}/sn",
            "--data-root",
            "{tmp}/nodata",
            *draw(opt("--epochs", values("1", "0"))),
        ]
    return parts


@pytest.fixture(scope="module")
def tmp(home, tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    (d / "bad.csv").write_text('index,arch,x\n0,"unterminated\n')
    (d / "bad.json").write_text("{oops")
    (d / "partial.json").write_text('{"format": "nasbench-eval-run", "schema_version": 2, "method": "rs"}')
    (d / "cfg.json").write_text('{"population_size": 3}')
    (d / "deep.json").write_text("[" * 5000 + "]" * 5000)
    (d / "cfg.toml").write_text("population_size = 4\n")
    (d / "idx.txt").write_text("1\n2\nx\n")
    CliRunner().invoke(
        main,
        [
            "--home",
            str(home),
            "run",
            "--method",
            "rs",
            "--budget",
            "3q",
            "--seeds",
            "0-1",
            "--out",
            str(d / "runs"),
        ],
    )
    return d


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=os.environ.get("NASBENCH_EVAL_FUZZ_RANDOM") is None,
)
@given(parts=command_lines())
def test_no_input_ends_in_a_traceback(home, tmp, parts):
    args = ["--home", str(home), *[p.replace("{tmp}", str(tmp)) for p in parts]]
    result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback for {args}: {result.exception!r}") from result.exception
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output[-500:])
    assert "Traceback" not in result.output
