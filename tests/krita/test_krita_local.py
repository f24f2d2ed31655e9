"""Local redraw in real Krita (issue #12): selection, auto-local, no-op, seam, history, reopen.

``krita_local_script.py`` drives the plugin's own code inside Krita; here the saved layers are
judged with numpy. The fake backend's picture is an exact function of the labels, so with it
"inside = the new picture, outside = the old one" is checked byte for byte; the real backend
gives real pictures for the seam check.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from krita_helpers import ROOT, fake_backend_argv, real_backend_argv, run_kritarunner

sys.path.insert(0, str(ROOT / "backend"))
from paintboard.evaluation.seam import dilate as _dilate  # noqa: E402
from paintboard.evaluation.seam import seam_ratio  # noqa: E402

pytestmark = pytest.mark.krita

W, H = 160, 120
EDIT = (20, 20, 12, 10)  # as in krita_local_script.py


def _img(path: Path) -> np.ndarray:
    return np.frombuffer(path.read_bytes(), np.uint8).reshape(H, W, 4)


def _mask(path: Path) -> np.ndarray:
    return np.frombuffer(path.read_bytes(), np.uint8).reshape(H, W)


def _check_common(res: dict, out: Path) -> dict:
    assert res["connected"], res
    assert res["nothing_rid"] is None and res["entries_after_nothing"] == 1
    assert "Nothing changed" in res["nothing_status"][0] and not res["nothing_status"][1]
    assert res["sel_drawn"] and res["auto_drawn"], res["statuses"]
    e1, e2, e3 = res["entries"]
    assert (e2["base"], e3["base"]) == (1, 2)  # both drawn as local edits
    # auto-local continues with the seed that drew the edit's surroundings: the edit lies outside
    # the selection, so that is #1's seed even where #2 redrew the selection with another
    assert e3["seed"] == e1["seed"]
    r1, r2, r3 = (_img(out / f"r{i}.bgra") for i in (1, 2, 3))
    lake = _mask(out / "sel.mask")
    # with a selection: outside it the new layer is the previous result, byte for byte
    assert lake.any() and (r2[lake == 0] == r1[lake == 0]).all()
    # auto-local: far from the edit nothing moves; the edit itself is redrawn
    ex, ey, ew, eh = EDIT
    changed = np.zeros((H, W), bool)
    changed[ey:ey + eh, ex:ex + ew] = True
    far = ~_dilate(changed, 16 + 2 * res["feather"] + 8)
    assert (r3[far] == r2[far]).all()
    assert res["vis_after"] == [False, False, True]
    assert res["vis_back"] == [False, True, False] and res["vis_forward"] == [False, False, True]
    assert res["saved"] and res["reopen_entries"] == res["entries"]
    assert res["reopen_nothing_rid"] is None and "Nothing changed" in res["reopen_status"][0]
    assert res["reopen_vis_back"] == [False, True, False] and res["reopen_r3_same"]
    # a 640×480 page drawn at working size 256: the reduced result, upscaled only where redrawn
    assert max(res["upscale_region_max_diff"]) <= 4, res["upscale_region_max_diff"]  # rounding
    assert res["reduced_entries"] == [0, 1] and res["reduced_outside_same"]
    # live mode: painting a few label pixels redraws only around them (the fake's picture is
    # per pixel, so only the real backend's run could notice a whole-picture live update)
    assert res["live_far_same"] and res["live_edit_changed"], res["live_status"]
    # issue #10: a local live update reads the live layer once (the painted-on check) and the
    # plugin's copy of it stays byte-identical to the layer; issue #14 still holds on that path
    assert "the changed" in res["big_live_status"], res["big_live_status"]  # a local update
    for key, (w, h) in (("live", (W, H)), ("big_live", (640, 480))):
        assert res[f"{key}_copy_in_step"], res.get("big_live_status")
        assert res[f"{key}_full_reads"] == [[0, 0, w, h]], res[f"{key}_full_reads"]
        assert res[f"{key}_painted_kept"] == ["Paintboard live (painted on, kept)"] + [True] * 3
    for row in res["scale_mask_rows"]:  # one mask row: 0 … ramp … 255 … ramp … 0, smooth
        assert row[0] == 0 and row[len(row) // 2] == 255 and row[-1] == 0
        half = row[:len(row) // 2]
        assert half == sorted(half), row
    return {"r1": r1, "r2": r2, "r3": r3, "lake": lake, "changed": changed}


def test_local_redraw_against_fake_backend(tmp_path: Path, backend_process) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "mock"))
    from fake_backend import fake_image

    endpoint, _ = backend_process(fake_backend_argv, timeout=30)
    res = run_kritarunner(tmp_path, endpoint, "local", {"PB_EDIT_LAKE": "1"},
                          script="krita_local_script")
    d = _check_common(res, tmp_path)
    from krita_script import stroke_layer_bytes

    new = np.frombuffer(fake_image((tmp_path / "labels2.bgra").read_bytes(),
                                   stroke_layer_bytes()), np.uint8).reshape(H, W, 4)
    x, y, w, h = res["alpha"]
    alpha = np.zeros((H, W), np.uint8)
    alpha[y:y + h, x:x + w] = np.frombuffer((tmp_path / "alpha.mask").read_bytes(),
                                            np.uint8).reshape(h, w)
    assert (alpha[d["lake"] == 0] == 0).all()  # the soft border lies inside the selection
    full = alpha == 255
    assert full.sum() > 0.3 * (d["lake"] > 0).sum()
    assert (d["r2"][full] == new[full]).all()  # fully selected: the new picture exactly
    soft = (alpha > 0) & (alpha < 255)
    assert soft.any()  # a hard selection got a soft border
    assert not (d["r3"][d["changed"]] == d["r2"][d["changed"]]).all()


def test_local_redraw_seam_against_real_backend(tmp_path: Path, backend_process) -> None:
    endpoint, _ = backend_process(real_backend_argv)
    res = run_kritarunner(tmp_path, endpoint, "local",
                          {"PB_SEL_ACTION": "variation", "PB_SEL_RECT": "40,30,80,60"},
                          script="krita_local_script")
    d = _check_common(res, tmp_path)
    x, y, w, h = res["alpha"]
    alpha = np.zeros((H, W), np.uint8)
    alpha[y:y + h, x:x + w] = np.frombuffer((tmp_path / "alpha.mask").read_bytes(),
                                            np.uint8).reshape(h, w)
    sel = d["lake"] > 0
    assert res["reduced_inside_changed"]  # Variation in a selection of a reduced page
    e1, e2, _ = res["entries"]
    assert e2["seed"] != e1["seed"] and e2["seeds"]  # a patchwork of two seeds
    assert not (d["r2"][sel] == d["r1"][sel]).all()  # Variation: a new picture inside ...
    assert seam_ratio(d["r2"], alpha) <= 1.2  # ... with no step at the rectangle's border
