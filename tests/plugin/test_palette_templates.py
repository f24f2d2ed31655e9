from __future__ import annotations

import io
import zipfile

import pytest
from paintboard_krita import palette
from paintboard_krita.model.labels import classes_from_info, install_kpl, kpl_bytes
from paintboard_krita.model.raster import bgra
from paintboard_krita.model.templates import BUILTIN, foreign_fraction


def test_palette_fallback_is_the_shared_palette():
    assert classes_from_info(None) is palette.PALETTE
    assert classes_from_info({"palette": "garbage"}) is palette.PALETTE
    assert classes_from_info({"palette": [{"id": 1}]}) is palette.PALETTE  # malformed


def test_palette_from_info():
    info = {"palette": [{"id": 0, "name": "void", "rgb": [0, 0, 0]},
                        {"id": 1, "name": "lava", "rgb": [255, 60, 0]}]}
    classes = classes_from_info(info)
    assert [c.name for c in classes] == ["void", "lava"] and classes[1].rgb == (255, 60, 0)
    assert classes_from_info({"palette": palette.palette_as_dicts()}) == palette.PALETTE


def test_kpl_is_a_krita_colorset_zip(tmp_path):
    z = zipfile.ZipFile(io.BytesIO(kpl_bytes()))
    first = z.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert z.read("mimetype") == b"krita/x-colorset"
    assert z.read("colorset.xml").decode() == palette.to_kpl_colorset_xml()
    path = install_kpl(tmp_path)
    assert path == tmp_path / "palettes" / "paintboard_labels.kpl" and path.read_bytes()


def test_at_least_six_named_templates():
    keys = {t.key for t in BUILTIN}
    assert len(BUILTIN) >= 6
    assert {"lake_mountains", "beach", "forest_valley", "snowy_peaks", "river_canyon",
            "meadow_clouds"} <= keys


@pytest.mark.parametrize("size", [(64, 64), (37, 91), (300, 200), (1, 1)])
@pytest.mark.parametrize("template", BUILTIN, ids=lambda t: t.key)
def test_templates_only_palette_colours_at_size(template, size):
    w, h = size
    data = template.render(w, h)
    assert len(data) == w * h * 4
    allowed = {bgra(c.rgb) for c in palette.PALETTE if c.id != palette.VOID}
    pixels = {data[i:i + 4] for i in range(0, len(data), 4)}
    assert pixels <= allowed


def test_templates_use_several_classes():
    for t in BUILTIN:
        data = t.render(120, 80)
        assert len({data[i:i + 4] for i in range(0, len(data), 4)}) >= 3, t.key


def test_foreign_fraction_flags_non_palette_images():
    assert foreign_fraction(BUILTIN[0].render(50, 50)) == 0.0
    assert foreign_fraction(bytes((1, 2, 3, 255)) * 2500) == 1.0


def test_templates_fit_any_page_without_stretching():
    t = BUILTIN[0]
    w = 120
    # Krita's default A4 portrait: the scene keeps its 4:3 shape at the bottom, sky above.
    h = round(w * 3508 / 2480)
    data, note = t.render_fitted(w, h)
    scene_h = round(w * 3 / 4)
    assert len(data) == w * h * 4 and "extended the sky" in note
    assert data[(h - scene_h) * w * 4:] == t.render(w, scene_h)
    sky = t.render(w, scene_h)[:4]
    assert data[:(h - scene_h) * w * 4] == sky * (w * (h - scene_h))
    # A page within the scenes' shapes is drawn as it is; a very wide one loses sky only.
    assert t.render_fitted(160, 100) == (t.render(160, 100), "")
    wide, note = t.render_fitted(300, 100)
    assert "cropped" in note and wide == t.render(300, 150)[50 * 300 * 4:]
