"""What the docker's editing buttons do to a document: pick a label, colour mode, templates.

The widgets only call these (through the active document's model), so a button, a shortcut
and a test all take the same path, and no widget reaches into the document itself.
"""

from __future__ import annotations

from typing import Any

from .. import palette


class EditingActions:
    """Mixed into ``DocumentModel``: needs ``self.doc`` and ``self._say``.

    Krita-free like the rest of ``model``: layer roles stay inside ``document.py``.
    """

    doc: Any

    def _say(self, text: str, error: bool = False) -> None:  # provided by the model
        raise NotImplementedError

    def pick_label(self, cls: palette.LabelClass) -> None:
        """Foreground = the class colour, labels layer active, results hidden to see it."""
        try:
            self.doc.select_labels()
            self.doc.set_results_visible(False)
        except Exception as exc:
            self._say(f"Cannot select the labels layer: {exc}", error=True)
            return
        self.doc.set_foreground(cls.rgb)
        self._say(f"Painting '{cls.name}' on the labels layer")

    def colour_mode(self) -> None:
        try:
            self.doc.select_strokes()
            self.doc.set_results_visible(False)
        except Exception as exc:
            self._say(f"Cannot select the strokes layer: {exc}", error=True)
            return
        self._say("Colour mode: dab colours on 'color strokes' (E = eraser)")

    def in_colour_mode(self) -> bool:
        try:
            return self.doc.strokes_active()
        except Exception:
            return False

    def clear_strokes(self) -> None:
        try:
            self.doc.clear_strokes_undoably()
        except Exception as exc:
            self._say(f"Cannot clear the strokes: {exc}", error=True)
            return
        self._say("Strokes cleared (Ctrl+Z brings them back)")

    def apply_template(self, data: bytes, note: str = "") -> bool:
        """Put label pixels (document size) on the labels layer as one undo step."""
        try:
            added = self.doc.apply_labels(data)
            self.doc.select_labels()
            self.doc.set_results_visible(False)
        except Exception as exc:
            self._say(f"Cannot apply the template: {exc}", error=True)
            return False
        where = ("on a new 'labels' layer above yours (Ctrl+Z removes it)" if added
                 else "to the labels layer")
        self._say(f"Template applied {where}" + (f"; {note}" if note else ""))
        return True

    def labels_pixels(self) -> bytes | None:
        try:
            return self.doc.labels_pixels()
        except Exception as exc:
            self._say(f"Cannot read the labels: {exc}", error=True)
            return None

    def document_open(self) -> bool:
        return self.doc.is_open()

    def size(self) -> tuple[int, int]:
        return self.doc.width, self.doc.height

    def thumbnail(self, layer_id: str, width: int, height: int) -> Any | None:
        try:
            return self.doc.thumbnail(layer_id, width, height)
        except Exception:
            return None
