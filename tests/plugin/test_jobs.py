"""Draw!, Variation, live mode and history through document.py on the stand-in krita module."""

from __future__ import annotations

import pytest
from fake_backend import fake_image
from paintboard_krita import document as pd
from paintboard_krita.model.connection import Connection
from paintboard_krita.model.jobs import DocumentModel
from paintboard_krita.model.templates import BUILTIN
from paintboard_krita.settings import BY_KEY
from pb_helpers import pump

W, H = 40, 30


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def setting(key):
    return {"request_timeout": 10.0}.get(key, BY_KEY[key].default)


def setup(krita, fb, clock=None):
    doc = krita.createDocument(W, H, "a", "RGBA", "U8", "", 72.0)
    krita.setActiveDocument(doc)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    pdoc.set_labels(BUILTIN[2].render(W, H))
    conn = Connection(fb.endpoint)
    conn.connect()
    assert pump(conn, lambda: conn.is_connected)
    model = DocumentModel(pdoc, conn, setting, **({"clock": clock} if clock else {}))
    return doc, pdoc, conn, model


def test_setup_finds_existing_layers_by_id_then_name(fresh_krita):
    doc = fresh_krita.createDocument(W, H, "a", "RGBA", "U8", "", 72.0)
    p1 = pd.PaintboardDocument(doc)
    p1.ensure_layers()
    ids = dict(p1.meta["layers"])
    p1.node(ids[pd.LABELS]).setName("my labels")  # renamed: found by stored id
    p2 = pd.PaintboardDocument(doc)
    p2.ensure_layers()
    assert p2.meta["layers"] == ids and p2.key == p1.key
    names = [n.name() for n in doc.rootNode().childNodes()]
    assert names == ["my labels", pd.STROKES, pd.HISTORY]


def test_draw_back_forward_and_persisted_history(fresh_krita, fake_backend):
    fb = fake_backend()
    doc, pdoc, conn, model = setup(fresh_krita, fb)
    model.draw(seed=5)
    assert pump(conn, lambda: len(model.history.entries) == 1)
    model.draw(seed=6)
    assert pump(conn, lambda: len(model.history.entries) == 2)
    e1, e2 = model.history.entries
    assert (e1.seed, e2.seed, e1.model) == (5, 6, "fake")
    layer = pdoc.node(e2.layer_id)
    assert layer.name() == "Paintboard #2" and layer.parentNode().name() == pd.HISTORY
    assert layer.pixelData(0, 0, W, H) == fake_image(BUILTIN[2].render(W, H))
    assert [pdoc.is_visible(e.layer_id) for e in (e1, e2)] == [False, True]
    model.back()
    assert [pdoc.is_visible(e.layer_id) for e in (e1, e2)] == [True, False]
    model.forward()
    assert [pdoc.is_visible(e.layer_id) for e in (e1, e2)] == [False, True]
    again = pd.PaintboardDocument(doc)  # as after reopening: metadata is in the annotation
    assert [e["seed"] for e in again.meta["history"]["entries"]] == [5, 6]
    conn.close()


def test_variation_reuses_inputs_with_a_new_seed(fresh_krita, fake_backend):
    fb = fake_backend()
    doc, pdoc, conn, model = setup(fresh_krita, fb)
    model.draw(seed=1)
    assert pump(conn, lambda: len(model.history.entries) == 1)
    pdoc.set_labels(BUILTIN[0].render(W, H))  # the canvas changes afterwards
    model.variation()
    assert pump(conn, lambda: len(model.history.entries) == 2)
    a, b = model.history.entries
    assert a.inputs_hash == b.inputs_hash and a.seed != b.seed
    gens = [h for h in fb.received if h["op"] == "generate"]
    assert gens[0]["width"] == W and gens[0]["strokes"] == {"format": "BGRA8"}
    conn.close()


