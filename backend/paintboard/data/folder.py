"""Dataset folder loader: ``images/`` + ``labels/`` (same stems) + ``classes.json``.

Real data sets (ADE20K, COCO-Stuff, a user's own) number their classes differently, so the folder
carries a mapping from its source ids (or label colours) to palette class names; unmapped ids
become void.  Hints are sampled per item with the same extractor that inference uses
(``hints.sample_training_strokes`` → ``features.build_conditioning``), so the generator never sees
a colour signal at training time that a user's strokes could not produce.

Items are random crops (+ flip) resized to the training size.  Every random choice comes from a
generator seeded by ``(seed, epoch, index)``: a resumed run sees the same data as an
uninterrupted one, with any number of loader workers or DDP ranks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from paintboard import features, images, palette
from paintboard.unit_range import to_unit

log = logging.getLogger(__name__)

IMAGE_EXTS = (".png", ".jpg", ".jpeg")


def _parse_colour(key: str) -> tuple[int, int, int] | None:
    """'#rrggbb' or 'r,g,b' → tuple, or None when the key is neither."""
    k = key.strip()
    if k.startswith("#") and len(k) == 7:
        try:
            return tuple(int(k[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
        except ValueError:
            return None
    parts = k.split(",")
    if len(parts) == 3:
        try:
            rgb = tuple(int(p) for p in parts)
        except ValueError:
            return None
        if all(0 <= v <= 255 for v in rgb):
            return rgb  # type: ignore[return-value]
    return None


def _class_id(name: Any, where: str) -> int:
    if name is None:
        return palette.VOID
    cls = palette.BY_NAME.get(str(name).strip().lower())
    if cls is None:
        raise ValueError(
            f"{where}: unknown palette class {name!r}; use one of "
            + ", ".join(c.name for c in palette.PALETTE)
        )
    return cls.id


def load_class_mapping(path: str | Path) -> tuple[str, np.ndarray | dict[int, int] | None]:
    """Read ``classes.json`` → (encoding, lookup).

    ``index`` encoding: a 256-entry uint8 lookup table (source id → palette id, 0 elsewhere).
    ``palette`` encoding: a dict packed-RGB → palette id, or None (no mapping: snap label colours
    to the nearest palette colour, which is what ``paintboard synth``-style colour maps need).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: a dataset folder needs classes.json "
            '({"encoding": "index"|"palette", "mapping": {"<source id>": "<class name>"}})'
        )
    try:
        spec = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from exc
    encoding = spec.get("encoding", "index")
    mapping = spec.get("mapping") or {}
    if not isinstance(mapping, dict):
        raise ValueError(f"{path}: 'mapping' must be an object of source id → class name")
    if encoding == "index":
        lut = np.zeros(256, dtype=np.uint8)
        for key, name in mapping.items():
            try:
                src = int(key)
            except ValueError:
                raise ValueError(f"{path}: index mapping key {key!r} is not an integer") from None
            if not 0 <= src <= 255:
                raise ValueError(f"{path}: source id {src} outside 0..255 (8-bit label PNGs)")
            lut[src] = _class_id(name, str(path))
        return "index", lut
    if encoding == "palette":
        if not mapping:
            return "palette", None
        table: dict[int, int] = {}
        for key, name in mapping.items():
            rgb = _parse_colour(key)
            if rgb is None:  # a palette class name maps its own palette colour
                rgb = palette.PALETTE[_class_id(key, str(path))].rgb
            table[(rgb[0] << 16) | (rgb[1] << 8) | rgb[2]] = _class_id(name, str(path))
        return "palette", table
    raise ValueError(f"{path}: encoding must be 'index' or 'palette', got {encoding!r}")


