"""The Paintboard docker: status, Draw!/Back/Forward, then tabs for paint, templates, history.

Widgets hold no logic: each button calls one method on the active document's model (through
``app``), and the docker repaints from the model's signals. It is laid out for a 300 px wide
column in Krita's default layout: the status and the generate buttons always stay on top, the
rest sits in tabs; palette colours and templates are icons with tooltips.
"""

from __future__ import annotations

import logging
from pathlib import Path

from krita import DockWidget, Krita
from PyQt5.QtCore import Qt, QTimer
from PyQt5.QtGui import QIcon, QImage
from PyQt5.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import app as app_module
from ..model.connection import ConnectionState
from ..model.labels import install_kpl
from ..model.templates import Template
from ..settings import user_data_dir
from .history import THUMB, HistoryTab
from .images import bgra_fitted, qimage_from_bgra
from .palette import PaletteWidget
from .settings_dialog import SettingsDialog
from .templates import TemplatesWidget

log = logging.getLogger(__name__)

LIGHT = {ConnectionState.connected: "#3fb950", ConnectionState.starting: "#d29922",
         ConnectionState.error: "#f85149", ConnectionState.disconnected: "#8b949e"}
NO_DOCUMENT = "No document open: create or open one (File ▸ New) to use Paintboard."
# A checked toggle must be obvious at a glance, in Krita's dark and light themes alike.
TOGGLE_STYLE = ("QPushButton:checked { background: palette(highlight); "
                "color: palette(highlighted-text); font-weight: bold; "
                "border: 1px solid palette(highlighted-text); }")
SYNC_MS = 400  # how often the docker follows the active layer and an Undo (_tick)


def krita_icon(name: str) -> QIcon:
    """Krita's own icon (follows the theme); an empty icon where Krita has none."""
    try:
        return Krita.instance().icon(name)
    except Exception:
        return QIcon()


