"""The registry: register, alias, list by kind, create, one-line errors."""

import pytest

from nasbench_eval.errors import UnknownNameError
from nasbench_eval.registry import Registry


def test_register_list_create_and_aliases():
    reg: Registry = Registry("widget")

    @reg.register("square", kind="shape", aliases=("sq",), tags=("polygon",))
    def square(side):
        """A square of the given side."""
        return side * side

    reg.add("circle", lambda r: 3 * r * r, kind="round", description="roughly a circle")
    assert reg.names() == ["square", "circle"] and reg.names("shape") == ["square"]
    assert reg.create("sq", 3) == 9 and reg["square"] is square and "sq" in reg and len(reg) == 2
    assert reg.entry("square").description == "A square of the given side." and reg.entry("sq").tags == (
        "polygon",
    )
    with pytest.raises(
        UnknownNameError, match=r"unknown widget 'cube'; expected one of square \(sq\), circle"
    ):
        reg.get("cube")
    with pytest.raises(ValueError, match="registered twice"):
        reg.add("sq", object())
    reg.remove("square")
    assert reg.names() == ["circle"] and "sq" not in reg


def test_the_package_registries_are_filled():
    from nasbench_eval.estimators import ESTIMATORS
    from nasbench_eval.methods import METHODS
    from nasbench_eval.runs.executors import EXECUTORS
    from nasbench_eval.spaces import SPACES
    from nasbench_eval.train.recipes import RECIPES

    assert {"rs", "rea", "reinforce", "bohb", "ls", "sgnas"} <= set(METHODS.names())
    assert {"table", "flops", "params", "latency", "supernet", "file"} <= set(ESTIMATORS.names())
    assert SPACES.names() == ["nats-tss", "nats-sss"] and SPACES.resolve("nb201") == "nats-tss"
    assert "200E" in RECIPES and EXECUTORS.names() == ["local", "process", "ray"]
