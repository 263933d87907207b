"""PyTorch networks of the NB201 / NATS macro skeleton: discrete nets and supernets."""

from .discrete import build_network

__all__ = ["build_network"]
