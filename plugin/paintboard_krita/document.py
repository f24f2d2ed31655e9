"""The only module that touches Krita documents, nodes and pixels.

Nodes are kept by ``uniqueId`` (stored in a document annotation), never by name: names are not
unique and users rename layers. The document is held as the object that asked, so a result
lands in that document even when the user has switched to another one meanwhile.

Why this module is long: it is the plugin's single door to Krita's API, so every node, pixel,
selection and annotation call sits here and the rest of the plugin runs in tests without Krita.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

from krita import Krita, ManagedColor

from . import protocol
from .model.local_redraw import Rect
from .model.reads import sampled_rows, splice_into
from .model.working_size import sent_size

try:
    from PyQt5.QtCore import QByteArray, QTimer
except ImportError:  # the stand-in krita module in tests runs without PyQt5
    QByteArray = None  # type: ignore[assignment,misc]
    QTimer = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

ANNOTATION = "paintboard"
ANNOTATION_DESCRIPTION = "Paintboard: layer ids and result history (JSON)"
META_VERSION = 1
LABELS, STROKES, HISTORY, LIVE = "labels", "color strokes", "Paintboard history", "Paintboard live"
RGBA_PROFILE = "sRGB-elle-V2-srgbtrc.icc"
RESTORE_ACTIVE_MS = (0, 200)  # Krita activates an added layer from its event loop, later


def check_size(width: int, height: int) -> None:
    """Refuse a canvas the backend would refuse, before reading gigabytes of pixels from it."""
    side = max(width, height)
    if side > protocol.MAX_SIDE or width * height > protocol.MAX_PIXELS:
        raise DocumentError(
            f"the image is {width}×{height}; Paintboard works up to {protocol.MAX_SIDE} px a side "
            f"and {protocol.MAX_PIXELS // 1_000_000} M pixels. Scale or crop a copy "
            "(Image ▸ Scale Image To New Size) and draw there."
        )


def node_id(node: Any) -> str:
    u = node.uniqueId()
    return u.toString() if hasattr(u, "toString") else str(u)


def _walk(node: Any):
    for child in node.childNodes():
        yield child
        yield from _walk(child)


@dataclass
class Inputs:
    """Both layers as raw bytes, ready to send (no per-pixel Python work anywhere).

    ``width``×``height`` is the size of the buffers, which is the working size when the layers
    were reduced before sending (``reduce.py``); ``doc_width``×``doc_height`` is the document's,
    the size the result goes back to.
    """

    width: int
    height: int
    labels: bytes
    strokes: bytes
    fmt: str = protocol.FORMAT_BGRA8
    doc_width: int = 0  # 0 = same as width
    doc_height: int = 0

    def __post_init__(self) -> None:
        self.doc_width = self.doc_width or self.width
        self.doc_height = self.doc_height or self.height

    @property
    def reduced(self) -> bool:
        return (self.width, self.height) != (self.doc_width, self.doc_height)

    def digest(self) -> str:
        h = hashlib.blake2b(digest_size=12)
        h.update(f"{self.width}x{self.height}/{self.doc_width}x{self.doc_height}".encode())
        h.update(self.labels)
        h.update(self.strokes)
        return h.hexdigest()


def pixels_digest(pixels: Any) -> str:
    """CRC-32 of a layer's pixels (bytes, or Krita's QByteArray read in place, no copy).

    Why not blake2b of a ``bytes`` copy: on an A4 page that was 87 ms per digest against 8 ms
    (measured in Krita), and live mode takes two per update; telling whether someone painted on
    a layer needs no cryptographic hash.
    """
    return f"crc32:{zlib.crc32(pixels):08x}"


def _owned(data: Any) -> Any:
    """``data`` as a buffer this module may keep and patch in place: a QByteArray inside Krita
    (compared with ``pixelData``'s QByteArray by memcmp; ``bytes`` would be converted, 33 ms on
    A4), a bytearray with the stand-in krita module."""
    if QByteArray is not None:
        return data if isinstance(data, QByteArray) else QByteArray(bytes(data))
    return bytearray(data)


class DocumentError(Exception):
    """Something the user must fix in the document (message says what)."""


class PaintboardDocument:
    """Wraps one krita.Document: layer set-up, reading inputs, results, metadata."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.meta: dict[str, Any] = self._read_meta()
        if not self.meta.get("doc_id"):
            self.meta = {"version": META_VERSION, "doc_id": uuid.uuid4().hex, "layers": {}}
        # (live layer id, its whole pixels as the plugin last wrote them): in this session the
        # "did the user paint on it" check compares the layer with these bytes (memcmp, ~2 ms
        # on A4) instead of hashing a read of it; the digest in ``meta`` is for a reopened file.
        self._live_written: tuple[str, Any] | None = None
        self._strokes_pool: Any = None  # reduce.StrokesPool, made on the first reduced read

    # -- identity and metadata -------------------------------------------------------------
    @staticmethod
    def key_of(doc: Any) -> str | None:
        raw = doc.annotation(ANNOTATION)
        try:
            return json.loads(bytes(raw).decode("utf-8")).get("doc_id") if raw else None
        except (ValueError, AttributeError):
            return None

    @property
    def key(self) -> str:
        return self.meta["doc_id"]

    def _read_meta(self) -> dict[str, Any]:
        raw = self.doc.annotation(ANNOTATION)
        if not raw:
            return {}
        try:
            data = json.loads(bytes(raw).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            log.warning("unreadable Paintboard annotation; starting a fresh history")
            return {}
        return data if isinstance(data, dict) else {}

    def save_meta(self) -> None:
        """Annotations are saved inside the .kra, so history survives save and reopen."""
        data = json.dumps(self.meta, separators=(",", ":")).encode("utf-8")
        self.doc.setAnnotation(ANNOTATION, ANNOTATION_DESCRIPTION,
                               QByteArray(data) if QByteArray is not None else data)

    def is_open(self) -> bool:
        """This very document is still open (a closed one answers ``rootNode()`` with None)."""
        return self.doc.rootNode() is not None and any(
            d == self.doc for d in Krita.instance().documents())

    def is_same(self, doc: Any) -> bool:
        """``doc`` is the document this wraps (Krita's wrappers compare by the document)."""
        return bool(doc == self.doc)

    @property
    def width(self) -> int:
        return self.doc.width()

    @property
    def height(self) -> int:
        return self.doc.height()

    @property
    def is_rgba8(self) -> bool:
        return self.doc.colorModel() == "RGBA" and self.doc.colorDepth() == "U8"

    # -- nodes -------------------------------------------------------------------------------
    def node(self, node_uid: str | None) -> Any | None:
        if not node_uid:
            return None
        for n in _walk(self.doc.rootNode()):
            if node_id(n) == node_uid:
                return n
        return None

    def _role(self, role: str) -> Any | None:
        return self.node(self.meta.get("layers", {}).get(role))

    def _by_name(self, name: str, kind: str, parent: Any) -> Any | None:
        for n in parent.childNodes():
            if n.name() == name and n.type() == kind:
                return n
        return None

    def is_set_up(self) -> bool:
        return all(self._role(r) is not None for r in (LABELS, STROKES, HISTORY))

    def ensure_layers(self) -> None:
        """Find (stored id, then name) or create labels, color strokes and the history group."""
        root = self.doc.rootNode()
        layers = self.meta.setdefault("layers", {})
        labels = self._role(LABELS) or self._by_name(LABELS, "paintlayer", root)
        if labels is None:
            labels = self.doc.createNode(LABELS, "paintlayer")
            root.addChildNode(labels, None)
        strokes = self._role(STROKES) or self._by_name(STROKES, "paintlayer", root)
        if strokes is None:
            strokes = self.doc.createNode(STROKES, "paintlayer")
            root.addChildNode(strokes, labels)
        group = self._role(HISTORY) or self._by_name(HISTORY, "grouplayer", root)
        if group is None:
            group = self.doc.createGroupLayer(HISTORY)
            root.addChildNode(group, strokes)
        layers.update({LABELS: node_id(labels), STROKES: node_id(strokes),
                       HISTORY: node_id(group)})
        self._wait()
        self.save_meta()

    def _require(self, role: str) -> Any:
        node = self._role(role)
        if node is None:
            self.ensure_layers()
            node = self._role(role)
        if node is None:
            raise DocumentError(f"the '{role}' layer is missing; press 'Set up layers'")
        return node

    def _wait(self) -> None:
        wait = getattr(self.doc, "waitForDone", None)
        if wait is not None:
            wait()

    # -- reading -------------------------------------------------------------------------------
    def read_inputs(self, longest: int | None = None) -> Inputs:
        """Both layers as BGRA8 bytes, reduced to working size ``longest`` when bigger.

        Reduced in Krita's process (``reduce.py``: labels nearest, strokes with no dab lost),
        so an A4 page sends 2 × 0.4 MB instead of 2 × 35 MB. ``longest=None`` reads them at
        document size. A document in another colour model or depth is never converted:
        detached copies of the two layers are (``duplicate`` + ``setColorSpace``), and the
        user's document stays as it was. (Converting a clone of the whole document cost 0.25-0.4
        s a Draw! on an A4 16-bit page with 20 results, growing with each; this costs 0.017 s.)
        """
        w, h = self.width, self.height
        check_size(w, h)
        labels, strokes = self._require(LABELS), self._require(STROKES)
        if self.is_rgba8:
            return self._read(labels, strokes, w, h, longest)
        copies = (labels.duplicate(), strokes.duplicate())
        if not all(c.setColorSpace("RGBA", "U8", RGBA_PROFILE) for c in copies):
            raise DocumentError("could not read the layers in RGBA 8-bit; convert the "
                                "image to RGB/Alpha 8-bit (Image ▸ Convert Image Color Space)")
        return self._read(*copies, w, h, longest)

    def _read(self, labels: Any, strokes: Any, w: int, h: int, longest: int | None) -> Inputs:
        """Read only what the reduced layers are made of: the labels' nearest-sampled rows
        (``model/reads.py``; 2 ms on A4 against 25-35 ms for the whole layer), the whole strokes
        layer in bands, pooled again only where a band changed (``reduce.StrokesPool``).
        Krita's QByteArrays are wrapped by QImage without a copy."""
        if longest is None or max(w, h) <= longest:
            return Inputs(w, h, bytes(labels.pixelData(0, 0, w, h)),
                          bytes(strokes.pixelData(0, 0, w, h)))
        from . import reduce  # PyQt5: only inside Krita (the stand-in krita has no Qt)

        sw, sh = sent_size(w, h, longest)
        rows = b"".join(labels.pixelData(0, y, w, 1) for y in sampled_rows(h, sh))
        lab = reduce.labels(rows, w, sh, sw, sh)
        # the strokes are read whole: any pixel may hold a dab. (``Node.bounds()`` to read only
        # the painted part was measured slower: Krita recomputes it after every dab by scanning
        # the layer's extent pixel by pixel, 80-185 ms on A4 against 25 ms for this read.)
        if not (sw < w and sh < h):  # a sliver of a page: pooled whole, nothing kept
            stk = reduce.strokes(strokes.pixelData(0, 0, w, h), w, h, sw, sh)
        else:
            if self._strokes_pool is None:
                self._strokes_pool = reduce.StrokesPool()
            stk = self._strokes_pool.reduce(lambda y, rows: strokes.pixelData(0, y, w, rows),
                                            w, h, sw, sh)
        return Inputs(sw, sh, lab, stk, doc_width=w, doc_height=h)

    # -- writing ---------------------------------------------------------------------------------
    def _new_layer(self, name: str, data: bytes, parent: Any, above: Any | None = None) -> Any:
        """A paint layer filled before it is added: the add is one undo step with its pixels.

        Adding a layer makes it Krita's active layer; the user's active layer is put back, so
        their next stroke never lands on a plugin layer.
        """
        active = self.doc.activeNode()
        node = self.doc.createNode(name, "paintlayer")
        if not self.is_rgba8:
            node.setColorSpace("RGBA", "U8", RGBA_PROFILE)
        node.setPixelData(data, 0, 0, self.width, self.height)
        parent.addChildNode(node, above)
        self._restore_active(active)
        return node

    def _restore_active(self, active: Any | None) -> None:
        """Make ``active`` the active layer again, now and after Krita's own queued activation
        of the added layer (the layer docker activates new layers from the event loop)."""
        if active is None:
            return

        def restore() -> None:
            try:
                now = self.doc.activeNode()
                if now is None or node_id(now) != node_id(active):
                    self.doc.setActiveNode(active)
            except Exception:  # the document or the node went away meanwhile
                log.debug("could not restore the active layer", exc_info=True)

        restore()
        if QTimer is not None:
            for delay_ms in RESTORE_ACTIVE_MS:
                QTimer.singleShot(delay_ms, restore)

    def to_document_size(self, data: bytes, size: tuple[int, int] | None,
                         into: Any = None) -> Any:
        """A result of ``size`` (w, h) → document size (smooth upscale in Qt when it differs;
        then a QByteArray, ``into`` reused when given)."""
        if size is None or tuple(size) == (self.width, self.height):
            return data
        from . import reduce  # PyQt5: only inside Krita

        return reduce.upscale(data, size[0], size[1], self.width, self.height, into)

    def insert_result(self, data: bytes, name: str, size: tuple[int, int] | None = None) -> str:
        """A new visible paint layer on top of the history group; returns its id.

        ``size``: the (w, h) of ``data`` when it is smaller than the document (reduced inputs).
        """
        data = self.to_document_size(data, size)
        group = self._require(HISTORY)
        node = self._new_layer(name, data, group)
        self._show_on_top(node, group)
        return node_id(node)

    def _show_on_top(self, node: Any, group: Any) -> None:
        """Show a result just added on top of the history group.

        Adding a filled layer already updates the canvas; a whole-image refreshProjection
        (0.2 s on an A4 page, 2 s on a 16-bit one) is paid only when the group or the live
        layer changes visibility: ``setVisible`` alone never redraws the canvas.
        """
        node.setVisible(True)
        live = self._role(LIVE)
        redraw = not group.visible() or (live is not None and live.visible())
        group.setVisible(True)
        if live is not None:
            live.setVisible(False)
        if redraw:
            self.refresh()

    def update_live(self, data: bytes, size: tuple[int, int] | None = None) -> str:
        """Live results replace one layer's pixels instead of adding layers.

        Only a live layer that still holds exactly what the plugin wrote is replaced; one the
        user painted on is theirs: it is renamed, left alone, and a new live layer is added.
        """
        group = self._require(HISTORY)
        live = self._live_layer_untouched()  # before its old bytes are reused below
        old = self._live_written[1] if self._live_written is not None and live is not None \
            else None
        data = _owned(self.to_document_size(data, size, old))
        if live is None:
            live = self._new_layer(LIVE, data, group)
            self.meta["layers"][LIVE] = node_id(live)
        else:
            live.setPixelData(data, 0, 0, self.width, self.height)
        self._remember_live(live, data)
        live.setVisible(True)
        group.setVisible(True)
        self.refresh()
        return node_id(live)

    def _remember_live(self, live: Any, written: Any) -> None:
        """Keep what the plugin wrote (the whole layer: pixels round-trip exactly) and its
        digest, to tell later whether the user painted on it — without reading it back."""
        self._live_written = (node_id(live), written)
        self.meta["live_digest"] = pixels_digest(written)
        self.save_meta()

    def _live_layer_untouched(self) -> Any | None:
        """The live layer if the user has not painted on it; else hand it over to the user.

        One read of the layer, compared byte for byte with what this session wrote (or, in a
        reopened document, with the stored digest). Any change counts, even one pixel.
        """
        live = self._role(LIVE)
        if live is None:
            return None
        pixels = live.pixelData(0, 0, self.width, self.height)
        held = self._live_written
        if held is not None and held[0] == node_id(live) and len(held[1]) == len(pixels):
            untouched = bool(pixels == held[1])
        else:
            untouched = pixels_digest(pixels) == self.meta.get("live_digest")
        if untouched:
            return live
        live.setName(f"{LIVE} (painted on, kept)")
        self._forget_live()
        return None

    def _forget_live(self) -> None:
        self._live_written = None
        self.meta.get("layers", {}).pop(LIVE, None)
        self.meta.pop("live_digest", None)
        self.save_meta()

    def keep_live(self, name: str) -> str | None:
        """The live layer becomes a history result as it is (no copy); None without one."""
        live = self._role(LIVE)
        if live is None:
            return None
        live.setName(name)
        live.setVisible(True)
        self._forget_live()
        self.refresh()
        return node_id(live)

    def drop_live(self) -> None:
        """Live mode ended: remove the live layer unless the user painted on it (then keep)."""
        live = self._live_layer_untouched()
        if live is not None:
            live.remove()
            self._forget_live()
            self.refresh()

    def live_pixels(self) -> bytes | None:
        live = self._role(LIVE)
        if live is None:
            return None
        return bytes(live.pixelData(0, 0, self.width, self.height))

    def set_labels(self, data: bytes) -> None:
        """Write the labels in place (setPixelData: not an undo step; tests and empty layers)."""
        labels = self._require(LABELS)
        if not self.is_rgba8:
            raise DocumentError("templates need an RGB/Alpha 8-bit document")
        labels.setPixelData(data, 0, 0, self.width, self.height)
        self.refresh()

    def apply_labels(self, data: bytes) -> bool:
        """A template as ONE undo step: a new filled ``labels`` layer above the old one.

        The old layer is left untouched; the plugin's labels role moves to the new layer, and
        after Ctrl+Z (the layer is gone) the old one is found again by name. An empty labels
        layer is simply filled (nothing to lose). Returns True when a new layer was added.
        In a 16-bit or float document the new layer is RGBA 8-bit (``_new_layer``): label
        colours must stay exact, and the bytes of an 8-bit template fit only such a layer.
        """
        labels = self._require(LABELS)
        old = bytes(labels.pixelData(0, 0, self.width, self.height))
        if self.is_rgba8 and old.count(0) == len(old):
            labels.setPixelData(data, 0, 0, self.width, self.height)
            self.refresh()
            return False
        node = self._new_layer(LABELS, data, labels.parentNode(), labels)
        self.meta["layers"][LABELS] = node_id(node)
        self.save_meta()
        self.refresh()
        return True

    def labels_pixels(self) -> bytes:
        return self.read_inputs().labels

    def clear_strokes(self) -> None:
        """Transparent strokes layer (bytes per pixel taken from the layer itself)."""
        strokes = self._require(STROKES)
        w, h = self.width, self.height
        size = len(bytes(strokes.pixelData(0, 0, 1, 1))) * w * h
        strokes.setPixelData(bytes(size), 0, 0, w, h)
        self.refresh()

    # -- local redraw (issue #12; the pixel work is in compose.py) -------------------------------
    def selection_alpha(self, feather: int) -> tuple[Rect, bytes] | None:
        """The active selection as a soft mask; None without one (the usual case: cheap)."""
        getter = getattr(self.doc, "selection", None)
        if getter is None or getter() is None:
            return None
        from . import compose  # Krita + Qt only: imported when a local redraw needs it

        return compose.selection_alpha(self.doc, feather)

    def tiles_alpha(self, mask: Any, feather: int) -> tuple[Rect, bytes] | None:
        from . import compose

        return compose.tiles_alpha(mask, feather)

    def alpha_to_document(self, rect_alpha: tuple[Rect, bytes], size: tuple[int, int]
                          ) -> tuple[Rect, bytes]:
        """A soft mask on the ``size`` (w, h) grid of reduced layers → document pixels."""
        from . import reduce  # PyQt5: only inside Krita

        return reduce.scale_mask(*rect_alpha, size[0], size[1], self.width, self.height)

    def _local_region(self, data: bytes, base: Any, rect: Rect, alpha: bytes,
                      size: tuple[int, int] | None) -> bytes:
        """``rect`` of the new result (of ``size`` when reduced: only that rectangle is
        upscaled) composed over the base layer's pixels through ``alpha``."""
        from . import compose

        x, y, w, h = rect
        if size is None or tuple(size) == (self.width, self.height):
            new = compose.crop(data, self.width, rect)
        else:
            new = compose.upscale_region(data, size[0], size[1], self.width, self.height, rect)
        return compose.composite(bytes(base.pixelData(x, y, w, h)), new, alpha, w, h)

    def insert_local_result(self, data: bytes, name: str, base_id: str, rect: Rect,
                            alpha: bytes, size: tuple[int, int] | None = None) -> str:
        """Like insert_result, but the new layer is a copy of ``base_id``'s layer with only
        ``rect`` rewritten (``data`` through ``alpha``): outside the mask it is the base's pixels,
        byte for byte, and only the rectangle's bytes travel into Krita."""
        base = self.node(base_id)
        if base is None:
            raise DocumentError("the result being edited was deleted; press Draw! again")
        group = self._require(HISTORY)
        region = self._local_region(data, base, rect, alpha, size)
        active = self.doc.activeNode()
        node = base.duplicate()
        node.setName(name)
        node.setPixelData(region, *rect)
        group.addChildNode(node, None)
        self._restore_active(active)
        self._show_on_top(node, group)
        return node_id(node)

    def live_layer_id(self) -> str | None:
        return self.meta.get("layers", {}).get(LIVE) if self._role(LIVE) is not None else None

    def update_live_local(self, data: bytes, base_id: str, rect: Rect, alpha: bytes,
                          size: tuple[int, int] | None = None) -> str:
        """A live update that rewrites only ``rect`` (the live layer edits itself, or starts as
        a copy of the shown result). A live layer the user painted on stays theirs, and the
        whole new picture goes to a fresh live layer (their pixels are never copied into it)."""
        from . import compose

        base = self.node(base_id)
        was_live = base_id == self.meta.get("layers", {}).get(LIVE)
        live = self._live_layer_untouched()
        if base is None or (was_live and live is None):
            return self.update_live(data, size)
        region = self._local_region(data, base, rect, alpha, size)
        if live is not None and node_id(live) == base_id:
            live.setPixelData(region, *rect)
            held = self._live_written
            if held is not None and held[0] == base_id:
                written = held[1]
                splice_into(written, self.width, rect, region)  # no read of the layer
            else:  # a reopened document: this session has not written the layer yet
                written = _owned(live.pixelData(0, 0, self.width, self.height))
            self._remember_live(live, written)
            live.setVisible(True)
            self.refresh()
            return base_id
        whole = bytes(base.pixelData(0, 0, self.width, self.height))
        return self.update_live(compose.splice(whole, self.width, rect, region))

    def remove_layer(self, node_uid: str) -> None:
        """Remove a result layer (Krita's remove is undoable)."""
        node = self.node(node_uid)
        if node is not None:
            node.remove()
            self.refresh()

    # -- visibility ------------------------------------------------------------------------------
    def exists(self, node_uid: str) -> bool:
        return self.node(node_uid) is not None

    def node_ids(self) -> set[str]:
        """Every layer's id in one walk (for many ``exists`` questions at once)."""
        return {node_id(n) for n in _walk(self.doc.rootNode())}

    def is_visible(self, node_uid: str) -> bool:
        node = self.node(node_uid)
        return bool(node is not None and node.visible())

    def apply_visibility(self, changes: list[tuple[str, bool]], refresh: bool = True) -> None:
        """Eyes on and off; ``refresh=False`` where no pixel of the canvas can change (layers
        hidden under an opaque one added on top, whose add redrew the canvas)."""
        for node_uid, visible in changes:
            node = self.node(node_uid)
            if node is not None:
                node.setVisible(visible)
        if changes:
            group = self._role(HISTORY)
            if group is not None and any(v for _, v in changes):
                group.setVisible(True)
            live = self._role(LIVE)
            if live is not None and any(v for _, v in changes):
                live.setVisible(False)
            if refresh:
                self.refresh()

    def set_results_visible(self, visible: bool) -> None:
        """Hide the results while the user paints labels or strokes, show them for Draw!."""
        group = self._role(HISTORY)
        if group is not None and group.visible() != visible:
            group.setVisible(visible)
            self.refresh()

    def thumbnail(self, node_uid: str, width: int, height: int) -> Any | None:
        node = self.node(node_uid)
        return None if node is None else node.thumbnail(width, height)

    def refresh(self) -> None:
        self.doc.refreshProjection()

    # -- selection ---------------------------------------------------------------------------------
    def select(self, role: str) -> None:
        node = self._require(role)
        self.doc.setActiveNode(node)

    def select_labels(self) -> None:
        self.select(LABELS)

    def select_strokes(self) -> None:
        self.select(STROKES)

    def strokes_active(self) -> bool:
        return self.active_role() == STROKES

    def active_role(self) -> str | None:
        """Which plugin layer is active (labels, color strokes, …), None for any other."""
        active = self.doc.activeNode()
        if active is None:
            return None
        uid = node_id(active)
        return next((r for r, u in self.meta.get("layers", {}).items() if u == uid), None)

    def set_foreground(self, rgb: tuple[int, int, int]) -> bool:
        return set_foreground(rgb)

    def clear_strokes_undoably(self) -> None:
        """Krita's own Clear on 'color strokes' is undoable; else write transparent pixels."""
        self.select(STROKES)
        if not trigger_action("clear"):
            self.clear_strokes()


def set_foreground(rgb: tuple[int, int, int]) -> bool:
    """Set the active view's foreground colour; False when no view is open."""
    window = Krita.instance().activeWindow()
    view = window.activeView() if window is not None else None
    if view is None:
        return False
    colour = ManagedColor("RGBA", "U8", "")
    r, g, b = (v / 255.0 for v in rgb)
    colour.setComponents([b, g, r, 1.0])  # component order of RGBA U8 is B, G, R, A
    view.setForeGroundColor(colour)
    return True


def trigger_action(name: str) -> bool:
    action = Krita.instance().action(name)
    if action is None:
        return False
    action.trigger()
    return True
