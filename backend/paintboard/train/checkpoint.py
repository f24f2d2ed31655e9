"""Resumable checkpoints without pickle.

Weights (G, EMA, D) go into one safetensors file; optimiser states, step, wall time and RNG states
into a small ``torch.save`` dict read back with ``weights_only=True`` (tensors, numbers, strings
only).  Both are written to a temp name and ``os.replace``d; the ``.pt`` file is written last, so a
checkpoint is complete exactly when its ``.pt`` exists.  SPADE's checkpoints dropped optimiser
state, so a resume restarted Adam from zero; these do not.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

_NAME = re.compile(r"^step_(\d{8})\.pt$")


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def save_checkpoint(
    ckpt_dir: Path,
    step: int,
    modules: dict[str, torch.nn.Module],
    state: dict[str, Any],
    keep_last: int = 2,
) -> Path:
    """Write ``step_XXXXXXXX.{safetensors,pt}`` and prune all but the newest ``keep_last``."""
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    for prefix, module in modules.items():
        for k, v in module.state_dict().items():
            tensors[f"{prefix}.{k}"] = v.detach().to("cpu").contiguous().clone()
    base = ckpt_dir / f"step_{step:08d}"
    _atomic(base.with_suffix(".safetensors"), lambda p: save_file(tensors, str(p)))
    _atomic(base.with_suffix(".pt"), lambda p: torch.save(state, str(p)))
    for old in list_checkpoints(ckpt_dir)[: -max(1, keep_last)]:
        for suffix in (".pt", ".safetensors"):
            old.with_suffix(suffix).unlink(missing_ok=True)
    return base.with_suffix(".pt")


def list_checkpoints(ckpt_dir: Path) -> list[Path]:
    """Complete checkpoints (``.pt`` + ``.safetensors``), oldest first."""
    if not ckpt_dir.is_dir():
        return []
    found = []
    for p in ckpt_dir.iterdir():
        m = _NAME.match(p.name)
        if m and p.with_suffix(".safetensors").is_file():
            found.append((int(m.group(1)), p))
    return [p for _, p in sorted(found)]


def latest_checkpoint(ckpt_dir: Path) -> Path | None:
    items = list_checkpoints(ckpt_dir)
    return items[-1] if items else None


def load_checkpoint(pt_path: Path, modules: dict[str, torch.nn.Module]) -> dict[str, Any]:
    """Load weights into ``modules`` (strict) and return the state dict (optimisers, step, RNG)."""
    tensors = load_file(str(pt_path.with_suffix(".safetensors")), device="cpu")
    for prefix, module in modules.items():
        sub = {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
        if not sub:
            raise ValueError(f"{pt_path}: checkpoint has no '{prefix}' weights")
        try:
            module.load_state_dict(sub, strict=True)
        except RuntimeError as exc:
            raise ValueError(
                f"{pt_path}: '{prefix}' weights do not fit this model (was the preset or a model "
                f"setting changed since the run started?): {str(exc)[:300]}"
            ) from None
    return torch.load(str(pt_path), map_location="cpu", weights_only=True)
