"""Trainer: losses, a few real steps, checkpoints, exact resume, signals, EMA, DDP (torchrun)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from paintboard import features
from paintboard.synth import write_dataset
from paintboard.train import losses
from paintboard.train.checkpoint import latest_checkpoint
from paintboard.train.config import TrainConfig, load_config, parse_overrides
from paintboard.train.trainer import Trainer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "d"
    write_dataset(out, 4, 48, workers=1, progress=False)
    return out


def tiny_cfg(data: Path, **kw) -> TrainConfig:
    base = dict(
        data=str(data),
        preset="tiny",
        size=32,
        batch_size=2,
        steps=4,
        threads=1,
        log_every=1,
        ckpt_every=2,
        sample_every=0,
        export_every=0,
        device="cpu",
    )
    base.update(kw)
    return TrainConfig(**base)  # type: ignore[arg-type]


def cli_sets(data: Path, **kw) -> list[str]:
    """``--set key=value`` arguments for a tiny CLI run (no checkpoints, samples or exports)."""
    base = dict(data=data, preset="tiny", size=32, threads=1, log_every=1, ckpt_every=0)
    base.update(sample_every=0, export_every=0, **kw)
    return [arg for k, v in base.items() for arg in ("--set", f"{k}={v}")]


# ------------------------------------------------------------------ config
def test_config_overrides_and_typos(tmp_path: Path) -> None:
    p = tmp_path / "c.json"
    p.write_text(json.dumps({"_comment": "x", "size": 64, "crop_scale": [0.5, 1.0]}))
    cfg = load_config(p, ["steps=7", "flip=false", "lr_g=2e-4"])
    assert (cfg.size, cfg.steps, cfg.flip, cfg.lr_g, cfg.crop_scale) == (
        64,
        7,
        False,
        2e-4,
        (0.5, 1.0),
    )
    with pytest.raises(ValueError, match="stepz"):
        load_config(p, ["stepz=7"])
    with pytest.raises(ValueError, match="key=value"):
        parse_overrides(["steps"])
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    for shipped in (
        "train_small.json",
        "train_small_r2.json",
        "train_small_r3.json",
        "train_spade_gpu.json",
    ):
        load_config(REPO / "configs" / shipped)  # the shipped recipes parse
    # the committed training state resumes with its own config (README: resume on a new machine)
    state = REPO / "weights" / "train_state" / "small_r3"
    saved = TrainConfig.from_dict(json.loads((state / "config.json").read_text()))
    assert saved.data == "data/synth512" and saved.lambda_swd > 0
    assert latest_checkpoint(state / "checkpoints") is not None


# ------------------------------------------------------------------ losses
def _strokes_with_rect(h: int, w: int, y0: int, x0: int, y1: int, x1: int, rgb) -> np.ndarray:
    st = np.zeros((h, w, 4), np.uint8)
    st[y0:y1, x0:x1, :3] = rgb
    st[y0:y1, x0:x1, 3] = 255
    return st


def test_hint_colour_loss_pools_each_cell_over_its_own_rectangle() -> None:
    h, w = 36, 36  # 4-px cells
    st = _strokes_with_rect(h, w, 4, 4, 6, 12, (255, 0, 0))  # owner (1, 1), crosses (1, 2)
    st[4:6, 8:12, :3] = (0, 0, 255)  # the part in cell (1, 2) is blue
    cond = features.build_conditioning(np.ones((h, w), np.uint8), st, 9)
    maps = torch.from_numpy(cond.maps)[None]
    img = torch.full((1, 3, h, w), -1.0)
    img[:, 0, 4:6, 4:8] = 1.0  # red where the red cell's rectangle is
    img[:, 2, 4:6, 8:12] = 1.0  # blue in the blue cell's
    assert float(losses.hint_colour_loss(img, maps, 9)) < 1e-6
    swapped = img.flip(-1)  # anything else scores
    assert float(losses.hint_colour_loss(swapped, maps, 9)) > 0.1


def test_colour_losses_are_zero_exactly_when_the_means_match() -> None:
    h = w = 32
    st = _strokes_with_rect(h, w, 4, 4, 10, 12, (255, 0, 0))
    index = np.ones((h, w), np.uint8)
    index[16:] = 7
    # the seed's hint maps, kept even where the region map says the same (the losses must hold
    # for any hint; build_conditioning drops such redundant cells)
    maps_np = np.concatenate(
        [
            features.hint_maps(features.color_feature(st, 9), h, w),
            features.region_colour_map(index, st),
        ]
    )
    maps = torch.from_numpy(maps_np)[None]
    labels = torch.from_numpy(index.astype(np.int64))[None]
    img = torch.zeros(1, 3, h, w) - 1.0
    img[:, 0, :16] = 1.0  # the whole sky red: hint rectangle and region means are red
    assert float(losses.hint_colour_loss(img, maps, 9)) < 1e-6
    assert float(losses.region_colour_loss(img, labels, maps, 16)) < 1e-6
    # texture is free as long as the mean holds: stripes averaging to red still score zero
    tex = img.clone()
    tex[:, 0, 0:16:2] = 0.5
    tex[:, 0, 1:16:2] = 1.5  # out of range, but only the mean matters to this term
    assert float(losses.region_colour_loss(tex, labels, maps, 16)) < 1e-6
    blue = torch.zeros(1, 3, h, w) - 1.0
    blue[:, 2] = 1.0
    assert float(losses.hint_colour_loss(blue, maps, 9)) == pytest.approx(2 / 3, abs=1e-5)
    assert float(losses.region_colour_loss(blue, labels, maps, 16)) == pytest.approx(
        2 / 3, abs=1e-5
    )


def test_spectrum_loss_sees_a_column_pattern_and_is_zero_for_the_same_batch() -> None:
    torch.manual_seed(0)
    real = torch.nn.functional.avg_pool2d(torch.rand(4, 3, 66, 98) * 2 - 1, 3, 1)  # 64×96
    cols = 0.1 * (torch.arange(96) % 2 * 2 - 1).float()  # period-2 columns, the round-2 defect
    assert losses.spectrum_loss(real, real).item() == 0.0
    spec = losses.log_spectrum(real + cols)
    base = losses.log_spectrum(real)
    rise = spec - base
    mid = losses.SPECTRUM_BINS[0] // 2  # frequency 0 vertically
    # the pattern's power lands in the zero-vertical, highest-horizontal cell, and only there
    assert rise[mid, -1] > 1.0 and rise[mid, -1] == rise.max()
    assert rise[:, :-2].abs().max() < 0.05
    fake = (real + cols).requires_grad_(True)
    loss = losses.spectrum_loss(fake, real)
    loss.backward()
    assert loss.item() > 0 and fake.grad is not None and fake.grad.abs().sum() > 0


def test_texture_energy_loss_wants_detail_where_the_truth_has_it() -> None:
    torch.manual_seed(0)
    lab = torch.zeros(2, 64, 64, dtype=torch.long)
    lab[:, 32:] = 3  # top: a smooth class (sky), bottom: a textured one (trees)
    real = torch.zeros(2, 3, 64, 64)
    real[:, :, 32:] += 0.3 * torch.randn(2, 1, 32, 64)
    assert losses.texture_energy_loss(real, real, lab, 16).item() == 0.0
    # the same grain moved from the trees onto the sky: the same total energy, wrong places
    moved = torch.zeros(2, 3, 64, 64)
    moved[:, :, :32] += real[:, :, 32:]
    grainy_sky = real.clone()
    grainy_sky[:, :, :32] += 0.05 * torch.randn(2, 1, 32, 64)
    wrong, slight = (losses.texture_energy_loss(x, real, lab, 16) for x in (moved, grainy_sky))
    assert wrong.item() > 3.0 and 0.5 < slight.item() < wrong.item()
    fake = grainy_sky.requires_grad_(True)
    losses.texture_energy_loss(fake, real, lab, 16).backward()
    assert fake.grad[:, :, :32].abs().sum() > 0  # it pushes on the sky's grain


def test_patch_swd_loss_is_zero_for_the_same_batch_and_grows_with_grain() -> None:
    torch.manual_seed(0)
    real = torch.nn.functional.avg_pool2d(torch.rand(2, 3, 70, 70) * 2 - 1, 7, 1)  # 64×64
    gen = lambda: torch.Generator().manual_seed(1)  # noqa: E731 - same patches and directions
    assert losses.patch_swd_loss(real, real, generator=gen()).item() == 0.0
    little, more = (
        losses.patch_swd_loss(real + a * torch.randn_like(real), real, generator=gen()).item()
        for a in (0.01, 0.05)
    )
    assert 0.0 < little < more
    # a global change of brightness or contrast is not texture: per-set normalisation ignores it
    assert losses.patch_swd_loss(real * 0.5 + 0.2, real, generator=gen()).item() < 1e-3
    fake = (real + 0.05 * torch.randn_like(real)).requires_grad_(True)
    losses.patch_swd_loss(fake, real, generator=gen()).backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0


def test_pooled_l1_leaves_texture_below_the_pool_free() -> None:
    real = torch.zeros(1, 3, 32, 32)
    texture = torch.tensor([[1.0, -1.0], [-1.0, 1.0]]).repeat(16, 16) * 0.2  # mean 0 per 2×2
    fake = real + texture
    args = dict(s=9, num_classes=16, lambda_gan=0, lambda_feat=0, lambda_colour=0, lambda_region=0)
    lab, maps = torch.zeros(1, 32, 32, dtype=torch.long), torch.zeros(1, 8, 32, 32)
    pixel = losses.generator_losses([], [], fake, real, lab, maps, **args)["G_l1"]
    pooled = losses.generator_losses([], [], fake, real, lab, maps, l1_pool=4, **args)["G_l1"]
    assert pixel.item() == pytest.approx(0.2) and pooled.item() == 0.0
    shifted = losses.generator_losses([], [], fake + 0.3, real, lab, maps, l1_pool=4, **args)
    assert shifted["G_l1"].item() == pytest.approx(0.3)  # a tone error still counts


def test_hinge_and_feature_matching() -> None:
    real = [[torch.ones(2, 4, 3, 3), torch.full((2, 1, 3, 3), 2.0)]]
    fake = [[torch.zeros(2, 4, 3, 3), torch.full((2, 1, 3, 3), -2.0)]]
    d = losses.d_hinge(fake, real)
    assert float(d["D_real"]) == 0.0 and float(d["D_fake"]) == 0.0  # both beyond the margin
    assert float(losses.g_hinge(fake)) == 2.0
    assert float(losses.feature_matching(fake, real)) == 1.0
    both = [[torch.cat([f, r]) for f, r in zip(fake[0], real[0], strict=True)]]
    f2, r2 = losses.split_pred(both)
    assert torch.equal(f2[0][1], fake[0][1]) and torch.equal(r2[0][1], real[0][1])


# ------------------------------------------------------------------ trainer
def test_a_few_steps_write_checkpoint_samples_and_weights(synth_dir: Path, tmp_path: Path) -> None:
    from paintboard.weights import load_generator

    cfg = tiny_cfg(synth_dir, steps=4, sample_every=2, export_every=4)
    tr = Trainer(cfg, tmp_path / "run", progress=False)
    summary = tr.train()
    assert summary["step"] == 4
    assert all(np.isfinite(v) for v in summary["losses"].values())
    assert {"D_real", "D_fake", "G_gan", "G_feat", "G_colour", "G_region", "G_l1"} <= set(
        summary["losses"]
    )
    assert latest_checkpoint(tmp_path / "run" / "checkpoints").name == "step_00000004.pt"
    assert (tmp_path / "run" / "samples" / "step_00000002.png").is_file()
    netG, mcfg, card = load_generator(tmp_path / "run" / "weights" / "tiny.safetensors")
    assert card["trained"] and card["training"]["steps"] == 4 and mcfg.name == "tiny"
    # EMA is a different (averaged) network from G
    ema = dict(tr.ema.net.named_parameters())
    assert any(not torch.equal(p, ema[n]) for n, p in tr.netG.named_parameters())
    logged = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logged] == [1, 2, 3, 4]


def test_resume_continues_exactly(synth_dir: Path, tmp_path: Path) -> None:
    straight = Trainer(tiny_cfg(synth_dir, steps=4), tmp_path / "a", progress=False)
    straight.train()
    first = Trainer(tiny_cfg(synth_dir, steps=2), tmp_path / "b", progress=False)
    first.train()
    rng_after_first = torch.get_rng_state()
    torch.manual_seed(12345)  # a resumed process starts with other global RNG state
    second = Trainer(tiny_cfg(synth_dir, steps=4), tmp_path / "b", resume=True, progress=False)
    assert second.step == 2
    assert torch.equal(torch.get_rng_state(), rng_after_first)
    second.train()
    for name, p in straight.netG.state_dict().items():
        assert torch.allclose(p, second.netG.state_dict()[name], atol=1e-6), name
    for name, p in straight.netD.state_dict().items():
        assert torch.allclose(p, second.netD.state_dict()[name], atol=1e-6), name
    sa, sb = straight.optG.state_dict()["state"], second.optG.state_dict()["state"]
    assert all(torch.allclose(sa[k]["exp_avg"], sb[k]["exp_avg"], atol=1e-6) for k in sa)


def test_resume_takes_the_learning_rates_from_the_config(synth_dir: Path, tmp_path: Path) -> None:
    Trainer(tiny_cfg(synth_dir, steps=2), tmp_path / "r", progress=False).train()
    again = Trainer(
        tiny_cfg(synth_dir, steps=4, lr_g=3e-5, lr_d=1.2e-4),
        tmp_path / "r",
        resume=True,
        progress=False,
    )
    assert again.step == 2
    assert [g["lr"] for g in again.optG.param_groups] == [3e-5]
    assert [g["lr"] for g in again.optD.param_groups] == [1.2e-4]
    assert again.optG.state_dict()["state"], "the Adam moments must still be the resumed ones"


def test_overfitting_one_batch_drives_the_colour_error_down(
    synth_dir: Path, tmp_path: Path
) -> None:
    cfg = tiny_cfg(
        synth_dir, lambda_gan=0.0, lambda_feat=0.0, lambda_l1=0.0, lr_g=2e-3, ema_decay=0.0
    )
    tr = Trainer(cfg, tmp_path / "run", progress=False)
    batch = None
    for epoch in range(40):  # a batch whose items carry hints
        tr.dataset.set_epoch(epoch)
        items = [tr.dataset[i] for i in range(2)]
        if all(it["latent"].view(9, 9, 8)[..., 0].sum() > 0 for it in items):
            batch = {k: torch.stack([it[k] for it in items]) for k in items[0]}
            break
    assert batch is not None
    first = tr.train_step(batch)["G_colour"].item()
    for _ in range(40):
        last = tr.train_step(batch)["G_colour"].item()
    assert last < 0.5 * first


def test_sigterm_saves_a_checkpoint_and_resume_picks_it_up(synth_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    train = [sys.executable, "-m", "paintboard.cli", "train", "--run", str(run), "--no-progress"]
    cmd = [*train, *cli_sets(synth_dir, batch_size=2, steps=100000)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = run / "log.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (log.is_file() and log.read_text().count("\n") >= 2):
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out.decode()
    ckpt = latest_checkpoint(run / "checkpoints")
    assert ckpt is not None
    step = int(ckpt.stem.split("_")[1])
    assert step >= 2 and '"stopped": "SIGTERM"' in out.decode()
    resumed = subprocess.run(
        [*train, "--resume", "--set", f"steps={step + 1}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout[resumed.stdout.index("{") :])["step"] == step + 1


@pytest.mark.slow
def test_ddp_two_cpu_processes_on_gloo(synth_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "paintboard.cli",
            "train",
            "--run-dir",
            str(run),
            "--no-progress",
            *cli_sets(synth_dir, batch_size=1, steps=2),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    assert latest_checkpoint(run / "checkpoints").name == "step_00000002.pt"
    assert (run / "weights" / "tiny.safetensors").is_file()
    assert res.stdout.count('"steps_this_session"') == 1  # only rank 0 reports and writes
    card = json.loads((run / "weights" / "tiny.json").read_text())
    assert card["training"]["processes"] == 2


# ------------------------------------------------------------------ shapes, moods, fine-tuning
def test_each_batch_has_one_of_the_configured_shapes(synth_dir: Path, tmp_path: Path) -> None:
    shapes = ((32, 32), (16, 48), (48, 16))
    tr = Trainer(
        tiny_cfg(synth_dir, shapes=[list(s) for s in shapes], batch_size=2, steps=6),
        tmp_path / "run",
        progress=False,
    )
    seen = []
    for _, batch in zip(range(6), tr._batches(), strict=False):
        assert batch["image"].shape[0] == 2
        seen.append(tuple(batch["image"].shape[2:]))
        assert tuple(batch["labels"].shape[1:]) == seen[-1] == tuple(batch["maps"].shape[2:])
    assert set(seen) <= set(shapes) and len(set(seen)) > 1


def test_config_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="shapes"):
        load_config(None, ["shapes=[[8, 64]]"])
    with pytest.raises(ValueError, match="shapes"):
        load_config(None, ["shapes=[64]"])
    assert load_config(None, ["shapes=[[64, 128]]"]).shapes == ((64, 128),)


def test_mood_rate_fills_the_stroke_free_regions_with_the_scenes_own_colours(
    synth_dir: Path,
) -> None:
    from paintboard import moods
    from paintboard.data import FolderDataset

    ds = FolderDataset(synth_dir, 32, mood_rate=1.0, hints=False, seed=3)
    item = ds[0]
    rgb, index = ds.crop(0, np.random.default_rng([3, 0, 0]))
    means = moods.class_means(rgb, index, 16)
    filled = item["maps"][4].numpy()
    assert np.allclose(filled[np.isfinite(means[index]).all(-1)], features.MOOD_WEIGHT)
    cls = int(np.flatnonzero(np.isfinite(means).all(1))[0])
    where = index == cls
    np.testing.assert_allclose(item["maps"][5:8].numpy()[:, where].T[0], means[cls], atol=1e-6)
    assert not FolderDataset(synth_dir, 32, mood_rate=0.0, hints=False)[0]["maps"].any()


def test_init_from_loads_an_older_model_and_refuses_a_different_one(
    synth_dir: Path, tmp_path: Path
) -> None:
    from paintboard.train.checkpoint import save_checkpoint

    old = Trainer(tiny_cfg(synth_dir, steps=1, model_overrides={"stats": "batch"}), tmp_path / "o")
    old.train()
    src = latest_checkpoint(tmp_path / "o" / "checkpoints").with_suffix(".safetensors")
    new = Trainer(
        tiny_cfg(
            synth_dir,
            init_from=str(src),
            model_overrides={"stats": "instance", "pixel_noise": True, "upsample": "bilinear"},
        ),
        tmp_path / "n",
        progress=False,
    )
    for name, p in old.netG.named_parameters():
        assert torch.equal(p, new.netG.state_dict()[name]), name
    assert all(not p.any() for p in new.netG.noise_scale)  # new and a no-op at first
    new.train()  # and it trains
    wide = Trainer(tiny_cfg(synth_dir, steps=1, model_overrides={"ngf": 16}), tmp_path / "w")
    save_checkpoint(tmp_path / "wck", 1, wide._modules(), {"step": 1})
    with pytest.raises(ValueError, match="do not fit"):
        Trainer(
            tiny_cfg(synth_dir, init_from=str(tmp_path / "wck" / "step_00000001.safetensors")),
            tmp_path / "x",
        )
