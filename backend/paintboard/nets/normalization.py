"""Label-conditioned normalisation: the key idea of GauGAN, in two sizes.

Both modulations take activations that were *already* normalised by a parameter-free norm
(:func:`param_free_norm`) and return a per-pixel ``(scale, beta)``; the block applies
``xn * scale + beta`` (one fused ``addcmul``).  ``scale`` plays the role of GauGAN's
``1 + gamma``: the 1 lives in the bias initialisation, which saves a full-size add per layer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import StatsKind


def param_free_norm(kind: str, channels: int) -> nn.Module:
    """Normalisation without learned affine; the modulation supplies the affine."""
    if StatsKind(kind) is StatsKind.BATCH:
        return nn.BatchNorm2d(channels, affine=False)
    return nn.InstanceNorm2d(channels, affine=False)


def modulate(xn: Tensor, scale: Tensor, beta: Tensor) -> Tensor:
    return torch.addcmul(beta, xn, scale)


def pointwise(conv: nn.Conv2d, x: Tensor) -> Tensor:
    """A 1×1 conv; on a channels_last input it runs as one GEMM over the NHWC view.

    On CPU, torch sends channels_last 1×1 convs to its slow im2col path (measured 3–5× slower
    than this GEMM); the result is a channels_last tensor again, without any copy.
    """
    if (
        x.dim() == 4
        and x.shape[1] > 1
        and not x.is_contiguous()
        and x.is_contiguous(memory_format=torch.channels_last)
    ):
        w = conv.weight.view(conv.out_channels, conv.in_channels)
        return F.linear(x.permute(0, 2, 3, 1), w, conv.bias).permute(0, 3, 1, 2)
    return conv(x)


class ClassAdaptiveModulation(nn.Module):
    """CLADE plus a light map branch, for all normalisation layers of one block at once.

    A 1×1 conv over the one-hot label map *is* CLADE's per-class (gamma, beta) lookup table (its
    weight column for class c is class c's row); stacking the map features next to the one-hot
    adds the hint colours and the region colour map (design §3) at the price of a few input
    channels.  One conv serves every norm of the block (``channels`` lists their widths), so the
    CPU runs one wide 1×1 conv instead of a lookup, a conv and an add per norm.
    """

    def __init__(
        self, channels: tuple[int, ...], label_nc: int, map_nc: int, map_hidden: int
    ) -> None:
        super().__init__()
        self.channels = tuple(channels)
        self.map_branch: nn.Module | None = None
        if map_hidden > 0:
            self.map_branch = nn.Sequential(nn.Conv2d(map_nc, map_hidden, 3, padding=1), nn.ReLU())
        # No bias: every pixel's one-hot sums to 1, so the class columns already act as one.
        self.proj = nn.Conv2d(label_nc + map_hidden, 2 * sum(self.channels), 1, bias=False)
        with torch.no_grad():  # identity modulation at start: scale 1, beta 0 for every class
            self.proj.weight.normal_(0.0, 0.02)
            self.proj.weight[:, :label_nc].zero_()
            start = 0
            for c in self.channels:
                self.proj.weight[start : start + c, :label_nc].fill_(1.0)
                start += 2 * c

    def forward(self, onehot: Tensor, maps: Tensor) -> list[tuple[Tensor, Tensor]]:
        z = onehot if self.map_branch is None else torch.cat([onehot, self.map_branch(maps)], 1)
        parts = pointwise(self.proj, z).split([c for c in self.channels for _ in (0, 1)], dim=1)
        return [(parts[2 * i], parts[2 * i + 1]) for i in range(len(self.channels))]


class SpatiallyAdaptiveModulation(nn.Module):
    """SPADE: a shared 3×3 conv on (one-hot labels ++ maps), then 3×3 convs to scale and beta."""

    def __init__(self, channels: int, cond_nc: int, hidden: int) -> None:
        super().__init__()
        self.shared = nn.Sequential(nn.Conv2d(cond_nc, hidden, 3, padding=1), nn.ReLU())
        self.to_scale = nn.Conv2d(hidden, channels, 3, padding=1)
        self.to_beta = nn.Conv2d(hidden, channels, 3, padding=1)
        with torch.no_grad():
            self.to_scale.bias.add_(1.0)  # scale = 1 + gamma

    def forward(self, dense: Tensor) -> tuple[Tensor, Tensor]:
        h = self.shared(dense)
        return self.to_scale(h), self.to_beta(h)
