"""The reduced reads (issue #10): which label rows are read, and the live layer's copy patched
in place of reading the layer back."""

from __future__ import annotations

import pytest
from paintboard_krita.model.reads import is_opaque, sampled_rows, splice_into


@pytest.mark.parametrize(("height", "new"), [(3508, 256), (1100, 188), (257, 256), (9, 3)])
def test_sampled_rows_take_the_row_under_each_output_rows_centre(height, new):
    rows = sampled_rows(height, new)
    assert len(rows) == new and rows == sorted(rows) and len(set(rows)) == new
    for j, y in enumerate(rows):  # the output row's centre lies inside the source row taken
        centre = (j + 0.5) * height / new
        assert y <= centre < y + 1
    assert rows[0] >= 0 and rows[-1] < height


def test_sampled_rows_of_an_unreduced_axis_are_every_row():
    assert sampled_rows(7, 7) == list(range(7))


def test_splice_into_patches_only_the_rectangle_in_place():
    width, height = 6, 5
    buf = bytearray(bytes(range(4)) * (width * height))
    before = bytes(buf)
    region = bytes([200]) * (3 * 2 * 4)
    splice_into(buf, width, (2, 1, 3, 2), region)
    for y in range(height):
        for x in range(width):
            px = buf[(y * width + x) * 4 : (y * width + x) * 4 + 4]
            inside = 2 <= x < 5 and 1 <= y < 3
            assert px == (bytes([200]) * 4 if inside else before[(y * width + x) * 4 :][:4])
    with pytest.raises(ValueError):
        splice_into(buf, width, (0, 0, 2, 2), bytes(4))


def test_is_opaque_looks_at_every_alpha_byte_only():
    page = bytearray(b"\x10\x20\x30\xff" * 1000)
    assert is_opaque(page) and is_opaque(memoryview(bytes(page)))
    page[3 + 4 * 999] = 254  # the very last pixel
    assert not is_opaque(page)
    assert is_opaque(b"\x00\x00\x00\xff\xff\xff\xff\xff")  # colour bytes may be 255 too
