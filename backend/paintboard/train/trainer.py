"""The training loop: TTUR hinge GAN with EMA, resumable checkpoints, samples, exports, DDP.

The trainer owns the optimisers and the order of the steps (losses only compute); ``train.py``
(the command) only parses arguments.  It runs the same code single-process on a laptop CPU and
under ``torchrun`` (gloo on CPU, nccl on CUDA); only rank 0 writes files.

Determinism: data randomness is seeded by (seed, epoch, index) in the dataset and the generator
noise by (seed, step, rank), so a resumed run continues exactly where an uninterrupted one would.

Why this module is long: one class holds the state every step touches (nets, optimisers, EMA,
data iterator, step counter, stop signals), and the checkpoint, card and sample methods each
read most of it; losses, checkpoint files, config and the picture grid already live elsewhere.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import platform
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.utils.data import DataLoader, DistributedSampler

from paintboard import images, moods
from paintboard.data import FolderDataset
from paintboard.evaluation.grid import render_grid
from paintboard.nets.config import PRESETS, ModelConfig
from paintboard.nets.discriminator import MultiscaleDiscriminator
from paintboard.nets.generator import Generator, pixel_noise

from . import losses
from .checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from .config import TrainConfig

log = logging.getLogger(__name__)

NUM_SAMPLES = 4  # rows in the sample grid
_BN_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def model_config(cfg: TrainConfig) -> ModelConfig:
    """The preset with the run's overrides; ``feature_s`` always follows the training config."""
    if cfg.preset not in PRESETS:
        raise ValueError(f"unknown preset {cfg.preset!r}; choose from {', '.join(PRESETS)}")
    base = PRESETS[cfg.preset].to_dict()
    base.update(cfg.model_overrides)
    base["feature_s"] = cfg.feature_s
    return ModelConfig.from_dict(base)


def _seed_from(*parts: int) -> int:
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


class EMA:
    """Exponential moving average of G's weights (the exported, smoother generator).

    Warm-up ``min(decay, (1 + step) / (10 + step))`` so early exports are not dominated by the
    random initialisation.  Buffers (BatchNorm running statistics) are copied, not averaged.
    """

    def __init__(self, net: nn.Module, decay: float) -> None:
        self.decay = decay
        self.net = copy.deepcopy(net).eval()
        for p in self.net.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, net: nn.Module, step: int) -> None:
        d = min(self.decay, (1.0 + step) / (10.0 + step))
        for e, p in zip(self.net.parameters(), net.parameters(), strict=True):
            e.lerp_(p.detach(), 1.0 - d)
        for e, b in zip(self.net.buffers(), net.buffers(), strict=True):
            e.copy_(b)


