"""Activation memory of a training step, the same way on every device: the bytes of the
tensors autograd saves for the backward pass (each storage counted once), the part of a
step's peak memory that grows with the batch and the network searched. On CUDA the
allocator's peak is reported beside it."""

from __future__ import annotations

import torch


class SavedBytes:
    """``with SavedBytes() as m: loss = model(x)...`` then ``m.bytes``."""

    def __init__(self):
        self.bytes = 0
        self._seen: set[tuple[int, int]] = set()
        self._hooks = None

    def _pack(self, t: torch.Tensor):
        try:
            key = (t.untyped_storage().data_ptr(), t.untyped_storage().nbytes())
        except (RuntimeError, NotImplementedError):  # tensors without storage (e.g. sparse)
            key = (id(t), t.numel() * t.element_size())
        if key not in self._seen:
            self._seen.add(key)
            self.bytes += key[1]
        return t

    def __enter__(self) -> SavedBytes:
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._hooks.__exit__(*exc)
