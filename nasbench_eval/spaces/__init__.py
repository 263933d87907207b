"""Search spaces: pure Python/numpy, no benchmark data needed.

``get_space("nats-tss")`` (alias ``nb201``, ``tss``) or ``get_space("nats-sss")`` (alias
``sss``) is the one factory; spaces are stateless and shared.
"""

from __future__ import annotations

from ..errors import UnknownNameError
from .base import Arch, SearchSpace
from .size import SizeSpace
from .topology import TopologySpace

_SPACES: dict[str, SearchSpace] = {"nats-tss": TopologySpace(), "nats-sss": SizeSpace()}
ALIASES = {"nb201": "nats-tss", "tss": "nats-tss", "sss": "nats-sss"}
SPACE_NAMES = tuple(_SPACES)
SPACE_HELP = "nats-tss (alias nb201, tss) or nats-sss (alias sss)"


def get_space(name: str) -> SearchSpace:
    key = ALIASES.get(name, name)
    if key not in _SPACES:
        choices = ", ".join([*SPACE_NAMES, *ALIASES])
        raise UnknownNameError(f"unknown search space {name!r}; expected one of {choices}")
    return _SPACES[key]


__all__ = ["Arch", "SearchSpace", "SizeSpace", "TopologySpace", "get_space", "SPACE_NAMES", "SPACE_HELP"]
