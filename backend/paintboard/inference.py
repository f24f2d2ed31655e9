"""Inference engine: document-size RGBA layers in, document-size RGBA result out.

The one place that strings the stages together (decode → working size → features → generator
→ resize back) so the CLI, the server and the benchmarks run exactly the same path, and so
timings are measured per stage the same way everywhere.
"""

from __future__ import annotations

import contextlib
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import features, images, labels, moods, palette
from .device import select_device, set_threads
from .nets import count_params, make_noise
from .nets.generator import MIN_SIDE, pixel_noise
from .unit_range import to_uint8
from .weights import default_weights_path, load_generator

# More unknown-colour pixels than this fraction means the user painted with non-palette colours
# (or sent the wrong layer); snapping them silently would give a confusing picture.
MAX_UNKNOWN_FRACTION = 0.005

# Numeric precision of the generator's forward pass.  "auto" = bf16 autocast on a CPU that
# computes bf16 natively (AVX512-BF16 / AMX, or ARM BF16): measured 0.47-0.58x the fp32 time on
# the small model, max 1 grey level of difference (docs/performance.md); fp32 (channels-last)
# on CUDA: fp16 autocast measured 2x slower at batch 1, 256² (7.5 vs 3.7 ms on an H200, issue
# #10: the small model is launch-bound there, autocast only adds casts) and no faster at 1024²;
# scripts/gpu_check.sh re-measures engine/fp16/bf16 on any lent GPU; fp32 everywhere else (MPS,
# CPUs that would only emulate bf16 and get slower).
# PAINTBOARD_FP32=1 forces fp32 whatever the argument says: the escape hatch should a
# bf16/fp16 kernel misbehave on someone's machine.
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
ENV_FP32 = "PAINTBOARD_FP32"


def cpu_has_native_bf16() -> bool:
    """True when this CPU runs bf16 matmuls/convs in hardware.

    oneDNN's own check (``_is_mkldnn_bf16_supported``) is also true on AVX-512 CPUs without
    AVX512-BF16, where bf16 is emulated and no faster than fp32, so on x86 the instruction set
    is checked too.  Private torch APIs: any failure means "no".
    """
    try:
        if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            return False
        if platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86"):
            return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
        return True  # aarch64: oneDNN reports bf16 only with the BF16 extension
    except Exception:
        return False


