"""Engine: document-size in/out, input errors, cancelling, seeds; device selection."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from paintboard import inference
from paintboard.device import select_device
from paintboard.inference import Cancelled, Engine, InputError
from paintboard.nets import PRESETS, Generator
from paintboard.nets.generator import MIN_SIDE
from paintboard.palette import BY_NAME
from paintboard.weights import save_generator


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    cfg = PRESETS["tiny"]
    torch.manual_seed(0)
    net = Generator(cfg)
    with torch.no_grad():  # make the labels matter (class tables are zero-initialised)
        for name, p in net.named_parameters():
            if name.endswith("mod.proj.weight"):
                p[:, : cfg.label_nc].normal_(0, 0.5)
    path = tmp_path_factory.mktemp("w") / "tiny.safetensors"
    save_generator(path, net, cfg, {"trained": False})
    return path


@pytest.fixture(scope="module")
def engine(tiny_weights) -> Engine:
    return Engine(tiny_weights, device="cpu")


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
    assert exc.value.reason == "labels"


def test_unknown_colours_rejected_above_half_percent(engine):
    img = scene(100, 100)
    img[:2, :2, :3] = (255, 0, 0)  # 4 px = 0.04 %: reported, accepted
    res = engine.generate(img, None, size=64)
    assert res.labels["unknown"] == [[255, 0, 0, 4]] and res.labels["unknown_pixels"] == 4
    img[:10, :10, :3] = (255, 0, 0)  # 1 %
    with pytest.raises(InputError, match="#ff0000.*palette") as exc:
        engine.generate(img, None, size=64)
    assert exc.value.reason == "labels"


def test_bad_requests(engine):
    with pytest.raises(InputError) as exc:
        engine.generate(scene(64, 64), dab(32, 64, 1, 1), size=64)
    assert exc.value.reason == "request"
    with pytest.raises(InputError, match="working size"):
        engine.generate(scene(64, 64), None, size=MIN_SIDE - 1)
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


# ---- precision ---------------------------------------------------------------------------------


def _autocast_seen(eng: Engine) -> list[tuple[bool, torch.dtype]]:
    """Record, at every generator forward, whether CPU autocast is on and with which dtype."""
    seen: list[tuple[bool, torch.dtype]] = []
    eng.netG.register_forward_pre_hook(
        lambda *_: seen.append((torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu")))
    )
    return seen


def test_precision_auto_fp32_bf16(tiny_weights, monkeypatch):
    monkeypatch.delenv(inference.ENV_FP32, raising=False)
    auto = Engine(tiny_weights, device="cpu")
    expected = "bf16" if inference.cpu_has_native_bf16() else "fp32"
    assert auto.precision == expected and auto.info()["precision"] == expected
    fp32 = Engine(tiny_weights, device="cpu", precision="fp32")
    bf16 = Engine(tiny_weights, device="cpu", precision="bf16")
    assert (fp32.info()["precision"], bf16.info()["precision"]) == ("fp32", "bf16")
    seen32, seen16 = _autocast_seen(fp32), _autocast_seen(bf16)
    img, strokes = scene(96, 128), dab(96, 128, 10, 20)
    a = fp32.generate(img, strokes, seed=5, size=96).image
    b = bf16.generate(img, strokes, seed=5, size=96).image
    assert seen32 == [(False, seen32[0][1])] and seen16 == [(True, torch.bfloat16)]
    # bf16 is a speed change, not a different picture
    assert a.shape == b.shape and b.dtype == np.uint8
    assert np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() <= 2
    c = auto.generate(img, strokes, seed=5, size=96).image
    assert np.abs(a.astype(np.int16) - c.astype(np.int16)).mean() <= 2


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_same_seed_same_bytes_in_each_precision(tiny_weights, monkeypatch, precision):
    monkeypatch.delenv(inference.ENV_FP32, raising=False)
    eng = Engine(tiny_weights, device="cpu", precision=precision)
    img, strokes = scene(80, 64), dab(80, 64, 30, 30)
    first = eng.generate(img, strokes, seed=11, size=64).image
    assert np.array_equal(first, eng.generate(img, strokes, seed=11, size=64).image)


def test_paintboard_fp32_env_forces_fp32(tiny_weights, monkeypatch):
    monkeypatch.setenv(inference.ENV_FP32, "1")
    eng = Engine(tiny_weights, device="cpu", precision="bf16")
    assert eng.precision == "fp32" and eng.info()["precision"] == "fp32"
    seen = _autocast_seen(eng)
    eng.generate(scene(64, 64), None, size=64)
    assert seen and not seen[0][0]
    assert inference.resolve_precision(torch.device("cpu"), "auto") == "fp32"


def test_precision_resolution(monkeypatch):
    monkeypatch.delenv(inference.ENV_FP32, raising=False)
    assert inference.resolve_precision(torch.device("cuda"), "auto") == "fp32"  # measured
    assert inference.resolve_precision(torch.device("cuda"), "fp16") == "fp16"  # on request
    assert inference.resolve_precision(torch.device("mps"), "auto") == "fp32"
    with pytest.raises(ValueError, match="unknown precision"):
        inference.resolve_precision(torch.device("cpu"), "int8")
    with pytest.raises(ValueError, match="not supported on mps"):
        inference.resolve_precision(torch.device("mps"), "bf16")
