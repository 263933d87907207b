"""PyTorch networks of the NB201 / NATS macro skeleton: discrete nets and supernets.

Each space's networks are one file (``topology.py``, ``size.py``) named in ``NETWORKS``
(``registry.py``). The builders import torch on first use, so importing this package (to
list the registry, say) does not.
"""

from .config import SEARCH_BN, BNConfig
from .registry import NETWORKS

__all__ = ["NETWORKS", "SEARCH_BN", "BNConfig", "build_network", "build_supernet", "gumbel_weights"]


def __getattr__(name: str):
    if name == "build_network":
        from .discrete import build_network

        return build_network
    if name in ("build_supernet", "gumbel_weights"):
        from . import supernet

        return getattr(supernet, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
