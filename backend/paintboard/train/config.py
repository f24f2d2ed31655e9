"""Frozen training configuration, loaded from JSON with ``--set key=value`` overrides.

One flat dataclass on purpose: every knob of a run is written next to its checkpoints as JSON, so
a run can be reproduced or resumed from its own directory and nothing hides in argparse defaults.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TrainConfig:
    """All settings of one training run (see ``configs/*.json`` for the shipped recipes)."""

    # data
    data: str = "data/synth128"
    size: int = 64  # training resolution (square crops)
    crop_scale: tuple[float, float] = (0.7, 1.0)  # random crop side as a fraction of the short side
    flip: bool = True
    cache: bool = True  # decode the whole folder once into uint8 arrays in memory
    max_images: int = 0  # 0 = all
    feature_s: int = 9
    # shapes (h, w) one batch is cropped to (each batch picks one, seeded); [] = size × size.
    # Users' documents run from 1:2 to 2:1: a model trained on squares only streaks on them.
    shapes: tuple = ()
    mood_rate: float = 0.0  # share of items whose stroke-free regions get the scene's own mood
    init_from: str = ""  # checkpoint .safetensors to start a new run from (fine-tuning)
    # model
    preset: str = "small"
    model_overrides: dict = field(default_factory=dict)  # e.g. {"ngf": 32}
    # optimisation (TTUR, SPADE-style betas)
    batch_size: int = 8
    steps: int = 10000
    max_minutes: float = 0.0  # stop cleanly (checkpoint + export) after this wall time; 0 = off
    lr_g: float = 1e-4
    lr_d: float = 4e-4
    beta1: float = 0.0
    beta2: float = 0.9
    ema_decay: float = 0.999
    # loss weights (0 switches a term off)
    lambda_gan: float = 1.0
    lambda_feat: float = 10.0
    lambda_colour: float = 10.0  # hinted rectangle mean colour
    lambda_region: float = 10.0  # region-mean colour where the region colour map is filled
    lambda_l1: float = 1.0  # pixel L1 to the ground truth
    l1_pool: int = 1  # the L1 compares l1_pool×l1_pool means (1 = pixels)
    lambda_spectrum: float = 0.0  # batch log-spectrum match (losses.spectrum_loss)
    lambda_texture: float = 0.0  # per-class fine-detail energy match (losses.texture_energy_loss)
    lambda_swd: float = 0.0  # fine-band patch distribution match (losses.patch_swd_loss)
    # bookkeeping
    seed: int = 0
    log_every: int = 10
    ckpt_every: int = 500
    sample_every: int = 500
    export_every: int = 2000
    keep_last: int = 2
    export_name: str = ""  # weights/<name>.safetensors; "" = the preset name
    # runtime
    device: str = "auto"  # auto | cpu | cuda | mps
    threads: int = 0  # torch intra-op threads; 0 = leave torch's default
    num_workers: int = 0
    channels_last: bool = False

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """From a dict; unknown keys are an error so that a typo in a recipe does not pass."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(k for k in set(d) - set(names) if not k.startswith("_"))
        if unknown:
            raise ValueError(f"unknown training config keys: {', '.join(unknown)}")
        kwargs = {k: _coerce(names[k], v) for k, v in d.items() if not k.startswith("_")}
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["crop_scale"] = list(self.crop_scale)
        d["shapes"] = [list(x) for x in self.shapes]
        return d

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    """Turn JSON/CLI values into the field's type (tuples from lists, bools from strings)."""
    default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
    if f.name == "shapes":
        try:
            shapes = tuple((int(h), int(w)) for h, w in value)
        except (TypeError, ValueError):
            raise ValueError(f"shapes: expected a list of [height, width], got {value!r}") from None
        if any(h < 16 or w < 16 for h, w in shapes):
            raise ValueError(f"shapes: every side must be >= 16, got {value!r}")
        return shapes
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [v for v in value.replace("(", "").replace(")", "").split(",") if v.strip()]
        return tuple(type(default[0])(v) for v in value)
    if isinstance(default, bool):
        if isinstance(value, str):
            low = value.strip().lower()
            if low not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(f"{f.name}: expected a boolean, got {value!r}")
            return low in ("1", "true", "yes", "on")
        return bool(value)
    if isinstance(default, dict):
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, dict):
            raise ValueError(f"{f.name}: expected a JSON object, got {value!r}")
        return dict(value)
    if isinstance(default, (int, float, str)):
        try:
            return type(default)(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{f.name}: cannot read {value!r} as {type(default).__name__}"
            ) from exc
    return value


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """``["steps=100", "size=64"]`` → dict; values parse as JSON when they can (numbers, lists)."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--set expects key=value, got {item!r}")
        key, raw = item.split("=", 1)
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[key.strip()] = value
    return out


def load_config(path: str | Path | None, overrides: list[str] | None = None) -> TrainConfig:
    """Defaults ← JSON file ← ``--set`` overrides."""
    d: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"training config not found: {p}")
        try:
            d = json.loads(p.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{p}: not valid JSON ({exc})") from exc
        d = {k: v for k, v in d.items() if not k.startswith("_")}  # "_comment" keys
    d.update(parse_overrides(overrides))
    return TrainConfig.from_dict(d)
