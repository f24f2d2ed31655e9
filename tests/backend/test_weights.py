"""Weights round trip and every refusal path (no pickle anywhere)."""

from __future__ import annotations

import json

import pytest
import torch
from paintboard import weights
from paintboard.nets import PRESETS, Generator, make_noise
from paintboard.weights import WeightsError, load_generator, save_generator
from safetensors.torch import save_file


@pytest.fixture()
def saved(tmp_path):
    cfg = PRESETS["tiny"]
    torch.manual_seed(0)
    net = Generator(cfg).eval()
    path = tmp_path / "tiny.safetensors"
    save_generator(path, net, cfg, {"trained": False, "training": {"steps": 0}})
    return path, net, cfg


def test_roundtrip_same_output(saved):
    path, net, cfg = saved
    loaded, cfg2, card = load_generator(path)
    assert cfg2 == cfg
    assert card["model"] == "tiny" and card["trained"] is False
    assert card["config"] == cfg.to_dict() and card["feature_s"] == 9
    assert card["training"] == {"steps": 0}
    latent = torch.rand(1, cfg.latent_dim)
    labels = torch.randint(0, 16, (1, 32, 48))
    maps = torch.rand(1, 8, 32, 48)
    noise = make_noise(5, 1, cfg, "cpu")
    with torch.inference_mode():
        assert torch.equal(net(latent, labels, maps, noise), loaded(latent, labels, maps, noise))


def test_missing_file(tmp_path):
    path = tmp_path / "nope.safetensors"
    with pytest.raises(WeightsError, match="nope.safetensors.*not found"):
        load_generator(path)


def test_truncated_file(saved):
    path, _, _ = saved
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match=f"{path.name}.*(truncated|corrupt)"):
        load_generator(path)


def test_garbage_file(saved):
    path, _, _ = saved
    path.write_bytes(b"\x80\x04garbage that is not safetensors" * 10)
    with pytest.raises(WeightsError, match=path.name):
        load_generator(path)


def test_wrong_tensor_shapes(saved, tmp_path):
    path, _, cfg = saved
    # Tensors of another config under this config's header: a config mismatch.
    other = Generator(PRESETS["small"])
    meta = {
        "format": weights.FORMAT,
        "config": json.dumps(cfg.to_dict()),
        "palette": json.dumps(weights.palette.palette_as_dicts()),
    }
    save_file({k: v.contiguous() for k, v in other.state_dict().items()}, str(path), meta)
    with pytest.raises(WeightsError, match=f"{path.name}.*do not match"):
        load_generator(path)


def test_missing_tensor(saved):
    path, net, cfg = saved
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    sd = {k: v.contiguous() for k, v in net.state_dict().items() if k != "to_rgb.bias"}
    save_file(sd, str(path), meta)
    with pytest.raises(WeightsError, match="to_rgb.bias"):
        load_generator(path)


def test_card_config_mismatch(saved):
    path, _, _ = saved
    card_file = weights.card_path(path)
    card = json.loads(card_file.read_text())
    card["config"]["ngf"] = 99
    card_file.write_text(json.dumps(card))
    with pytest.raises(WeightsError, match="another model config"):
        load_generator(path)


def test_missing_and_broken_card(saved):
    path, _, _ = saved
    card_file = weights.card_path(path)
    card_file.write_text("{not json")
    with pytest.raises(WeightsError, match="not valid JSON"):
        load_generator(path)
    card_file.unlink()
    with pytest.raises(WeightsError, match="no model card"):
        load_generator(path)


def test_not_a_paintboard_file(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(WeightsError, match="not a Paintboard generator"):
        load_generator(path)


def test_default_weights_path(monkeypatch, tmp_path):
    monkeypatch.delenv("PAINTBOARD_WEIGHTS", raising=False)
    p = weights.default_weights_path()
    assert p.name == "small.safetensors" and p.parent.name == "weights"
    assert (p.parent.parent / "pyproject.toml").is_file()
    monkeypatch.setenv("PAINTBOARD_WEIGHTS", str(tmp_path / "x.safetensors"))
    assert weights.default_weights_path() == tmp_path / "x.safetensors"


def test_card_records_the_file_checksum(saved):
    path, _, _ = saved
    card = json.loads(weights.card_path(path).read_text())
    assert card[weights.CARD_SHA256] == weights.file_sha256(path)


def test_flipped_byte_in_tensor_data_is_refused(saved):
    """safetensors has no checksum: one flipped byte in the data loads fine and changes the
    pictures unless the card's sha256 catches it."""
    path, _, _ = saved
    data = bytearray(path.read_bytes())
    header_len = int.from_bytes(data[:8], "little")
    at = 8 + header_len + (len(data) - 8 - header_len) // 2  # inside the tensor data region
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError) as info:
        load_generator(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "does not match its model card's checksum: the file was modified or corrupted" in msg
    assert "re-download or re-export" in msg


def test_card_without_checksum_loads_with_a_warning(saved, caplog):
    """Cards written before checksums existed still load (older exports), but say so."""
    path, net, cfg = saved
    card_file = weights.card_path(path)
    card = json.loads(card_file.read_text())
    del card[weights.CARD_SHA256]
    card_file.write_text(json.dumps(card))
    with caplog.at_level("WARNING", logger="paintboard.weights"):
        load_generator(path)
    assert any(str(path) in r.getMessage() and "sha256" in r.getMessage() for r in caplog.records)


def test_checksum_of_another_file_is_refused(saved):
    path, _, _ = saved
    card_file = weights.card_path(path)
    card = json.loads(card_file.read_text())
    card[weights.CARD_SHA256] = "0" * 64
    card_file.write_text(json.dumps(card))
    with pytest.raises(WeightsError, match="checksum"):
        load_generator(path)
