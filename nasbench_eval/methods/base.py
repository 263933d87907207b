"""Search methods: four kinds, one registry, one way to declare options.

* **multi-trial** (``MultiTrialMethod``): ask/tell, NASLib's optimizer idea. The driver
  ``ask``s for a query, scores it with an estimator and ``tell``s the result until the
  budget is spent (RS, REA, REINFORCE, BOHB, local search).
* **one-shot** (``OneShotMethod``): weight sharing. One search trainer calls ``build``, then
  per batch ``weight_step`` and ``arch_step``, ``on_epoch`` hooks, and ``derive`` for the
  method's arch; ``state_dict`` makes every epoch resumable.
* **generative** (``GenerativeMethod``): learn a map from a constraint to an architecture
  (``fit``), then ``generate`` one arch per target in one pass (SGNAS, EAS).

A method declares its hyper-parameters as ``options`` (default, help, allowed range); the
command line overrides them with ``--config FILE`` and ``--set key=value``, and ``run
--help`` lists them. ``protocol_defaults`` holds the values a protocol changes. Methods
never read files, print or look at the clock: that keeps them exactly reproducible from
their seed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..errors import NasbenchEvalError, UnknownNameError
from ..registry import Registry
from ..spaces import Arch, SearchSpace

KINDS = ("multi-trial", "one-shot", "generative", "space-learning")


@dataclass(frozen=True)
class Option:
    """One hyper-parameter: its default, a help line and the allowed values."""

    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple | None = None
    types: tuple = ()  # the allowed types besides None, for an option whose default is None

    def check(self, method: str, name: str, value: Any) -> Any:
        """The value, validated against the default's type and the allowed range."""
        where = f"{method} option {name}"
        d = self.default
        if isinstance(d, bool):
            ok = isinstance(value, bool)
        elif isinstance(d, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(d, float):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif isinstance(d, list | tuple):  # numbers: each element checked as a number
            ok = isinstance(value, list | tuple) and len(value) == len(d)
            ok = ok and all(
                isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) for v in value
            )
            value = list(value) if ok else value
        elif d is None:
            ok = value is None or (isinstance(value, self.types) and not isinstance(value, bool))
        else:
            ok = isinstance(value, type(d))
        if not ok:
            raise NasbenchEvalError(f"{where}: expected a value like {d!r}, got {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not np.isfinite(value):
                raise NasbenchEvalError(f"{where} must be finite, got {value!r}")
            if self.minimum is not None and value < self.minimum:
                raise NasbenchEvalError(f"{where} must be >= {self.minimum}, got {value!r}")
            if self.maximum is not None and value > self.maximum:
                raise NasbenchEvalError(f"{where} must be <= {self.maximum}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise NasbenchEvalError(
                f"{where} must be one of {', '.join(map(str, self.choices))}, got {value!r}"
            )
        return value


class Method(ABC):
    """What every kind shares: a name, options and seeded construction."""

    name: ClassVar[str]
    title: ClassVar[str]  # as papers write it (table rows)
    kind: ClassVar[str]
    options: ClassVar[dict[str, Option]] = {}
    #: protocol name -> option values that protocol uses instead of the defaults
    protocol_defaults: ClassVar[dict[str, dict]] = {}

    @classmethod
    def defaults(cls, protocol: str | None = None) -> dict:
        base = {k: o.default for k, o in cls.options.items()}
        return {**base, **cls.protocol_defaults.get(protocol or "", {})}

    @classmethod
    def resolve_config(cls, config: dict | None = None, protocol: str | None = None) -> dict:
        """Defaults (of the protocol), overridden and validated by ``config``."""
        config = dict(config or {})
        unknown = set(config) - set(cls.options)
        if unknown:
            raise UnknownNameError(
                f"{cls.name}: unknown option(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(cls.options)) or 'none'}"
            )
        out = cls.defaults(protocol)
        for key, value in config.items():
            out[key] = cls.options[key].check(cls.name, key, value)
        return out


@dataclass(frozen=True)
class Query:
    arch: Arch
    fidelity: int | None = None  # training epochs; None = the estimator's maximum


class MultiTrialMethod(Method):
    """ask/tell. Built with a (sub-)space, a seeded ``numpy.random.Generator`` and its
    options; ``result`` is the method's answer (by default the best full-fidelity estimate)."""

    kind = "multi-trial"

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        max_fidelity: int | None = None,
        fidelities: tuple[int, ...] = (),
        prior=None,
        **config,
    ):
        self.space = space
        self.rng = rng
        self.max_fidelity = max_fidelity
        self.fidelities = fidelities
        self.config = self.resolve_config(config)
        #: zero-cost scores of many archs at once ((n, positions) -> (n,)), outside the
        #: budget; the runner builds it from ``prior_spec`` (a method never reads files)
        self.prior = prior
        self._best: tuple[float, Arch] | None = None

    @classmethod
    def prior_spec(cls, config: dict) -> str | None:
        """The estimator spec a method wants as its zero-cost ``prior`` (None: none)."""
        return None

    @abstractmethod
    def ask(self) -> Query:
        """The next architecture (and fidelity) to evaluate."""

    def tell(self, query: Query, value: float) -> None:
        """Record a result; the base class tracks the best full-fidelity estimate."""
        full = query.fidelity is None or query.fidelity == self.max_fidelity
        if full and not np.isnan(value) and (self._best is None or value > self._best[0]):
            self._best = (value, query.arch)

    def result(self) -> Arch:
        if self._best is None:
            raise NasbenchEvalError(f"{self.name} finished without a full-fidelity evaluation")
        return self._best[1]

    def random_arch(self) -> Arch:
        return self.space.sample(self.rng)