def decode_label_file(path: Path, encoding: str, lookup: Any) -> np.ndarray:
    """One label PNG → H×W uint8 palette ids."""
    with Image.open(path) as im:
        if encoding == "index":
            if im.mode not in ("L", "P", "I", "I;16"):
                raise ValueError(
                    f'{path}: mode {im.mode} is not an index image; set "encoding": "palette" '
                    "in classes.json for colour label maps"
                )
            arr = np.asarray(im)
            if arr.max(initial=0) > 255:
                raise ValueError(f"{path}: class ids above 255 are not supported")
            return lookup[arr.astype(np.uint8)]
        rgb = np.asarray(im.convert("RGB"))
    if lookup is None:
        from paintboard import labels as labels_mod

        return labels_mod.decode_labels(rgb).index
    packed = (
        (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    )
    colours, inverse = np.unique(packed, return_inverse=True)
    ids = np.array([lookup.get(int(c), palette.VOID) for c in colours], dtype=np.uint8)
    return ids[inverse.reshape(packed.shape)]


def pair_files(root: Path) -> list[tuple[str, Path, Path]]:
    """(stem, image, label) for every stem, or a ValueError naming the unpaired files."""
    img_dir, lab_dir = root / "images", root / "labels"
    for d in (img_dir, lab_dir):
        if not d.is_dir():
            raise FileNotFoundError(f"{d} not found: a dataset folder has images/ and labels/")
    imgs = {p.stem: p for p in sorted(img_dir.iterdir()) if p.suffix.lower() in IMAGE_EXTS}
    labs = {p.stem: p for p in sorted(lab_dir.iterdir()) if p.suffix.lower() == ".png"}
    only_img, only_lab = sorted(set(imgs) - set(labs)), sorted(set(labs) - set(imgs))
    if only_img or only_lab:
        parts = []
        if only_img:
            parts.append(f"{len(only_img)} image(s) without a label (e.g. {only_img[:5]})")
        if only_lab:
            parts.append(f"{len(only_lab)} label(s) without an image (e.g. {only_lab[:5]})")
        raise ValueError(
            f"{root}: stems of images/ and labels/ do not pair up: " + "; ".join(parts)
        )
    if not imgs:
        raise ValueError(f"{root}: no images found in images/")
    return [(s, imgs[s], labs[s]) for s in sorted(imgs)]


def make_sample(
    rgb: np.ndarray,
    index: np.ndarray,
    strokes: np.ndarray | None,
    s: int,
    mood: np.ndarray | None = None,
    feather: bool = True,
) -> dict[str, torch.Tensor]:
    """One training/eval item from arrays at the working size (the same path inference takes)."""
    cond = features.build_conditioning(index, strokes, s, mood, feather=feather)
    if strokes is None:
        strokes = np.zeros((*index.shape, 4), dtype=np.uint8)
    image = torch.from_numpy(np.ascontiguousarray(rgb[..., :3])).permute(2, 0, 1).float()
    return {
        "image": to_unit(image),
        "labels": torch.from_numpy(index.astype(np.int64)),
        "latent": torch.from_numpy(cond.latent.astype(np.float32)),
        "maps": torch.from_numpy(np.ascontiguousarray(cond.maps, dtype=np.float32)),
        "strokes": torch.from_numpy(np.ascontiguousarray(strokes)),
    }


class FolderDataset(Dataset):
    """Random square crops of a dataset folder with freshly sampled colour hints per item."""

    def __init__(
        self,
        root: str | Path,
        size: int,
        *,
        crop_scale: Sequence[float] = (0.7, 1.0),
        flip: bool = True,
        cache: bool = True,
        max_images: int = 0,
        seed: int = 0,
        s: int = features.DEFAULT_S,
        hints: bool = True,
        progress: bool = False,
        shapes: Sequence[tuple[int, int]] = (),
        mood_rate: float = 0.0,
        feather: bool = True,
    ) -> None:
        self.root = Path(root)
        self.size = int(size)
        self.crop_scale = (float(crop_scale[0]), float(crop_scale[1]))
        self.flip = flip
        self.seed = int(seed)
        self.s = int(s)
        self.hints = hints
        self.shapes = [(int(h), int(w)) for h, w in shapes] or [(self.size, self.size)]
        self.mood_rate = float(mood_rate)
        self.feather = feather
        self.epoch = 0
        self.encoding, self.lookup = load_class_mapping(self.root / "classes.json")
        pairs = pair_files(self.root)
        if max_images:
            pairs = pairs[:max_images]
        self.pairs = pairs
        self._cache: list[tuple[np.ndarray, np.ndarray]] | None = None
        if cache:
            it: Any = pairs
            if progress:
                from tqdm import tqdm

                it = tqdm(pairs, desc=f"loading {self.root.name}", unit="img", leave=False)
            self._cache = [self._decode(ip, lp) for _, ip, lp in it]

    def __len__(self) -> int:
        return len(self.pairs)

    def set_epoch(self, epoch: int) -> None:
        """New crops and hints each epoch, reproducibly."""
        self.epoch = int(epoch)

    def _decode(self, image_path: Path, label_path: Path) -> tuple[np.ndarray, np.ndarray]:
        rgb = images.load_rgba(image_path)[..., :3].copy()
        index = decode_label_file(label_path, self.encoding, self.lookup)
        if rgb.shape[:2] != index.shape:
            raise ValueError(
                f"{image_path.name} is {rgb.shape[1]}×{rgb.shape[0]} but its label map "
                f"{label_path.name} is {index.shape[1]}×{index.shape[0]}"
            )
        return rgb, index

    def arrays(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """The full-size (rgb uint8 H×W×3, palette index uint8 H×W) pair ``i``."""
        if self._cache is not None:
            return self._cache[i]
        _, ip, lp = self.pairs[i]
        return self._decode(ip, lp)

    def crop(
        self, i: int, rng: np.random.Generator, shape: tuple[int, int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Random crop (+ flip) of pair ``i`` with ``shape``'s aspect ratio, resized to it.

        The crop is a ``crop_scale`` fraction of the largest rectangle of that aspect ratio that
        fits the scene, so texture keeps the scale it has at the working size.
        """
        rgb, index = self.arrays(i)
        th, tw = shape or self.shapes[0]
        h, w = index.shape
        fit = min(h / th, w / tw)  # largest th:tw rectangle inside the scene, in target units
        lo, hi = self.crop_scale
        f = fit * rng.uniform(lo, hi)
        ch = max(1, min(h, int(round(th * f))))
        cw = max(1, min(w, int(round(tw * f))))
        y = int(rng.integers(0, h - ch + 1))
        x = int(rng.integers(0, w - cw + 1))
        rgb, index = rgb[y : y + ch, x : x + cw], index[y : y + ch, x : x + cw]
        if self.flip and rng.random() < 0.5:
            rgb, index = rgb[:, ::-1], index[:, ::-1]
        if (ch, cw) != (th, tw):
            rgb = images.resize_image(np.ascontiguousarray(rgb), th, tw)
            index = images.resize_labels(index, th, tw)
        return np.ascontiguousarray(rgb), np.ascontiguousarray(index)

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, torch.Tensor]:
        """Item ``i`` or ``(i, shape number)``: the trainer's batches pick one shape each."""
        i, k = (key, 0) if isinstance(key, (int, np.integer)) else key
        rng = np.random.default_rng([self.seed, self.epoch, int(i)])
        rgb, index = self.crop(i, rng, self.shapes[int(k) % len(self.shapes)])
        strokes = None
        if self.hints:
            from . import hints

            strokes = hints.sample_training_strokes(rgb, rng, self.s)
        mood = None
        if self.mood_rate and rng.random() < self.mood_rate:
            from paintboard import moods

            mood = moods.class_means(rgb, index, palette.NUM_CLASSES)
        return make_sample(rgb, index, strokes, self.s, mood, self.feather)
