"""Residual generator block modulated by the label map and the hint/region maps.

The generator builds one :class:`ScaleCondition` per resolution and hands it to the block at
that resolution.  The block normalises its input once; the main path and the shortcut share it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import ModelConfig, NormKind
from .normalization import (
    ClassAdaptiveModulation,
    SpatiallyAdaptiveModulation,
    modulate,
    param_free_norm,
    pointwise,
)


@dataclass
class ScaleCondition:
    """Conditioning at one resolution: class ids B×h×w and maps B×map_nc×h×w.

    The one-hot labels (B×label_nc×h×w, in the maps' dtype and ``fmt``) and, for SPADE,
    ``dense`` = one-hot ++ maps are built on first use, so a level that runs in row bands
    (nets/bands.py) only ever builds a band's worth: at 1024² the whole one-hot alone is 64 MB.
    """

    labels: Tensor
    maps: Tensor
    label_nc: int
    fmt: torch.memory_format = torch.contiguous_format
    spade: bool = False

    @cached_property
    def onehot(self) -> Tensor:
        b, h, w = self.labels.shape
        onehot = torch.empty(
            b,
            self.label_nc,
            h,
            w,
            dtype=self.maps.dtype,
            device=self.maps.device,
            memory_format=self.fmt,
        ).zero_()
        return onehot.scatter_(1, self.labels[:, None], 1.0)

    @cached_property
    def dense(self) -> Tensor | None:
        return torch.cat([self.onehot, self.maps], dim=1) if self.spade else None

    @property
    def height(self) -> int:
        return int(self.labels.shape[1])

    def rows(self, start: int, stop: int) -> ScaleCondition:
        """The same condition for rows ``[start, stop)`` only."""
        if (start, stop) == (0, self.height):
            return self
        return dataclasses.replace(
            self, labels=self.labels[:, start:stop], maps=self.maps[:, :, start:stop]
        )


class ResBlock(nn.Module):
    """norm → lrelu → conv → norm → lrelu → conv, plus a learned 1×1 shortcut when the channel
    count changes; the GauGAN residual block layout.

    CLADE: the shortcut reuses the main path's modulated input (one modulation fewer, a full-size
    tensor saved at every block); SPADE keeps the paper's separate shortcut norm.
    """

    def __init__(self, in_c: int, out_c: int, cfg: ModelConfig) -> None:
        super().__init__()
        mid = min(in_c, out_c)
        self.clade = NormKind(cfg.norm) is NormKind.CLADE
        self.learned_shortcut = in_c != out_c
        self.stats_in = param_free_norm(cfg.stats, in_c)
        self.stats_mid = param_free_norm(cfg.stats, mid)
        self.conv_0 = nn.Conv2d(in_c, mid, 3, padding=1)
        self.conv_1 = nn.Conv2d(mid, out_c, 3, padding=1)
        if self.learned_shortcut:
            self.conv_s = nn.Conv2d(in_c, out_c, 1, bias=False)
        if self.clade:
            self.mod = ClassAdaptiveModulation(
                (in_c, mid), cfg.label_nc, cfg.map_nc, cfg.map_hidden
            )
        else:
            cond_nc = cfg.label_nc + cfg.map_nc
            self.mod_0 = SpatiallyAdaptiveModulation(in_c, cond_nc, cfg.spade_hidden)
            self.mod_1 = SpatiallyAdaptiveModulation(mid, cond_nc, cfg.spade_hidden)
            if self.learned_shortcut:
                self.mod_s = SpatiallyAdaptiveModulation(in_c, cond_nc, cfg.spade_hidden)

    def forward(self, x: Tensor, cond: ScaleCondition) -> Tensor:
        xn = self.stats_in(x)
        if self.clade:
            (s0, b0), (s1, b1) = self.mod(cond.onehot, cond.maps)
        else:
            (s0, b0), (s1, b1) = self.mod_0(cond.dense), self.mod_1(cond.dense)
        a = modulate(xn, s0, b0)
        if self.learned_shortcut:
            # Shortcut without activation, as in GauGAN; computed before `a` is activated in place.
            short = pointwise(
                self.conv_s, a if self.clade else modulate(xn, *self.mod_s(cond.dense))
            )
        else:
            short = x
        # In place only when autograd does not need `a` (conv_s saved it for its backward).
        in_place = not (torch.is_grad_enabled() and self.learned_shortcut and self.clade)
        h = self.conv_0(F.leaky_relu_(a, 0.2) if in_place else F.leaky_relu(a, 0.2))
        h = self.conv_1(F.leaky_relu_(modulate(self.stats_mid(h), s1, b1), 0.2))
        return h.add_(short)
