"""Which label classes the palette buttons show, and the palette as a Krita resource.

The buttons follow the backend's ``info`` reply (a backend trained on other classes brings its
own); offline, or when the reply is malformed, they fall back to the shared ``palette.PALETTE``,
the very file the backend uses.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path
from typing import Any

from .. import palette

log = logging.getLogger(__name__)

KPL_FILE_NAME = "paintboard_labels.kpl"


def classes_from_info(info: dict[str, Any] | None) -> tuple[palette.LabelClass, ...]:
    if info and isinstance(info.get("palette"), list) and info["palette"]:
        try:
            return palette.palette_from_dicts(info["palette"])
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("backend palette unusable (%s); using the built-in one", exc)
    return palette.PALETTE


def kpl_bytes(name: str = "Paintboard labels") -> bytes:
    """A .kpl is a zip whose first, uncompressed entry is the mimetype (like ODF)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "krita/x-colorset",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("colorset.xml", palette.to_kpl_colorset_xml(name),
                   compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def install_kpl(resource_dir: Path) -> Path:
    """Write the palette into ``<resources>/palettes/``; Krita lists it after a restart."""
    target = resource_dir / "palettes" / KPL_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(kpl_bytes())
    tmp.replace(target)
    return target
