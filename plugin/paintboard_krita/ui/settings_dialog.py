"""The "Backend settings" dialog, generated from the declarations in ``settings.py``.

Why generated: labels, defaults, descriptions (tooltips) and bounds live in one place, so a new
setting cannot drift from its form field. The dialog only edits values; the rules live in
``settings.validate`` (pure, tested without a display) and acting on a change in
``Root.apply_settings``. Nothing is saved or restarted unless every value is valid.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable, Iterable
from typing import Any

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..settings import DECLARATIONS, Setting, Settings, validate

log = logging.getLogger(__name__)

INT_LIMIT = 2**31 - 1  # QSpinBox is a C int
MIN_FIELD_WIDTH = 380  # paths of a venv or key file stay readable
REMOTE = "remote"


class Field:
    """One setting's editor: a widget plus how to read and write a Python value through it."""

    def __init__(self, decl: Setting, parent: QWidget) -> None:
        self.decl = decl
        self.original: Any = None  # a list-valued backend_command is kept if left unchanged
        kind = decl.types or (type(decl.default),)
        if bool in kind:
            self.editor: QWidget = QCheckBox(parent)
        elif float in kind:
            box = QDoubleSpinBox(parent)
            box.setDecimals(2)
            box.setSingleStep(0.1)
            lo, hi = decl.bounds or (0.0, 1e6)
            box.setRange(float(lo), float(hi))
            self.editor = box
        elif int in kind:
            spin = QSpinBox(parent)
            lo, hi = decl.bounds or (0, INT_LIMIT)
            spin.setRange(int(lo), int(hi))
            self.editor = spin
        else:
            self.editor = QLineEdit(parent)
            self.editor.setMinimumWidth(MIN_FIELD_WIDTH)
            self.editor.setPlaceholderText(decl.placeholder or
                                           (str(decl.default) if decl.default else ""))
        self.editor.setObjectName(decl.key)
        self.editor.setToolTip(decl.description)
        self.widget: QWidget = self.editor
        if decl.widget == "file":
            row = QWidget(parent)
            lay = QHBoxLayout(row)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(self.editor, 1)
            self.browse = QPushButton("…", row)
            self.browse.setObjectName(f"{decl.key}_browse")
            self.browse.setToolTip(f"Choose the file: {decl.description}")
            self.browse.setFixedWidth(32)
            self.browse.clicked.connect(self._browse)
            lay.addWidget(self.browse)
            self.widget = row

    def set(self, value: Any) -> None:
        self.original = value
        ed = self.editor
        if isinstance(ed, QCheckBox):
            ed.setChecked(bool(value))
        elif isinstance(ed, QDoubleSpinBox):
            ed.setValue(float(value))
        elif isinstance(ed, QSpinBox):
            ed.setValue(int(value))
        elif isinstance(ed, QLineEdit):
            ed.setText(shlex.join(str(v) for v in value) if isinstance(value, list)
                       else str(value))

    def get(self) -> Any:
        ed = self.editor
        if isinstance(ed, QCheckBox):
            return ed.isChecked()
        if isinstance(ed, QDoubleSpinBox):
            return round(ed.value(), ed.decimals())
        if isinstance(ed, QSpinBox):
            return ed.value()
        text = ed.text().strip() if isinstance(ed, QLineEdit) else ""
        if isinstance(self.original, list) and text == shlex.join(str(v) for v in self.original):
            return self.original  # untouched: keep the installer's exact argv
        return text

    def _browse(self) -> None:
        start = self.get() if isinstance(self.get(), str) else ""
        path, _ = QFileDialog.getOpenFileName(self.widget, self.decl.label, start)
        if path and isinstance(self.editor, QLineEdit):
            self.editor.setText(path)


