"""Running a full-resolution generator level in horizontal bands, to bound peak memory.

At working size 1024 the last up-sampling block holds several 1024² activations at once (its
input, the normalised input, CLADE's scale/beta for both norms, the modulated input, the
shortcut): about 0.8 GB of a 1.4 GB peak.  Every operation in a block is local — 3×3/1×1
convs, BatchNorm with *running* statistics, pointwise activations — so a band of output rows
depends only on the same rows of the input plus a few rows of *halo* either side.  Computing a
band with its halo and cropping the halo off gives the untiled result (float noise: convolution
kernels may pick another algorithm for another shape).  It is exact only where no operation
looks at the whole image: training-mode or instance statistics must never run in bands (the
generator checks that, see ``Generator.band_pixels``).
"""

from __future__ import annotations

from collections.abc import Iterator

from torch import nn


def conv_reach(module: nn.Module) -> int:
    """Rows a module's output can depend on beyond its own, per side: the sum of the reaches of
    all its convolutions.

    The sum bounds any path through the module (a path passes each conv at most once), so it is
    a safe halo for any arrangement of the convs, derived from the module itself rather than
    counted by hand per architecture.
    """
    reach = 0
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            k, d = m.kernel_size[0], m.dilation[0]
            reach += (k - 1) // 2 * d
    return reach


def row_bands(height: int, width: int, max_pixels: int) -> Iterator[tuple[int, int]]:
    """``[start, stop)`` row ranges of at most ``max_pixels`` pixels each (at least one row),
    covering ``height`` rows; one band when the whole level fits."""
    rows = max(1, max_pixels // max(1, width))
    for start in range(0, height, rows):
        yield start, min(height, start + rows)


def with_halo(start: int, stop: int, halo: int, height: int) -> tuple[int, int]:
    """A band widened by ``halo`` rows each side, clipped to the image (whose own edges get the
    convs' zero padding exactly as the untiled pass does)."""
    return max(0, start - halo), min(height, stop + halo)


def doubled_source_rows(start: int, stop: int, src_height: int) -> tuple[int, int]:
    """Rows of a half-resolution input whose ×2 up-sampling (nearest, or bilinear without
    aligned corners) reproduces output rows ``[start, stop)`` exactly.

    Output row ``i`` reads source rows ``i // 2 - 1 … i // 2 + 1`` at most; up-sampling a slice
    clamps at the slice's own edges, which spoils only its first and last output row, so one
    source row more each side keeps those outside ``[start, stop)``.
    """
    return max(0, start // 2 - 1), min(src_height, (stop + 1) // 2 + 1)
