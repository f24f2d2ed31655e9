"""A tiny scan-line polygon filler that writes BGRA bytes, in pure Python.

Why not QPainter: label maps must hold exact palette colours (no anti-aliasing blends), the
same result inside and outside Krita, and the test venv has no Qt. Rows are filled with slice
assignment of whole runs, so the cost is per edge and row, not per pixel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]


def bgra(rgb: Sequence[int], alpha: int = 255) -> bytes:
    r, g, b = rgb
    return bytes((b, g, r, alpha))


class Canvas:
    """Rows of BGRA8 pixels; shapes are painted in order (later shapes cover earlier ones)."""

    def __init__(self, width: int, height: int, fill: bytes = b"\0\0\0\0") -> None:
        self.width = width
        self.height = height
        self.rows = [bytearray(fill * width) for _ in range(height)]

    def fill_rect(self, x0: float, y0: float, x1: float, y1: float, colour: bytes) -> None:
        xa, xb = max(0, round(x0)), min(self.width, round(x1))
        if xb <= xa:
            return
        run = colour * (xb - xa)
        for y in range(max(0, round(y0)), min(self.height, round(y1))):
            self.rows[y][xa * 4:xb * 4] = run

    def fill_polygon(self, points: Sequence[Point], colour: bytes) -> None:
        """Even-odd fill, sampling pixel centres, so touching shapes never overlap or gap."""
        n = len(points)
        if n < 3:
            return
        edges = []
        for i in range(n):
            (x0, y0), (x1, y1) = points[i], points[(i + 1) % n]
            if y0 == y1:
                continue
            if y0 > y1:
                x0, y0, x1, y1 = x1, y1, x0, y0
            edges.append((y0, y1, x0, (x1 - x0) / (y1 - y0)))
        if not edges:
            return
        ymin = max(0, math.ceil(min(e[0] for e in edges) - 0.5))
        ymax = min(self.height - 1, math.floor(max(e[1] for e in edges) - 0.5))
        for y in range(ymin, ymax + 1):
            cy = y + 0.5
            xs = sorted(x0 + (cy - y0) * k for (y0, y1, x0, k) in edges if y0 <= cy < y1)
            row = self.rows[y]
            for j in range(0, len(xs) - 1, 2):
                xa = max(0, math.ceil(xs[j] - 0.5))
                xb = min(self.width, math.ceil(xs[j + 1] - 0.5))
                if xb > xa:
                    row[xa * 4:xb * 4] = colour * (xb - xa)

    def to_bytes(self) -> bytes:
        return b"".join(self.rows)


def ellipse(cx: float, cy: float, rx: float, ry: float, steps: int = 32) -> list[Point]:
    angles = [2 * math.pi * i / steps for i in range(steps)]
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def ridge(width: float, base: float, amplitude: float, waves: Sequence[tuple[float, float]],
          steps: int = 64) -> list[Point]:
    """Points of a wavy line across the width: base + amplitude · Σ sin(2π·f·x/width + phase)."""
    pts = []
    for i in range(steps + 1):
        x = width * i / steps
        t = sum(math.sin(2 * math.pi * f * x / width + ph) for f, ph in waves) / max(1, len(waves))
        pts.append((x, base + amplitude * t))
    return pts


def below(line: list[Point], height: float) -> list[Point]:
    """The polygon between a line across the canvas and the bottom edge."""
    return [*line, (line[-1][0], height + 1), (line[0][0], height + 1)]
