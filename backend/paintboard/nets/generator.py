"""The Paintboard generator (design §4): colour latent + seed noise → label-modulated up-sampling.

Shape flow for a padded H×W (multiple of 2**num_up): linear → 4×4 grid → bilinear resize to the
aspect-ratio base grid (H, W) / 2**num_up → mid blocks → num_up × (nearest or bilinear ×2,
residual block, + scaled pixel noise) → 3×3 conv → tanh.  Inputs are padded (replicate) and
the output cropped, so any H, W >= 16 works.  At inference the large levels run in row bands
(nets/bands.py), which bounds the memory a 1024² picture needs.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .bands import conv_reach, doubled_source_rows, row_bands, with_halo
from .blocks import ResBlock, ScaleCondition
from .config import ModelConfig, NormKind, StatsKind

MIN_SIDE = 16
# At inference a level larger than this many pixels runs in row bands (nets/bands.py): the
# full-resolution levels' activations made most of the peak RSS at working size 1024 (server
# peak 1.54 → 0.70 GiB), and bands this small also run 1.3-1.7× faster on a 2-core CPU at
# 256-1024 (a band's activations stay in cache); measured in docs/performance.md.
BAND_PIXELS = 32 * 1024


def make_noise(seed: int, batch: int, cfg: ModelConfig, device: torch.device | str) -> Tensor:
    """Seed noise for variations.  Drawn on the CPU generator so a seed gives the same noise on
    every device."""
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    return torch.randn(batch, cfg.noise_dim, generator=gen).to(device)


def pixel_noise(seed: int, batch: int, h: int, w: int, device: torch.device | str) -> Tensor:
    """Seeded B×1×H×W texture noise for the finest block; coarser blocks pool it (see forward).

    Drawn once at full size on the CPU generator and pooled, so a seed gives the same picture
    on every device and at every block the noise describes the same place.
    """
    gen = torch.Generator(device="cpu").manual_seed(int(seed) ^ 0x5EED)
    return torch.randn(batch, 1, h, w, generator=gen).to(device)


def _replicate_pad_index(n: int, target: int, device: torch.device) -> Tensor:
    return torch.arange(target, device=device).clamp_(max=n - 1)


class Generator(nn.Module):
    #: Largest level (pixels) computed in one piece at inference on a CPU; None = never in
    #: bands.  Only eval mode with BatchNorm's running statistics may use bands (every op is
    #: then local).
    band_pixels: int | None = BAND_PIXELS

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        ch = cfg.channels()
        self.fc = nn.Linear(cfg.latent_dim + cfg.noise_dim, ch[0] * 16)
        self.mid = nn.ModuleList(ResBlock(ch[0], ch[0], cfg) for _ in range(cfg.mid_blocks))
        self.ups = nn.ModuleList(ResBlock(ch[i], ch[i + 1], cfg) for i in range(cfg.num_up))
        self.to_rgb = nn.Conv2d(ch[-1], 3, 3, padding=1)
        # zero-initialised, so switching pixel noise on leaves a trained network unchanged.  Not
        # after the last (full-resolution) block: there it learned a grain that photographs do
        # not have (patch SWD at the finest level 2x worse; without it 0.4x of that)
        self.noise_scale = (
            nn.ParameterList(nn.Parameter(torch.zeros(1, c, 1, 1)) for c in ch[1:-1])
            if cfg.pixel_noise
            else None
        )

    def _conditions(
        self, labels: Tensor, maps: Tensor, fmt: torch.memory_format
    ) -> list[ScaleCondition]:
        """Conditioning at the base grid and after each doubling (index 0 = base).

        Labels are sub-sampled at the centre of each f×f patch (nearest, exact for ids) and made
        one-hot on the device when a block needs them (:class:`ScaleCondition`); maps are
        area-averaged (a pyramid of 2×2 means) so a small hint keeps a proportionate weight at
        coarse scales.
        """
        cfg = self.cfg
        pyramid = [maps]
        for _ in range(cfg.num_up):
            pyramid.append(F.avg_pool2d(pyramid[-1], 2))
        spade = NormKind(cfg.norm) is NormKind.SPADE
        conds = []
        for level in range(cfg.num_up + 1):
            f = 2 ** (cfg.num_up - level)
            lab = labels[:, f // 2 :: f, f // 2 :: f] if f > 1 else labels
            mp = pyramid[cfg.num_up - level]
            conds.append(ScaleCondition(lab, mp, cfg.label_nc, fmt, spade))
        return conds

    def forward(
        self,
        latent: Tensor,
        labels: Tensor,
        maps: Tensor,
        noise: Tensor | None = None,
        *,
        pixels: Tensor | None = None,
        on_block: Callable[[int], None] | None = None,
    ) -> Tensor:
        """latent B×(s*s*8), labels B×H×W int64, maps B×map_nc×H×W → B×3×H×W in [-1, 1].

        ``on_block(i)`` is called before each block; inference uses it to cancel between blocks
        (it may raise).  ``noise`` None means zeros: the deterministic "seed-free" output.
        ``pixels`` (B×1×H×W, :func:`pixel_noise`) is the per-pixel texture noise of a
        ``pixel_noise`` model; None means none.
        """
        cfg = self.cfg
        b, h, w = labels.shape
        if h < MIN_SIDE or w < MIN_SIDE:
            raise ValueError(f"generator input must be at least {MIN_SIDE}×{MIN_SIDE}, got {h}×{w}")
        # The caller picks the memory layout by the layout of `maps` (channels_last is ~2× faster
        # on CPU); everything derived from the maps follows it.
        fmt = (
            torch.channels_last
            if maps.is_contiguous(memory_format=torch.channels_last) and not maps.is_contiguous()
            else torch.contiguous_format
        )
        if labels.dtype != torch.long:
            labels = labels.long()
        labels = labels.clamp(0, cfg.label_nc - 1)
        m = cfg.multiple
        hp, wp = -(-h // m) * m, -(-w // m) * m
        if (hp, wp) != (h, w):
            dev = labels.device
            ih, iw = _replicate_pad_index(h, hp, dev), _replicate_pad_index(w, wp, dev)
            labels = labels[:, ih][:, :, iw]
            maps = F.pad(maps, (0, wp - w, 0, hp - h), mode="replicate")
            if pixels is not None:
                pixels = F.pad(pixels, (0, wp - w, 0, hp - h), mode="replicate")
        noise_pyr: list[Tensor] = []
        if pixels is not None and self.noise_scale is not None:
            noise_pyr = [pixels.to(maps.dtype)]
            for _ in range(cfg.num_up - 1):
                # 2×2 sums / 2 keep unit variance at every scale
                noise_pyr.append(F.avg_pool2d(noise_pyr[-1], 2) * 2.0)
            noise_pyr.reverse()  # index 0 = after the first doubling; the last one is unused
        if noise is None:
            noise = latent.new_zeros(b, cfg.noise_dim)
        conds = self._conditions(labels, maps.contiguous(memory_format=fmt), fmt)
        x = self.fc(torch.cat([latent, noise], dim=1)).view(b, -1, 4, 4)
        base = (hp // m, wp // m)
        if base != (4, 4):
            x = F.interpolate(x, size=base, mode="bilinear", align_corners=False)
        x = x.contiguous(memory_format=fmt)
        step = 0
        for block in self.mid:
            if on_block is not None:
                on_block(step)
            x = block(x, conds[0])
            step += 1
        for level in range(1, cfg.num_up + 1):
            if on_block is not None:
                on_block(step)
            grain = noise_pyr[level - 1] if noise_pyr and level < cfg.num_up else None
            x = self._up_level(level, x, conds[level], grain, fmt)
            step += 1
        return x[:, :, :h, :w]  # the last level ends in RGB (see _level_rows)

    def _level_rows(
        self, level: int, x: Tensor, cond: ScaleCondition, grain: Tensor | None, rows: range
    ) -> Tensor:
        """Rows ``rows`` of up-sampling level ``level`` (1 = the first doubling), from the whole
        previous level ``x``: double, block, + pixel noise; the last level adds the RGB head.

        Rows near the ends of ``rows`` are only right where ``rows`` is an image edge (the
        caller crops a halo off the others, see nets/bands.py).
        """
        start, stop = rows.start, rows.stop
        src0, src1 = doubled_source_rows(start, stop, x.shape[2])
        mode = "bilinear" if self.cfg.upsample == "bilinear" else "nearest"
        extra = {"align_corners": False} if mode == "bilinear" else {}
        up = F.interpolate(x[:, :, src0:src1], scale_factor=2.0, mode=mode, **extra)
        up = up[:, :, start - 2 * src0 : stop - 2 * src0]
        y = self.ups[level - 1](up, cond.rows(start, stop))
        if grain is not None:
            y = y + self.noise_scale[level - 1] * grain[:, :, start:stop]
        if level == self.cfg.num_up:
            y = torch.tanh(self.to_rgb(F.leaky_relu(y, 0.2)))
        return y

    def _up_level(
        self,
        level: int,
        x: Tensor,
        cond: ScaleCondition,
        grain: Tensor | None,
        fmt: torch.memory_format,
    ) -> Tensor:
        """One up-sampling level, whole or — at inference, above :attr:`band_pixels` — in row
        bands with a halo, so only a band's activations are alive at a time."""
        height, width = cond.maps.shape[2:]
        budget = self.band_pixels
        local = not self.training and StatsKind(self.cfg.stats) is StatsKind.BATCH
        # On a GPU the activations are not the host's memory and a band is no faster: bands
        # would only add kernel launches to a launch-bound model (not measured: no GPU lent).
        if budget is None or not local or x.device.type != "cpu" or height * width <= budget:
            return self._level_rows(level, x, cond, grain, range(0, height))
        halo = conv_reach(self.ups[level - 1])
        if level == self.cfg.num_up:
            halo += conv_reach(self.to_rgb)
        out: Tensor | None = None
        for start, stop in row_bands(height, width, budget):
            lo, hi = with_halo(start, stop, halo, height)
            y = self._level_rows(level, x, cond, grain, range(lo, hi))
            if out is None:
                shape = (y.shape[0], y.shape[1], height, width)
                out = torch.empty(shape, dtype=y.dtype, device=y.device, memory_format=fmt)
            out[:, :, start:stop] = y[:, :, start - lo : stop - lo]
        assert out is not None
        return out

    @property
    def num_blocks(self) -> int:
        return len(self.mid) + len(self.ups)
