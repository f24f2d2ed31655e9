"""Multi-scale PatchGAN discriminator (training only).

Each scale sees image ++ one-hot labels ++ maps, so it judges whether the picture fits the label
map and the hints, not only whether it looks real.  Every scale returns its intermediate
features too: the trainer's feature-matching loss compares them between real and fake.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from .config import ModelConfig


class PatchDiscriminator(nn.Module):
    """Strided 4×4 convs with spectral norm + instance norm; logits per ~70 px patch."""

    def __init__(self, in_nc: int, ndf: int, n_layers: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.Sequential(nn.Conv2d(in_nc, ndf, 4, stride=2, padding=2), nn.LeakyReLU(0.2))
        ]
        nf = ndf
        for i in range(1, n_layers):
            prev, nf = nf, min(nf * 2, 512)
            stride = 1 if i == n_layers - 1 else 2
            layers.append(
                nn.Sequential(
                    spectral_norm(nn.Conv2d(prev, nf, 4, stride=stride, padding=2)),
                    nn.InstanceNorm2d(nf, affine=False),
                    nn.LeakyReLU(0.2),
                )
            )
        layers.append(nn.Conv2d(nf, 1, 4, stride=1, padding=2))
        self.layers = nn.ModuleList(layers)

    def forward(self, x: Tensor) -> list[Tensor]:
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return feats


class MultiscaleDiscriminator(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.label_nc = cfg.label_nc
        in_nc = 3 + cfg.label_nc + cfg.map_nc
        self.scales = nn.ModuleList(
            PatchDiscriminator(in_nc, cfg.ndf, cfg.d_layers) for _ in range(cfg.d_scales)
        )

    def forward(self, image: Tensor, labels: Tensor, maps: Tensor) -> list[list[Tensor]]:
        """image B×3×H×W, labels B×H×W int64, maps B×map_nc×H×W → per scale [features..., logits].

        Scale 0 is full resolution; each next scale sees the input average-pooled by 2.
        """
        onehot = F.one_hot(labels.long(), self.label_nc).permute(0, 3, 1, 2).to(image.dtype)
        x = torch.cat([image, onehot, maps.to(image.dtype)], dim=1)
        out = []
        for i, d in enumerate(self.scales):
            if i > 0:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            out.append(d(x))
        return out
