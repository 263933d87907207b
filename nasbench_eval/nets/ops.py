"""Building blocks of the NB201 macro network (Dong & Yang, ICLR 2020): ReLU-Conv-BN ops,
the residual reduction block, the stem and the classifier head.

``BNConfig`` carries the two BatchNorm switches the benchmarks vary: affine parameters and
running statistics (NATS-Bench searches with both off; the benchmark nets with both on).
"""

from __future__ import annotations

import torch
from torch import nn

from .config import BNConfig


class ReLUConvBN(nn.Sequential):
    def __init__(self, cin: int, cout: int, kernel: int, stride: int, bn: BNConfig):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False),
            bn.make(cout),
        )


class ResBlock(nn.Module):
    """Stride-2 residual block between stages: conv3x3/2, conv3x3, shortcut avgpool + conv1x1."""

    def __init__(self, cin: int, cout: int, bn: BNConfig):
        super().__init__()
        self.conv_a = ReLUConvBN(cin, cout, 3, 2, bn)
        self.conv_b = ReLUConvBN(cout, cout, 3, 1, bn)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_b(self.conv_a(x)) + self.shortcut(x)


def stem(cout: int, bn: BNConfig) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, cout, 3, 1, 1, bias=False), bn.make(cout))


class Head(nn.Module):
    """BN-ReLU, global average pool, linear classifier."""

    def __init__(self, cin: int, classes: int, bn: BNConfig):
        super().__init__()
        self.bn = bn.make(cin)
        self.act = nn.ReLU()  # a module, so activation hooks (zero-cost proxies) see it
        self.classifier = nn.Linear(cin, classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The feature map before global average pooling."""
        return self.act(self.bn(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean((2, 3)))


def avg_pool(x: torch.Tensor) -> torch.Tensor:
    """The ``avg_pool_3x3`` op (padding excluded from the average, as NB201)."""
    return nn.functional.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
