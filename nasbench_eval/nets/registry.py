"""Which networks each search space has: one ``SpaceNets`` entry per space name.

An entry names the space's nets module and, in it, the discrete-network builder and the
supernet class; they are imported on first use, so listing them needs no torch.
``build_network`` and ``build_supernet`` look them up, so no caller tests a space's name.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..registry import Registry
from .config import SEARCH_BN  # noqa: F401 - re-exported


@dataclass(frozen=True)
class SpaceNets:
    module: str  # e.g. 'nasbench_eval.nets.topology'
    network_name: str  # (choice tuple, num_classes, BNConfig) -> nn.Module
    supernet_name: str  # (num_classes, BNConfig, **options) -> nn.Module

    @property
    def network(self):
        return getattr(importlib.import_module(self.module), self.network_name)

    @property
    def supernet(self):
        return getattr(importlib.import_module(self.module), self.supernet_name)


NETWORKS: Registry[SpaceNets] = Registry("network family")
NETWORKS.add(
    "nats-tss",
    SpaceNets("nasbench_eval.nets.topology", "build_network", "TopologySupernet"),
    kind="networks",
    description="discrete NB201 cell network; supernet with single path, soft and Gumbel mixtures",
)
NETWORKS.add(
    "nats-sss",
    SpaceNets("nasbench_eval.nets.size", "build_network", "SizeSupernet"),
    kind="networks",
    description="discrete NATS size-space network; channel-slicing supernet",
)
