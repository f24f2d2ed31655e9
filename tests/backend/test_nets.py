"""Shape and behaviour tests for the networks (tiny configs; spade only instantiated + 1 step)."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from paintboard.nets import (
    PRESETS,
    Generator,
    ModelConfig,
    MultiscaleDiscriminator,
    count_params,
    make_noise,
)


def _inputs(cfg: ModelConfig, b: int, h: int, w: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    latent = torch.rand(b, cfg.latent_dim, generator=g)
    labels = torch.randint(0, cfg.label_nc, (b, h, w), generator=g)
    maps = torch.rand(b, cfg.map_nc, h, w, generator=g)
    return latent, labels, maps


def test_config_roundtrip_and_validation():
    for cfg in PRESETS.values():
        assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError):
        ModelConfig.from_dict({**PRESETS["tiny"].to_dict(), "bogus": 1})
    with pytest.raises(ValueError):
        dataclasses.replace(PRESETS["tiny"], norm="spectralspadesyncbatch3x3")
    assert PRESETS["small"].latent_dim == 648


@pytest.mark.parametrize("hw", [(64, 96), (80, 48), (256, 256), (16, 17)])
def test_tiny_generator_any_aspect(hw):
    cfg = PRESETS["tiny"]
    net = Generator(cfg).eval()
    latent, labels, maps = _inputs(cfg, 2, *hw)
    with torch.inference_mode():
        out = net(latent, labels, maps, make_noise(1, 2, cfg, "cpu"))
    assert out.shape == (2, 3, *hw)
    assert out.abs().max() <= 1.0
    assert torch.isfinite(out).all()


def test_generator_rejects_too_small():
    cfg = PRESETS["tiny"]
    latent, labels, maps = _inputs(cfg, 1, 8, 32)
    with pytest.raises(ValueError, match="at least"):
        Generator(cfg)(latent, labels, maps)


def test_labels_and_noise_change_output_and_seed_is_deterministic():
    cfg = PRESETS["tiny"]
    torch.manual_seed(0)
    net = Generator(cfg).eval()
    # Give the class tables and maps a non-zero effect (they are zero-initialised).
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("mod.proj.weight"):
                p[:, : cfg.label_nc].normal_(0, 0.5)
    latent, labels, maps = _inputs(cfg, 1, 32, 32)
    with torch.inference_mode():
        a = net(latent, labels, maps, make_noise(3, 1, cfg, "cpu"))
        b = net(latent, labels, maps, make_noise(3, 1, cfg, "cpu"))
        c = net(latent, labels, maps, make_noise(4, 1, cfg, "cpu"))
        d = net(latent, (labels + 1) % cfg.label_nc, maps, make_noise(3, 1, cfg, "cpu"))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)
    assert not torch.allclose(a, d)


def test_on_block_hook_called_per_block_and_can_abort():
    cfg = PRESETS["tiny"]
    net = Generator(cfg).eval()
    latent, labels, maps = _inputs(cfg, 1, 32, 32)
    seen: list[int] = []
    with torch.inference_mode():
        net(latent, labels, maps, on_block=seen.append)
    assert seen == list(range(net.num_blocks))

    def stop(i: int) -> None:
        if i == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), torch.inference_mode():
        net(latent, labels, maps, on_block=stop)


def test_tiny_trains_one_step():
    cfg = PRESETS["tiny"]
    net = Generator(cfg)
    latent, labels, maps = _inputs(cfg, 2, 32, 32)
    out = net(latent, labels, maps, make_noise(0, 2, cfg, "cpu"))
    out.mean().backward()
    assert net.fc.weight.grad is not None and net.fc.weight.grad.abs().sum() > 0


def test_small_generator_two_sizes():
    cfg = PRESETS["small"]
    net = Generator(cfg).eval()
    for hw in [(64, 64), (48, 80)]:
        latent, labels, maps = _inputs(cfg, 1, *hw)
        with torch.inference_mode():
            assert net(latent, labels, maps).shape == (1, 3, *hw)


def test_spade_instantiates_paper_size():
    cfg = PRESETS["spade"]
    net = Generator(cfg).eval()
    assert count_params(net) > 90_000_000
    latent, labels, maps = _inputs(cfg, 1, 16, 16)
    with torch.inference_mode():
        assert net(latent, labels, maps).shape == (1, 3, 16, 16)


@pytest.mark.parametrize("hw", [(64, 96), (80, 48)])
def test_multiscale_discriminator_shapes(hw):
    cfg = PRESETS["tiny"]
    netD = MultiscaleDiscriminator(cfg)
    g = torch.Generator().manual_seed(0)
    image = torch.rand(2, 3, *hw, generator=g) * 2 - 1
    labels = torch.randint(0, cfg.label_nc, (2, *hw), generator=g)
    maps = torch.rand(2, cfg.map_nc, *hw, generator=g)
    outs = netD(image, labels, maps)
    assert len(outs) == cfg.d_scales
    for scale in outs:
        assert len(scale) == cfg.d_layers + 1
        assert scale[-1].shape[:2] == (2, 1)
        assert all(f.shape[0] == 2 for f in scale)
    # The coarser scale sees a smaller input, so its logit map is smaller.
    assert outs[1][-1].shape[-1] < outs[0][-1].shape[-1]
    outs[0][-1].mean().backward()


def test_channels_last_matches_contiguous():
    """The CPU fast path (channels_last, 1×1 convs as GEMMs) computes the same function."""
    cfg = PRESETS["tiny"]
    torch.manual_seed(0)
    net = Generator(cfg).eval()
    latent, labels, maps = _inputs(cfg, 1, 48, 80)
    with torch.inference_mode():
        ref = net(latent, labels, maps)
        net.to(memory_format=torch.channels_last)
        fast = net(latent, labels, maps.contiguous(memory_format=torch.channels_last))
    assert torch.allclose(ref, fast, atol=1e-5)


def test_pixel_noise_starts_as_a_no_op_and_then_adds_seeded_texture() -> None:
    from paintboard.nets.generator import pixel_noise

    cfg = dataclasses.replace(PRESETS["tiny"], pixel_noise=True, upsample="bilinear")
    torch.manual_seed(0)
    g = Generator(cfg).eval()
    lab = torch.ones(1, 40, 24, dtype=torch.long)
    maps = torch.zeros(1, cfg.map_nc, 40, 24)
    lat = torch.zeros(1, cfg.latent_dim)
    px = pixel_noise(3, 1, 40, 24, "cpu")
    assert torch.equal(px, pixel_noise(3, 1, 40, 24, "cpu"))  # seeded
    with torch.no_grad():
        plain = g(lat, lab, maps)
        assert torch.equal(plain, g(lat, lab, maps, pixels=px))  # zero-initialised scales
        for p in g.noise_scale:
            p.fill_(0.5)
        a, b = (
            g(lat, lab, maps, pixels=px),
            g(lat, lab, maps, pixels=pixel_noise(4, 1, 40, 24, "cpu")),
        )
    assert a.shape == plain.shape == (1, 3, 40, 24)
    assert not torch.equal(a, plain) and not torch.equal(a, b)
    assert len(g.noise_scale) == cfg.num_up - 1  # none after the full-resolution block


def test_nearest_and_bilinear_doubling_differ_with_the_same_weights() -> None:
    near = PRESETS["tiny"]
    torch.manual_seed(0)
    g = Generator(near).eval()
    lab = torch.randint(0, 16, (1, 32, 32))
    maps, lat = torch.zeros(1, near.map_nc, 32, 32), torch.randn(1, near.latent_dim)
    with torch.no_grad():
        a = g(lat, lab, maps)
        g.cfg = dataclasses.replace(near, upsample="bilinear")
        b = g(lat, lab, maps)
    assert not torch.equal(a, b)
    with pytest.raises(ValueError, match="upsample"):
        dataclasses.replace(near, upsample="cubic")
