"""Label decoding: exact colours, snapping, transparency and the unknown-colour report."""

from __future__ import annotations

import numpy as np
import pytest
from paintboard import labels, palette

SKY, CLOUD = (135, 206, 235), (205, 205, 225)


def opaque(rgb_rows: list[list[tuple[int, int, int]]]) -> np.ndarray:
    rgb = np.array(rgb_rows, dtype=np.uint8)
    return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)


def test_exact_palette_colours_map_to_their_ids() -> None:
    img = opaque([[c.rgb for c in palette.PALETTE]])
    out = labels.decode_labels(img)
    assert out.index.dtype == np.uint8
    assert out.index.tolist() == [list(range(16))]
    assert out.snapped == 0 and out.unknown == [] and out.unknown_pixels == 0


def test_rgb_without_alpha_is_accepted() -> None:
    img = np.array([[SKY, (0, 40, 140)]], np.uint8)
    assert labels.decode_labels(img).index.tolist() == [[1, 7]]


def test_alpha_zero_is_void_whatever_the_colour() -> None:
    img = opaque([[SKY, SKY, (255, 0, 0)]])
    img[0, 1, 3] = 0
    img[0, 2, 3] = 0  # a foreign colour under alpha 0 is neither snapped nor unknown
    out = labels.decode_labels(img)
    assert out.index.tolist() == [[1, 0, 0]]
    assert out.snapped == 0 and out.unknown == []


def test_all_transparent_is_all_void() -> None:
    out = labels.decode_labels(np.zeros((3, 4, 4), np.uint8))
    assert not out.index.any() and out.index.shape == (3, 4) and out.snapped == 0


def test_near_and_antialiased_colours_snap_and_are_counted() -> None:
    near_sky = (138, 204, 236)  # picker drift
    edge = (152, 206, 232)  # 3/4 sky + 1/4 cloud: an anti-aliased edge pixel
    near_cloud = (195, 205, 227)  # 1/8 sky + 7/8 cloud
    img = opaque([[SKY, near_sky, edge], [CLOUD, near_cloud, near_cloud]])
    out = labels.decode_labels(img)
    assert out.index.tolist() == [[1, 1, 1], [2, 2, 2]]
    assert out.snapped == 4
    assert out.unknown == [] and out.unknown_pixels == 0


def test_far_colours_are_reported_and_still_snapped_to_the_nearest_class() -> None:
    img = opaque([[(255, 0, 0), (255, 0, 0), (0, 255, 255), SKY]])
    out = labels.decode_labels(img)
    # red: nearest is earth (150,100,60), distance² 105² + 100² + 60² = 24625;
    # cyan: nearest is river (30,144,255), distance² 30² + 111² + 0² = 13221
    assert out.index.tolist() == [[15, 15, 8, 1]]
    assert out.unknown == [((255, 0, 0), 2), ((0, 255, 255), 1)]
    assert out.unknown_pixels == 3 and out.snapped == 3


def test_unknown_report_is_most_frequent_first_and_capped_at_16() -> None:
    row = []
    for i in range(20):  # 20 distinct foreign reds, colour i painted i + 1 times
        row += [(255, 0, i)] * (i + 1)
    out = labels.decode_labels(opaque([row]))
    assert len(out.unknown) == 16
    assert out.unknown[0] == ((255, 0, 19), 20)
    assert out.unknown[-1] == ((255, 0, 4), 5)
    assert out.unknown_pixels == sum(range(1, 21))


def test_encode_labels_inverts_decode() -> None:
    index = np.arange(16, dtype=np.uint8).reshape(4, 4)
    rgb = labels.encode_labels(index)
    assert rgb.shape == (4, 4, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[3, 3]) == palette.PALETTE[15].rgb
    np.testing.assert_array_equal(labels.decode_labels(rgb).index, index)


def test_encode_rejects_ids_outside_the_palette() -> None:
    with pytest.raises(ValueError, match="outside the palette"):
        labels.encode_labels(np.array([[16]], np.uint8))


@pytest.mark.parametrize(
    "img", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4, 3))]
)
def test_decode_rejects_bad_arrays(img: np.ndarray) -> None:
    with pytest.raises(ValueError, match="label image"):
        labels.decode_labels(img)


