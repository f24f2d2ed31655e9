"""The canvas every layer paints on: colour, exact class label and depth (for haze).

Painting goes back to front; a pixel's label is set wherever a layer's coverage reaches 0.5, so
the label is always the class whose colour dominates that pixel — exact, not estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paintboard.palette import BY_NAME

CLS: dict[str, int] = {name: c.id for name, c in BY_NAME.items()}


@dataclass
class Canvas:
    img: np.ndarray  # H×W×3 float32 linear-ish RGB in [0, 1]
    lab: np.ndarray  # H×W uint8 class ids
    depth: np.ndarray  # H×W float32: 0 = at the viewer, 1 = at the horizon (haze amount)

    @classmethod
    def empty(cls, height: int, width: int) -> Canvas:
        return cls(
            np.zeros((height, width, 3), np.float32),
            np.zeros((height, width), np.uint8),
            np.ones((height, width), np.float32),
        )

    @property
    def shape(self) -> tuple[int, int]:
        return self.lab.shape  # type: ignore[return-value]

    def paint(
        self,
        alpha: np.ndarray,
        colour: np.ndarray,
        cls: str,
        depth: float | np.ndarray | None = None,
        y0: int = 0,
        x0: int = 0,
    ) -> None:
        """Blend ``colour`` with coverage ``alpha`` (bool or float) into a window at (y0, x0).

        ``colour`` is h×w×3 or a 3-vector; the window is clipped to the canvas so callers can
        place objects partly outside the frame.
        """
        h, w = alpha.shape
        H, W = self.shape
        ya, xa = max(y0, 0), max(x0, 0)
        yb, xb = min(y0 + h, H), min(x0 + w, W)
        if ya >= yb or xa >= xb:
            return
        sl = (slice(ya - y0, yb - y0), slice(xa - x0, xb - x0))
        a = alpha[sl].astype(np.float32)
        col = colour[sl] if colour.ndim == 3 else colour
        tgt = (slice(ya, yb), slice(xa, xb))
        img = self.img[tgt]
        img += (col - img) * a[..., None]
        on = a >= 0.5
        self.lab[tgt][on] = CLS[cls]
        if depth is not None:
            d = depth[sl] if isinstance(depth, np.ndarray) and depth.ndim == 2 else depth
            if isinstance(d, np.ndarray) and d.ndim == 2:
                self.depth[tgt][on] = d[on]
            else:
                self.depth[tgt][on] = d
