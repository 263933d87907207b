"""The two multi-trial protocols: what is searched on, with which budget, what is reported.

* ``nb201`` (NAS-Bench-201 paper): search on cifar10-valid (12-epoch x-valid accuracy),
  12,000 simulated seconds; report the found arch on all three datasets.
* ``nats`` (NATS-Bench paper): search on each dataset's own 12-epoch validation accuracy
  (cifar10 -> the cifar10-valid records, as the official API), 20,000 / 40,000 / 120,000
  simulated seconds for cifar10 / cifar100 / ImageNet16-120 (tss).

When the benchmark has no training times (e.g. the shared tables), budgets are counted in
queries instead: ``QUERY_BUDGETS`` converts each time budget with the mean simulated
query time of the official sample records (archs 0, 11, 284: 101 s on cifar10-valid,
197 s on cifar100, 596 s on ImageNet16-120 for 12 epochs), i.e. about 120 queries for
NB201 and about 200 for every NATS budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from .datasets import get_dataset
from .errors import UnknownNameError
from .spaces import get_space

PROTOCOLS = ("nb201", "nats")
SEARCH_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
#: the six conventional columns: (label, metric key) at the benchmark's final epochs
REPORT_COLUMNS = (
    ("C10 val", "cifar10-valid/x-valid/accuracy/{E}/mean"),
    ("C10 test", "cifar10/ori-test/accuracy/{E}/mean"),
    ("C100 val", "cifar100/x-valid/accuracy/{E}/mean"),
    ("C100 test", "cifar100/x-test/accuracy/{E}/mean"),
    ("IN16 val", "ImageNet16-120/x-valid/accuracy/{E}/mean"),
    ("IN16 test", "ImageNet16-120/x-test/accuracy/{E}/mean"),
)
TIME_BUDGETS = {
    ("nb201", "cifar10"): 12000.0,
    ("nats", "cifar10"): 20000.0,
    ("nats", "cifar100"): 40000.0,
    ("nats", "ImageNet16-120"): 120000.0,
}
QUERY_BUDGETS = {
    ("nb201", "cifar10"): 120.0,
    ("nats", "cifar10"): 200.0,
    ("nats", "cifar100"): 200.0,
    ("nats", "ImageNet16-120"): 200.0,
}


@dataclass(frozen=True)
class Protocol:
    name: str
    space: str
    dataset: str  # the dataset named on the command line

    @property
    def search_key(self) -> str:
        ds = get_dataset(self.dataset).search_records
        return f"{ds}/x-valid/accuracy/{get_space(self.space).search_epochs}/mean"

    def budget(self, unit: str) -> float:
        table = TIME_BUDGETS if unit == "seconds" else QUERY_BUDGETS
        return table[(self.name, self.dataset)]

    def report_keys(self) -> dict[str, str]:
        return report_keys(self.space)


def get_protocol(name: str, space: str, dataset: str) -> Protocol:
    if name not in PROTOCOLS:
        raise UnknownNameError(f"unknown protocol {name!r}; expected one of {', '.join(PROTOCOLS)}")
    if dataset not in SEARCH_DATASETS:
        raise UnknownNameError(
            f"unknown search dataset {dataset!r}; expected one of {', '.join(SEARCH_DATASETS)}"
        )
    if (name, dataset) not in TIME_BUDGETS:
        raise UnknownNameError(
            "the nb201 protocol searches on cifar10 only (it reports all "
            "three datasets); use --protocol nats for per-dataset searches"
        )
    return Protocol(name, get_space(space).name, dataset)  # aliases (nb201, tss) resolve here


def report_keys(space: str) -> dict[str, str]:
    """The six conventional columns of ``space`` (label -> metric key at its final epochs)."""
    epochs = get_space(space).final_epochs
    return {label: key.format(E=epochs) for label, key in REPORT_COLUMNS}


def test_key(space: str, dataset: str) -> str:
    """The conventional test accuracy of ``dataset`` at the space's final epochs."""
    return f"{dataset}/{get_dataset(dataset).test_split}/accuracy/{get_space(space).final_epochs}/mean"


def generative_protocol(dataset: str) -> str:
    """Generative methods (SGNAS) search cifar10 on cifar10-valid and report every dataset
    (NB201); the other datasets per dataset (NATS)."""
    return "nb201" if dataset == "cifar10" else "nats"
