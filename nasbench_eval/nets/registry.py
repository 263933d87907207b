"""Which networks each search space has: one ``SpaceNets`` entry per space name.

A space's nets file registers its discrete-network builder and its supernet class here;
``build_network`` and ``build_supernet`` look them up, so no caller tests a space's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..registry import Registry
from .ops import BNConfig

#: NATS-Bench searches with BatchNorm affine parameters and running statistics off
SEARCH_BN = BNConfig(affine=False, track_running_stats=False)


@dataclass(frozen=True)
class SpaceNets:
    network: Callable  # (choice tuple, num_classes, BNConfig) -> nn.Module
    supernet: Callable  # (num_classes, BNConfig, **options) -> nn.Module


NETWORKS: Registry[SpaceNets] = Registry("network family")
