"""The Paintboard docker: status, labels, templates, colour, Draw!, history.

Widgets hold no logic: each button calls one method on the active document's model (through
``app``), and the docker repaints from the model's signals.
"""

from __future__ import annotations

import logging
from pathlib import Path

from krita import DockWidget, Krita
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from .. import app as app_module
from ..document import LABELS, STROKES, DocumentError, set_foreground, trigger_action
from ..model.connection import ConnectionState
from ..model.labels import install_kpl
from ..model.templates import Template, foreign_fraction
from ..settings import user_data_dir
from .history import THUMB, HistoryWidget
from .images import bgra_from_qimage, qimage_from_bgra
from .palette import PaletteWidget
from .settings_dialog import SettingsDialog
from .templates import TemplatesWidget

log = logging.getLogger(__name__)

LIGHT = {ConnectionState.connected: "#3fb950", ConnectionState.starting: "#d29922",
         ConnectionState.error: "#f85149", ConnectionState.disconnected: "#8b949e"}


def _section(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    lay.setContentsMargins(6, 6, 6, 6)
    lay.addWidget(widget)
    return box


class PaintboardDocker(DockWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Paintboard")
        self.app = app_module.instance()
        self.templates_dir = user_data_dir() / "paintboard" / "templates"
        self._model = None
        self._build()
        self.app.changed.connect(self.refresh_status)
        self.refresh_status()

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        body = QWidget()
        v = QVBoxLayout(body)
        v.setContentsMargins(4, 4, 4, 4)
        v.setSpacing(6)

        status = QHBoxLayout()
        self.light = QLabel()
        self.light.setFixedSize(12, 12)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.retry = QPushButton("Retry")
        self.retry.setToolTip("Restart the local backend / reconnect")
        self.retry.clicked.connect(self.app.root.retry)
        self.backend_btn = QPushButton("Backend…")
        self.backend_btn.setToolTip("Backend address, local start, CURVE keys for a remote "
                                    "backend, working size")
        self.backend_btn.clicked.connect(self.open_settings)
        status.addWidget(self.light, 0, Qt.AlignTop)
        status.addWidget(self.status, 1)
        status.addWidget(self.retry, 0, Qt.AlignTop)
        status.addWidget(self.backend_btn, 0, Qt.AlignTop)
        v.addLayout(status)

        self.setup_btn = QPushButton("Set up layers")
        self.setup_btn.setToolTip(
            "Create (or find) 'labels', 'color strokes' and the history group")
        self.setup_btn.clicked.connect(self._setup)
        v.addWidget(self.setup_btn)

        self.palette = PaletteWidget(self._pick_label, self._install_palette)
        v.addWidget(_section("Labels", self.palette))
        self.templates = TemplatesWidget(self.templates_dir, self._apply_template,
                                         self._save_template, self._import_template)
        v.addWidget(_section("Templates", self.templates))

        colour = QWidget()
        ch = QHBoxLayout(colour)
        ch.setContentsMargins(0, 0, 0, 0)
        mode = QPushButton("Colour mode")
        mode.setToolTip("Paint colour dabs on 'color strokes'; E toggles the eraser")
        mode.clicked.connect(self._colour_mode)
        clear = QPushButton("Clear strokes")
        clear.clicked.connect(self._clear_strokes)
        ch.addWidget(mode)
        ch.addWidget(clear)
        v.addWidget(_section("Colour", colour))

        gen = QWidget()
        gv = QVBoxLayout(gen)
        gv.setContentsMargins(0, 0, 0, 0)
        self.draw_btn = QPushButton("Draw!")
        self.draw_btn.setMinimumHeight(36)
        self.draw_btn.setStyleSheet("QPushButton { font-weight: bold; font-size: 13pt; }")
        self.draw_btn.setToolTip("Generate from labels + colour strokes (Ctrl+Alt+D)")
        self.draw_btn.clicked.connect(lambda: self._call("draw", create=True))
        gv.addWidget(self.draw_btn)
        row = QHBoxLayout()
        var = QPushButton("Variation")
        var.setToolTip("Same inputs, a new seed")
        var.clicked.connect(lambda: self._call("variation", create=True))
        self.live_btn = QPushButton("Live")
        self.live_btn.setCheckable(True)
        self.live_btn.setToolTip("Regenerate when you stop painting")
        self.live_btn.toggled.connect(self._toggle_live)
        keep = QPushButton("Keep")
        keep.setToolTip("Keep the live result as a history entry")
        keep.clicked.connect(lambda: self._call("keep_live"))
        for b in (var, self.live_btn, keep):
            row.addWidget(b)
        gv.addLayout(row)
        self.local_box = QCheckBox("Only redraw changes")
        self.local_box.setChecked(True)
        self.local_box.setToolTip(
            "Redraw only where labels or strokes changed since the result shown (same seed), "
            "keep the rest. With a selection, Draw! and Variation replace only the selection.")
        self.local_box.toggled.connect(self._toggle_local)
        gv.addWidget(self.local_box)
        v.addWidget(_section("Generate", gen))

        hist = QWidget()
        hv = QVBoxLayout(hist)
        hv.setContentsMargins(0, 0, 0, 0)
        nav = QHBoxLayout()
        back = QPushButton("◀ Back")
        back.clicked.connect(lambda: self._call("back"))
        fwd = QPushButton("Forward ▶")
        fwd.clicked.connect(lambda: self._call("forward"))
        nav.addWidget(back)
        nav.addWidget(fwd)
        hv.addLayout(nav)
        self.history = HistoryWidget(lambda i: self._call("jump", i))
        hv.addWidget(self.history)
        v.addWidget(_section("History", hist))
        self.doc_status = QLabel()
        self.doc_status.setWordWrap(True)
        v.addWidget(self.doc_status)
        v.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)

    # -- model binding -------------------------------------------------------------------------
    def canvasChanged(self, canvas) -> None:  # noqa: N802 - Krita's API name
        self.bind(self.app.active_model(create=False))

    def bind(self, model) -> None:
        if model is self._model:
            return
        if self._model is not None:
            self._model.status_changed.disconnect(self._on_status)
            self._model.history_changed.disconnect(self.refresh_history)
        self._model = model
        if model is not None:
            model.status_changed.connect(self._on_status)
            model.history_changed.connect(self.refresh_history)
            self.live_btn.blockSignals(True)
            self.live_btn.setChecked(model.live)
            self.live_btn.blockSignals(False)
            self.local_box.blockSignals(True)
            self.local_box.setChecked(model.auto_local)
            self.local_box.blockSignals(False)
        self.setup_btn.setVisible(model is None)
        self._on_status(model.status if model else "", False)
        self.refresh_history()

    def _model_or_create(self, create: bool):
        model = self.app.active_model(create=create)
        self.bind(model)
        return model

    def _call(self, method: str, *args, create: bool = False) -> None:
        model = self._model_or_create(create)
        if model is None:
            self._on_status("Open a document and press 'Set up layers' first", True)
            return
        getattr(model, method)(*args)

    def refresh_status(self) -> None:
        conn = self.app.root.connection
        self.light.setStyleSheet(f"background: {LIGHT[conn.state]}; border-radius: 6px;")
        text = {ConnectionState.connected: "Backend connected",
                ConnectionState.starting: "Backend starting…",
                ConnectionState.error: "Backend error",
                ConnectionState.disconnected: "Backend not connected"}[conn.state]
        info = conn.info or {}
        if conn.state is ConnectionState.connected and info.get("model"):
            text += f" · {info.get('model')} on {info.get('device', '?')}"
        if conn.reason and conn.state is not ConnectionState.connected:
            reason = conn.reason if len(conn.reason) < 160 else conn.reason[:157] + "…"
            text += f"\n{reason}"
        self.status.setText(text)
        self.status.setToolTip(conn.reason)
        self.retry.setVisible(conn.state in (ConnectionState.error, ConnectionState.disconnected))
        self.palette.set_info(conn.info)

    def _on_status(self, text: str, error: bool) -> None:
        self.doc_status.setText(text)
        self.doc_status.setStyleSheet("color: #f85149;" if error else "")

    def refresh_history(self) -> None:
        model = self._model
        thumb = (lambda uid: model.doc.thumbnail(uid, THUMB.width(), THUMB.height())) \
            if model else (lambda uid: None)
        self.history.show_model(model, thumb)

    # -- actions -------------------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        """Modeless, so Krita and the status light keep running while the user types a path."""
        dialog = SettingsDialog(self.app.settings, self.app.root.apply_settings, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self.refresh_status())
        dialog.show()
        return dialog

    def _setup(self) -> None:
        if Krita.instance().activeDocument() is None:
            self._on_status("Open or create a document first", True)
            return
        self._model_or_create(True)
        self._on_status("Layers ready: paint labels, add colour dabs, press Draw!", False)

    def _pick_label(self, cls) -> None:
        model = self._model_or_create(True)
        if model is None:
            return
        model.doc.select(LABELS)
        model.doc.set_results_visible(False)
        set_foreground(cls.rgb)
        self._on_status(f"Painting '{cls.name}' on the labels layer", False)

    def _colour_mode(self) -> None:
        model = self._model_or_create(True)
        if model is None:
            return
        model.doc.select(STROKES)
        model.doc.set_results_visible(False)
        self._on_status("Colour mode: dab colours on 'color strokes' (E = eraser)", False)

    def _clear_strokes(self) -> None:
        model = self._model_or_create(True)
        if model is None:
            return
        model.doc.select(STROKES)
        # Krita's own Clear is undoable; fall back to writing transparent pixels.
        if not trigger_action("clear"):
            model.doc.clear_strokes()
        self._on_status("Strokes cleared", False)

    def _install_palette(self) -> None:
        krita = Krita.instance()
        location = krita.getAppDataLocation() if hasattr(krita, "getAppDataLocation") else ""
        target = install_kpl(Path(location or user_data_dir()))
        self._on_status(f"Palette installed: {target}. It appears in the palette docker after "
                        "restarting Krita.", False)

    def _apply_template(self, source) -> None:
        model = self._model_or_create(True)
        if model is None:
            return
        doc = model.doc
        try:
            current = doc.labels_pixels()
            if current.count(0) != len(current):
                answer = QMessageBox.question(
                    self, "Paintboard", "Replace the labels layer with this template?")
                if answer != QMessageBox.Yes:
                    return
            if isinstance(source, Template):
                data = source.render(doc.width, doc.height)
            else:
                from PyQt5.QtGui import QImage

                data = bgra_from_qimage(QImage(str(source)), doc.width, doc.height)
            doc.set_labels(data)
            doc.select(LABELS)
            doc.set_results_visible(False)
        except DocumentError as exc:
            self._on_status(str(exc), True)
            return
        self._on_status("Template applied to the labels layer", False)

    def _save_template(self) -> None:
        model = self._model_or_create(True)
        if model is None:
            return
        doc = model.doc
        self.templates_dir.mkdir(parents=True, exist_ok=True)
        n = len(list(self.templates_dir.glob("*.png"))) + 1
        target = self.templates_dir / f"my template {n}.png"
        qimage_from_bgra(doc.labels_pixels(), doc.width, doc.height).save(str(target))
        self.templates.reload()
        self._on_status(f"Saved {target.name}", False)

    def _import_template(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import label image", "", "Images (*.png)")
        if not path:
            return
        from PyQt5.QtGui import QImage

        img = QImage(path)
        if img.isNull():
            self._on_status(f"Cannot read {path}", True)
            return
        small = bgra_from_qimage(img, min(img.width(), 256), min(img.height(), 256))
        bad = foreign_fraction(small)
        if bad > 0.05:
            self._on_status(f"{bad:.0%} of that image is not in the label palette; "
                            "it would snap to the nearest classes", True)
        self.templates_dir.mkdir(parents=True, exist_ok=True)
        img.save(str(self.templates_dir / (Path(path).stem + ".png")))
        self.templates.reload()

    def _toggle_local(self, on: bool) -> None:
        model = self._model_or_create(False)
        if model is not None:
            model.auto_local = on

    def _toggle_live(self, on: bool) -> None:
        model = self._model_or_create(on)
        if model is not None:
            model.set_live(on)
