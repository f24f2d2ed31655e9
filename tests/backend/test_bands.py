"""Row bands (nets/bands.py): a generator level computed in bands equals the level computed
whole, and bands are used only where every operation is local (eval, running statistics)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from paintboard.nets import PRESETS, Generator, ModelConfig, make_noise
from paintboard.nets.bands import conv_reach, doubled_source_rows, row_bands, with_halo
from paintboard.nets.generator import pixel_noise
from torch import nn


def test_row_bands_cover_every_row_once_within_the_budget() -> None:
    for height, width, budget in [(100, 7, 30), (64, 64, 64 * 64), (5, 1000, 10), (33, 4, 8)]:
        bands = list(row_bands(height, width, budget))
        assert bands[0][0] == 0 and bands[-1][1] == height
        assert all(a[1] == b[0] for a, b in zip(bands, bands[1:], strict=False))
        assert all(stop > start for start, stop in bands)
        rows = max(1, budget // width)
        assert all(stop - start <= rows for start, stop in bands)
    assert list(row_bands(64, 64, 64 * 64)) == [(0, 64)]
    assert with_halo(0, 10, 3, 40) == (0, 13) and with_halo(30, 40, 3, 40) == (27, 40)


def test_conv_reach_sums_the_convolutions_of_a_module() -> None:
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 4, 1),
        nn.Conv2d(4, 4, 5, padding=4, dilation=2),
    )
    assert conv_reach(net) == 1 + 0 + 4
    assert conv_reach(nn.ReLU()) == 0


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("src_height", [1, 2, 7, 16])
def test_doubling_a_slice_reproduces_the_doubled_rows(mode: str, src_height: int) -> None:
    x = torch.randn(1, 3, src_height, 5, generator=torch.Generator().manual_seed(src_height))
    extra = {"align_corners": False} if mode == "bilinear" else {}
    whole = F.interpolate(x, scale_factor=2.0, mode=mode, **extra)
    height = 2 * src_height
    for start in range(height):
        for stop in range(start + 1, height + 1):
            s0, s1 = doubled_source_rows(start, stop, src_height)
            part = F.interpolate(x[:, :, s0:s1], scale_factor=2.0, mode=mode, **extra)
            got = part[:, :, start - 2 * s0 : stop - 2 * s0]
            torch.testing.assert_close(got, whole[:, :, start:stop], rtol=0, atol=1e-6)


def _randomised(cfg: ModelConfig, seed: int = 0) -> Generator:
    """A generator whose every part matters: class tables, map branch, running statistics and
    pixel-noise scales all non-trivial (a fresh one is nearly an identity in places)."""
    torch.manual_seed(seed)
    net = Generator(cfg)
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.add_(torch.randn_like(p) * (0.3 if "noise_scale" in name else 0.05))
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return net.eval()


def _inputs(cfg: ModelConfig, h: int, w: int, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    latent = torch.rand(1, cfg.latent_dim, generator=g)
    labels = torch.randint(0, cfg.label_nc, (1, h, w), generator=g)
    maps = torch.rand(1, cfg.map_nc, h, w, generator=g)
    return latent, labels, maps


TINY = PRESETS["tiny"]
VARIANTS = {
    "tiny": TINY,
    "bilinear+pixel-noise": dataclasses.replace(TINY, upsample="bilinear", pixel_noise=True),
    "no-map-branch": dataclasses.replace(TINY, map_hidden=0),
    "spade": dataclasses.replace(TINY, norm="spade", spade_hidden=8, mid_blocks=1),
}


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("hw", [(64, 64), (70, 45), (17, 130)])
@pytest.mark.parametrize("channels_last", [False, True])
def test_banded_generator_equals_the_whole_one(
    name: str, hw: tuple[int, int], channels_last: bool
) -> None:
    cfg = VARIANTS[name]
    net = _randomised(cfg)
    latent, labels, maps = _inputs(cfg, *hw)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    net.to(memory_format=fmt)
    maps = maps.contiguous(memory_format=fmt)
    noise = make_noise(3, 1, cfg, "cpu")
    pixels = pixel_noise(3, 1, *hw, "cpu") if cfg.pixel_noise else None
    outs = {}
    for budget in (None, 1, 100, 700):
        net.band_pixels = budget
        with torch.inference_mode():
            outs[budget] = net(latent, labels, maps, noise, pixels=pixels)
    whole = outs.pop(None)
    assert whole.shape == (1, 3, *hw) and whole.std() > 0.05  # not a flat, trivial picture
    for budget, banded in outs.items():
        diff = (banded - whole).abs().max().item()
        assert diff <= 1e-5, f"{name} {hw} budget {budget}: max |Δ| {diff}"


def _rows_seen_by_last_block(net: Generator, *args, **kwargs) -> list[int]:
    seen: list[int] = []
    hook = net.ups[-1].register_forward_pre_hook(lambda m, a: seen.append(a[0].shape[2]))
    try:
        net(*args, **kwargs)
    finally:
        hook.remove()
    return seen


def test_bands_only_in_eval_with_running_statistics() -> None:
    """Batch statistics in training, or instance statistics, look at the whole image: a band
    would change the result there, so those run whole."""
    h, w, budget = 96, 64, 16 * 64
    net = _randomised(TINY)
    net.band_pixels = budget
    args = _inputs(TINY, h, w)
    halo = conv_reach(net.ups[-1]) + conv_reach(net.to_rgb)
    with torch.no_grad():
        seen = _rows_seen_by_last_block(net, *args)
        assert len(seen) == h // 16 and max(seen) <= 16 + 2 * halo  # in bands, each small
        net.train()
        assert _rows_seen_by_last_block(net, *args) == [h]
        inst = _randomised(dataclasses.replace(TINY, stats="instance"))
        inst.band_pixels = budget
        assert _rows_seen_by_last_block(inst, *args) == [h]


def test_the_shipped_model_gives_the_same_picture_in_bands() -> None:
    """The Engine's own path (shipped weights, its precision, channels-last) at a size whose two
    last levels run in bands by default: the same uint8 picture as computed whole."""
    from paintboard.bench.synthetic import synthetic_document
    from paintboard.inference import Engine

    eng = Engine(threads=1)
    labels, strokes = synthetic_document(600, 400, seed=2)  # working size 512×341
    calls: list[int] = []
    hook = eng.netG.ups[-2].register_forward_pre_hook(lambda m, a: calls.append(1))
    banded = eng.generate(labels, strokes, seed=5, size=512).image
    assert len(calls) > 1  # the last two levels ran in bands
    eng.netG.band_pixels = None
    whole = eng.generate(labels, strokes, seed=5, size=512).image
    hook.remove()
    assert np.abs(banded.astype(int) - whole.astype(int)).max() <= 1
