"""8-bit pixels ↔ the generator's [-1, 1] range: the one place that knows the 127.5.

The generator, the discriminator and the segmenter all work on images in [-1, 1]; files, the
wire and the metrics use ``uint8``. Both functions take a numpy array or a torch tensor and
return the same kind in the same layout (no axis is moved: callers permute as they need), so
one rule serves training data, inference, evaluation and picture grids alike. torch is never
imported here: a tensor is handled through its own methods.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SCALE = 127.5  # 255 / 2: uint8 0 ↔ -1.0, 255 ↔ +1.0


def to_unit(pixels: Any) -> Any:
    """``uint8`` (or integer) pixels → ``float32`` in [-1, 1], same type and layout."""
    if isinstance(pixels, np.ndarray):
        return pixels.astype(np.float32) / SCALE - 1.0
    return pixels.float() / SCALE - 1.0


def to_uint8(unit: Any) -> Any:
    """Values in [-1, 1] → ``uint8`` (clamped, rounded half to even), same type and layout.

    Computed in float32 whatever the input precision (bf16/fp16 outputs included), so 8-bit
    results do not depend on the precision the network ran in.
    """
    if isinstance(unit, np.ndarray):
        x = (np.clip(unit.astype(np.float32), -1.0, 1.0) + 1.0) * SCALE
        return np.rint(x).astype(np.uint8)
    return ((unit.float().clamp(-1.0, 1.0) + 1.0) * SCALE).round().byte()
