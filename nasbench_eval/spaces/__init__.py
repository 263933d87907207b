"""Search spaces: pure Python/numpy, no benchmark data needed.

``get_space("nats-tss")`` (alias ``nb201``, ``tss``) or ``get_space("nats-sss")`` (alias
``sss``) is the one factory; spaces are stateless and shared. A new space is one file (a
``SearchSpace`` subclass) plus its line in ``SPACES`` below; ``get_space("nats-tss",
subspace="ops=nor_conv_3x3,skip_connect")`` gives a restricted view.
"""

from __future__ import annotations

from ..registry import Registry
from .base import Arch, SearchSpace
from .size import SizeSpace
from .subspace import SubSpace, parse_subspace
from .topology import TopologySpace

#: name -> the (stateless, shared) space instance
SPACES: Registry[SearchSpace] = Registry("search space")
SPACES.add(
    "nats-tss",
    TopologySpace(),
    kind="space",
    aliases=("nb201", "tss"),
    description="NATS topology space = NAS-Bench-201: 5 ops on 6 cell edges, 15,625 cells",
)
SPACES.add(
    "nats-sss",
    SizeSpace(),
    kind="space",
    aliases=("sss",),
    description="NATS size space: 8 widths for each of 5 layers, 32,768 channel configs",
)
SPACE_NAMES = tuple(SPACES)
SPACE_HELP = "nats-tss (alias nb201, tss) or nats-sss (alias sss)"


def get_space(name: str, subspace: str | None = None) -> SearchSpace:
    """The space registered as ``name`` (or an alias), optionally restricted to a sub-space."""
    space = SPACES.get(name)
    return space if subspace is None else parse_subspace(space, subspace)


__all__ = [
    "Arch",
    "SPACES",
    "SPACE_HELP",
    "SPACE_NAMES",
    "SearchSpace",
    "SizeSpace",
    "SubSpace",
    "TopologySpace",
    "get_space",
]
