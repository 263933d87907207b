"""Search methods: one ask/tell lifecycle, no I/O (see ``base``)."""

from __future__ import annotations

from ..errors import UnknownNameError
from .base import Method, Query
from .bohb import BOHB
from .evolution import RegularizedEvolution
from .random_search import RandomSearch
from .reinforce import Reinforce

METHODS: dict[str, type[Method]] = {m.name: m for m in (RandomSearch, RegularizedEvolution, Reinforce, BOHB)}


def get_method(name: str) -> type[Method]:
    if name not in METHODS:
        raise UnknownNameError(f"unknown method {name!r}; expected one of {', '.join(METHODS)}")
    return METHODS[name]


__all__ = ["METHODS", "Method", "Query", "get_method"]