def _tool(icon: str, text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(krita_icon(icon))
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(False)
    style = Qt.ToolButtonIconOnly if not button.icon().isNull() else Qt.ToolButtonTextOnly
    button.setToolButtonStyle(style)
    return button


class PaintboardDocker(DockWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Paintboard")
        self.app = app_module.instance()
        self.templates_dir = user_data_dir() / "paintboard" / "templates"
        self._model = None
        self._build()
        self.app.changed.connect(self.refresh_status)
        self.app.active_changed.connect(self.sync_active)
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(SYNC_MS)
        self._sync_timer.timeout.connect(self._tick)
        self._sync_timer.start()
        self.refresh_status()
        self.sync_active()

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        body = QWidget()
        v = QVBoxLayout(body)
        v.setContentsMargins(4, 4, 4, 4)
        v.setSpacing(4)

        status = QHBoxLayout()
        status.setSpacing(4)
        self.light = QLabel()
        self.light.setFixedSize(12, 12)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: "working", no fake percentage
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(48, 10)
        self.busy.setToolTip("A request is running in the backend")
        self.busy.hide()
        self.retry = _tool("view-refresh", "Retry", "Restart the local backend / reconnect")
        self.retry.clicked.connect(self.app.root.retry)
        self.backend_btn = _tool("configure", "Backend…", "Backend settings: address, local "
                                 "start, working size, keys for a remote backend")
        self.backend_btn.clicked.connect(self.open_settings)
        status.addWidget(self.light, 0, Qt.AlignVCenter)
        status.addWidget(self.status, 1)
        status.addWidget(self.busy, 0, Qt.AlignVCenter)
        status.addWidget(self.retry, 0, Qt.AlignVCenter)
        status.addWidget(self.backend_btn, 0, Qt.AlignVCenter)
        v.addLayout(status)

        self.no_doc = QLabel(NO_DOCUMENT)
        self.no_doc.setWordWrap(True)
        self.no_doc.setStyleSheet("color: #d29922;")
        v.addWidget(self.no_doc)

        self.work = QWidget()
        w = QVBoxLayout(self.work)
        w.setContentsMargins(0, 0, 0, 0)
        w.setSpacing(4)
        v.addWidget(self.work, 1)

        self.setup_btn = QPushButton("Set up layers")
        self.setup_btn.setToolTip(
            "Create (or find) 'labels', 'color strokes' and the history group")
        self.setup_btn.clicked.connect(self._setup)
        w.addWidget(self.setup_btn)

        row = QHBoxLayout()
        row.setSpacing(4)
        self.draw_btn = QPushButton("Draw!")
        self.draw_btn.setMinimumHeight(32)
        self.draw_btn.setStyleSheet("QPushButton { font-weight: bold; font-size: 12pt; }")
        self.draw_btn.setToolTip("Generate from labels + colour strokes (Ctrl+Alt+D)")
        self.draw_btn.clicked.connect(lambda: self._call("draw", create=True))
        self.back_btn = _tool("arrow-left", "◀", "Back: show the previous result "
                              "(Ctrl+Alt+Left)")
        self.back_btn.clicked.connect(lambda: self._call("back"))
        self.fwd_btn = _tool("arrow-right", "▶", "Forward: show the next result "
                             "(Ctrl+Alt+Right)")
        self.fwd_btn.clicked.connect(lambda: self._call("forward"))
        for b in (self.back_btn, self.fwd_btn):
            b.setMinimumHeight(32)
            b.setMinimumWidth(32)
        row.addWidget(self.draw_btn, 1)
        row.addWidget(self.back_btn)
        row.addWidget(self.fwd_btn)
        w.addLayout(row)

        row2 = QHBoxLayout()
        row2.setSpacing(4)
        self.var_btn = var = QPushButton("Variation")
        var.setToolTip("Same inputs, a new seed")
        var.clicked.connect(lambda: self._call("variation", create=True))
        self.live_btn = QPushButton("Live")
        self.live_btn.setCheckable(True)
        self.live_btn.setStyleSheet(TOGGLE_STYLE)
        self.live_btn.setToolTip("Regenerate whenever you pause painting (Ctrl+Alt+L)")
        self.live_btn.toggled.connect(self._toggle_live)
        self.keep_btn = QPushButton("Keep")
        self.keep_btn.setToolTip("Keep the live result as a history entry")
        self.keep_btn.clicked.connect(lambda: self._call("keep_live"))
        for b in (var, self.live_btn, self.keep_btn):
            b.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
            row2.addWidget(b)
        w.addLayout(row2)
        self.local_box = QCheckBox("Only redraw changes")
        self.local_box.setChecked(True)
        self.local_box.setToolTip(
            "Redraw only where labels or strokes changed since the result shown (same seed), "
            "keep the rest. With a selection, Draw! and Variation replace only the selection.")
        self.local_box.toggled.connect(self._toggle_local)
        w.addWidget(self.local_box)

        self.doc_status = QLabel()
        self.doc_status.setWordWrap(True)
        self.doc_status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        w.addWidget(self.doc_status)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._paint_tab(), "Paint")
        self.templates = TemplatesWidget(self.templates_dir, self._apply_template,
                                         self._save_template, self._on_status,
                                         save_icon=krita_icon("document-save"),
                                         import_icon=krita_icon("document-import"))
        self.tabs.addTab(self.templates, "Templates")
        self.history = HistoryTab(lambda i: self._call("jump", i),
                                  lambda: self._call("drop_oldest"), krita_icon("visible"))
        self.tabs.addTab(self.history, "History")
        w.addWidget(self.tabs, 1)
        self.setWidget(body)

    def _paint_tab(self) -> QWidget:
        tab = QWidget()
        t = QVBoxLayout(tab)
        t.setContentsMargins(2, 4, 2, 2)
        t.setSpacing(4)
        self.palette = PaletteWidget(self._pick_label, self._install_palette)
        t.addWidget(self.palette)
        row = QHBoxLayout()
        self.colour_btn = QPushButton("Colour mode")
        self.colour_btn.setCheckable(True)
        self.colour_btn.setStyleSheet(TOGGLE_STYLE)
        self.colour_btn.setToolTip("Paint colour dabs on 'color strokes'; E toggles the eraser")
        self.colour_btn.clicked.connect(self._colour_mode)
        clear = QPushButton("Clear strokes")
        clear.setToolTip("Empty 'color strokes' (undoable)")
        clear.clicked.connect(lambda: self._call("clear_strokes", create=True))
        for b in (self.colour_btn, clear):
            b.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
            row.addWidget(b)
        t.addLayout(row)
        t.addStretch(1)
        return tab

    # -- model binding -------------------------------------------------------------------------
    def canvasChanged(self, canvas) -> None:  # noqa: N802 - Krita's API name
        self.sync_active()

    def sync_active(self) -> None:
        """Follow Krita's active document: its model, or disabled with the reason."""
        has_doc = Krita.instance().activeDocument() is not None
        self.no_doc.setVisible(not has_doc)
        self.work.setEnabled(has_doc)
        self.bind(self.app.active_model(create=False) if has_doc else None)
        if not has_doc:
            self._on_status("", False)

    def bind(self, model) -> None:
        if model is self._model:
            self._sync_toggles()
            return
        if self._model is not None:
            self._model.status_changed.disconnect(self._on_status)
            self._model.history_changed.disconnect(self.refresh_history)
            self._model.busy_changed.disconnect(self._on_busy)
        self._model = model
        if model is not None:
            model.status_changed.connect(self._on_status)
            model.history_changed.connect(self.refresh_history)
            model.busy_changed.connect(self._on_busy)
        self.setup_btn.setVisible(model is None)
        self._on_status(model.status or model.showing() if model else "", False)
        self._on_busy(model.busy if model else False)
        self.refresh_history()
        self._sync_toggles()

    def _tick(self) -> None:
        """Follow what changes without telling us: the active layer, an Undo of a dropped or
        deleted result (its layer is back, so is its place in the history)."""
        self._sync_toggles()
        model = self._model
        if model is not None and model.document_open():
            model.take_back_undone()

    def _sync_toggles(self) -> None:
        model = self._model
        if model is not None and not model.document_open():
            self.sync_active()  # closed under us: the App's watcher will agree in a moment
            return
        for button, on in ((self.live_btn, bool(model and model.live)),
                           (self.local_box, bool(model.auto_local) if model else True),
                           (self.colour_btn, bool(model and model.in_colour_mode()))):
            if button.isChecked() != on:
                button.blockSignals(True)
                button.setChecked(on)
                button.blockSignals(False)

    def _model_or_create(self, create: bool):
        if Krita.instance().activeDocument() is None:
            self._on_status(NO_DOCUMENT, True)
            return None
        model = self.app.active_model(create=create)
        self.bind(model)
        return model

    def _call(self, method: str, *args, create: bool = False) -> None:
        model = self._model_or_create(create)
        if model is None:
            if Krita.instance().activeDocument() is not None:
                self._on_status("Press 'Set up layers' first", True)
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
        self.status.setToolTip(conn.reason or text)
        self.retry.setVisible(conn.state in (ConnectionState.error, ConnectionState.disconnected))
        self.palette.set_info(conn.info)

    def _on_status(self, text: str, error: bool) -> None:
        self.doc_status.setText(text)
        self.doc_status.setToolTip(text)
        self.doc_status.setStyleSheet("color: #f85149;" if error else "")

    def _on_busy(self, busy: bool) -> None:
        self.busy.setVisible(bool(busy))
        self.draw_btn.setText("Draw! …" if busy else "Draw!")

    def refresh_history(self) -> None:
        model = self._model
        thumb = (lambda uid: model.thumbnail(uid, THUMB.width(), THUMB.height())) \
            if model else (lambda uid: None)
        count = self.history.show_model(model, thumb)
        self.tabs.setTabText(2, f"History ({count})" if count else "History")

    # -- actions -------------------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        """Modeless, so Krita and the status light keep running while the user types a path."""
        dialog = SettingsDialog(self.app.settings, self.app.root.apply_settings, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self.refresh_status())
        dialog.show()
        return dialog

    def _setup(self) -> None:
        if self._model_or_create(True) is not None:
            self._on_status("Layers ready: paint labels, add colour dabs, press Draw!", False)

    def _pick_label(self, cls) -> None:
        self._call("pick_label", cls, create=True)
        self._sync_toggles()

    def _colour_mode(self) -> None:
        self._call("colour_mode", create=True)
        self._sync_toggles()

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
        width, height = model.size()
        if isinstance(source, Template):
            data, note = source.render_fitted(width, height)
        else:
            image = QImage(str(source))
            if image.isNull():
                self._on_status(f"Cannot read {source}", True)
                return
            data, note = bgra_fitted(image, width, height)
        model.apply_template(data, note)
        self._sync_toggles()

    def _save_template(self) -> None:
        model = self._model_or_create(True)
        if model is None:
            return
        data = model.labels_pixels()
        if data is None:
            return
        width, height = model.size()
        self.templates_dir.mkdir(parents=True, exist_ok=True)
        n = len(list(self.templates_dir.glob("*.png"))) + 1
        target = self.templates_dir / f"my template {n}.png"
        qimage_from_bgra(data, width, height).save(str(target))
        self.templates.reload()
        self._on_status(f"Saved {target.name}", False)

    def _toggle_local(self, on: bool) -> None:
        model = self._model_or_create(False)
        if model is not None:
            model.auto_local = on

    def _toggle_live(self, on: bool) -> None:
        model = self._model_or_create(on)
        if model is not None:
            model.set_live(on)
        self._sync_toggles()