def test_result_goes_to_the_document_that_asked(fresh_krita, fake_backend):
    fb = fake_backend()
    doc, pdoc, conn, model = setup(fresh_krita, fb)
    model.draw(seed=3)
    other = fresh_krita.createDocument(W, H, "b", "RGBA", "U8", "", 72.0)
    fresh_krita.setActiveDocument(other)  # user switches before the reply
    assert pump(conn, lambda: len(model.history.entries) == 1)
    assert pdoc.node(model.history.entries[0].layer_id) is not None
    assert [n.name() for n in other.rootNode().childNodes()] == []
    conn.close()


def test_error_reply_and_not_connected_are_shown(fresh_krita, fake_backend):
    fb = fake_backend()
    doc, pdoc, conn, model = setup(fresh_krita, fb)
    pdoc.set_labels(bytes(W * H * 4))
    seen = []
    model.status_changed.connect(lambda t, e: seen.append((t, e)))
    conn.close()
    model.draw()
    assert seen[-1][1] and "Not connected" in seen[-1][0]


def test_live_mode_sends_the_latest_state_one_request_at_a_time_and_keeps(fresh_krita,
                                                                          fake_backend):
    fb = fake_backend()
    clock = Clock()
    doc, pdoc, conn, model = setup(fresh_krita, fb, clock)
    model.set_live(True)
    strokes = pdoc.node(pdoc.meta["layers"][pd.STROKES])

    def generates() -> list[dict]:
        return [h for h in fb.received if h["op"] == "generate"]

    def paint(step: int) -> None:
        strokes.setPixelData(bytes([step]) * (W * H * 4), 0, 0, W, H)

    paint(1)
    model.tick()  # the user is painting: the first state goes out at once
    # (its reply must be in before the fake hangs: a late reply would never come)
    assert pump(conn, lambda: len(generates()) == 1 and not model.busy)
    assert generates()[0]["size"] == 256  # live works at 256 whatever the document
    fb.mode = "hang"  # the next request stays in flight
    clock.t += 1.0
    paint(2)
    model.tick()
    assert pump(conn, lambda: len(generates()) == 2)
    for step in (3, 4, 5):  # painting goes on while a request is in flight: nothing new leaves
        paint(step)
        clock.t += 1.0
        model.tick()
        conn.poll()
    assert len(generates()) == 2
    conn.forget(model._live_rid)  # (the hung request is dropped; a reply would do the same)
    model._live_rid = None
    fb.mode = "answer"
    clock.t += 1.0
    model.tick()  # the newest state (5) goes out, the skipped ones never do
    assert pump(conn, lambda: model.live_result is not None and not model.busy)
    assert len(generates()) == 3
    live = pdoc.node(pdoc.meta["layers"][pd.LIVE])
    assert live.name() == pd.LIVE and model.history.entries == []
    sent = pdoc.read_inputs()
    assert live.pixelData(0, 0, W, H) == fake_image(sent.labels, sent.strokes)
    for _ in range(4):  # nothing changed: no new request
        clock.t += 1.0
        model.tick()
    assert len(generates()) == 3
    assert model.keep_live()
    e = model.history.entries[0]
    assert e.live and pdoc.node(e.layer_id).pixelData(0, 0, W, H) == live.pixelData(0, 0, W, H)
    conn.close()


def test_foreground_colour_is_bgra_components(fresh_krita):
    assert pd.set_foreground((255, 0, 51))
    comps = fresh_krita.activeWindow().activeView().foreground.components
    assert comps == [0.2, 0.0, 1.0, 1.0]


def test_huge_canvas_refused_before_any_pixel_is_read(fresh_krita, fake_backend):
    fb = fake_backend()
    doc, pdoc, conn, model = setup(fresh_krita, fb)
    doc._w, doc._h = 20000, 20000  # the stand-in never allocates for this: only sizes change
    reads = []
    for node in doc.rootNode().childNodes():
        orig = node.pixelData
        node.pixelData = lambda *a, _o=orig: reads.append(a) or _o(*a)
    assert model.draw(seed=1) is None
    assert reads == []
    assert "20000×20000" in model.status and "8192" in model.status
    assert model.history.entries == []


