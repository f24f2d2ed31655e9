"""Wire frames ↔ RGBA arrays (serving.frames): byte orders, copies, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from paintboard import protocol
from paintboard.serving import frames


def test_bgra_bytes_are_swapped_to_rgba() -> None:
    arr = frames.from_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8]), 2, 1, "BGRA8")
    assert arr.tolist() == [[[3, 2, 1, 4], [7, 6, 5, 8]]]
    assert frames.to_bytes(arr, "BGRA8") == bytes([1, 2, 3, 4, 5, 6, 7, 8])
    assert frames.to_bytes(arr, "RGBA8") == bytes([3, 2, 1, 4, 7, 6, 5, 8])


@pytest.mark.parametrize("fmt", ["RGBA8", "BGRA8"])
def test_round_trip(fmt: str) -> None:
    arr = np.random.default_rng(1).integers(0, 256, (5, 7, 4), dtype=np.uint8)
    buf = frames.to_bytes(arr, fmt)
    assert len(buf) == 5 * 7 * 4
    back = frames.from_bytes(buf, 7, 5, fmt)
    np.testing.assert_array_equal(back, arr)
    assert back.flags.writeable and back.flags.c_contiguous  # a real copy, not a view


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown pixel format 'ARGB8'"):
        frames.from_bytes(bytes(4), 1, 1, "ARGB8")
    with pytest.raises(ValueError, match="unknown pixel format"):
        frames.to_bytes(np.zeros((1, 1, 4), np.uint8), "RGB8")


def test_to_bytes_rejects_rgb() -> None:
    with pytest.raises(ValueError, match="H×W×4"):
        frames.to_bytes(np.zeros((2, 2, 3), np.uint8), "RGBA8")


def test_layers_decodes_labels_and_optional_strokes() -> None:
    labels = bytes([1, 2, 3, 4] * 6)
    strokes = bytes([9, 8, 7, 6] * 6)
    header = protocol.request(
        protocol.OP_GENERATE, "x", **protocol.generate_fields(3, 2, "BGRA8", True)
    )
    params = protocol.check_generate(header, [labels, strokes])
    lab, st = frames.layers(params, [labels, strokes])
    assert lab.shape == (2, 3, 4) and lab[0, 0].tolist() == [3, 2, 1, 4]
    assert st is not None and st[1, 2].tolist() == [7, 8, 9, 6]
    header = protocol.request(
        protocol.OP_GENERATE, "y", **protocol.generate_fields(3, 2, "RGBA8", False)
    )
    params = protocol.check_generate(header, [labels])
    lab, st = frames.layers(params, [labels])
    assert st is None and lab[0, 0].tolist() == [1, 2, 3, 4]