def resolve_precision(device: torch.device, precision: str | None = "auto") -> str:
    """``auto``/``fp32``/``bf16``/``fp16`` for ``device`` → the precision actually used."""
    p = (precision or "auto").strip().lower()
    if p not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; use {', '.join(PRECISIONS)}")
    if os.environ.get(ENV_FP32, "").strip() not in ("", "0"):
        return "fp32"
    if p == "auto":  # CUDA too gets fp32: see PRECISIONS above for the measurement
        if device.type == "cpu" and cpu_has_native_bf16():
            return "bf16"
        return "fp32"
    if p != "fp32" and device.type not in ("cpu", "cuda"):
        raise ValueError(f"precision {p} is not supported on {device.type}; use fp32 or auto")
    return p


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """The autocast context for a resolved precision (nothing for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


class InputError(ValueError):
    """Input the user must fix.

    ``reason`` says what is wrong: ``"labels"`` (the labels layer is unusable) or ``"request"``
    (arrays of the wrong shape or size). The serving layer maps it to a protocol error code;
    the model layer knows nothing of the wire.
    """

    def __init__(self, message: str, reason: str = "labels") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Cancelled(Exception):
    """``should_stop()`` returned True between two generator blocks."""

    reason = "cancelled"


@dataclass
class Result:
    image: np.ndarray  # H×W×4 RGBA uint8 at document size
    seed: int
    model: str
    labels: dict[str, Any]  # {"snapped", "unknown": [[r, g, b, count], ...], "unknown_pixels"}
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _check_layer(name: str, arr: np.ndarray) -> None:
    if not (
        isinstance(arr, np.ndarray)
        and arr.dtype == np.uint8
        and arr.ndim == 3
        and arr.shape[2] in (3, 4)
    ):
        shape = getattr(arr, "shape", None)
        raise InputError(
            f"{name} must be an H×W×4 RGBA (or H×W×3 RGB) 8-bit image, got {shape}", "request"
        )


class Engine:
    """Owns one loaded generator.  ``generate`` is serialised by a lock, so a server may call it
    from a worker thread while another thread asks for ``info``."""

    def __init__(
        self,
        weights: str | Path | None = None,
        device: str | None = None,
        threads: int | None = None,
        precision: str = "auto",
    ) -> None:
        set_threads(threads)
        self.device = select_device(device)
        self.precision = resolve_precision(self.device, precision)
        self.weights_path = Path(weights) if weights else default_weights_path()
        self.netG, self.cfg, self.card = load_generator(self.weights_path, self.device)
        self.moods = moods.from_card(self.card, self.cfg.label_nc)
        # channels_last halves CPU time of the convs and keeps CLADE's lookups copy-free.
        self.memory_format = (
            torch.channels_last if self.device.type in ("cpu", "cuda") else torch.contiguous_format
        )
        self.netG.to(memory_format=self.memory_format)
        self._lock = threading.Lock()

    def info(self) -> dict[str, Any]:
        return {
            "model": self.cfg.name,
            "trained": bool(self.card.get("trained", False)),
            "device": str(self.device),
            "precision": self.precision,
            "feature_s": self.cfg.feature_s,
            "config": self.cfg.to_dict(),
            "palette": palette.palette_as_dicts(),
            "params": count_params(self.netG),
            "weights": str(self.weights_path),
        }

    def warmup(self, size: int) -> float:
        """Run one throw-away generation; returns its seconds.

        The first forward at a new size builds oneDNN/cuDNN kernels (~10× a normal call on
        CPU); a server calls this at start so the artist's first click is not the slow one.
        """
        img = np.zeros((size, size, 4), np.uint8)
        img[..., :3] = palette.BY_NAME["sky"].rgb
        img[..., 3] = 255
        t = time.perf_counter()
        self.generate(img, None, size=size)
        return time.perf_counter() - t

    def _decode(self, label_img: np.ndarray) -> labels.DecodedLabels:
        dec = labels.decode_labels(label_img)
        total = dec.index.size
        if not dec.index.any():
            raise InputError(
                "the labels layer is empty (only transparent or void pixels): paint the scene "
                "with the label palette colours first"
            )
        if dec.unknown_pixels > MAX_UNKNOWN_FRACTION * total:
            top = ", ".join(f"{_hex(rgb)} ({n} px)" for rgb, n in dec.unknown[:5])
            raise InputError(
                f"{dec.unknown_pixels / total:.1%} of the labels layer uses colours that are not "
                f"in the label palette (most frequent: {top}); paint with the palette colours "
                "(see `paintboard info`) and avoid soft brushes / blending modes"
            )
        return dec

    def generate(
        self,
        labels_rgba: np.ndarray,
        strokes: np.ndarray | None,
        seed: int = 0,
        *,
        size: int,
        should_stop: Callable[[], bool] | None = None,
    ) -> Result:
        """Labels (+ strokes) at document size → :class:`Result` at document size.

        Raises InputError for input the user must fix and Cancelled when ``should_stop`` fires.
        """
        _check_layer("labels", labels_rgba)
        if strokes is not None:
            _check_layer("strokes", strokes)
            if strokes.shape[:2] != labels_rgba.shape[:2]:
                raise InputError(
                    f"strokes ({strokes.shape[1]}×{strokes.shape[0]}) and labels "
                    f"({labels_rgba.shape[1]}×{labels_rgba.shape[0]}) differ in size",
                    "request",
                )
        if int(size) < MIN_SIDE:
            # The upper bound is a cost limit of the service, checked where requests come in
            # (protocol.check_generate, the CLI); here only what the network cannot do.
            raise InputError(f"working size {size} is below {MIN_SIDE}", "request")
        with self._lock:
            return self._generate(labels_rgba, strokes, int(seed), int(size), should_stop)

    def _generate(self, labels_rgba, strokes, seed, size, should_stop) -> Result:
        t0 = time.perf_counter()
        doc_h, doc_w = labels_rgba.shape[:2]
        dec = self._decode(labels_rgba)
        h, w = images.working_size(doc_h, doc_w, size)
        h, w = max(h, MIN_SIDE), max(w, MIN_SIDE)  # extreme aspect ratios: keep G's minimum
        index = images.resize_labels(dec.index, h, w)
        small_strokes = None
        if strokes is not None:  # RGB strokes get their alpha from the stroke rule
            small_strokes = images.resize_strokes(images.stroke_rgba(strokes), h, w)
        t1 = time.perf_counter()

        mood = moods.pick(self.moods, seed)
        fmt = self.memory_format
        cond = features.build_conditioning(
            index,
            small_strokes,
            self.cfg.feature_s,
            mood,
            feather=self.cfg.hint_feather,
            channels_last=fmt == torch.channels_last,  # then the copy below is none
        )
        dev = self.device
        latent = torch.from_numpy(cond.latent).to(dev)[None]
        lab = torch.from_numpy(index.astype(np.int64)).to(dev)[None]
        maps = torch.from_numpy(cond.maps).to(dev)[None].contiguous(memory_format=fmt)
        noise = make_noise(seed, 1, self.cfg, dev)
        pixels = pixel_noise(seed, 1, h, w, dev) if self.cfg.pixel_noise else None
        t2 = time.perf_counter()

        def on_block(_: int) -> None:
            if should_stop is not None and should_stop():
                raise Cancelled("generation cancelled")

        with torch.inference_mode():
            with autocast(dev, self.precision):
                out = self.netG(latent, lab, maps, noise, pixels=pixels, on_block=on_block)
            rgb = to_uint8(out[0]).permute(1, 2, 0).cpu().numpy()  # quantised from fp32
        t3 = time.perf_counter()

        rgb = images.resize_image(rgb, doc_h, doc_w)
        rgba = np.empty((doc_h, doc_w, 4), dtype=np.uint8)
        rgba[:, :, :3] = rgb
        rgba[:, :, 3] = 255
        t4 = time.perf_counter()
        report = {
            "snapped": dec.snapped,
            "unknown": [[*rgb_, n] for rgb_, n in dec.unknown],
            "unknown_pixels": dec.unknown_pixels,
        }
        timings = {"decode": t1 - t0, "features": t2 - t1, "generate": t3 - t2, "resize": t4 - t3}
        return Result(rgba, seed, self.cfg.name, report, timings)
