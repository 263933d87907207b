"""Sub-spaces: a restricted view of a space that every method, estimator and cost model
accepts unchanged.

Architectures of a sub-space are the base space's choice tuples (same codes, same arch
strings, same benchmark rows and costs); only what a method may propose changes: sampling,
neighbours and mutation stay inside the sub-space, and ``choice_mask`` tells policies
(REINFORCE, BOHB, generators) which choices exist at each position. Two forms:

* a *product* of per-position choice sets, written ``KEY=CHOICES[;KEY=CHOICES...]`` with KEY
  ``all``, a group of the space (tss: ``ops`` or an edge ``2<-1``; sss: ``widths`` or
  ``layer3``) or ``pN``, and CHOICES names separated by commas (numeric ranges ``32-64``):
  ``ops=nor_conv_3x3,skip_connect`` or ``widths=32-64``;
* an explicit *set* of architectures: a file with one arch string per line (``#`` starts a
  comment) or a CSV file with an ``arch`` column.

A file whose lines are ``KEY=CHOICES`` parts (one or more per line) is a product spec.

AutoSpace learns such sub-spaces; ``run --subspace SPEC|FILE`` restricts any search.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..errors import ArchError, BenchmarkFileError
from .base import Arch, SearchSpace


class SubSpace(SearchSpace):
    """A base space restricted to ``members`` (a bool array over the base's codes)."""

    def __init__(self, base: SearchSpace, member: np.ndarray, spec: str, mask: np.ndarray | None = None):
        self._base = base
        self._member = member
        self.spec = spec
        self._codes = np.flatnonzero(member)
        if len(self._codes) == 0:
            raise ArchError(f"sub-space {spec!r} of {base.name} is empty")
        self.is_product = mask is not None
        if mask is None:
            mask = np.zeros((base.num_positions, base.num_choices), bool)
            rows = base.all_choices()[self._codes]
            for p in range(base.num_positions):
                mask[p, np.unique(rows[:, p])] = True
        self._mask = mask
        self._allowed = [np.flatnonzero(row) for row in mask]
        # everything else is the base's
        self.name = base.name
        self.num_positions, self.num_choices = base.num_positions, base.num_choices
        self.choice_names, self.position_groups = base.choice_names, base.position_groups
        self.official_archive = base.official_archive
        self.search_epochs, self.final_epochs = base.search_epochs, base.final_epochs
        self.official_order_is_code = base.official_order_is_code
        self.example = base.format(base.from_code(int(self._codes[0])))

    @property
    def base(self) -> SearchSpace:
        return self._base

    @property
    def label(self) -> str:
        return f"{self.name}[{self.spec}]"

    @property
    def size(self) -> int:
        return len(self._codes)

    def __repr__(self) -> str:
        return f"SubSpace({self.label!r}, {self.size} of {self._base.size} archs)"

    def parse(self, text: str) -> Arch:
        return self.check(self._base.parse(text))

    def format(self, arch: Arch) -> str:
        return self._base.format(self.check(arch))

    def check(self, arch) -> Arch:
        arch = self._base.check(arch)
        if not self.contains(arch):
            raise ArchError(f"{self._base.format(arch)} is not in the sub-space {self.spec!r}")
        return arch

    def contains(self, arch: Arch) -> bool:
        return bool(self._member[self._base.code(arch)])

    def from_code(self, code: int) -> Arch:
        return self.check(self._base.from_code(code))

    def all_choices(self) -> np.ndarray:
        """The members as an int8 array (size, num_positions), in code order."""
        return self._base.all_choices()[self._codes]

    def choice_mask(self) -> np.ndarray:
        return self._mask.copy()

    def sample(self, rng: np.random.Generator, n: int | None = None) -> Arch | list[Arch]:
        count = 1 if n is None else n
        if self.is_product:
            sizes = np.array([len(a) for a in self._allowed])
            picks = rng.integers(0, sizes, size=(count, self.num_positions))
            rows = np.array([[self._allowed[p][k] for p, k in enumerate(r)] for r in picks])
        else:
            rows = self._base.all_choices()[self._codes[rng.integers(len(self._codes), size=count)]]
        archs = [tuple(int(c) for c in r) for r in rows]
        return archs[0] if n is None else archs

    def neighbours(self, arch: Arch) -> list[Arch]:
        return [a for a in self._base.neighbours(arch) if self.contains(a)]

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        """The base space's mutation conditioned on staying inside (rejection sampling);
        an arch with no neighbour inside is replaced by a random member."""
        for _ in range(100):
            child = self._base.mutate(arch, rng)
            if self.contains(child):
                return child
        inside = self.neighbours(arch)
        return inside[rng.integers(len(inside))] if inside else self.sample(rng)

    def canonical(self, arch: Arch) -> str:
        return self._base.canonical(arch)

    def cost_model(self, dataset: str, measure: str):
        return self._base.cost_model(dataset, measure)

    def subspace(self, spec: str) -> SubSpace:
        inner = parse_subspace(self._base, spec)
        return SubSpace(self._base, self._member & inner._member, f"{self.spec};{inner.spec}")


def _choice_set(space: SearchSpace, text: str, spec: str) -> list[int]:
    names = {n: i for i, n in enumerate(space.choice_names)}
    out: set[int] = set()
    for token in filter(None, (t.strip() for t in text.split(","))):
        lo, dash, hi = token.partition("-")
        if token in names:
            out.add(names[token])
        elif dash and lo in names and hi in names and lo.isdigit() and hi.isdigit():
            out.update(i for n, i in names.items() if int(lo) <= int(n) <= int(hi))
        else:
            raise ArchError(
                f"sub-space {spec!r}: unknown choice {token!r}; choices are {', '.join(space.choice_names)}"
            )
    if not out:
        raise ArchError(f"sub-space {spec!r}: no choices given after '='")
    return sorted(out)


def _positions(space: SearchSpace, key: str, spec: str) -> tuple[int, ...]:
    if key == "all":
        return tuple(range(space.num_positions))
    if key in space.position_groups:
        return space.position_groups[key]
    if key[:1] == "p" and key[1:].isascii() and key[1:].isdigit() and int(key[1:]) < space.num_positions:
        return (int(key[1:]),)
    keys = ", ".join(["all", *space.position_groups, f"p0..p{space.num_positions - 1}"])
    raise ArchError(f"sub-space {spec!r}: unknown position {key!r}; expected one of {keys}")


def _from_spec(space: SearchSpace, spec: str) -> SubSpace:
    mask = np.ones((space.num_positions, space.num_choices), bool)
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        key, eq, choices = part.partition("=")
        if not eq:
            raise ArchError(
                f"sub-space {spec!r}: expected KEY=CHOICE,CHOICE (e.g. "
                f"{next(iter(space.position_groups), 'all')}={','.join(space.choice_names[:2])}) "
                "or an existing file of arch strings"
            )
        allowed = np.zeros(space.num_choices, bool)
        allowed[_choice_set(space, choices, spec)] = True
        for p in _positions(space, key.strip(), spec):
            mask[p] &= allowed
    rows = space.all_choices()
    member = mask[np.arange(space.num_positions), rows].all(axis=1)
    return SubSpace(space, member, spec, mask)


def _read_archs(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchmarkFileError(f"cannot read sub-space file {path}: {exc}") from None
    lines = text.splitlines()
    if lines and "arch" in [c.strip() for c in lines[0].split(",")]:
        try:
            return [row["arch"].strip() for row in csv.DictReader(lines) if (row.get("arch") or "").strip()]
        except csv.Error as exc:
            raise BenchmarkFileError(f"{path}: not a valid CSV file ({exc})") from None
    return [s for s in (line.split("#", 1)[0].strip() for line in lines) if s]


def _from_file(space: SearchSpace, path: Path) -> SubSpace:
    lines = _read_archs(path)
    if lines and "=" in lines[0]:  # a product spec written one part per line
        sub = _from_spec(space, ";".join(lines))
        return SubSpace(space, sub._member, path.name, sub._mask)
    member = np.zeros(space.size, bool)
    for n, text in enumerate(lines, start=1):
        try:
            member[space.code(space.parse(text))] = True
        except ArchError as exc:
            raise ArchError(f"{path}, arch {n}: {exc}") from None
    return SubSpace(space, member, path.name)


def parse_subspace(space: SearchSpace, spec: str) -> SubSpace:
    """A sub-space of ``space`` from a spec string or a file of arch strings."""
    if not isinstance(spec, str) or not spec.strip():
        raise ArchError("a sub-space spec must be a non-empty string or a file")
    path = Path(spec)
    if "=" not in spec and path.is_file():
        return _from_file(space, path)
    return _from_spec(space, spec.strip())
