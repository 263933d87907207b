"""The error types users see: every bad input raises one of these, never a bare traceback."""


class NasbenchEvalError(Exception):
    """Base class: the CLI turns any of these into a one-line message and exit code 2."""


class ArchError(NasbenchEvalError, ValueError):
    """A malformed or out-of-space architecture (string, index or choice tuple)."""


class UnknownNameError(NasbenchEvalError, ValueError):
    """An unknown search space, dataset, split or similar name."""


class MetricKeyError(NasbenchEvalError, ValueError):
    """A metric key that does not parse, or names nothing the benchmark holds."""


class BenchmarkFileError(NasbenchEvalError, OSError):
    """A benchmark file or store that is missing, corrupt or not in the expected format."""


class ConflictError(NasbenchEvalError):
    """An import would change a value the store already holds from another source."""