def _brute_force(img: np.ndarray) -> labels.DecodedLabels:
    """Per-pixel nearest palette colour, no packing, no unique: the reference for the fast path."""
    pal = np.array([c.rgb for c in palette.PALETTE], dtype=np.int64)
    rgb = img[:, :, :3].reshape(-1, 3).astype(np.int64)
    opaque = img[:, :, 3].reshape(-1) > 0
    dist2 = ((rgb[:, None, :] - pal[None, :, :]) ** 2).sum(axis=2)
    nearest = dist2.argmin(axis=1)
    best = dist2.min(axis=1)
    index = np.where(opaque, nearest, 0).astype(np.uint8).reshape(img.shape[:2])
    far = opaque & (best > palette.UNKNOWN_COLOUR_DISTANCE**2)
    counts: dict[tuple[int, int, int], int] = {}
    for px in map(tuple, rgb[far].tolist()):
        counts[px] = counts.get(px, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # ties: colour order
    return labels.DecodedLabels(
        index=index,
        snapped=int((opaque & (best > 0)).sum()),
        unknown=ranked[: labels.MAX_UNKNOWN_REPORTED],
        unknown_pixels=int(far.sum()),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_path_matches_brute_force_nearest_colour(seed: int) -> None:
    """Exact palette pixels take a look-up, the rest the unique/nearest path: together they must
    give exactly what a per-pixel nearest-colour search gives (index, counts, unknown report)."""
    rng = np.random.default_rng(seed)
    h, w = 96, 128
    pal = np.array([c.rgb for c in palette.PALETTE], dtype=np.int64)
    img = np.empty((h, w, 4), np.uint8)
    img[..., :3] = pal[rng.integers(0, len(pal), (h, w))]  # exact palette colours
    img[..., 3] = 255
    kind = rng.random((h, w))
    near = kind < 0.15  # anti-aliased: a few levels off a palette colour
    jitter = rng.integers(-12, 13, (int(near.sum()), 3))
    img[near, :3] = (img[near, :3].astype(np.int64) + jitter).clip(0, 255)
    off = (kind >= 0.15) & (kind < 0.25)  # anything at all, mostly far from the palette
    img[off, :3] = rng.integers(0, 256, (int(off.sum()), 3))
    foreign = (kind >= 0.25) & (kind < 0.30)  # a few repeated foreign colours (ranking, ties)
    img[foreign, :3] = np.array([[255, 0, 255], [0, 255, 255], [255, 0, 0]])[
        rng.integers(0, 3, int(foreign.sum()))
    ]
    img[rng.random((h, w)) < 0.05, 3] = 0  # transparent pixels are void whatever their colour
    got, want = labels.decode_labels(img), _brute_force(img)
    assert np.array_equal(got.index, want.index)
    assert got.snapped == want.snapped > 0
    assert got.unknown_pixels == want.unknown_pixels > 0
    assert got.unknown == want.unknown
    # RGB input (no alpha) takes the all-opaque branch
    rgb_img = img[..., :3].copy()
    opaque_img = img.copy()
    opaque_img[..., 3] = 255
    got3, want3 = labels.decode_labels(rgb_img), _brute_force(opaque_img)
    assert np.array_equal(got3.index, want3.index) and got3.unknown == want3.unknown
    assert (got3.snapped, got3.unknown_pixels) == (want3.snapped, want3.unknown_pixels)


def test_unique_runs_only_on_non_palette_pixels(monkeypatch) -> None:
    """The 1024² decode cost was np.unique over every pixel; exact colours must bypass it."""
    seen: list[int] = []
    real_unique = np.unique

    def spy(a, *args, **kwargs):
        seen.append(np.asarray(a).size)
        return real_unique(a, *args, **kwargs)

    img = opaque([[SKY] * 50 + [CLOUD] * 49 + [(134, 206, 235)]] * 10)
    monkeypatch.setattr(np, "unique", spy)
    out = labels.decode_labels(img)
    assert out.snapped == 10 and max(seen, default=0) == 10  # only the off-palette column
    seen.clear()
    labels.decode_labels(opaque([[SKY, CLOUD]] * 4))
    assert seen == []
