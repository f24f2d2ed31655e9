"""Local redraw decisions (issue #12): tile signatures, the changed area, and the plan."""

from __future__ import annotations

import random

import pytest
from paintboard_krita import document as pd
from paintboard_krita.model.history import History
from paintboard_krita.model.local_redraw import (
    SeedMap,
    TileMask,
    TileSig,
    margin_tiles,
    plan,
    tile_size,
    tiles_of_alpha,
)
from pb_helpers import pump
from test_jobs import H, W, setup

SW, SH = 64, 40  # tile 4 → 16 × 10 tiles


def layers(seed: int = 0) -> tuple[bytearray, bytearray]:
    rnd = random.Random(seed)
    return bytearray(rnd.randbytes(SW * SH * 4)), bytearray(SW * SH * 4)


def test_signature_finds_the_changed_tile_in_either_layer_and_round_trips():
    labels, strokes = layers()
    a = TileSig.of(SW, SH, bytes(labels), bytes(strokes))
    assert (a.tile, a.nx, a.ny) == (4, 16, 10)
    labels[(13 * SW + 37) * 4] ^= 1  # one byte of one pixel: tile (9, 3)
    strokes[(39 * SW + 0) * 4 + 3] = 255  # a dab in the bottom-left tile (0, 9)
    b = TileSig.of(SW, SH, bytes(labels), bytes(strokes))
    changed = TileMask.changed(a, b)
    assert [i for i, v in enumerate(changed.bits) if v] == [3 * 16 + 9, 9 * 16 + 0]
    assert TileSig.decode(b.encode()) == b
    t1 = "t1:64x40:4:" + b.encode().split(":", 3)[3]  # an older entry's format
    for bad in ("", t1, "t2:64x40:4:not base64!", "t2:64x41:4:" + b.encode()[-8:]):
        assert TileSig.decode(bad) is None
    other = TileSig.of(SW, SH + 4, bytes(SW * (SH + 4) * 4), bytes(SW * (SH + 4) * 4))
    assert TileMask.changed(a, other) is None  # different size: not comparable


def test_signature_of_a_large_document_stays_small():
    w, h = 2480, 3508  # A4 at 300 dpi
    assert tile_size(w, h) == 28
    blank = bytes(w * h * 4)
    assert len(TileSig.of(w, h, blank, blank).encode()) < 2000  # uniform tiles compress away


