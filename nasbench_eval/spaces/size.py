"""The NATS size space (``nats-sss``): channel counts of 5 layers, 8 choices each.

Arch string ``c0:c1:c2:c3:c4`` with every c in {8, 16, ..., 64}; layers 0, 2, 4 are cells
(the fixed genotype ``CELL``), layers 1 and 3 the stride-2 residual blocks. Code order
(layer 0 most significant) is the official benchmark order.
"""

from __future__ import annotations

from .base import Arch, SearchSpace

CHANNELS = (8, 16, 24, 32, 40, 48, 56, 64)
NUM_LAYERS = 5
CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"

_CHANNEL_INDEX = {str(c): i for i, c in enumerate(CHANNELS)}


class SizeSpace(SearchSpace):
    name = "nats-sss"
    num_positions = NUM_LAYERS
    num_choices = len(CHANNELS)
    example = "64:64:64:64:64"
    official_order_is_code = True  # checked against the official meta file in the tests

    def parse(self, text: str) -> Arch:
        if not isinstance(text, str):
            raise self._fail(text, f"expected a string, got {type(text).__name__}")
        parts = text.split(":")
        if len(parts) != NUM_LAYERS:
            raise self._fail(
                text, f"expected {NUM_LAYERS} channel counts separated by ':', found {len(parts)}"
            )
        out = []
        for layer, part in enumerate(parts):
            if part not in _CHANNEL_INDEX:
                raise self._fail(
                    text,
                    f"channel {part!r} of layer {layer} is not in the choice set "
                    f"{{{', '.join(map(str, CHANNELS))}}}",
                )
            out.append(_CHANNEL_INDEX[part])
        return tuple(out)

    def format(self, arch: Arch) -> str:
        return ":".join(str(CHANNELS[c]) for c in self.check(arch))

    def channels(self, arch: Arch) -> tuple[int, ...]:
        return tuple(CHANNELS[c] for c in self.check(arch))