def test_history_limit_is_shown_and_drops_only_on_request(fresh_krita, fake_backend):
    fb = fake_backend()
    doc, pdoc, conn, model = setup(fresh_krita, fb)
    limits = {"history_limit": 2}
    model.setting = lambda key: limits.get(key, setting(key))
    for seed in (1, 2, 3, 4):
        model.draw(seed=seed)
        assert pump(conn, lambda s=seed: len(model.history.entries) == s)
    assert model.over_limit() == 2  # over, and nothing was dropped on its own
    model.jump(0)  # the user looks at the oldest one: it must survive
    first = model.history.entries[0].layer_id
    dropped = [pdoc.node(e.layer_id) for e in model.history.entries[1:3]]
    parent = dropped[0].parentNode()
    assert model.drop_oldest() == 2
    assert [e.seed for e in model.history.entries] == [1, 4]
    assert pdoc.exists(first) and model.current() == 0
    assert model.over_limit() == 0 and "Dropped #2, #3" in model.status
    assert model.drop_oldest() == 0
    model.take_back_undone()  # nothing came back: nothing changes
    assert [e.seed for e in model.history.entries] == [1, 4]
    for node in dropped:  # Edit ▸ Undo puts the layers back
        parent.addChildNode(node, None)
    model.take_back_undone()
    assert [e.seed for e in model.history.entries] == [1, 2, 3, 4] and model.over_limit() == 2


@pytest.mark.parametrize("opaque", [True, False])
def test_a_draw_redraws_the_whole_canvas_only_when_a_result_may_show_through(
    fresh_krita, fake_backend, opaque
):
    """An opaque result added on top already updated the canvas (the add does): hiding the
    results under it needs no whole-image redraw (0.2 s on A4, 2 s at 16 bits); a
    semi-transparent one does."""
    doc, pdoc, conn, model = setup(fresh_krita, fake_backend(opaque=opaque))
    for seed in (1, 2):
        before = doc.refreshes
        model.draw(seed=seed)
        assert pump(conn, lambda s=seed: len(model.history.entries) == s)
        redraws = doc.refreshes - before
        assert redraws == (0 if opaque else 1), (seed, redraws)
    assert model.current() == 1 and not pdoc.is_visible(model.history.entries[0].layer_id)
    before = doc.refreshes
    model.back()  # eyes change what is seen: always redrawn
    assert doc.refreshes == before + 1
    conn.close()


@pytest.mark.parametrize("depth", ["U8", "U16"])
def test_live_on_says_when_the_document_makes_each_update_slow(fresh_krita, fake_backend, depth):
    doc = fresh_krita.createDocument(W, H, "a", "RGBA", depth, "", 72.0)
    model = DocumentModel(pd.PaintboardDocument(doc), Connection(fake_backend().endpoint),
                          setting)
    said: list = []
    model.status_changed.connect(lambda text, error: said.append(text))
    model.set_live(True)
    assert said[-1].startswith("Live mode on")
    assert ("16-bit/float document" in said[-1]) == (depth != "U8")
    model.connection.close()


def test_live_looks_at_the_canvas_no_more_often_than_twice_its_cost(fresh_krita, fake_backend):
    fb = fake_backend()
    clock = Clock()
    doc, pdoc, conn, model = setup(fresh_krita, fb, clock)
    reads = []
    original = pdoc.read_inputs

    def slow_read(*args, **kwargs):  # a big page: each look costs 0.3 s of the UI thread
        reads.append(clock.t)
        clock.t += 0.3
        return original(*args, **kwargs)

    pdoc.read_inputs = slow_read
    model.set_live(True)
    model.tick()
    assert pump(conn, lambda: model.live_result is not None and not model.busy)
    model.tick()  # right after a result: one look (nothing changed, nothing sent)
    looked = len(reads)
    assert len([h for h in fb.received if h["op"] == "generate"]) == 1
    for _ in range(5):  # nothing changes: 0.5 s of 0.1 s ticks, within 2 × 0.3 s of the look
        clock.t += 0.1
        model.tick()
    assert len(reads) == looked
    clock.t += 0.2
    model.tick()
    assert len(reads) == looked + 1
    conn.close()


