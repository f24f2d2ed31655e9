"""Engine: document-size in/out, input errors, cancelling, seeds; device selection."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from paintboard import protocol
from paintboard.device import select_device
from paintboard.inference import Cancelled, Engine, InputError
from paintboard.nets import PRESETS, Generator
from paintboard.palette import BY_NAME
from paintboard.weights import save_generator


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    cfg = PRESETS["tiny"]
    torch.manual_seed(0)
    net = Generator(cfg)
    with torch.no_grad():  # make the labels matter (class tables are zero-initialised)
        for name, p in net.named_parameters():
            if name.endswith("mod.proj.weight"):
                p[:, : cfg.label_nc].normal_(0, 0.5)
    path = tmp_path_factory.mktemp("w") / "tiny.safetensors"
    save_generator(path, net, cfg, {"trained": False})
    return Engine(path, device="cpu")


def scene(h: int, w: int) -> np.ndarray:
    img = np.zeros((h, w, 4), np.uint8)
    img[..., 3] = 255
    img[: h // 2, :, :3] = BY_NAME["sky"].rgb
    img[h // 2 :, :, :3] = BY_NAME["grass"].rgb
    return img


def dab(h: int, w: int, y: int, x: int, rgb=(255, 140, 40)) -> np.ndarray:
    s = np.zeros((h, w, 4), np.uint8)
    s[y : y + 3, x : x + 3] = (*rgb, 255)
    return s


@pytest.mark.parametrize("hw", [(300, 200), (90, 160), (40, 40)])
def test_output_at_document_size(engine, hw):
    h, w = hw
    res = engine.generate(scene(h, w), dab(h, w, 5, 5), seed=1, size=64)
    assert res.image.shape == (h, w, 4) and res.image.dtype == np.uint8
    assert (res.image[..., 3] == 255).all()
    assert set(res.timings) == {"decode", "features", "generate", "resize"}
    assert res.model == "tiny" and res.seed == 1
    assert res.labels == {"snapped": 0, "unknown": [], "unknown_pixels": 0}


def test_seed_is_deterministic_and_strokes_matter(engine):
    img = scene(64, 96)
    a = engine.generate(img, None, seed=3, size=64).image
    b = engine.generate(img, None, seed=3, size=64).image
    c = engine.generate(img, None, seed=4, size=64).image
    d = engine.generate(img, dab(64, 96, 10, 10), seed=3, size=64).image
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, d)


def test_rgb_inputs_accepted(engine):
    img = scene(64, 64)[..., :3].copy()
    strokes = dab(64, 64, 10, 10)[..., :3].copy()
    assert engine.generate(img, strokes, size=64).image.shape == (64, 64, 4)


@pytest.mark.parametrize("alpha", [0, 255])
def test_empty_labels_rejected(engine, alpha):
    img = np.zeros((50, 50, 4), np.uint8)
    img[..., 3] = alpha  # transparent, or opaque black = void
    with pytest.raises(InputError, match="empty") as exc:
        engine.generate(img, None, size=64)
    assert exc.value.code == protocol.E_BAD_LABELS


def test_unknown_colours_rejected_above_half_percent(engine):
    img = scene(100, 100)
    img[:2, :2, :3] = (255, 0, 0)  # 4 px = 0.04 %: reported, accepted
    res = engine.generate(img, None, size=64)
    assert res.labels["unknown"] == [[255, 0, 0, 4]] and res.labels["unknown_pixels"] == 4
    img[:10, :10, :3] = (255, 0, 0)  # 1 %
    with pytest.raises(InputError, match="#ff0000.*palette") as exc:
        engine.generate(img, None, size=64)
    assert exc.value.code == protocol.E_BAD_LABELS


def test_bad_requests(engine):
    with pytest.raises(InputError) as exc:
        engine.generate(scene(64, 64), dab(32, 64, 1, 1), size=64)
    assert exc.value.code == protocol.E_BAD_REQUEST
    with pytest.raises(InputError, match="working size"):
        engine.generate(scene(64, 64), None, size=4096)
    with pytest.raises(InputError):
        engine.generate(np.zeros((64, 64), np.uint8), None, size=64)


def test_should_stop_cancels_between_blocks(engine):
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) >= 2

    with pytest.raises(Cancelled):
        engine.generate(scene(64, 64), None, size=64, should_stop=stop)
    assert len(calls) == 2
    # The engine still works afterwards (lock released).
    assert engine.generate(scene(64, 64), None, size=64, should_stop=lambda: False)


def test_info(engine):
    info = engine.info()
    assert info["model"] == "tiny" and info["trained"] is False
    assert info["device"] == "cpu" and info["feature_s"] == 9
    assert info["config"] == PRESETS["tiny"].to_dict()
    assert len(info["palette"]) == 16 and info["params"] > 0


def test_warmup(engine):
    assert engine.warmup(64) > 0


def test_shipped_weights_load():
    info = Engine(device="cpu").info()
    assert info["model"] == "small" and isinstance(info["trained"], bool)


def test_select_device(monkeypatch):
    monkeypatch.delenv("PAINTBOARD_DEVICE", raising=False)
    assert select_device("cpu").type == "cpu"
    assert select_device(None).type in ("cpu", "cuda", "mps")
    monkeypatch.setenv("PAINTBOARD_DEVICE", "cpu")
    assert select_device(None).type == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        select_device("tpu9")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            select_device("cuda")