class OneShotMethod(Method):
    """The weight-sharing lifecycle that one search trainer runs for every method.

    ``build`` makes the supernet and the architecture parameters (or controller), or, given
    an ``oracle`` estimator, only the latter (the arch learns from the table: no images);
    ``begin_epoch`` runs first in each epoch (e.g. GDAS's temperature); ``weight_step``
    trains the weights on a training batch, ``arch_step`` the architecture on a validation
    batch; ``end_epoch`` gets validation batches after the epoch (ENAS's controller);
    ``on_epoch`` runs after it; ``derive`` is the method's current answer (candidates may be
    scored on the validation ``batches`` it gets), ``epoch_info`` what the per-epoch record
    adds. ``state_dict``/``load_state_dict`` hold everything a bit-exact resume needs (torch
    tensors and JSON-able values only).
    """

    kind = "one-shot"
    #: every one-shot method has these (its own options add to them)
    options: ClassVar[dict[str, Option]] = {
        "epochs": Option(100, "search epochs (NATS protocol: 100)", minimum=1),
        "batch_size": Option(64, "images per weight step and per arch step", minimum=1),
        "limit_train": Option(
            None,
            "search on the first N images of each search part only (quick checks)",
            minimum=1,
            types=(int,),
        ),
    }

    def __init__(self, space: SearchSpace, seed: int, **config):
        self.space = space
        self.seed = seed
        self.config = self.resolve_config(config)

    #: oracle mode needs the estimator's exact expectation (a gradient-based arch step)
    needs_expected: ClassVar[bool] = True

    @abstractmethod
    def build(self, dataset: str, device: str, oracle=None) -> None: ...

    def begin_epoch(self, epoch: int, epochs: int, steps: int) -> None:
        """Before ``epoch`` (0-based) of ``epochs``, which has ``steps`` weight steps."""

    @abstractmethod
    def weight_step(self, x, y) -> dict: ...

    def arch_step(self, x, y) -> dict:
        return {}

    def end_epoch(self, batches) -> dict:
        """After the epoch's steps, with an endless iterator of validation batches."""
        return {}

    def on_epoch(self, epoch: int, epochs: int) -> None:
        """After ``epoch`` (1-based) of ``epochs``."""

    @abstractmethod
    def derive(self, batches=None) -> Arch: ...

    def epoch_info(self) -> dict:
        return {}

    @abstractmethod
    def state_dict(self) -> dict: ...

    @abstractmethod
    def load_state_dict(self, state: dict) -> None: ...


class GenerativeMethod(Method):
    """Constraint -> architecture. ``fit`` trains against a quality estimator and a cost
    constraint (both given, never read here); ``generate`` maps normalised targets to archs
    in one batched pass. ``state_dict``/``load_state_dict`` make ``fit`` resumable."""

    kind = "generative"
    #: a generated arch meets its target when its cost is within this share of it
    tolerance: ClassVar[float] = 0.05

    def __init__(self, space: SearchSpace, seed: int, **config):
        self.space = space
        self.seed = seed
        self.config = self.resolve_config(config)

    @staticmethod
    def estimator_options(config: dict) -> dict:
        """Options for building the quality estimator (e.g. supernet batch sizes)."""
        return {}

    @staticmethod
    def estimator_variant(estimator) -> str:
        """How the quality estimator relates to the paper's (recorded beside it)."""
        return ""

    @abstractmethod
    def search_cost(self) -> tuple[float, str]:
        """What ``fit`` spends, in the method's own unit (e.g. 1000 'generator steps')."""

    @abstractmethod
    def fit(self, quality, constraint, *, on_epoch=None) -> list[dict]:
        """Train; ``on_epoch(epoch, log_entry)`` after each epoch (checkpoints). Returns the log."""

    @abstractmethod
    def generate(self, targets: np.ndarray, constraint) -> np.ndarray:
        """Raw targets (n,) in the constraint's unit -> archs (n, num_positions)."""

    @abstractmethod
    def state_dict(self) -> dict: ...

    @abstractmethod
    def load_state_dict(self, state: dict) -> None: ...


class SpaceMethod(Method):
    """Learn a sub-space of the (sub-)space given: ``fit`` runs against a *mixture fitness*
    (archs (K, P), mixing probabilities (K,) -> a differentiable loss; given, never read here)
    and an optional cost constraint; ``learned_space`` is the answer (member archs, best
    first); ``state_dict``/``load_state_dict`` make ``fit`` resumable after any generation."""

    kind = "space-learning"

    def __init__(self, space: SearchSpace, seed: int, **config):
        self.space = space
        self.seed = seed
        self.config = self.resolve_config(config)

    @abstractmethod
    def fit(self, fitness, constraint=None, *, on_generation=None, state: dict | None = None) -> list[dict]:
        """Evolve; ``on_generation(generation, log_entry)`` after each one (checkpoints)."""

    @abstractmethod
    def learned_space(self) -> tuple[np.ndarray, np.ndarray]:
        """(archs (n, num_positions), fitness (n,)), best first."""

    @abstractmethod
    def state_dict(self) -> dict: ...

    @abstractmethod
    def load_state_dict(self, state: dict) -> None: ...


METHODS: Registry[type[Method]] = Registry("method")


def register(cls: type[Method]) -> type[Method]:
    """Class decorator: register a method under its ``name``, ``kind`` and first doc line."""
    METHODS.add(cls.name, cls, kind=cls.kind)
    return cls


def get_method(name: str) -> type[Method]:
    return METHODS.get(name)
