"""PyTorch networks of the NB201 / NATS macro skeleton: discrete nets and supernets.

Each space's networks are one file (``topology.py``, ``size.py``) registered in
``NETWORKS``; importing this package registers both.
"""

from . import size, topology  # noqa: F401 - registers the spaces' networks
from .discrete import build_network
from .registry import NETWORKS, SEARCH_BN
from .supernet import build_supernet, gumbel_weights

__all__ = ["NETWORKS", "SEARCH_BN", "build_network", "build_supernet", "gumbel_weights"]
