"""The NATS size space (``nats-sss``): channel counts of 5 layers, 8 choices each.

Arch string ``c0:c1:c2:c3:c4`` with every c in {8, 16, ..., 64}; layers 0, 2, 4 are cells
(the fixed genotype ``CELL``), layers 1 and 3 the stride-2 residual blocks. Code order
(layer 0 most significant) is the official benchmark order.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ..datasets import get_dataset
from .base import Arch, SearchSpace
from .costs import CostModel, check_measure, conv_cost, head_cost, resblock_cost

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
    choice_names = tuple(str(c) for c in CHANNELS)
    position_groups = {"widths": tuple(range(NUM_LAYERS))} | {f"layer{i}": (i,) for i in range(NUM_LAYERS)}
    official_archive = "NATS-sss-v1_0-50262-simple"
    search_epochs, final_epochs = 12, 90

    def cost_model(self, dataset: str, measure: str) -> CostModel:
        check_measure(measure)
        return _cost_model(dataset, measure)

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


def _cell_cost(cin: int, cout: int, hw: int, measure: str) -> float:
    """The fixed size-space cell: 5 conv3x3 edges and one skip from node 0 to node 3.

    Edges leaving node 0 map cin -> cout; the skip becomes a 1x1 conv + BN when they differ.
    """
    total = 2 * conv_cost(cin, cout, 3, hw, measure) + 3 * conv_cost(cout, cout, 3, hw, measure)
    if cin != cout:
        total += conv_cost(cin, cout, 1, hw, measure)
    return total


@cache
def _cost_model(dataset: str, measure: str) -> CostModel:
    """A convolution couples the widths of adjacent layers: the pairwise terms."""
    d = get_dataset(dataset)
    r = d.resolution
    hw = [r * r, (r // 2) ** 2, (r // 2) ** 2, (r // 4) ** 2, (r // 4) ** 2]  # per layer output
    k = len(CHANNELS)
    unary = np.zeros((NUM_LAYERS, k))
    pairwise = np.zeros((NUM_LAYERS - 1, k, k))
    for i, c in enumerate(CHANNELS):
        unary[0, i] = conv_cost(3, c, 3, hw[0], measure) + _cell_cost(c, c, hw[0], measure)
        unary[-1, i] = head_cost(c, d.num_classes, measure)
        for j, c_next in enumerate(CHANNELS):
            for layer in range(1, NUM_LAYERS):
                block = resblock_cost if layer % 2 else _cell_cost
                pairwise[layer - 1, i, j] = block(c, c_next, hw[layer], measure)
    const = float(d.num_classes)  # classifier bias
    return CostModel(const / 1e6, unary / 1e6, pairwise / 1e6)
