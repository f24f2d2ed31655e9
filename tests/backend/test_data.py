"""Dataset folder loader: class mapping, stem pairing, items as the trainer expects them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from paintboard import palette
from paintboard.data import FolderDataset, load_class_mapping
from PIL import Image


def _write_folder(root: Path, n: int = 3, size: int = 40, encoding: str = "index") -> Path:
    """Scenes with a source-dataset numbering: 5 = sky (top half), 9 = water, 200 = unmapped."""
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        src = np.full((size, size), 5, np.uint8)
        src[size // 2 :] = 9
        src[-3:, :4] = 200
        rgb = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(rgb).save(root / "images" / f"img{i}.png")
        if encoding == "index":
            Image.fromarray(src).save(root / "labels" / f"img{i}.png")
        else:
            colours = {5: (10, 20, 30), 9: (40, 50, 60), 200: (1, 2, 3)}
            col = np.zeros((size, size, 3), np.uint8)
            for k, c in colours.items():
                col[src == k] = c
            Image.fromarray(col).save(root / "labels" / f"img{i}.png")
    if encoding == "index":
        mapping = {"5": "sky", "9": "lake"}
    else:
        mapping = {"#0a141e": "sky", "40,50,60": "lake"}
    (root / "classes.json").write_text(json.dumps({"encoding": encoding, "mapping": mapping}))
    return root


@pytest.mark.parametrize("encoding", ["index", "palette"])
def test_mapping_turns_source_ids_into_palette_ids(tmp_path: Path, encoding: str) -> None:
    root = _write_folder(tmp_path / "d", encoding=encoding)
    ds = FolderDataset(root, 40, crop_scale=(1.0, 1.0), flip=False, hints=False)
    _, index = ds.arrays(0)
    sky, lake = palette.BY_NAME["sky"].id, palette.BY_NAME["lake"].id
    assert index[0, 10] == sky
    assert index[30, 20] == lake
    assert index[-1, 0] == palette.VOID  # unmapped source id → void
    assert set(np.unique(index)) == {palette.VOID, sky, lake}


def test_mismatched_stems_name_the_files(tmp_path: Path) -> None:
    root = _write_folder(tmp_path / "d")
    (root / "labels" / "img1.png").rename(root / "labels" / "other.png")
    with pytest.raises(ValueError, match=r"img1.*other|other.*img1"):
        FolderDataset(root, 32)


def test_missing_mapping_file_and_unknown_class(tmp_path: Path) -> None:
    root = _write_folder(tmp_path / "d")
    (root / "classes.json").write_text(json.dumps({"mapping": {"5": "skyy"}}))
    with pytest.raises(ValueError, match="skyy"):
        load_class_mapping(root / "classes.json")
    (root / "classes.json").unlink()
    with pytest.raises(FileNotFoundError, match="classes.json"):
        FolderDataset(root, 32)


def test_items_have_the_contract_shapes_and_are_reproducible(tmp_path: Path) -> None:
    root = _write_folder(tmp_path / "d", size=48)
    ds = FolderDataset(root, 32, crop_scale=(0.5, 1.0), seed=3)
    item = ds[1]
    assert item["image"].shape == (3, 32, 32) and item["image"].dtype == torch.float32
    assert float(item["image"].min()) >= -1.0 and float(item["image"].max()) <= 1.0
    assert item["labels"].shape == (32, 32) and item["labels"].dtype == torch.long
    assert item["latent"].shape == (9 * 9 * 8,)
    assert item["maps"].shape == (8, 32, 32)
    assert item["strokes"].shape == (32, 32, 4)
    again = ds[1]
    assert all(torch.equal(item[k], again[k]) for k in item)  # seeded by (seed, epoch, index)
    seen = set()
    for epoch in range(6):
        ds.set_epoch(epoch)
        seen.add(ds[1]["image"].sum().item())
    assert len(seen) > 1  # new crops each epoch


def test_hints_come_from_the_image_through_the_inference_extractor(tmp_path: Path) -> None:
    root = _write_folder(tmp_path / "d", size=48)
    ds = FolderDataset(root, 48, crop_scale=(1.0, 1.0), flip=False)
    found = False
    for epoch in range(20):  # the mixture includes "no hints"; find an item with hints
        ds.set_epoch(epoch)
        item = ds[0]
        if item["latent"].view(9, 9, 8)[..., 0].sum() > 0:
            found = True
            mask = item["strokes"][..., 3] > 0
            # every stroke pixel has a hint, or its region map already says its colour
            # (features.drop_region_said_cells)
            hinted, said = item["maps"][0][mask] > 0, item["maps"][4][mask] >= 1
            assert bool((hinted | said).all()) and bool(hinted.any() or said.all())
            break
    assert found


def test_uncached_loader_reads_the_same_arrays(tmp_path: Path) -> None:
    root = _write_folder(tmp_path / "d")
    a = FolderDataset(root, 40, cache=True)
    b = FolderDataset(root, 40, cache=False)
    for i in range(len(a)):
        assert all(np.array_equal(x, y) for x, y in zip(a.arrays(i), b.arrays(i), strict=True))
