"""Networks: config, label-conditioned normalisation, blocks, generator, discriminator."""

from .config import PRESETS, ModelConfig, NormKind, StatsKind
from .discriminator import MultiscaleDiscriminator
from .generator import Generator, make_noise


def count_params(module) -> int:
    """Number of parameters (buffers such as BN running stats not included)."""
    return sum(p.numel() for p in module.parameters())


__all__ = [
    "PRESETS",
    "Generator",
    "ModelConfig",
    "MultiscaleDiscriminator",
    "NormKind",
    "StatsKind",
    "count_params",
    "make_noise",
]
