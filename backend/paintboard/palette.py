"""The label palette: the one source of truth for class ids, names and colours.

Stdlib only on purpose: the Krita plugin imports this very file (through a symlink in
``plugin/paintboard_krita``) as its offline fallback, so the backend's ``info`` reply and the
plugin's buttons can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelClass:
    id: int
    name: str
    rgb: tuple[int, int, int]

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


PALETTE: tuple[LabelClass, ...] = (
    LabelClass(0, "void", (0, 0, 0)),
    LabelClass(1, "sky", (135, 206, 235)),
    LabelClass(2, "cloud", (205, 205, 225)),
    LabelClass(3, "mountain", (120, 90, 60)),
    LabelClass(4, "hill", (150, 170, 90)),
    LabelClass(5, "rock", (128, 128, 128)),
    LabelClass(6, "snow", (250, 250, 250)),
    LabelClass(7, "sea", (0, 40, 140)),
    LabelClass(8, "river", (30, 144, 255)),
    LabelClass(9, "lake", (64, 164, 223)),
    LabelClass(10, "grass", (124, 200, 0)),
    LabelClass(11, "tree", (34, 110, 34)),
    LabelClass(12, "bush", (85, 107, 47)),
    LabelClass(13, "flowers", (220, 80, 160)),
    LabelClass(14, "sand", (238, 214, 175)),
    LabelClass(15, "earth", (150, 100, 60)),
)

NUM_CLASSES = len(PALETTE)
VOID = 0
BY_NAME: dict[str, LabelClass] = {c.name: c for c in PALETTE}

# A pixel farther than this (Euclidean RGB distance) from every palette colour is reported as
# "unknown": anti-aliasing between two classes stays well inside it, a foreign colour does not.
UNKNOWN_COLOUR_DISTANCE = 40.0


def palette_as_dicts() -> list[dict]:
    """The palette as it travels in the protocol's ``info`` reply (JSON-ready)."""
    return [{"id": c.id, "name": c.name, "rgb": list(c.rgb)} for c in PALETTE]


def palette_from_dicts(items: list[dict]) -> tuple[LabelClass, ...]:
    """Inverse of :func:`palette_as_dicts`; raises ValueError on a malformed entry."""
    out = []
    for item in items:
        rgb = tuple(int(v) for v in item["rgb"])
        if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
            raise ValueError(f"bad palette colour {item!r}")
        out.append(LabelClass(int(item["id"]), str(item["name"]), rgb))  # type: ignore[arg-type]
    return tuple(out)


def to_kpl_colorset_xml(name: str = "Paintboard labels") -> str:
    """Krita palette (.kpl) ``colorset.xml`` body; the plugin zips it with a mimetype file."""
    rows = []
    for i, c in enumerate(PALETTE):
        r, g, b = (v / 255.0 for v in c.rgb)
        rows.append(
            f'  <ColorSetEntry name="{c.name}" id="{c.id}" spot="true" bitdepth="U8">\n'
            f'   <RGB r="{r:.6f}" g="{g:.6f}" b="{b:.6f}" space="sRGB-elle-V2-srgbtrc.icc"/>\n'
            f'   <Position row="{i // 4}" column="{i % 4}"/>\n'
            f"  </ColorSetEntry>"
        )
    body = "\n".join(rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ColorSet version="1.0" name="{name}" columns="4" rows="{(len(PALETTE) + 3) // 4}" '
        'comment="Paintboard label classes">\n'
        f"{body}\n</ColorSet>\n"
    )
