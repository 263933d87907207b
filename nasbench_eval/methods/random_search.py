"""Random search: uniform architectures, answer = best estimate (NB201 / NATS baseline)."""

from __future__ import annotations

from .base import MultiTrialMethod, Query, register


@register
class RandomSearch(MultiTrialMethod):
    """Random search: uniform architectures, the best estimate wins."""

    name = "rs"
    title = "RS"

    def ask(self) -> Query:
        return Query(self.random_arch())
