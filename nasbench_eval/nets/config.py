"""Network settings that need no torch to name (so registries and the command line load fast)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BNConfig:
    affine: bool = True
    track_running_stats: bool = True

    def make(self, channels: int):
        from torch import nn

        return nn.BatchNorm2d(channels, affine=self.affine, track_running_stats=self.track_running_stats)


#: NATS-Bench searches with BatchNorm affine parameters and running statistics off
SEARCH_BN = BNConfig(affine=False, track_running_stats=False)
