"""Label-map templates: built-in procedural scenes, plus the user's own PNGs.

Each built-in template is a list of shapes in relative coordinates, drawn at any size with
exact palette colours, so a template fits the document (no scaling blur) and is a valid label
map by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import palette
from .raster import Canvas, below, bgra, ellipse, ridge


def _c(name: str) -> bytes:
    return bgra(palette.BY_NAME[name].rgb)


def _sky_and_clouds(cv: Canvas, clouds: list[tuple[float, float, float, float]]) -> None:
    w, h = cv.width, cv.height
    cv.fill_rect(0, 0, w, h, _c("sky"))
    for cx, cy, rx, ry in clouds:
        cv.fill_polygon(ellipse(cx * w, cy * h, rx * w, ry * h), _c("cloud"))


def lake_and_mountains(cv: Canvas) -> None:
    w, h = cv.width, cv.height
    _sky_and_clouds(cv, [(0.2, 0.12, 0.1, 0.04)])
    cv.fill_polygon(below(ridge(w, 0.38 * h, 0.14 * h, [(1.3, 0.4), (2.9, 1.7)]), h),
                    _c("mountain"))
    cv.fill_polygon(below(ridge(w, 0.55 * h, 0.05 * h, [(2.0, 0.3), (4.5, 2.0)]), h), _c("tree"))
    cv.fill_rect(0, 0.62 * h, w, h, _c("lake"))
    cv.fill_polygon(below(ridge(w, 0.86 * h, 0.04 * h, [(1.5, 1.0), (3.3, 0.2)]), h),
                    _c("grass"))


def beach(cv: Canvas) -> None:
    w, h = cv.width, cv.height
    _sky_and_clouds(cv, [(0.7, 0.15, 0.12, 0.05), (0.3, 0.22, 0.08, 0.03)])
    cv.fill_rect(0, 0.45 * h, w, h, _c("sea"))
    sand = [(0, 0.7 * h), (0.3 * w, 0.66 * h), (0.6 * w, 0.72 * h), (w, 0.62 * h), (w, h + 1),
            (0, h + 1)]
    cv.fill_polygon(sand, _c("sand"))
    cv.fill_polygon([(0.78 * w, 0.62 * h), (w, 0.5 * h), (w, 0.66 * h)], _c("rock"))


def forest_valley(cv: Canvas) -> None:
    w, h = cv.width, cv.height
    _sky_and_clouds(cv, [(0.5, 0.1, 0.15, 0.04)])
    cv.fill_polygon(below(ridge(w, 0.35 * h, 0.08 * h, [(1.0, 0.0), (2.2, 1.1)]), h), _c("hill"))
    cv.fill_polygon(below(ridge(w, 0.5 * h, 0.04 * h, [(6.0, 0.5), (11.0, 2.5)], 96), h),
                    _c("tree"))
    valley = [(0.3 * w, h + 1), (0.45 * w, 0.62 * h), (0.55 * w, 0.62 * h), (0.75 * w, h + 1)]
    cv.fill_polygon(valley, _c("grass"))
    for i in range(6):
        x = (0.08 + 0.16 * i) * w
        cv.fill_polygon([(x, 0.62 * h), (x + 0.05 * w, 0.85 * h), (x - 0.05 * w, 0.85 * h)],
                        _c("tree"))
    cv.fill_rect(0, 0.93 * h, w, h, _c("bush"))


def snowy_peaks(cv: Canvas) -> None:
    w, h = cv.width, cv.height
    _sky_and_clouds(cv, [(0.85, 0.1, 0.1, 0.035)])
    peaks = [(0, 0.6 * h), (0.22 * w, 0.2 * h), (0.42 * w, 0.45 * h), (0.62 * w, 0.12 * h),
             (0.85 * w, 0.4 * h), (w, 0.3 * h), (w, h + 1), (0, h + 1)]
    cv.fill_polygon(peaks, _c("mountain"))
    for (px, py), (lx, rx) in (((0.22, 0.2), (0.15, 0.29)), ((0.62, 0.12), (0.53, 0.71))):
        cv.fill_polygon([(px * w, py * h), (rx * w, (py + 0.12) * h), (px * w, (py + 0.09) * h),
                         (lx * w, (py + 0.12) * h)], _c("snow"))
    cv.fill_polygon(below(ridge(w, 0.75 * h, 0.03 * h, [(3.0, 0.2)]), h), _c("rock"))
    cv.fill_polygon(below(ridge(w, 0.85 * h, 0.02 * h, [(5.0, 1.2)]), h), _c("snow"))


def river_canyon(cv: Canvas) -> None:
    w, h = cv.width, cv.height
    _sky_and_clouds(cv, [])
    cv.fill_polygon([(0, 0.25 * h), (0.35 * w, 0.3 * h), (0.45 * w, h + 1), (0, h + 1)],
                    _c("rock"))
    cv.fill_polygon([(w, 0.2 * h), (0.62 * w, 0.32 * h), (0.55 * w, h + 1), (w, h + 1)],
                    _c("rock"))
    cv.fill_polygon([(0.35 * w, 0.3 * h), (0.62 * w, 0.32 * h), (0.55 * w, h + 1),
                     (0.45 * w, h + 1)], _c("earth"))
    cv.fill_polygon([(0.47 * w, 0.45 * h), (0.52 * w, 0.45 * h), (0.6 * w, h + 1),
                     (0.38 * w, h + 1)], _c("river"))
    cv.fill_polygon(below(ridge(w, 0.95 * h, 0.02 * h, [(2.0, 0.0)]), h), _c("bush"))


def meadow_with_clouds(cv: Canvas) -> None:
    w, h = cv.width, cv.height
    _sky_and_clouds(cv, [(0.2, 0.15, 0.14, 0.06), (0.55, 0.1, 0.1, 0.045),
                         (0.85, 0.25, 0.12, 0.05)])
    cv.fill_polygon(below(ridge(w, 0.55 * h, 0.05 * h, [(1.0, 2.0), (2.3, 0.1)]), h),
                    _c("hill"))
    cv.fill_polygon(below(ridge(w, 0.65 * h, 0.03 * h, [(1.5, 0.7)]), h), _c("grass"))
    for cx, cy in ((0.25, 0.8), (0.6, 0.88), (0.8, 0.75)):
        cv.fill_polygon(ellipse(cx * w, cy * h, 0.08 * w, 0.03 * h), _c("flowers"))
    cv.fill_polygon(ellipse(0.92 * w, 0.62 * h, 0.06 * w, 0.1 * h), _c("tree"))


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    draw: Callable[[Canvas], None]

    def render(self, width: int, height: int) -> bytes:
        """BGRA8 bytes (Krita's pixelData order for RGBA documents) at the requested size."""
        cv = Canvas(width, height)
        self.draw(cv)
        return cv.to_bytes()

    def render_fitted(self, width: int, height: int) -> tuple[bytes, str]:
        """The scene at its own shape, fitted without distortion; and a note saying how.

        The scenes are drawn for landscape pages (between 4:3 and 2:1). A taller page gets the
        scene at the bottom and more sky above it; a wider one loses some sky at the top.
        """
        return fit_scene(self.render, width, height)


# Shapes the scenes are drawn for (width / height); outside them the scene is fitted.
MIN_ASPECT, MAX_ASPECT = 4 / 3, 2.0


def fit_scene(render: Callable[[int, int], bytes], width: int, height: int
              ) -> tuple[bytes, str]:
    """Fit a scene drawn by ``render(w, h)`` to ``width × height`` by extending or cropping."""
    if width <= 0 or height <= 0:
        return b"", ""
    if width / height < MIN_ASPECT:
        scene_h = max(1, min(height, round(width / MIN_ASPECT)))
        scene = render(width, scene_h)
        sky = bytes(scene[:width * 4])  # the top row is sky in every scene
        note = f"extended the sky by {height - scene_h} px (portrait page)"
        return sky * (height - scene_h) + scene, note
    if width / height > MAX_ASPECT:
        scene_h = round(width / MAX_ASPECT)
        scene = render(width, scene_h)
        cut = scene_h - height
        return scene[cut * width * 4:], f"cropped {cut} px of sky (wide page)"
    return render(width, height), ""


BUILTIN: tuple[Template, ...] = (
    Template("lake_mountains", "Lake and mountains", lake_and_mountains),
    Template("beach", "Beach", beach),
    Template("forest_valley", "Forest valley", forest_valley),
    Template("snowy_peaks", "Snowy peaks", snowy_peaks),
    Template("river_canyon", "River canyon", river_canyon),
    Template("meadow_clouds", "Meadow with clouds", meadow_with_clouds),
)


def palette_bgra_set() -> set[bytes]:
    return {bgra(c.rgb) for c in palette.PALETTE}


def foreign_fraction(bgra_bytes: bytes, step: int = 97) -> float:
    """Share of sampled pixels that are not exact palette colours (checks an imported PNG)."""
    allowed = palette_bgra_set()
    n = len(bgra_bytes) // 4
    if n == 0:
        return 0.0
    idx = range(0, n, max(1, min(step, n // 1000 or 1)))
    bad = sum(1 for i in idx if bytes(bgra_bytes[i * 4:i * 4 + 3]) + b"\xff" not in allowed
              and bgra_bytes[i * 4 + 3] != 0)
    return bad / len(idx)
