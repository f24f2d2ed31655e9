"""Device selection: cuda → mps → cpu, overridable by name or ``$PAINTBOARD_DEVICE``.

Every torch entry point (serve, generate, train, bench) goes through here so the CPU path always
works and an explicit request for a missing accelerator fails with a clear message instead of a
deep CUDA error.
"""

from __future__ import annotations

import os

import torch

ENV_DEVICE = "PAINTBOARD_DEVICE"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def select_device(pref: str | None = None) -> torch.device:
    """``pref`` ("cuda", "cuda:1", "mps", "cpu", "auto" or None) → a usable torch.device.

    None falls back to ``$PAINTBOARD_DEVICE``, then to auto-detection.  Raises ValueError when the
    named device does not exist here (the CLI turns that into a message, exit code 2).
    """
    pref = (pref or os.environ.get(ENV_DEVICE) or "auto").strip().lower()
    if pref == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(pref)
    except RuntimeError:
        raise ValueError(f"unknown device {pref!r}; use auto, cpu, cuda[:N] or mps") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {pref!r} requested but CUDA is not available")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device {pref!r}: only {torch.cuda.device_count()} CUDA device(s)")
    elif dev.type == "mps" and not _mps_available():
        raise ValueError("device 'mps' requested but MPS is not available")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unsupported device {pref!r}; use auto, cpu, cuda[:N] or mps")
    return dev


def set_threads(threads: int | None) -> None:
    """Set torch's intra-op CPU threads (None/0 keeps torch's default, one per core).

    A server sharing a laptop with Krita may want fewer threads than cores.
    """
    if threads:
        torch.set_num_threads(int(threads))
