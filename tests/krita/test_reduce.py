"""The reduced transfer in real Krita: what leaves the plugin is what the generator needs.

Labels are nearest-sampled (no class that was not painted), strokes keep every dab (a 1-px,
faint dab at any position survives with its colour), results come back at document size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from krita_helpers import ROOT, fake_backend_argv, run_kritarunner

pytestmark = pytest.mark.krita


def test_reduced_transfer_in_real_krita(tmp_path: Path, backend_process) -> None:
    endpoint, _ = backend_process(fake_backend_argv, timeout=30)
    res = run_kritarunner(tmp_path, endpoint, "reduce", script="reduce_script")
    assert res["strip_misses"] == [], res["strip_misses"]
    assert res["sent"] == [256, 188, 1500, 1100]
    # every palette colour was painted; nearest sampling invents none
    assert len(res["label_colours_in"]) == 15
    assert set(res["label_colours_out"]) <= set(res["label_colours_in"])
    assert len(res["label_colours_out"]) == 15  # stripes ≥ 6 px wide all survive at 1/5.9
    assert res["dabs_found"] == [True] * 6 and res["stroke_pixels"] <= 6 * 16
    assert res["full"]
    assert res["rows_sampled"]  # the labels' rows under the sent rows' centres, read alone
    assert res["pool_kept_matches"] == [True] * 6  # pooled again only where a band changed
    assert res["round_trip"] == [True, True]
    assert res["upscale_len"] == 1500 * 1100 * 4
    # 10..40 of 256 → 58..235 of 1500 (floor/ceil outwards); 20..60 of 188 → 117..352 of 1100
    assert res["mask"] == [[58, 117, 177, 235], True, True]
    # Draw!: auto working size on a CPU backend is 512; the layer is the upscaled reply
    assert res["connected"] and len(res["entries"]) == 1, res
    assert res["working_size"] == 512 and res["draw_sent"] == [512, 375]
    assert res["entries"][0]["width"] == 1500 and res["entries"][0]["height"] == 1100
    assert res["draw_layer_len"] == 1500 * 1100 * 4 and res["draw_layer_matches"]
    sys.path.insert(0, str(ROOT / "backend"))
    from paintboard.palette import PALETTE

    sent = (tmp_path / "sent_labels.bgra").read_bytes()
    painted = {bytes((c.rgb[2], c.rgb[1], c.rgb[0], 255)) for c in PALETTE[1:]}
    assert {sent[i:i + 4] for i in range(0, len(sent), 4)} <= painted
