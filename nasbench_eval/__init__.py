"""nasbench-eval: evaluate NAS methods on NAS-Bench-201 / NATS-Bench on one honest protocol."""

from .bench import Benchmark, MetricKey, open_benchmark, parse_key
from .errors import NasbenchEvalError
from .spaces import get_space

__version__ = "0.1.0"

__all__ = ["Benchmark", "MetricKey", "NasbenchEvalError", "get_space", "open_benchmark",
           "parse_key", "__version__"]