def test_grow_bbox_and_pixels():
    m = TileMask(SW, SH, 4, bytearray(16 * 10))
    m.bits[0] = 1  # top-left corner
    m.bits[5 * 16 + 8] = 1
    g = m.grown(1)
    assert g.count == 4 + 9
    assert g.bits[1 * 16 + 1] and g.bits[4 * 16 + 7] and g.bits[6 * 16 + 9]
    assert not g.bits[2 * 16 + 2] and not g.bits[7 * 16 + 8]
    assert m.bbox() == (0, 0, 36, 24)
    px = g.pixels((0, 0, SW, SH))
    assert len(px) == SW * SH
    for y in range(SH):
        for x in range(SW):
            assert px[y * SW + x] == 255 * g.bits[(y // 4) * 16 + x // 4]
    assert g.pixels((30, 18, 5, 3)) == b"".join(px[(18 + j) * SW + 30:(18 + j) * SW + 35]
                                                for j in range(3))


def test_margin_keeps_the_soft_border_off_the_change():
    for tile, feather in ((4, 3), (28, 28), (4, 10)):
        assert margin_tiles(tile, feather) * tile >= 2 * feather + tile


@pytest.fixture
def sigs():
    labels, strokes = layers()
    old = TileSig.of(SW, SH, bytes(labels), bytes(strokes))
    labels[(20 * SW + 20) * 4] ^= 255
    return old, TileSig.of(SW, SH, bytes(labels), bytes(strokes))


ALL = bytearray(b"\1" * 160)


def make_plan(action, old, new, has_selection=False, **kw):
    args = dict(base_layer="L", base_n=3, base_seeds=SeedMap.uniform(160, 77), base_sig=old,
                sig=new, selection=ALL if has_selection else None, auto_local=True, feather=3,
                new_seed=lambda: 5)
    args.update(kw)
    return plan(action, **args)


def test_plan_rules(sigs):
    old, new = sigs
    p = make_plan("draw", old, old)
    assert (p.mode, p.seed, p.base_n) == ("nothing", 77, 3)
    p = make_plan("draw", old, new)
    assert (p.mode, p.seed, p.base_layer) == ("local", 77, "L")
    assert p.mask.count == 7 * 7 and not p.selection  # 1 tile grown by margin_tiles(4, 3) = 3
    # with a selection: a new seed when nothing changed (a new lake), else the base's seed
    assert (make_plan("draw", old, old, has_selection=True).seed,
            make_plan("draw", old, new, has_selection=True).seed) == (5, 77)
    p = make_plan("variation", old, old, has_selection=True)
    assert (p.mode, p.seed, p.selection) == ("local", 5, True)
    assert (make_plan("variation", old, new).mode, make_plan("variation", old, new).seed) == \
        ("full", 5)
    assert make_plan("draw", old, new, auto_local=False).mode == "full"
    assert make_plan("draw", None, new).mode == "full"  # an older entry without a signature
    p = make_plan("draw", old, new, base_layer=None, has_selection=True)
    assert (p.mode, p.seed) == ("full", 5)  # nothing to keep: draw everything
    p = make_plan("live", old, new, has_selection=True)
    assert (p.mode, p.seed, p.selection) == ("local", 77, False)
    p = make_plan("live", old, new, auto_local=False)
    assert (p.mode, p.seed) == ("full", 77)  # live keeps its seed
    labels, strokes = layers(1)
    p = make_plan("draw", old, TileSig.of(SW, SH, bytes(labels), bytes(strokes)))
    assert (p.mode, p.seed) == ("full", 77)  # everything changed: no point in a mask


def test_a_changed_colour_stroke_redraws_its_whole_region_with_the_same_seed():
    labels, strokes = layers()
    old = TileSig.of(SW, SH, bytes(labels), bytes(strokes))
    strokes[(2 * SW + 3) * 4:(2 * SW + 3) * 4 + 4] = b"\x00\x80\xff\xff"  # one orange dab pixel
    new = TileSig.of(SW, SH, bytes(labels), bytes(strokes))
    assert TileMask.changed(old, new).count == 1
    for action in ("draw", "live"):
        p = make_plan(action, old, new)
        assert (p.mode, p.seed, p.base_layer) == ("full", 77, "L"), action
        assert "whole region" in p.reason


def test_a_patchwork_result_is_continued_with_each_parts_own_seed(sigs):
    """Select the lake, Draw! (new seed 5 there), then repaint a path outside the lake: the
    path must be drawn with the seed of the grass around it (77), not the lake's."""
    old, new = sigs  # the edit is at pixel (20, 20): tile (5, 5)
    lake = bytearray(160)
    for j in range(7, 10):
        lake[j * 16:(j + 1) * 16] = b"\1" * 16  # bottom three tile rows
    seeds = SeedMap.uniform(160, 77).painted(lake, 5)
    assert SeedMap.decode(seeds.encode(5), 160, 5) == seeds and seeds.encode(77) != ""
    assert SeedMap.uniform(160, 77).painted(None, 9).encode(9) == ""
    assert make_plan("draw", old, new, base_seeds=seeds).seed == 77
    inside_lake = seeds.painted(ALL, 77).painted(bytearray(b"\1" * 112 + b"\0" * 48), 5)
    assert make_plan("draw", old, new, base_seeds=inside_lake).seed == 5
    assert SeedMap.decode("garbage", 160, 3).seeds == [3]
    # the margin around the edit (rows 2..8) does not spill into the rows the other seed drew
    p = make_plan("draw", old, new, base_seeds=seeds)
    assert p.mask.count == 7 * 5 and not any(p.mask.bits[7 * 16:])
    p = make_plan("draw", old, new, has_selection=True, selection=lake, base_seeds=seeds)
    assert (p.seed, p.redrawn) == (5, lake)  # changed inputs: continue the lake's own seed


def test_tiles_of_alpha_takes_tile_centres():
    alpha = bytes([255] * 8 + [0] * 8) * 8  # rect 16×8 at (4, 4): left half selected
    bits = tiles_of_alpha((4, 4, 16, 8), alpha, SW, SH)
    assert [i for i, b in enumerate(bits) if b] == [1 * 16 + 1, 1 * 16 + 2, 2 * 16 + 1,
                                                    2 * 16 + 2]


def test_unchanged_document_draws_nothing_and_a_change_redraws_locally(fresh_krita,
                                                                       fake_backend):
    fb = fake_backend()
    doc, pdoc, conn, model = setup(fresh_krita, fb)
    model.draw()
    assert pump(conn, lambda: len(model.history.entries) == 1)
    first = model.history.entries[0]
    assert TileSig.decode(first.tiles) == TileSig.of_inputs(pdoc.read_inputs())
    statuses = []
    model.status_changed.connect(lambda t, e: statuses.append((t, e)))
    assert model.draw() is None
    assert "Nothing changed" in statuses[-1][0] and not statuses[-1][1]
    assert len([h for h in fb.received if h["op"] == "generate"]) == 1

    calls = []

    def tiles_alpha(mask, feather):
        rect = mask.bbox()
        return rect, mask.pixels(rect)

    def insert_local_result(data, name, base_id, rect, alpha, size=None):
        calls.append((base_id, rect))
        return pdoc.insert_result(data, name)

    pdoc.tiles_alpha, pdoc.insert_local_result = tiles_alpha, insert_local_result
    labels = bytearray(pdoc.read_inputs().labels)
    for y in range(4, 8):  # a 3×4 px label edit near the top-left
        labels[(y * W + 2) * 4:(y * W + 5) * 4] = bytes((0, 0, 255, 255)) * 3
    pdoc.set_labels(bytes(labels))
    model.draw()
    assert pump(conn, lambda: len(model.history.entries) == 2)
    gens = [h for h in fb.received if h["op"] == "generate"]
    assert gens[-1]["seed"] == first.seed  # the context matches the result it edits
    (base_id, (x, y, w, h)), = calls
    assert base_id == first.layer_id and x == 0 and y == 0 and w < W and h < H
    second = model.history.entries[1]
    assert second.base == first.n
    again = History.from_dict(pd.PaintboardDocument(doc).meta["history"])  # after reopening
    assert again.entries[1].tiles == second.tiles and again.entries[1].base == first.n
    conn.close()


def test_live_update_redraws_only_where_the_labels_were_painted(fresh_krita, fake_backend):
    from test_jobs import Clock

    fb = fake_backend()
    clock = Clock()
    doc, pdoc, conn, model = setup(fresh_krita, fb, clock)
    calls = []

    def tiles_alpha(mask, feather):
        rect = mask.bbox()
        return rect, mask.pixels(rect)

    def update_live_local(data, base_id, rect, alpha, size=None):
        calls.append((base_id, rect))
        return pdoc.update_live(data, size)

    pdoc.tiles_alpha, pdoc.update_live_local = tiles_alpha, update_live_local
    model.set_live(True)
    model.tick()  # the first live result: everything
    assert pump(conn, lambda: model.live_result is not None)
    first = model.live_result
    assert calls == []
    labels = bytearray(pdoc.read_inputs().labels)
    for y in range(20, 24):  # the user paints a few label pixels near the bottom-right
        labels[(y * W + 33) * 4:(y * W + 36) * 4] = bytes((0, 0, 255, 255)) * 3
    pdoc.set_labels(bytes(labels))
    clock.t += 5.0
    model.tick()
    assert pump(conn, lambda: model.live_result is not first)
    (base_id, (x, y, w, h)), = calls
    assert base_id == pdoc.live_layer_id() and x > 0 and y > 0 and x + w == W
    assert w * h < W * H / 2  # only around the painted pixels
    gens = [g for g in fb.received if g["op"] == "generate"]
    assert gens[-1]["seed"] == gens[0]["seed"]  # the same picture, continued
    clock.t += 5.0
    model.tick()  # nothing painted since: no request
    conn.poll()
    assert len([g for g in fb.received if g["op"] == "generate"]) == len(gens)
    conn.close()
