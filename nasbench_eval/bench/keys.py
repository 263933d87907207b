"""Metric keys: every benchmark number is named by dataset, split, measure, epochs, aggregate.

Written ``dataset/split/measure/epochs/aggregate`` with ``-`` where a part does not apply,
e.g. ``cifar10-valid/x-valid/accuracy/200/mean`` or ``cifar10/-/latency_ms:pixel3/-/-``.
There is no default for any part: the official API's silent ``hp='12'`` is a known trap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..datasets import DATASETS, SPLITS
from ..errors import MetricKeyError

NA = "-"
_MEASURE = re.compile(r"[a-z][a-z0-9_]*(:[A-Za-z0-9_.-]+)?")
_AGGREGATE = re.compile(r"mean|seed[0-9]+")

#: measures whose values the cost model computes for every arch (millions)
ANALYTIC_MEASURES = ("flops", "params")
#: every measure the importers know, with the range of its values ('name:' = any device)
KNOWN_MEASURES = {
    "accuracy": (0.0, 100.0),
    "top5_accuracy": (0.0, 100.0),
    "loss": (0.0, float("inf")),
    "time_s": (0.0, float("inf")),
    "latency_s": (0.0, float("inf")),
    "latency_ms:": (0.0, float("inf")),
    "energy_mj:": (0.0, float("inf")),
    "arithmetic_intensity:": (0.0, float("inf")),
    "params_mb": (0.0, float("inf")),
    "flops": (0.0, float("inf")),
    "params": (0.0, float("inf")),
}


def measure_range(measure: str) -> tuple[float, float] | None:
    """The allowed value range of a measure; None for a measure the importers do not know."""
    name = measure.split(":", 1)[0] + (":" if ":" in measure else "")
    return KNOWN_MEASURES.get(name)


@dataclass(frozen=True, order=True)
class MetricKey:
    dataset: str
    split: str
    measure: str
    epochs: int | None
    aggregate: str

    def __str__(self) -> str:
        epochs = NA if self.epochs is None else str(self.epochs)
        return "/".join((self.dataset, self.split, self.measure, epochs, self.aggregate))

    @property
    def is_analytic(self) -> bool:
        return self.measure in ANALYTIC_MEASURES


def make_key(dataset: str, split: str, measure: str, epochs: int | str | None, aggregate: str):
    """Build a validated key from its parts (``epochs`` may be an int, a digit string or '-')."""
    if dataset not in DATASETS:
        raise MetricKeyError(
            f"unknown dataset {dataset!r} in metric key; expected one of {', '.join(DATASETS)}"
        )
    if split != NA and split not in SPLITS:
        raise MetricKeyError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)} or -")
    if not isinstance(measure, str) or not _MEASURE.fullmatch(measure):
        raise MetricKeyError(
            f"invalid measure {measure!r} (lower-case name, optionally "
            f"':DEVICE', e.g. accuracy or latency_ms:pixel3)"
        )
    if epochs in (None, NA):
        epochs = None
    else:
        try:
            epochs = int(epochs)
        except (TypeError, ValueError):
            raise MetricKeyError(f"epochs must be a positive integer or -, got {epochs!r}") from None
        if epochs <= 0:
            raise MetricKeyError(f"epochs must be a positive integer or -, got {epochs}")
    if aggregate != NA and not _AGGREGATE.fullmatch(aggregate):
        raise MetricKeyError(f"aggregate must be mean, seedN or -, got {aggregate!r}")
    if measure in ANALYTIC_MEASURES and (split, epochs, aggregate) != (NA, None, NA):
        raise MetricKeyError(f"{measure} depends only on the dataset: use {dataset}/-/{measure}/-/-")
    return MetricKey(dataset, split, measure, epochs, aggregate)


@lru_cache(maxsize=4096)
def parse_key(text: str | MetricKey) -> MetricKey:
    """Parse ``dataset/split/measure/epochs/aggregate``; raises MetricKeyError."""
    if isinstance(text, MetricKey):
        return text
    if not isinstance(text, str):
        raise MetricKeyError(f"a metric key must be a string, got {type(text).__name__}")
    parts = text.split("/")
    if len(parts) != 5:
        raise MetricKeyError(
            f"metric key {text!r} must have 5 parts dataset/split/measure/epochs/aggregate, "
            "e.g. cifar10-valid/x-valid/accuracy/200/mean"
        )
    return make_key(*parts)


def cost_key(dataset: str, measure: str) -> MetricKey:
    return make_key(dataset, NA, measure, None, NA)
