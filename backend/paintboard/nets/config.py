"""Model configuration: one frozen dataclass, saved as JSON inside every weights file.

A config travels with the weights (safetensors header and model card) so a file can always be
rebuilt into the network that wrote it; modules take only the fields they need.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Any


class NormKind(str, Enum):
    """How the label map modulates the generator's normalisation layers.

    ``clade``: class-adaptive (per-class gamma/beta table, a lookup; cheap on CPU) plus a light
    spatial branch for the hint/region maps.  ``spade``: full spatially-adaptive normalisation
    (a hidden conv on one-hot labels ++ maps predicts per-pixel gamma/beta; paper size).
    """

    CLADE = "clade"
    SPADE = "spade"


class StatsKind(str, Enum):
    """The parameter-free normalisation under the modulation.

    ``batch`` folds into a per-channel affine at inference (cheapest); ``instance`` needs no
    running statistics, so it is the safer choice for batch-size-1 training.
    """

    BATCH = "batch"
    INSTANCE = "instance"


@dataclass(frozen=True)
class ModelConfig:
    name: str
    ngf: int
    label_nc: int = 16
    map_nc: int = 8
    feature_s: int = 9
    noise_dim: int = 64
    num_up: int = 6
    mid_blocks: int = 0  # residual blocks at the base grid, before the first up-sampling
    max_mult: int = 16  # channel cap: ngf * max_mult at the coarse scales
    norm: str = NormKind.CLADE.value
    stats: str = StatsKind.BATCH.value
    map_hidden: int = 16  # clade: hidden channels of the map branch (0 = maps unused)
    spade_hidden: int = 128  # spade: hidden channels of the shared conv
    upsample: str = "nearest"  # nearest | bilinear: how each block doubles the grid
    pixel_noise: bool = False  # add seeded per-pixel noise (learned per-channel scale) per block
    hint_feather: bool = False  # the model reads feathered hint maps (features.hint_maps)
    ndf: int = 32
    d_scales: int = 2
    d_layers: int = 4

    def __post_init__(self) -> None:
        # Fail at construction, not deep inside a forward pass.
        NormKind(self.norm)
        StatsKind(self.stats)
        if self.upsample not in ("nearest", "bilinear"):
            raise ValueError(f"upsample must be nearest or bilinear, got {self.upsample!r}")
        if self.ngf < 1 or self.num_up < 1 or self.max_mult < 1:
            raise ValueError(f"bad model config {self!r}")

    @property
    def latent_dim(self) -> int:
        """Length of design §3's flattened colour feature (s*s*8 = 648 for s = 9)."""
        return self.feature_s * self.feature_s * 8

    @property
    def multiple(self) -> int:
        """Inputs are padded to a multiple of this so every block halves exactly."""
        return 2**self.num_up

    def channels(self) -> list[int]:
        """Channel count at the base grid, then after each up-sampling block.

        Halving per block towards the output (the GauGAN schedule), capped at ngf * max_mult.
        """
        mults = [2 ** (self.num_up - i) for i in range(self.num_up + 1)]
        return [self.ngf * min(self.max_mult, m) for m in mults]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Strict: an unknown key means the file was written by another version of the code."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown model config keys: {sorted(unknown)}")
        return cls(**data)


PRESETS: dict[str, ModelConfig] = {
    # Tests only: a few thousand parameters, 2**4 multiple, fast on any CPU.
    "tiny": ModelConfig(
        name="tiny", ngf=8, num_up=4, max_mult=4, map_hidden=8, ndf=8, d_scales=2, d_layers=3
    ),
    # Shipped CPU model: CLADE + light map branch.  Bilinear doubling (nearest left a grid) and
    # seeded per-pixel noise (fine texture no longer has to come from the 64-d seed through a
    # 4×4 grid).  BatchNorm statistics stay: instance statistics measured far less streaking
    # on round 1's weights but, trained, grew "droplet" blobs (the generator spikes a few
    # pixels to steer per-image statistics, as StyleGAN's AdaIN did); round 2 trains at the
    # working sizes instead, so the running statistics fit them (scripts/diagnose_streaks.py).
    "small": ModelConfig(
        name="small",
        ngf=16,
        num_up=6,
        max_mult=8,
        map_hidden=16,
        upsample="bilinear",
        pixel_noise=True,
        hint_feather=True,
    ),
    # Paper-size GauGAN generator, for GPU training and as the speed reference.
    "spade": ModelConfig(
        name="spade",
        ngf=64,
        num_up=6,
        mid_blocks=1,
        max_mult=16,
        norm=NormKind.SPADE.value,
        spade_hidden=128,
        ndf=64,
        d_scales=2,
        d_layers=4,
    ),
}
