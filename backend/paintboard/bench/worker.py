"""Child side of a benchmark worker: one process per model, driven by JSON lines on stdin.

Started by :class:`paintboard.bench.worker_handle.Worker` as
``python -m paintboard.bench.worker --worker SPEC DEVICE THREADS``.  Kept out of the package's
``__init__`` imports so running it with ``-m`` does not import it twice.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from paintboard.bench.measure import proc_rss_kb, self_peak_rss_kb
from paintboard.bench.synthetic import synthetic_label_index
from paintboard.bench.variants import CHANNELS_LAST

REPO_ROOT = Path(__file__).resolve().parents[3]
SHIPPED_WEIGHTS = REPO_ROOT / "weights" / "small.safetensors"


def _load_model(spec: str, device: str) -> tuple[Any, Any, str]:
    """``shipped`` → weights/small.safetensors; a preset name → random init; a path → that file."""
    import torch

    from paintboard.nets import PRESETS, Generator

    torch.manual_seed(0)
    if spec == "shipped" or spec.endswith(".safetensors"):
        path = SHIPPED_WEIGHTS if spec == "shipped" else Path(spec)
        if path.exists():
            from paintboard.weights import load_generator

            net, cfg, _card = load_generator(path, device=device)
            return net, cfg, f"{cfg.name} ({path.name})"
        if spec != "shipped":
            raise FileNotFoundError(path)
        cfg = PRESETS["small"]
        return Generator(cfg).to(device), cfg, "small (random init: weights not found)"
    cfg = PRESETS[spec]
    return Generator(cfg).to(device), cfg, f"{spec} (random init)"


def _inputs(cfg: Any, size: int, batch: int, device: str) -> tuple[Any, Any, Any, Any]:
    import torch

    from paintboard.nets import make_noise

    index = synthetic_label_index(size, size, seed=size)
    labels = torch.from_numpy(index.astype(np.int64)).unsqueeze(0).repeat(batch, 1, 1)
    maps = torch.zeros(batch, cfg.map_nc, size, size)
    q = size // 8
    maps[:, :4, q : 2 * q, q : 2 * q] = 0.6  # one hint rectangle, one filled region
    maps[:, 4:, 5 * q :, :] = 0.4
    g = torch.Generator().manual_seed(0)
    latent = (torch.rand(batch, cfg.latent_dim, generator=g) < 0.2).float() * 0.5
    noise = make_noise(0, batch, cfg, "cpu")
    return latent.to(device), labels.to(device), maps.to(device), noise.to(device)


class _Runner:
    """Holds one network and, lazily, one prepared copy per variant."""

    def __init__(self, spec: str, device: str, threads: int | None) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.device = device
        t0 = time.perf_counter()
        net, self.cfg, self.name = _load_model(spec, device)
        self.base = net.eval()
        self.load_s = time.perf_counter() - t0
        self.prepared: dict[str, Any] = {}
        self.inputs: dict[tuple[int, int, str], tuple[Any, ...]] = {}
        from paintboard.inference import resolve_precision

        # what inference.Engine(device=...) would run with here (auto, PAINTBOARD_FP32 honoured)
        self.engine_precision = resolve_precision(torch.device(device), "auto")

    def autocast(self, variant: str) -> Any:
        from paintboard.inference import autocast

        torch = self.torch
        if variant == "engine":
            return autocast(torch.device(self.device), self.engine_precision)
        if variant == "bf16":
            return autocast(torch.device(self.device), "bf16")
        return contextlib.nullcontext()

    def net_for(self, variant: str) -> Any:
        if variant not in self.prepared:
            torch = self.torch
            net = self.base
            if variant in CHANNELS_LAST:
                net = copy.deepcopy(net).to(memory_format=torch.channels_last)
            if variant == "compile":
                net = torch.compile(net)
            elif variant == "fp16":
                net = copy.deepcopy(net).half()
            self.prepared[variant] = net
        return self.prepared[variant]

    def inputs_for(self, size: int, batch: int, variant: str) -> tuple[Any, ...]:
        key = (size, batch, variant)
        if key not in self.inputs:
            # keep only the current shape alive, so peak RSS reflects one shape at a time
            for k in [k for k in self.inputs if k[:2] != (size, batch)]:
                del self.inputs[k]
            latent, labels, maps, noise = _inputs(self.cfg, size, batch, self.device)
            if variant in CHANNELS_LAST:
                maps = maps.contiguous(memory_format=self.torch.channels_last)
            if variant == "fp16":
                latent, maps, noise = latent.half(), maps.half(), noise.half()
            self.inputs[key] = (latent, labels, maps, noise)
        return self.inputs[key]

    def call(self, size: int, batch: int, variant: str) -> float:
        """One forward pass; wall seconds (synchronised on GPU)."""
        torch = self.torch
        net = self.net_for(variant)
        latent, labels, maps, noise = self.inputs_for(size, batch, variant)
        ctx: Any = torch.no_grad() if variant == "no_grad" else torch.inference_mode()
        amp = self.autocast(variant)
        sync = torch.cuda.synchronize if self.device.startswith("cuda") else (lambda: None)
        sync()
        t0 = time.perf_counter()
        with ctx, amp:
            out = net(latent, labels, maps, noise)
            out = out.float()
        sync()
        dt = time.perf_counter() - t0
        del out
        return dt


def worker_main(argv: list[str]) -> int:
    """Child side: JSON commands on stdin, one JSON reply line per command on stdout."""
    spec, device, threads = argv[0], argv[1], int(argv[2]) or None
    out = sys.stdout
    sys.stdout = sys.stderr  # anything printed by libraries must not corrupt the reply stream
    try:
        runner = _Runner(spec, device, threads)
    except Exception as exc:  # report, don't hang the parent
        out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        out.flush()
        return 1
    from paintboard.nets import count_params

    hello = {
        "name": runner.name,
        "params": count_params(runner.base),
        "load_s": runner.load_s,
        "rss_kb": proc_rss_kb(os.getpid())[0],
        "threads": runner.torch.get_num_threads(),
        "device": device,
        "engine_precision": runner.engine_precision,
    }
    out.write(json.dumps(hello) + "\n")
    out.flush()
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("quit"):
            break
        try:
            times = [
                runner.call(cmd["size"], cmd["batch"], cmd["variant"]) for _ in range(cmd["n"])
            ]
            reply: dict[str, Any] = {"times": times}
        except Exception as exc:
            reply = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        reply["peak_rss_kb"] = self_peak_rss_kb()
        reply["rss_kb"] = proc_rss_kb(os.getpid())[0]
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        sys.exit(worker_main(sys.argv[2:]))
    sys.exit("usage: python -m paintboard.bench.worker --worker SPEC DEVICE THREADS (internal)")
