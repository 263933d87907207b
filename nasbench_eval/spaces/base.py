"""What every search space offers: an architecture is a tuple of choice indices.

A space has ``num_positions`` decisions (edges for the topology space, layers for the size
space), each picking one of ``num_choices`` options. Its *code* is the mixed-radix integer
of that tuple (position 0 most significant); codes enumerate the space. The benchmark's
official *index* is a different order and lives with the benchmark data, not here.

A space also owns what depends on it and nothing else: its cost model, how it mutates,
the protocol's epochs, the official archive's name and the names used by sub-space specs.
Code outside ``spaces/`` asks the space instead of testing its name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ArchError

if TYPE_CHECKING:
    from .costs import CostModel
    from .subspace import SubSpace

Arch = tuple[int, ...]


class SearchSpace(ABC):
    name: str
    num_positions: int
    num_choices: int
    example: str  # a valid arch string, shown in error messages
    #: display name of each choice (op names, channel counts); used by sub-space specs
    choice_names: tuple[str, ...]
    #: sub-space spec keys: name -> the positions it restricts ('all' is always there)
    position_groups: dict[str, tuple[int, ...]] = {}
    official_archive: str  # file name of the official simple archive
    search_epochs: int  # training epochs behind the search signal (12 for both NATS spaces)
    final_epochs: int  # epochs of the reported results (200 tss, 90 sss)
    official_order_is_code: bool = False

    @property
    def base(self) -> SearchSpace:
        """The full space (a sub-space returns the space it restricts)."""
        return self

    @property
    def label(self) -> str:
        """How records name this space (a sub-space adds its spec)."""
        return self.name

    @property
    def size(self) -> int:
        return self.num_choices**self.num_positions

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.size} archs)"

    # -- strings -----------------------------------------------------------------------
    @abstractmethod
    def parse(self, text: str) -> Arch:
        """Arch string -> choice tuple; raises ArchError naming the problem."""

    @abstractmethod
    def format(self, arch: Arch) -> str:
        """Choice tuple -> the official arch string."""

    def _fail(self, text: object, problem: str) -> ArchError:
        return ArchError(f"invalid {self.name} arch {text!r}: {problem} (example: {self.example})")

    # -- conversions ---------------------------------------------------------------------
    def check(self, arch: Iterable[int]) -> Arch:
        """Validate a choice tuple (or any iterable of ints)."""
        try:
            t = tuple(int(c) for c in arch)
        except (TypeError, ValueError):
            raise self._fail(arch, "expected a sequence of integer choices") from None
        if len(t) != self.num_positions:
            raise self._fail(arch, f"expected {self.num_positions} choices, got {len(t)}")
        if any(not 0 <= c < self.num_choices for c in t):
            raise self._fail(arch, f"every choice must be in 0..{self.num_choices - 1}")
        return t

    def to_arch(self, arch: str | Iterable[int]) -> Arch:
        """Accept an arch string or a choice tuple."""
        return self.parse(arch) if isinstance(arch, str) else self.check(arch)

    def code(self, arch: Arch) -> int:
        code = 0
        for c in arch:
            code = code * self.num_choices + c
        return code

    def from_code(self, code: int) -> Arch:
        if not 0 <= code < self.size:
            raise ArchError(f"{self.name} code {code} out of range 0..{self.size - 1}")
        out = []
        for _ in range(self.num_positions):
            code, c = divmod(code, self.num_choices)
            out.append(c)
        return tuple(reversed(out))

    def all_choices(self) -> np.ndarray:
        """Every architecture as an int8 array (size, num_positions), in code order."""
        codes = np.arange(self.size)
        powers = self.num_choices ** np.arange(self.num_positions - 1, -1, -1)
        return ((codes[:, None] // powers) % self.num_choices).astype(np.int8)

    def codes_of(self, choices: np.ndarray) -> np.ndarray:
        """Vectorised ``code``: (n, num_positions) int array -> (n,) int64 codes."""
        powers = self.num_choices ** np.arange(self.num_positions - 1, -1, -1)
        return np.asarray(choices, dtype=np.int64) @ powers

    def one_hot(self, arch: Arch) -> np.ndarray:
        """(num_positions, num_choices) float32 one-hot image of an architecture."""
        out = np.zeros((self.num_positions, self.num_choices), np.float32)
        out[np.arange(self.num_positions), list(arch)] = 1.0
        return out

    # -- exploration ---------------------------------------------------------------------
    def enumerate(self) -> Iterable[Arch]:
        for row in self.all_choices():
            yield tuple(int(c) for c in row)

    def sample(self, rng: np.random.Generator, n: int | None = None) -> Arch | list[Arch]:
        """Uniform random architecture(s); ``n=None`` gives one."""
        rows = rng.integers(0, self.num_choices, size=(1 if n is None else n, self.num_positions))
        archs = [tuple(int(c) for c in r) for r in rows]
        return archs[0] if n is None else archs

    def neighbours(self, arch: Arch) -> list[Arch]:
        """Every architecture that differs in exactly one position (the mutations)."""
        arch = self.check(arch)
        out = []
        for pos in range(self.num_positions):
            for c in range(self.num_choices):
                if c != arch[pos]:
                    out.append(arch[:pos] + (c,) + arch[pos + 1 :])
        return out

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        """One random single-position edit: a uniform position, then a different choice."""
        pos = int(rng.integers(self.num_positions))
        return self._change(arch, pos, rng)

    def _change(self, arch: Arch, pos: int, rng: np.random.Generator) -> Arch:
        choice = int(rng.integers(self.num_choices - 1))
        choice += choice >= arch[pos]  # uniform over the other choices
        return arch[:pos] + (choice,) + arch[pos + 1 :]

    def contains(self, arch: Arch) -> bool:
        """Membership (always true for a full space once ``check`` passes)."""
        return True

    def choice_mask(self) -> np.ndarray:
        """(num_positions, num_choices) bool: the choices allowed at each position."""
        return np.ones((self.num_positions, self.num_choices), bool)

    def canonical(self, arch: Arch) -> str:
        """A string equal for architectures that compute the same function."""
        return self.format(arch)

    # -- what depends on the space ---------------------------------------------------------
    @abstractmethod
    def cost_model(self, dataset: str, measure: str) -> CostModel:
        """The exact chain cost model of ``measure`` ('flops' or 'params', millions)."""

    def subspace(self, spec: str) -> SubSpace:
        """A restricted view: ``'ops=nor_conv_3x3,skip_connect'`` style specs or a file of
        arch strings (see ``spaces.subspace``)."""
        from .subspace import parse_subspace

        return parse_subspace(self, spec)
