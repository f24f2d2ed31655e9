"""Residual generator block modulated by the label map and the hint/region maps.

The generator builds one :class:`ScaleCondition` per resolution and hands it to the block at
that resolution; the block normalises its input once (main path and shortcut share it) and
modulates with CLADE or SPADE as the config says.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from .config import ModelConfig, NormKind
from .normalization import ClassAdaptiveModulation, SpatiallyAdaptiveModulation, param_free_norm


@dataclass
class ScaleCondition:
    """Conditioning at one resolution.

    labels: B×h×w int64 class ids; maps: B×map_nc×h×w; dense: one-hot ++ maps (SPADE only,
    None for CLADE, which never needs the one-hot).
    """

    labels: Tensor
    maps: Tensor
    dense: Tensor | None = None


class Modulation(nn.Module):
    """Dispatch to CLADE or SPADE so the block does not care which one it has."""

    def __init__(self, channels: int, cfg: ModelConfig) -> None:
        super().__init__()
        self.kind = NormKind(cfg.norm)
        if self.kind is NormKind.CLADE:
            self.mod: nn.Module = ClassAdaptiveModulation(channels, cfg.label_nc, cfg.map_hidden)
        else:
            cond_nc = cfg.label_nc + cfg.map_nc
            self.mod = SpatiallyAdaptiveModulation(channels, cond_nc, cfg.spade_hidden)

    def forward(self, xn: Tensor, cond: ScaleCondition, map_feat: Tensor | None) -> Tensor:
        if self.kind is NormKind.CLADE:
            return self.mod(xn, cond.labels, map_feat)
        return self.mod(xn, cond.dense)


class ResBlock(nn.Module):
    """norm → lrelu → conv → norm → lrelu → conv, plus a (normalised, 1×1) learned shortcut
    when the channel count changes; the GauGAN residual block layout."""

    def __init__(self, in_c: int, out_c: int, cfg: ModelConfig) -> None:
        super().__init__()
        mid = min(in_c, out_c)
        self.learned_shortcut = in_c != out_c
        self.stats_in = param_free_norm(cfg.stats, in_c)
        self.stats_mid = param_free_norm(cfg.stats, mid)
        self.mod_0 = Modulation(in_c, cfg)
        self.conv_0 = nn.Conv2d(in_c, mid, 3, padding=1)
        self.mod_1 = Modulation(mid, cfg)
        self.conv_1 = nn.Conv2d(mid, out_c, 3, padding=1)
        if self.learned_shortcut:
            self.mod_s = Modulation(in_c, cfg)
            self.conv_s = nn.Conv2d(in_c, out_c, 1, bias=False)
        # CLADE's map branch: computed once per block, projected by each modulation.
        self.map_branch: nn.Module | None = None
        if NormKind(cfg.norm) is NormKind.CLADE and cfg.map_hidden > 0:
            self.map_branch = nn.Sequential(
                nn.Conv2d(cfg.map_nc, cfg.map_hidden, 3, padding=1), nn.ReLU()
            )

    def forward(self, x: Tensor, cond: ScaleCondition) -> Tensor:
        map_feat = self.map_branch(cond.maps) if self.map_branch is not None else None
        xn = self.stats_in(x)
        h = F.leaky_relu(self.mod_0(xn, cond, map_feat), 0.2, inplace=True)
        h = self.conv_0(h)
        h = F.leaky_relu(self.mod_1(self.stats_mid(h), cond, map_feat), 0.2, inplace=True)
        h = self.conv_1(h)
        if self.learned_shortcut:
            # Shortcut without activation, as in GauGAN; shares the normalised input.
            x = self.conv_s(self.mod_s(xn, cond, map_feat))
        return x + h
