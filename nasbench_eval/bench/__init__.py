"""Benchmark tables: the official lookup data, imported once into a columnar store."""

from .benchmark import Benchmark, open_benchmark
from .keys import MetricKey, cost_key, make_key, parse_key

__all__ = ["Benchmark", "MetricKey", "cost_key", "make_key", "open_benchmark", "parse_key"]
