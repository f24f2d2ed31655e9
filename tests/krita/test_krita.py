"""End-to-end checks in real Krita (kritarunner, headless) through the plugin's own code.

Each run writes a JSON verdict (kritarunner exits 0 even when the script raises). The same
script runs against the fake backend (exact expected pixels known) and a real ``paintboard
serve`` process, whose output is reproduced with ``paintboard.serving.client.Client`` on the
same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from krita_helpers import ROOT, fake_backend_argv, real_backend_argv, run_kritarunner

pytestmark = pytest.mark.krita

W, H = 160, 120


def _check_document_flow(res: dict) -> None:
    assert res["set_up"] and res["template_ok"] and res["connected"], res
    assert res["top_level"][-3:] == ["labels", "color strokes", "Paintboard history"]
    assert [e["seed"] for e in res["entries"]] == [1234, 99]
    assert res["names"] == ["Paintboard #1", "Paintboard #2"] and res["parent_is_group"]
    assert res["vis_after_draw"] == [False, True]
    assert res["vis_after_back"] == [True, False]
    assert res["vis_after_forward"] == [False, True]
    assert res["vis_after_jump0"] == [True, False]
    assert res["current_after_manual"] == 1  # the hand-toggled eye is what counts
    assert res["vis_after_manual_back"] == [True, False]
    assert res["saved"] and res["reopen_key_same"] and res["reopen_set_up"]
    assert res["reopen_entries"] == res["entries"]
    assert res["reopen_layers_found"] == [True, True]
    assert res["reopen_pixels_same"] and res["reopen_visible"] == [True, False]


def test_document_flow_against_fake_backend(tmp_path: Path, backend_process) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "mock"))
    from fake_backend import fake_image

    endpoint, _ = backend_process(fake_backend_argv, timeout=30)
    res = run_kritarunner(tmp_path, endpoint, "generate")
    _check_document_flow(res)
    from krita_script import stroke_layer_bytes

    labels = (tmp_path / "labels.bgra").read_bytes()
    # The reference is what the test painted, not what the plugin read: empty or wrong
    # strokes sent would change the fake's picture.
    assert (tmp_path / "sent_strokes.bgra").read_bytes() == stroke_layer_bytes()
    assert (tmp_path / "result_a.bgra").read_bytes() == fake_image(labels, stroke_layer_bytes())


def test_a_16_bit_document_takes_a_template_strokes_and_a_result(
    tmp_path: Path, backend_process
) -> None:
    """Illustrators often work in 16-bit: labels and strokes must read exactly, and the result
    layer holds the backend's pixels byte for byte (an 8-bit layer in the 16-bit image)."""
    sys.path.insert(0, str(ROOT / "tests" / "mock"))
    from fake_backend import fake_image
    from krita_script import stroke_layer_bytes

    endpoint, _ = backend_process(fake_backend_argv, timeout=30)
    res = run_kritarunner(tmp_path, endpoint, "depth")
    assert res["connected"] and res["template_applied"], res["statuses"]
    assert res["strokes_depth"] == 8  # the strokes layer really is 16-bit
    assert res["labels_exact"] and res["strokes_exact"]
    assert res["result_depth"] == "U8", res
    labels = (tmp_path / "labels.bgra").read_bytes()
    assert (tmp_path / "result_a.bgra").read_bytes() == fake_image(labels, stroke_layer_bytes())


def test_generate_through_real_backend_matches_client(tmp_path: Path, backend_process) -> None:
    sys.path.insert(0, str(ROOT / "backend"))
    from paintboard.serving.client import Client

    endpoint, _ = backend_process(real_backend_argv)
    res = run_kritarunner(tmp_path, endpoint, "generate")
    _check_document_flow(res)
    # opaque results: the canvas shows the newest without a whole-image redraw being asked
    assert res["canvas_is_newest"]
    labels = (tmp_path / "labels.bgra").read_bytes()
    strokes = (tmp_path / "strokes.bgra").read_bytes()
    client = Client(endpoint, timeout=120)
    for seed, name in ((1234, "result_a.bgra"), (99, "result_b.bgra")):
        _, image = client.generate(labels, strokes, W, H, fmt="BGRA8", out_format="BGRA8",
                                   seed=seed, size=256)
        assert (tmp_path / name).read_bytes() == image, f"layer differs from backend ({seed})"
    client.close()


def test_killed_backend_gives_error_state_without_hang(tmp_path: Path, backend_process) -> None:
    endpoint, proc = backend_process(real_backend_argv)
    res = run_kritarunner(tmp_path, endpoint, "kill", {"PB_KILL_PID": str(proc.pid)})
    assert res["connected"], res
    assert res["state"] == "error", res
    assert res["statuses"][-1][1] is True and res["entries"] == 0
