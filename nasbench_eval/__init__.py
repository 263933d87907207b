"""nasbench-eval: evaluate NAS methods on NAS-Bench-201 / NATS-Bench on one honest protocol."""

__version__ = "0.1.0"  # first, so that submodules may import it while the package loads

from .bench import Benchmark, MetricKey, open_benchmark, parse_key
from .errors import NasbenchEvalError
from .spaces import get_space

__all__ = [
    "Benchmark",
    "MetricKey",
    "NasbenchEvalError",
    "get_space",
    "open_benchmark",
    "parse_key",
    "__version__",
]