class SettingsDialog(QDialog):
    """Edit, validate, save atomically, then hand the changed keys to ``on_applied``.

    ``on_applied`` is ``Root.apply_settings`` in Krita; it is a parameter so the dialog can be
    exercised offscreen without a backend.
    """

    def __init__(self, settings: Settings,
                 on_applied: Callable[[set[str]], None] | None = None,
                 parent: QWidget | None = None,
                 keys: Iterable[str] | None = None,
                 check_keys: Callable[[str, str], None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Paintboard — Backend settings")
        self.settings = settings
        self.on_applied = on_applied
        self.check_keys = check_keys
        self.changed: set[str] = set()
        wanted = set(keys) if keys is not None else None
        decls = [d for d in DECLARATIONS if wanted is None or d.key in wanted]

        outer = QVBoxLayout(self)
        intro = QLabel(
            "Paintboard starts a local backend, or connects to one at the address below. A "
            "backend on another machine needs CURVE keys: run <code>paintboard serve "
            "--make-keys DIR</code> there and copy <code>server.key</code> and "
            "<code>client.key_secret</code> here.", self)
        intro.setWordWrap(True)
        outer.addWidget(intro)
        form = QFormLayout()
        self.remote = QWidget(self)
        remote_form = QFormLayout(self.remote)
        remote_form.setContentsMargins(12, 0, 0, 0)
        self.fields: dict[str, Field] = {}
        for decl in decls:
            field = Field(decl, self)
            label = QLabel(decl.label, self)
            label.setToolTip(decl.description)
            (remote_form if decl.section == REMOTE else form).addRow(label, field.widget)
            self.fields[decl.key] = field
        outer.addLayout(form)
        self.remote_toggle = QToolButton(self)
        self.remote_toggle.setText("Remote backend (CURVE keys)")
        self.remote_toggle.setCheckable(True)
        self.remote_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.remote_toggle.setAutoRaise(True)
        self.remote_toggle.toggled.connect(self._show_remote)
        has_remote = any(d.section == REMOTE for d in decls)
        self.remote_toggle.setVisible(has_remote)
        outer.addWidget(self.remote_toggle)
        outer.addWidget(self.remote)
        # Collapsed unless keys are set: most users run the local backend and never need them.
        self._show_remote(has_remote and any(
            self.settings.get(d.key) for d in decls if d.section == REMOTE))
        self.setMinimumWidth(MIN_FIELD_WIDTH + 220)

        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.error.setStyleSheet("color: #f85149;")
        self.error.hide()
        outer.addWidget(self.error)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.Ok | QDialogButtonBox.Cancel | QDialogButtonBox.RestoreDefaults,
            self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        restore = self.buttons.button(QDialogButtonBox.RestoreDefaults)
        restore.setToolTip("The installer's values (or the built-in ones); saved on OK")
        restore.clicked.connect(self.restore_defaults)
        outer.addWidget(self.buttons)
        self.load()

    def _show_remote(self, on: bool) -> None:
        self.remote_toggle.blockSignals(True)
        self.remote_toggle.setChecked(on)
        self.remote_toggle.blockSignals(False)
        self.remote_toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        self.remote.setVisible(on)
        self.adjustSize()

    # -- values ---------------------------------------------------------------------------------
    def load(self) -> None:
        for key, field in self.fields.items():
            field.set(self.settings.get(key))

    def restore_defaults(self) -> None:
        for key, field in self.fields.items():
            field.set(self.settings.default(key))
        self.show_error("")

    def values(self) -> dict[str, Any]:
        return {key: field.get() for key, field in self.fields.items()}

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # -- OK ---------------------------------------------------------------------------------------
    def accept(self) -> None:
        """Validate → save (atomic) → apply; any failure stays in the dialog with its reason."""
        values = self.values()
        # The rules read the effective value of settings this dialog does not show (keys=...).
        full = {d.key: self.settings.get(d.key) for d in DECLARATIONS}
        full.update(values)
        errors = (validate(full, self.check_keys) if self.check_keys is not None
                  else validate(full))
        if errors:
            self.show_error("\n".join(errors.values()))
            first = next(iter(errors))
            if first in self.fields:
                if self.fields[first].decl.section == REMOTE:
                    self._show_remote(True)
                self.fields[first].editor.setFocus()
            return
        try:
            self.changed = self.settings.update(values)
            self.settings.save()
        except (OSError, ValueError) as exc:
            self.settings.load()  # drop the unsaved in-memory change
            self.show_error(f"Could not save the settings: {exc}")
            return
        if self.changed and self.on_applied is not None:
            try:
                self.on_applied(self.changed)
            except Exception as exc:  # the settings are saved; say why the restart failed
                log.exception("applying settings failed")
                self.show_error(f"Saved, but restarting the connection failed: {exc}")
                return
        super().accept()
