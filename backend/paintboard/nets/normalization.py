"""Label-conditioned normalisation: the key idea of GauGAN, in two sizes.

Both layers take activations that were *already* normalised by a parameter-free norm (see
:func:`param_free_norm`) and modulate them, ``x * (1 + gamma) + beta``, with gamma/beta predicted
from the label map (and the hint/region maps) at the activation's resolution.  Splitting the
parameter-free part out lets a residual block normalise its input once for both the main path
and the shortcut, which is the largest saving on CPU.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import StatsKind


def param_free_norm(kind: str, channels: int) -> nn.Module:
    """Normalisation without learned affine; the modulation below supplies the affine."""
    if StatsKind(kind) is StatsKind.BATCH:
        return nn.BatchNorm2d(channels, affine=False)
    return nn.InstanceNorm2d(channels, affine=False)


class ClassAdaptiveModulation(nn.Module):
    """CLADE: gamma/beta looked up per class, plus a 1×1 projection of shared map features.

    The class lookup is an embedding gather (no convolution over the label map), so its cost is
    independent of the number of classes; the map term lets the hint colours and the region
    colour map (design §3) steer every scale at the price of one 1×1 conv.
    """

    def __init__(self, channels: int, label_nc: int, map_hidden: int) -> None:
        super().__init__()
        self.channels = channels
        # One row per class: [gamma | beta].  Zero init = identity modulation at start.
        self.table = nn.Parameter(torch.zeros(label_nc, 2 * channels))
        self.from_maps = nn.Conv2d(map_hidden, 2 * channels, 1) if map_hidden > 0 else None
        if self.from_maps is not None:
            nn.init.normal_(self.from_maps.weight, std=0.02)
            nn.init.zeros_(self.from_maps.bias)

    def forward(self, xn: Tensor, labels: Tensor, map_feat: Tensor | None) -> Tensor:
        # F.embedding yields B×h×w×2C; the permute is a free view with channels-last strides.
        gb = F.embedding(labels, self.table).permute(0, 3, 1, 2)
        if self.from_maps is not None and map_feat is not None:
            gb = gb + self.from_maps(map_feat)
        gamma, beta = gb.split(self.channels, dim=1)
        return torch.addcmul(beta, xn, gamma + 1.0)


class SpatiallyAdaptiveModulation(nn.Module):
    """SPADE: a shared 3×3 conv on (one-hot labels ++ maps), then 3×3 convs to gamma and beta."""

    def __init__(self, channels: int, cond_nc: int, hidden: int) -> None:
        super().__init__()
        self.shared = nn.Sequential(nn.Conv2d(cond_nc, hidden, 3, padding=1), nn.ReLU())
        self.to_gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.to_beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, xn: Tensor, cond: Tensor) -> Tensor:
        h = self.shared(cond)
        return torch.addcmul(self.to_beta(h), xn, self.to_gamma(h) + 1.0)
