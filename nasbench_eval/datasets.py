"""Facts about the benchmark datasets that the cost model and metric keys depend on.

Names and splits follow the NAS-Bench-201 and NATS-Bench papers exactly:
``cifar10-valid`` is CIFAR-10 trained on 25k images and evaluated on the other 25k
(``x-valid``) and the test set (``ori-test``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UnknownNameError


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    num_classes: int
    resolution: int  # input height = width in pixels
    eval_splits: tuple[str, ...]  # the evaluation splits the benchmark records
    test_split: str  # the conventional "test" column
    search_train_size: int  # images a one-shot search trains its weights on (NB201 search split)

    @property
    def search_records(self) -> str:
        """Whose records a search on this dataset reads: the official API sends cifar10
        searches to cifar10-valid (trained on 25k, validated on the other 25k)."""
        return "cifar10-valid" if self.name == "cifar10" else self.name

    @property
    def cost_name(self) -> str:
        """The dataset name cost and hardware tables use (cifar10-valid nets = cifar10 nets)."""
        return "cifar10" if self.name == "cifar10-valid" else self.name


DATASETS: dict[str, DatasetInfo] = {
    d.name: d
    for d in (
        DatasetInfo("cifar10-valid", 10, 32, ("x-valid", "ori-test"), "ori-test", 25_000),
        DatasetInfo("cifar10", 10, 32, ("ori-test",), "ori-test", 25_000),
        DatasetInfo("cifar100", 100, 32, ("x-valid", "x-test", "ori-test"), "x-test", 50_000),
        DatasetInfo("ImageNet16-120", 120, 16, ("x-valid", "x-test", "ori-test"), "x-test", 151_700),
    )
}

#: every split name a metric key may use (``train`` = the training set itself)
SPLITS = ("train", "x-valid", "x-test", "ori-test")


def get_dataset(name: str) -> DatasetInfo:
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise UnknownNameError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}") from None
