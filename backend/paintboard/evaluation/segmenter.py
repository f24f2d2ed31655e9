"""A small fully-convolutional segmenter: image → label map, the judge of label fidelity.

Trained on synthetic *training* scenes only, it measures whether generated images still read as
the classes they were asked for: its mIoU on generated images over its mIoU on the ground-truth
images (its ceiling) is the label-fidelity ratio of design §8.  A y-coordinate input channel lets
it use "sky is up, water is down" the way a person does, so it does not need a large receptive
field.  Saved as safetensors with its training facts in the header, reused while they match.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from paintboard import palette
from paintboard.unit_range import to_unit

log = logging.getLogger(__name__)
FORMAT = "paintboard-segmenter-1"


def _block(i: int, o: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(i, o, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(o),
        nn.ReLU(inplace=True),
    )


class Segmenter(nn.Module):
    """Half-resolution encoder with dilated context, fused back at half resolution.

    Logits are predicted at H/2 and upsampled: a one-pixel boundary blur hits generated and
    ground-truth images alike, and it keeps the judge cheap enough to train inside ``eval``.
    """

    def __init__(self, width: int = 24, num_classes: int = palette.NUM_CLASSES) -> None:
        super().__init__()
        self.stem = nn.Sequential(_block(4, width, stride=2), _block(width, width))
        self.down = nn.Sequential(
            _block(width, 2 * width, stride=2),
            _block(2 * width, 2 * width, dilation=2),
            _block(2 * width, 2 * width, dilation=4),
        )
        self.fuse = _block(3 * width, width)
        self.head = nn.Conv2d(width, num_classes, 1)

    def forward(self, image: Tensor) -> Tensor:
        """image B×3×H×W in [-1, 1] → logits B×classes×H×W."""
        b, _, h, w = image.shape
        y = torch.linspace(-1, 1, h, device=image.device).view(1, 1, h, 1).expand(b, 1, h, w)
        x0 = self.stem(torch.cat([image, y], 1))
        x1 = F.interpolate(self.down(x0), size=x0.shape[2:], mode="bilinear", align_corners=False)
        logits = self.head(self.fuse(torch.cat([x0, x1], 1)))
        return F.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)

    @torch.no_grad()
    def predict(self, image: Tensor, batch: int = 32) -> Tensor:
        self.eval()
        out = [self(image[i : i + batch]).argmax(1) for i in range(0, image.shape[0], batch)]
        return torch.cat(out)


def train_segmenter(
    rgb: np.ndarray,
    index: np.ndarray,
    *,
    steps: int = 400,
    batch: int = 12,
    seed: int = 0,
    progress: bool = False,
) -> Segmenter:
    """Fit on (N×H×W×3 uint8, N×H×W uint8) scenes with flips; void pixels are ignored."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = Segmenter()
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    imgs = to_unit(torch.from_numpy(rgb).permute(0, 3, 1, 2))
    labs = torch.from_numpy(index.astype(np.int64))
    net.train()
    it = range(steps)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="segmenter", unit="step", leave=False)
    for _ in it:
        idx = torch.from_numpy(rng.integers(0, len(imgs), batch))
        x, y = imgs[idx], labs[idx]
        if rng.random() < 0.5:
            x, y = x.flip(-1), y.flip(-1)
        loss = F.cross_entropy(net(x), y, ignore_index=palette.VOID)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return net.eval()


def load_or_train(
    path: Path,
    rgb: np.ndarray,
    index: np.ndarray,
    facts: dict,
    *,
    steps: int = 400,
    progress: bool = False,
) -> Segmenter:
    """Reuse ``path`` when it was trained on the same data facts and steps; else train and save."""
    facts = {**facts, "steps": steps, "format": FORMAT}
    key = json.dumps(facts, sort_keys=True)
    if path.is_file():
        try:
            with safe_open(str(path), framework="pt") as f:
                meta = f.metadata() or {}
            if meta.get("facts") == key:
                net = Segmenter()
                net.load_state_dict(load_file(str(path)))
                log.info("segmenter: reusing %s", path)
                return net.eval()
        except Exception as exc:  # a corrupt cache is rebuilt, not fatal
            log.warning("segmenter cache %s unusable (%s): retraining", path, exc)
    t0 = time.time()
    net = train_segmenter(rgb, index, steps=steps, progress=progress)
    log.info("segmenter: trained %d steps in %.0f s", steps, time.time() - t0)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tensors = {k: v.contiguous() for k, v in net.state_dict().items()}
    save_file(tensors, str(tmp), metadata={"facts": key})
    tmp.replace(path)
    return net