def _live_result(model, conn, clock, strokes, step):
    """Paint ``step`` over the whole strokes layer and wait for the live result of it."""
    before = model.live_result
    strokes.setPixelData(bytes([step]) * (W * H * 4), 0, 0, W, H)
    clock.t += 1.0
    model.tick()
    assert pump(conn, lambda: model.live_result is not before and not model.busy)


def test_one_pixel_painted_on_the_live_layer_is_kept_in_session_and_after_reopen(
        fresh_krita, fake_backend):
    """Issue #14: a live layer the user touched, even one pixel, is never overwritten: in this
    session (compared with the bytes the plugin wrote) and in a reopened document (no bytes
    held: compared with the stored digest)."""
    fb = fake_backend()
    clock = Clock()
    doc, pdoc, conn, model = setup(fresh_krita, fb, clock)
    strokes = pdoc.node(pdoc.meta["layers"][pd.STROKES])
    model.set_live(True)
    for reopened in (False, True):
        _live_result(model, conn, clock, strokes, 1 + 2 * reopened)
        live = pdoc.node(pdoc.meta["layers"][pd.LIVE])
        if reopened:  # the same document read again: nothing held but the annotation
            pdoc = pd.PaintboardDocument(doc)
            model.doc = pdoc
            assert pdoc._live_written is None and pdoc.meta.get("live_digest")
        dab = bytes((1, 2, 3, 255))
        assert live.pixelData(W - 1, H - 1, 1, 1) != dab
        live.setPixelData(dab, W - 1, H - 1, 1, 1)  # the user's one pixel
        _live_result(model, conn, clock, strokes, 2 + 2 * reopened)
        assert live.name() == f"{pd.LIVE} (painted on, kept)"
        assert live.pixelData(W - 1, H - 1, 1, 1) == dab  # theirs, untouched
        new = pdoc.node(pdoc.meta["layers"][pd.LIVE])
        assert new is not live and new.name() == pd.LIVE
    conn.close()


def test_a_live_update_reads_the_live_layer_once_and_keeps_its_copy_in_step(fresh_krita,
                                                                            fake_backend):
    """The "painted on" check is the only read of the live layer per update (it was two, plus
    a hash of each), and what the plugin holds is exactly what the layer holds."""
    fb = fake_backend()
    clock = Clock()
    doc, pdoc, conn, model = setup(fresh_krita, fb, clock)
    strokes = pdoc.node(pdoc.meta["layers"][pd.STROKES])
    model.set_live(True)
    _live_result(model, conn, clock, strokes, 1)
    live = pdoc.node(pdoc.meta["layers"][pd.LIVE])
    reads, digests = [], []
    original, digest = live.pixelData, pd.pixels_digest
    live.pixelData = lambda *a: reads.append(a) or original(*a)
    pd.pixels_digest = lambda data: digests.append(len(data)) or digest(data)
    try:
        _live_result(model, conn, clock, strokes, 2)
    finally:
        pd.pixels_digest = digest
    assert reads == [(0, 0, W, H)]
    assert digests == [W * H * 4]  # of what was written; the read is compared, not hashed
    assert pdoc._live_written[0] == pd.node_id(live)
    assert bytes(pdoc._live_written[1]) == original(0, 0, W, H)
    assert pdoc.meta["live_digest"] == pd.pixels_digest(original(0, 0, W, H))
    conn.close()