class Trainer:
    """One run in ``run_dir``: config.json, checkpoints/, samples/, weights/, log.jsonl."""

    def __init__(
        self, cfg: TrainConfig, run_dir: str | Path, *, resume: bool = False, progress: bool = True
    ) -> None:
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.progress = progress
        self._stop_reason: str | None = None

        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.distributed = self.world > 1
        self.device = self._setup_device()
        self.is_main = self.rank == 0
        if cfg.threads and self.device.type == "cpu":
            torch.set_num_threads(cfg.threads)

        self.mcfg = model_config(cfg)
        self.dataset = FolderDataset(
            cfg.data,
            cfg.size,
            crop_scale=cfg.crop_scale,
            flip=cfg.flip,
            cache=cfg.cache,
            max_images=cfg.max_images,
            seed=cfg.seed,
            s=cfg.feature_s,
            progress=progress and self.is_main,
            shapes=cfg.shapes,
            mood_rate=cfg.mood_rate,
            feather=self.mcfg.hint_feather,
        )
        self.sampler = DistributedSampler(
            self.dataset,
            num_replicas=self.world,
            rank=self.rank,
            shuffle=True,
            seed=cfg.seed,
            drop_last=True,
        )
        self.steps_per_epoch = len(self.sampler) // cfg.batch_size
        if self.steps_per_epoch < 1:
            raise ValueError(
                f"{cfg.data}: {len(self.dataset)} images are fewer than batch_size "
                f"{cfg.batch_size} × {self.world} process(es)"
            )

        torch.manual_seed(cfg.seed)  # weight init (DDP then broadcasts rank 0's anyway)
        self.netG = Generator(self.mcfg).to(self.device)
        self.netD = MultiscaleDiscriminator(self.mcfg).to(self.device)
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        if cfg.channels_last:
            self.netG.to(memory_format=torch.channels_last)
            self.netD.to(memory_format=torch.channels_last)
        self.ema = EMA(self.netG, cfg.ema_decay) if self.is_main else None
        betas = (float(cfg.beta1), float(cfg.beta2))  # floats: Adam rejects an int 0 beta here
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=cfg.lr_g, betas=betas)
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=cfg.lr_d, betas=betas)
        self.step = 0
        self.wall_before = 0.0  # wall time of earlier sessions of this run
        if resume:
            self._resume()
        if self.step == 0 and cfg.init_from:
            self._init_from(Path(cfg.init_from))
        if self.distributed:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.ddpG: nn.Module = DDP(self.netG, device_ids=ids)
            self.ddpD: nn.Module = DDP(self.netD, device_ids=ids)
        else:
            self.ddpG, self.ddpD = self.netG, self.netD
        self.use_d = bool(cfg.lambda_gan or cfg.lambda_feat)

    # ---------------------------------------------------------------- setup
    def _setup_device(self) -> torch.device:
        from paintboard.device import select_device

        if not self.distributed:
            return select_device(self.cfg.device)
        if not dist.is_initialized():
            cuda = torch.cuda.is_available() and self.cfg.device in ("auto", "cuda")
            dist.init_process_group(backend="nccl" if cuda else "gloo")
        if torch.cuda.is_available() and self.cfg.device in ("auto", "cuda"):
            torch.cuda.set_device(self.local_rank)
            return torch.device("cuda", self.local_rank)
        return torch.device("cpu")

    def _modules(self) -> dict[str, nn.Module]:
        mods: dict[str, nn.Module] = {"G": self.netG, "D": self.netD}
        if self.ema is not None:
            mods["EMA"] = self.ema.net
        return mods

    def _resume(self) -> None:
        ckpt = latest_checkpoint(self.run_dir / "checkpoints")
        if ckpt is None:
            log.info("no checkpoint in %s: starting from step 0", self.run_dir)
            return
        state = load_checkpoint(ckpt, self._modules())  # ranks > 0 hold no EMA: G and D only
        self.optG.load_state_dict(state["optG"])
        self.optD.load_state_dict(state["optD"])
        # The saved optimiser state carries the old run's learning rates; the config (with its
        # --set overrides) is what the user asked for now, e.g. a lower rate to settle a run.
        for opt, lr in ((self.optG, self.cfg.lr_g), (self.optD, self.cfg.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr
        self.step = int(state["step"])
        self.wall_before = float(state.get("wall_time", 0.0))
        if self.is_main and "torch_rng" in state:
            torch.set_rng_state(state["torch_rng"])
        if self.is_main:
            log.info("resumed %s at step %d", ckpt.name, self.step)

    def _init_from(self, path: Path) -> None:
        """Start a new run from another run's weights (G, D, EMA), optimisers fresh.

        Parameters the source lacks keep their initialisation — only those that are new in this
        model and start as no-ops (the zero-initialised pixel-noise scales) are allowed to be
        missing; anything else that does not fit is an error, not a silent partial load.
        """
        from safetensors.torch import load_file

        if not path.is_file():
            raise FileNotFoundError(f"init_from: {path} not found")
        tensors = load_file(str(path), device="cpu")
        for prefix, module in self._modules().items():
            n = len(prefix) + 1
            sub = {k[n:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
            if not sub and prefix == "EMA":
                sub = {k[2:]: v for k, v in tensors.items() if k.startswith("G.")}
            own = module.state_dict()
            # running statistics of a BatchNorm source mean nothing to instance statistics
            sub = {
                k: v for k, v in sub.items() if k in own or k.rsplit(".", 1)[-1] not in _BN_BUFFERS
            }
            try:
                missing, unexpected = module.load_state_dict(sub, strict=False)
            except RuntimeError as exc:  # shapes differ: another preset or width
                raise ValueError(
                    f"init_from {path}: '{prefix}' weights do not fit: {str(exc)[:300]}"
                ) from None
            # pixel-noise scales start as no-ops: new ones may be missing, dropped ones left out
            bad = [k for k in [*missing, *unexpected] if not k.startswith("noise_scale")]
            if bad:
                raise ValueError(f"init_from {path}: '{prefix}' weights do not fit: {bad[:5]}")
        if self.is_main:
            log.info("initialised from %s", path)

    # ---------------------------------------------------------------- one step
    def _to_device(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        out = {}
        for k, v in batch.items():
            v = v.to(self.device, non_blocking=True)
            if v.dim() == 4 and k in ("image", "maps"):
                v = v.contiguous(memory_format=self.memory_format)
            out[k] = v
        return out

    def _noise(self, batch: int) -> Tensor:
        seed = _seed_from(self.cfg.seed, self.step, self.rank)
        gen = torch.Generator(device="cpu").manual_seed(seed)
        return torch.randn(batch, self.mcfg.noise_dim, generator=gen).to(self.device)

    def _pixels(self, real: Tensor) -> Tensor | None:
        if not self.mcfg.pixel_noise:
            return None
        b, _, h, w = real.shape
        return pixel_noise(_seed_from(self.cfg.seed, self.step, self.rank, 1), b, h, w, self.device)

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        """One D update then one G update on the same fake batch (G runs forward once)."""
        cfg = self.cfg
        real, lab, lat, maps = batch["image"], batch["labels"], batch["latent"], batch["maps"]
        fake = self.ddpG(lat, lab, maps, self._noise(real.shape[0]), pixels=self._pixels(real))
        out: dict[str, Tensor] = {}
        lab2, maps2 = torch.cat([lab, lab]), torch.cat([maps, maps])
        if self.use_d:
            # D sees fake and real in one batch (same normalisation statistics).
            for p in self.netD.parameters():
                p.requires_grad_(True)
            pred = self.ddpD(torch.cat([fake.detach(), real]), lab2, maps2)
            d_losses = losses.d_hinge(*losses.split_pred(pred))
            self.optD.zero_grad(set_to_none=True)
            sum(d_losses.values()).backward()  # type: ignore[union-attr]
            self.optD.step()
            out.update(d_losses)
            # G step: the unwrapped D, frozen, so no D gradients (and no DDP reducer) are involved.
            for p in self.netD.parameters():
                p.requires_grad_(False)
            pred = self.netD(torch.cat([fake, real]), lab2, maps2)
            pred_fake, pred_real = losses.split_pred(pred)
        else:
            pred_fake = pred_real = []
        g_losses = losses.generator_losses(
            pred_fake,
            pred_real,
            fake,
            real,
            lab,
            maps,
            s=cfg.feature_s,
            num_classes=self.mcfg.label_nc,
            lambda_gan=cfg.lambda_gan if self.use_d else 0.0,
            lambda_feat=cfg.lambda_feat if self.use_d else 0.0,
            lambda_colour=cfg.lambda_colour,
            lambda_region=cfg.lambda_region,
            lambda_l1=cfg.lambda_l1,
            l1_pool=cfg.l1_pool,
            lambda_spectrum=cfg.lambda_spectrum,
            lambda_texture=cfg.lambda_texture,
            lambda_swd=cfg.lambda_swd,
        )
        self.optG.zero_grad(set_to_none=True)
        sum(g_losses.values()).backward()  # type: ignore[union-attr]
        self.optG.step()
        out.update(g_losses)
        self.step += 1
        if self.ema is not None:
            self.ema.update(self.netG, self.step)
        return out

    # ---------------------------------------------------------------- loop
    def _batches(self) -> Any:
        """Yield batches forever from the current step on (epoch and offset follow the step)."""
        while True:
            epoch, offset = divmod(self.step, self.steps_per_epoch)
            self.sampler.set_epoch(epoch)
            self.dataset.set_epoch(epoch)
            idx = list(self.sampler)
            b = self.cfg.batch_size
            shapes = len(self.dataset.shapes)
            pick = np.random.default_rng([self.cfg.seed, epoch, 7]).integers(
                0, shapes, self.steps_per_epoch
            )
            plan = [
                [(j, int(pick[i])) for j in idx[i * b : (i + 1) * b]]
                for i in range(offset, self.steps_per_epoch)
            ]
            loader = DataLoader(
                self.dataset,
                batch_sampler=plan,
                num_workers=self.cfg.num_workers,
                pin_memory=self.device.type == "cuda",
            )
            yield from loader

    def _install_signals(self) -> dict:
        old = {}

        def handler(signum: int, frame: Any) -> None:
            if self._stop_reason is not None and signum == signal.SIGINT:
                raise KeyboardInterrupt
            self._stop_reason = signal.Signals(signum).name

        for sig in (signal.SIGINT, signal.SIGTERM):
            # not possible outside the main thread (e.g. a test calling from a thread)
            with contextlib.suppress(ValueError):
                old[sig] = signal.signal(sig, handler)
        return old

    def _should_stop(self, t0: float) -> bool:
        if self.cfg.max_minutes and time.time() - t0 >= self.cfg.max_minutes * 60:
            self._stop_reason = self._stop_reason or "max_minutes"
        flag = self._stop_reason is not None
        if self.distributed:
            t = torch.tensor([1.0 if flag else 0.0], device=self.device)
            dist.all_reduce(t, op=dist.ReduceOp.MAX)
            flag = bool(t.item() > 0)
            if flag and self._stop_reason is None:
                self._stop_reason = "another rank stopped"
        return flag

    def train(self) -> dict[str, Any]:
        """Run to ``cfg.steps`` (or a signal / ``max_minutes``); then checkpoint and export."""
        cfg = self.cfg
        if self.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")
        old_handlers = self._install_signals()
        t0 = time.time()
        start = self.step
        bar = None
        if self.is_main and self.progress:
            from tqdm import tqdm

            bar = tqdm(
                total=cfg.steps,
                initial=self.step,
                unit="step",
                dynamic_ncols=True,
                mininterval=2.0,
                smoothing=0.05,
            )
        last: dict[str, float] = {}
        self.netG.train()
        self.netD.train()
        try:
            if self.step < cfg.steps and not self._should_stop(t0):
                for batch in self._batches():
                    out = self.train_step(self._to_device(batch))
                    if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                        last = {k: float(v.detach()) for k, v in out.items()}
                        if self.is_main:
                            self._log(last, t0, start)
                            if bar is not None:
                                bar.set_postfix({k: f"{v:.3f}" for k, v in last.items()})
                    if bar is not None:
                        bar.update(1)
                    if self.step >= cfg.steps or self._should_stop(t0):
                        break
                    if self.is_main:
                        self._periodic(t0)
        finally:
            if bar is not None:
                bar.close()
            for sig, h in old_handlers.items():
                signal.signal(sig, h)
        wall = time.time() - t0
        if self.is_main:
            self.save(t0)
            self.sample_grid()
            export = self.export(t0)
        else:
            export = None
        if self.distributed:
            dist.barrier()
        steps_done = self.step - start
        summary = {
            "step": self.step,
            "steps_this_session": steps_done,
            "wall_s": wall,
            "steps_per_s": steps_done / wall if wall > 0 else 0.0,
            "stopped": self._stop_reason,
            "losses": last,
            "export": str(export) if export else None,
        }
        if self.is_main:
            log.info(
                "stopped at step %d (%s); %.2f steps/s",
                self.step,
                self._stop_reason or "done",
                summary["steps_per_s"],
            )
        return summary

    def _periodic(self, t0: float) -> None:
        cfg = self.cfg
        if cfg.ckpt_every and self.step % cfg.ckpt_every == 0:
            self.save(t0)
        if cfg.sample_every and self.step % cfg.sample_every == 0:
            self.sample_grid()
        if cfg.export_every and self.step % cfg.export_every == 0:
            self.export(t0)

    def _log(self, values: dict[str, float], t0: float, start: int) -> None:
        el = time.time() - t0
        rec = {
            "step": self.step,
            "wall_s": round(self.wall_before + el, 1),
            "steps_per_s": round((self.step - start) / max(el, 1e-9), 3),
            **values,
        }
        with open(self.run_dir / "log.jsonl", "a") as f:
            f.write(json.dumps(rec) + "\n")

    # ---------------------------------------------------------------- outputs (rank 0)
    def wall_time(self, t0: float) -> float:
        return self.wall_before + (time.time() - t0)

    def save(self, t0: float) -> Path:
        state = {
            "step": self.step,
            "wall_time": self.wall_time(t0),
            "optG": self.optG.state_dict(),
            "optD": self.optD.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "config": json.dumps(self.cfg.to_dict()),
        }
        return save_checkpoint(
            self.run_dir / "checkpoints",
            self.step,
            self._modules(),
            state,
            keep_last=self.cfg.keep_last,
        )

    def training_card(self, t0: float) -> dict[str, Any]:
        """Facts about the run for the exported model card."""
        cfg = self.cfg
        card: dict[str, Any] = {}
        if cfg.mood_rate:
            card[moods.CARD_KEY] = moods.natural_bank(self.mcfg.label_nc)
        return card | {
            "trained": self.step > 0,
            "training": {
                "data": str(cfg.data),
                "images": len(self.dataset),
                "size": cfg.size,
                "batch_size": cfg.batch_size,
                "processes": self.world,
                "steps": self.step,
                "wall_time_s": round(self.wall_time(t0), 1),
                "device": str(self.device),
                "host_cpus": os.cpu_count(),
                "torch": torch.__version__,
                "python": platform.python_version(),
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "config": cfg.to_dict(),
            },
        }

    def export(self, t0: float) -> Path | None:
        if self.ema is None:
            return None
        from paintboard.weights import save_generator

        name = self.cfg.export_name or self.cfg.preset
        path = self.run_dir / "weights" / f"{name}.safetensors"
        save_generator(path, self.ema.net, self.mcfg, self.training_card(t0))
        return path

    def fixed_batch(self) -> dict[str, Tensor]:
        """The same few items (crops + hints) at every call: comparable sample grids."""
        n = min(NUM_SAMPLES, len(self.dataset))
        saved = self.dataset.epoch
        self.dataset.set_epoch(2**31 - 1)
        items = [self.dataset[i] for i in range(n)]
        self.dataset.set_epoch(saved)
        return {k: torch.stack([it[k] for it in items]) for k in items[0]}

    @torch.no_grad()
    def sample_grid(self) -> Path | None:
        """PNG rows: labels | strokes | EMA result | ground truth."""
        if self.ema is None:
            return None
        batch = self.fixed_batch()
        b = self._to_device(batch)
        noise = torch.zeros(b["image"].shape[0], self.mcfg.noise_dim, device=self.device)
        pixels = self._pixels(b["image"])
        fake = self.ema.net(b["latent"], b["labels"], b["maps"], noise, pixels=pixels)
        grid = render_grid(batch["labels"], batch["strokes"], fake.cpu(), batch["image"])
        out = self.run_dir / "samples" / f"step_{self.step:08d}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        images.save_png(out, grid)
        return out


def config_from_run(run_dir: Path) -> dict[str, Any] | None:
    p = Path(run_dir) / "config.json"
    return json.loads(p.read_text()) if p.is_file() else None
