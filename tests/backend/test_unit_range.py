"""[-1, 1] ↔ uint8: exact round trip, clamping, and numpy and torch agree."""

from __future__ import annotations

import numpy as np
import torch
from paintboard.unit_range import to_uint8, to_unit


def test_every_8_bit_value_round_trips_in_numpy_and_torch() -> None:
    pixels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    unit = to_unit(pixels)
    assert unit.dtype == np.float32 and unit.min() == -1.0 and unit.max() == 1.0
    np.testing.assert_array_equal(to_uint8(unit), pixels)
    t = to_unit(torch.from_numpy(pixels))
    assert t.dtype == torch.float32
    np.testing.assert_array_equal(t.numpy(), unit)
    back = to_uint8(t)
    assert back.dtype == torch.uint8
    np.testing.assert_array_equal(back.numpy(), pixels)


def test_out_of_range_values_clamp_and_low_precision_inputs_work() -> None:
    x = np.array([-3.0, -1.0, 0.0, 1.0, 7.0], dtype=np.float32)
    assert to_uint8(x).tolist() == [0, 0, 128, 255, 255]
    assert to_uint8(torch.from_numpy(x).to(torch.bfloat16)).tolist() == [0, 0, 128, 255, 255]
