"""Bad input a user can actually produce, through a real server: the message must say what is
wrong in words a painter can act on (which colours, which layer), and the server keeps serving.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from paintboard import palette, protocol
from paintboard.serving.client import Client, ClientError

pytestmark = pytest.mark.slow

W, H = 64, 48


def layer(rgb: tuple[int, int, int], alpha: int = 255) -> np.ndarray:
    out = np.empty((H, W, 4), np.uint8)
    out[..., :3] = rgb
    out[..., 3] = alpha
    return out


def sky_and_grass() -> np.ndarray:
    out = layer(palette.BY_NAME["sky"].rgb)
    out[H // 2 :, :, :3] = palette.BY_NAME["grass"].rgb
    return out


@pytest.fixture
def client(server) -> Client:
    with Client(server.endpoint, timeout=120.0, retries=0) as c:
        yield c
        assert c.ping()["ok"], "server stopped answering after bad input"


def test_unknown_colours_are_named(client: Client) -> None:
    img = sky_and_grass()
    img[:10, :, :3] = (255, 0, 255)  # magenta: far from every palette colour
    img[10:16, :, :3] = (0, 255, 255)  # cyan: far too
    with pytest.raises(ClientError) as info:
        client.generate(img.tobytes(), None, W, H, size=64)
    assert info.value.code == protocol.E_BAD_LABELS
    msg = info.value.message.lower()
    assert "#ff00ff" in msg and "#00ffff" in msg, msg
    assert "palette" in msg


def test_a_few_antialiased_pixels_are_snapped_not_refused(client: Client) -> None:
    img = sky_and_grass()
    img[H // 2, :, :3] = (134, 205, 20)  # a soft edge just off the grass colour
    img[0, 0, :3] = (255, 0, 255)  # one stray pixel: below the refusal threshold
    header, image = client.generate(img.tobytes(), None, W, H, size=64)
    assert header["ok"] and len(image) == W * H * 4
    assert header["labels"]["snapped"] >= W
    assert [255, 0, 255, 1] in header["labels"]["unknown"]


@pytest.mark.parametrize(
    "img",
    [layer((0, 0, 0), alpha=0), layer((135, 206, 235), alpha=0), layer((0, 0, 0))],
    ids=["transparent", "transparent-with-colour", "all-void-black"],
)
def test_empty_labels_layer_is_a_clear_message(client: Client, img: np.ndarray) -> None:
    with pytest.raises(ClientError) as info:
        client.generate(img.tobytes(), None, W, H, size=64)
    assert info.value.code == protocol.E_BAD_LABELS
    assert "empty" in info.value.message.lower(), info.value.message


@pytest.mark.parametrize(
    ("width", "height", "code"),
    [
        (0, H, protocol.E_BAD_REQUEST),
        (W, 0, protocol.E_BAD_REQUEST),
        (0, 0, protocol.E_BAD_REQUEST),
        (protocol.MAX_SIDE + 1, 1, protocol.E_TOO_LARGE),
        (protocol.MAX_SIDE, protocol.MAX_SIDE, protocol.E_TOO_LARGE),
        (10**9, 10**9, protocol.E_TOO_LARGE),
    ],
)
def test_zero_and_huge_dimensions(client: Client, width: int, height: int, code: str) -> None:
    with pytest.raises(ClientError) as info:
        client.generate(b"\x00" * 64, None, width, height, size=64)
    assert info.value.code == code, info.value
    assert str(width) in info.value.message or str(height) in info.value.message


@pytest.mark.parametrize("fmt", ["RGBA16", "RGBAF32", "CMYK8", "GRAYA8", "LABA16"])
def test_16_bit_cmyk_and_other_depths_are_refused_by_name(client: Client, fmt: str) -> None:
    """Krita hands non-RGBA8 documents over in other layouts; the plugin converts or refuses,
    and a backend that receives one anyway says which formats it takes."""
    with pytest.raises(ClientError) as info:
        client.generate(sky_and_grass().tobytes(), None, W, H, fmt=fmt, size=64)
    assert info.value.code == protocol.E_BAD_REQUEST
    assert "RGBA8" in info.value.message and "BGRA8" in info.value.message


def test_buffer_size_mismatch_names_the_layer(client: Client) -> None:
    good = sky_and_grass().tobytes()
    with pytest.raises(ClientError) as info:
        client.generate(good, good[:-4], W, H, size=64)
    assert info.value.code == protocol.E_BAD_REQUEST
    assert "strokes" in info.value.message and str(W * H * 4) in info.value.message


def test_good_request_after_all_that(client: Client) -> None:
    header, image = client.generate(sky_and_grass().tobytes(), None, W, H, size=64, seed=3)
    assert header["ok"] and header["seed"] == 3 and len(image) == W * H * 4
    assert json.loads(json.dumps(header))  # the reply header is plain JSON
