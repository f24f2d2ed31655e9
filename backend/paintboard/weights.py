"""Generator weights: safetensors (tensors + config/palette in the header) + a JSON model card.

Never pickle: a weights file is data, so a tampered file can at worst fail to load.  The card
records the file's sha256, because safetensors would load altered tensor data silently.  Every
failure is a :class:`WeightsError` whose message names the file and says what to do, because
this is the first thing a new user meets when a download went wrong.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from . import palette
from .nets.config import ModelConfig
from .nets.generator import Generator

ENV_WEIGHTS = "PAINTBOARD_WEIGHTS"
FORMAT = "paintboard-generator"
FORMAT_VERSION = "1"
REPO_ROOT = Path(__file__).resolve().parents[2]
CARD_SHA256 = "sha256"  # card key: sha256 of the whole .safetensors file (hex)

log = logging.getLogger(__name__)


class WeightsError(Exception):
    """A weights file that cannot be used; the message names the file and the remedy."""


def default_weights_path() -> Path:
    """``$PAINTBOARD_WEIGHTS`` or the shipped ``<repo>/weights/small.safetensors``."""
    env = os.environ.get(ENV_WEIGHTS)
    return Path(env) if env else REPO_ROOT / "weights" / "small.safetensors"


def card_path(path: str | Path) -> Path:
    """The model card sits beside the tensors: ``small.safetensors`` → ``small.json``."""
    return Path(path).with_suffix(".json")


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.chmod(tmp, 0o644)  # safetensors creates 0600 files; weights are meant to be shared
    os.replace(tmp, path)


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes.

    safetensors has no checksum of its own: a flipped byte in the tensor data loads fine and
    silently changes the pictures.  The card carries this digest so such a file is refused.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_generator(path: str | Path, netG: Generator, cfg: ModelConfig, card: dict) -> None:
    """Write ``path`` (.safetensors) and its card (.json), both atomically.

    The config and palette are forced from the code, so a card can never describe another
    network than the tensors it sits beside; the card also records the tensors file's sha256,
    checked by :func:`load_generator`.  No wire-protocol version is stamped: the weights do not
    depend on the wire (older cards still carry a ``protocol_version``, which nothing reads).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    full_card: dict[str, Any] = {"trained": False, "training": {}, "metrics": {}, **card}
    full_card.update(
        model=cfg.name,
        config=cfg.to_dict(),
        palette=palette.palette_as_dicts(),
        feature_s=cfg.feature_s,
    )
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in netG.state_dict().items()}
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": json.dumps(cfg.to_dict(), sort_keys=True),
        "palette": json.dumps(palette.palette_as_dicts()),
        "trained": json.dumps(bool(full_card["trained"])),
    }
    _atomic_write(path, lambda p: save_file(tensors, str(p), metadata=metadata))
    full_card[CARD_SHA256] = file_sha256(path)
    text = json.dumps(full_card, indent=2, sort_keys=True) + "\n"
    _atomic_write(card_path(path), lambda p: p.write_text(text, encoding="utf-8"))


def _fail(path: Path, what: str, remedy: str = "") -> WeightsError:
    remedy = remedy or (
        "re-download or re-export it (paintboard train writes weights with their card), "
        f"or point --weights / ${ENV_WEIGHTS} at another file"
    )
    return WeightsError(f"weights file {path}: {what}; {remedy}")


def read_metadata(path: str | Path) -> tuple[ModelConfig, dict[str, str]]:
    """Config and raw header metadata without loading tensors (cheap; used by ``info``)."""
    path = Path(path)
    if not path.is_file():
        raise _fail(path, "not found", f"pass --weights PATH or set ${ENV_WEIGHTS}")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = f.metadata() or {}
    except Exception as exc:  # safetensors raises its own error type for every corruption
        raise _fail(
            path, f"not a readable safetensors file (truncated or corrupt: {exc})"
        ) from None
    if meta.get("format") != FORMAT:
        raise _fail(path, "is not a Paintboard generator (no 'format' metadata in its header)")
    try:
        cfg = ModelConfig.from_dict(json.loads(meta["config"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise _fail(path, f"has a missing or invalid model config ({exc})") from None
    try:
        file_palette = json.loads(meta.get("palette", "null"))
    except ValueError:
        file_palette = None
    if file_palette != palette.palette_as_dicts():
        raise _fail(path, "was trained for another label palette than this Paintboard version")
    return cfg, meta


def read_card(path: str | Path, cfg: ModelConfig) -> dict:
    """The JSON card beside ``path``; it must describe the same config as the header."""
    cpath = card_path(path)
    if not cpath.is_file():
        raise _fail(Path(path), f"has no model card {cpath.name} beside it")
    try:
        card = json.loads(cpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _fail(Path(path), f"model card {cpath} is not valid JSON ({exc})") from None
    # compare as configs, so a card written before a field existed (its default) still matches
    try:
        same = isinstance(card, dict) and ModelConfig.from_dict(card.get("config") or {}) == cfg
    except (TypeError, ValueError):
        same = False
    if not same:
        raise _fail(Path(path), f"model card {cpath} describes another model config than the file")
    return card


def verify_checksum(path: str | Path, card: dict) -> None:
    """Refuse a tensors file whose sha256 differs from the one its card records.

    A card without the key (exported before checksums existed) is accepted with a warning.
    """
    path = Path(path)
    expected = card.get(CARD_SHA256)
    if expected is None:
        log.warning(
            "weights file %s: its model card %s records no sha256, so a modified or corrupted "
            "file cannot be detected (exported by an older version); re-export it to add one",
            path,
            card_path(path).name,
        )
        return
    try:
        actual = file_sha256(path)
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc})") from None
    if not isinstance(expected, str) or actual != expected.strip().lower():
        raise _fail(
            path,
            "does not match its model card's checksum: the file was modified or corrupted",
            "re-download or re-export it (paintboard train writes weights with their card)",
        )


def load_generator(
    path: str | Path, device: str | torch.device = "cpu"
) -> tuple[Generator, ModelConfig, dict]:
    """Rebuild the generator from ``path``; returns (netG in eval mode, config, card)."""
    path = Path(path)
    cfg, _ = read_metadata(path)
    card = read_card(path, cfg)
    try:
        tensors = load_file(str(path), device="cpu")
    except Exception as exc:
        raise _fail(path, f"tensor data unreadable (truncated or corrupt: {exc})") from None
    netG = Generator(cfg)
    expected = {k: tuple(v.shape) for k, v in netG.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in tensors.items()}
    if expected != got:
        missing = sorted(set(expected) - set(got))[:3]
        extra = sorted(set(got) - set(expected))[:3]
        shapes = [k for k in expected if k in got and expected[k] != got[k]][:3]
        raise _fail(
            path,
            f"tensors do not match its config '{cfg.name}' (missing {missing}, "
            f"unexpected {extra}, wrong shape {shapes})",
        )
    verify_checksum(path, card)
    netG.load_state_dict(tensors, strict=True)
    return netG.to(device).eval(), cfg, card
