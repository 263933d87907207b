"""Random search: uniform architectures, answer = best estimate (NB201 / NATS baseline)."""

from __future__ import annotations

from .base import Method, Query


class RandomSearch(Method):
    name = "rs"
    title = "RS"

    def ask(self) -> Query:
        return Query(self.random_arch())
